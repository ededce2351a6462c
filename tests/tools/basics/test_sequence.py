"""yes and seq through the shell."""

from __future__ import annotations

from .helpers import Session


def test_yes_into_head_ends_at_once() -> None:
    s = Session()
    assert s("yes | head -n 3") == "y\ny\ny\n"
    assert s("yes ab cd | head -2") == "ab cd\nab cd\n"


def test_seq_basics() -> None:
    s = Session()
    assert s("seq 3") == "1\n2\n3\n"
    assert s("seq -s, 2 4") == "2,3,4\n"
    assert s("seq 1000000 | tail -1") == "1000000\n"
    assert s("seq 5 1") == ""
