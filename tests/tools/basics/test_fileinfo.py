"""file: what the real tool cannot be compared with (ELF, links, devices, gzip)."""

from __future__ import annotations

from .helpers import Session


def test_system_things() -> None:
    s = Session()
    out = s("file /usr/bin/ls /bin /dev/null /var/log /nope")
    assert out.splitlines() == [
        "/usr/bin/ls: ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically "
        "linked, interpreter /lib64/ld-linux-x86-64.so.2, for GNU/Linux 3.2.0, stripped",
        "/bin:        symbolic link to usr/bin",
        "/dev/null:   character special (1/3)",
        "/var/log:    directory",
        "/nope:       cannot open `/nope' (No such file or directory)",
    ]
