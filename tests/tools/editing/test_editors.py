"""nano/vim/vi: through the front end's editor, or a clear refusal in scripted runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from pagerdrill.tools.api import ByteInput, ByteSink, Editor, Invocation
from pagerdrill.tools.editors import NO_TERMINAL
from pagerdrill.tools.registry import lookup
from pagerdrill.world.builder import GiB, add_linux_host, new_world
from pagerdrill.world.host import Host, User
from toolkit import run_tool


@dataclass
class EditingShell:
    editor: Editor | None
    user: str = "root"
    cwd: str = "/root"
    env: dict[str, str] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    pid: int = 1000
    host: Host | None = None

    def run_nested(self, host: Host, user: str, command: str | None):  # type: ignore[no-untyped-def]
        raise NotImplementedError


def edit(host: Host, argv: list[str], editor: Editor | None, user: str = "root") -> tuple[int, str]:
    tool = lookup(argv[0])
    assert tool is not None
    sink = ByteSink()
    shell = EditingShell(editor, user, host=host)
    inv = Invocation(argv, host.world, host, shell, ByteInput.empty(), sink)  # type: ignore[arg-type]
    gen = tool(inv)
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return int(stop.value), sink.getvalue().decode()


def test_without_a_terminal_every_editor_refuses(host: Host) -> None:
    for name in ("nano", "vim", "vi"):
        result = run_tool(host, [name, "/etc/hostname"])
        assert (result.err, result.status) == (NO_TERMINAL.format(name=name), 1)
    assert "sed -i" in NO_TERMINAL


def test_saved_bytes_are_written_back(host: Host) -> None:
    host.fs.put("/etc/app.yaml", b"log_level: debug\n")
    seen: list[tuple[str, bytes]] = []

    def editor(path: str, data: bytes) -> bytes | None:
        seen.append((path, data))
        return data.replace(b"debug", b"info")

    assert edit(host, ["vim", "/etc/app.yaml"], editor) == (0, "")
    assert seen == [("/etc/app.yaml", b"log_level: debug\n")]
    assert host.fs.lookup("/etc/app.yaml").content.read() == b"log_level: info\n"  # type: ignore[union-attr]


def test_quitting_without_saving_changes_nothing(host: Host) -> None:
    host.fs.put("/etc/app.yaml", b"x\n")
    before = host.fs.lookup("/etc/app.yaml").mtime_ms
    host.world.advance(5)
    assert edit(host, ["nano", "/etc/app.yaml"], lambda p, d: None) == (0, "")
    assert host.fs.lookup("/etc/app.yaml").mtime_ms == before


def test_a_new_file_is_created(host: Host) -> None:
    assert edit(host, ["vi", "/root/notes.txt"], lambda p, d: b"hello\n")[0] == 0
    assert host.fs.lookup("/root/notes.txt").size == 6


def test_a_full_disk_fails_the_save() -> None:
    world = new_world()
    host = add_linux_host(world, "web-01", disk_bytes=1 * GiB)
    host.fs.put("/etc/app.yaml", b"a\n")
    host.fs.put("/var/big", b"")
    host.fs.set_opaque("/var", host.fs.root.mount.avail_bytes)
    grow = b"x" * 10_000
    assert edit(host, ["vim", "/etc/app.yaml"], lambda p, d: grow) == (
        1, '"/etc/app.yaml" E514: Write error (file system full?)\n')
    assert edit(host, ["nano", "/etc/app.yaml"], lambda p, d: grow) == (
        1, "[ Error writing /etc/app.yaml: No space left on device ]\n")
    assert host.fs.lookup("/etc/app.yaml").size == 2


def test_permission_denied_for_other_users(host: Host) -> None:
    host.fs.put("/etc/app.yaml", b"a\n", mode=0o644)
    host.add_user(User("deploy", 1000, 1000, "/home/deploy"))
    status, err = edit(host, ["vim", "/etc/app.yaml"], lambda p, d: b"b\n", user="deploy")
    assert (status, err) == (1, "\"/etc/app.yaml\" E212: Can't open file for writing\n")
