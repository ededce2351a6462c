"""The $EDITOR seam for the simulated nano/vim."""

from __future__ import annotations

from pathlib import Path

from game.kit import new_session
from pagerdrill.terminal.editor import editor_command, external_editor


def test_editor_command_prefers_visual_then_editor() -> None:
    assert editor_command({"VISUAL": "code -w", "EDITOR": "nano"}) == ["code", "-w"]
    assert editor_command({"EDITOR": "nano -R"}) == ["nano", "-R"]


def test_saved_changes_come_back() -> None:
    seen: list[list[str]] = []

    def fake_editor(argv: list[str]) -> int:
        seen.append(argv)
        Path(argv[-1]).write_bytes(b"max_connections = 200\n")
        return 0

    new = external_editor("/etc/postgresql/postgresql.conf", b"max_connections = 100\n",
                          run=fake_editor, command=["myeditor"])
    assert new == b"max_connections = 200\n"
    assert seen[0][0] == "myeditor" and seen[0][1].endswith("-postgresql.conf")
    assert not Path(seen[0][1]).exists()  # the temporary copy is cleaned up


def test_quitting_without_saving_gives_none() -> None:
    assert external_editor("/etc/x", b"data", run=lambda argv: 0, command=["true"]) is None


def test_a_missing_editor_gives_none() -> None:
    def missing(argv: list[str]) -> int:
        raise FileNotFoundError(argv[0])

    assert external_editor("/etc/x", b"data", run=missing, command=["nope"]) is None


def test_the_seam_reaches_the_shell_in_play_mode() -> None:
    def edit(path: str, data: bytes) -> bytes | None:
        return b"new\n"

    session = new_session(editor=edit)
    assert session.submit("edit /etc/x").output == "saved\n"
    assert new_session().submit("edit /etc/x").output == "edit: not a terminal\n"
