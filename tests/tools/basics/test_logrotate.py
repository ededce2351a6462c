"""logrotate -d / -f / -v narrating the world's logrotate model."""

from __future__ import annotations

from .helpers import Session

CONF = b"/var/log/myapp/app.log {\n  size 100M\n  rotate 5\n  compress\n  copytruncate\n}\n"


def _session(size: int) -> Session:
    s = Session()
    s.host.fs.put("/etc/logrotate.d/myapp", CONF)
    s.host.fs.put("/var/log/myapp/app.log", b"x" * size)
    return s


def test_debug_says_whether_a_log_needs_rotating() -> None:
    s = _session(10)
    out = s("logrotate -d /etc/logrotate.d/myapp")
    assert out.startswith("warning: logrotate in debug mode does nothing except printing "
                          "debug messages!")
    assert "rotating pattern: /var/log/myapp/app.log  104857600 bytes (5 rotations)\n" in out
    assert "  log does not need rotating (log size is below the 'size' threshold)\n" in out
    assert s.status == 0
    assert s("ls -1 /var/log/myapp") == "app.log\n"


def test_debug_on_a_big_log_changes_nothing() -> None:
    s = _session(0)
    s.host.fs.lookup("/var/log/myapp/app.log").content.truncate(200 << 20)  # type: ignore
    out = s("logrotate -d /etc/logrotate.d/myapp")
    assert "  log needs rotating\n" in out
    assert "copying /var/log/myapp/app.log to /var/log/myapp/app.log.1\n" in out
    assert s("ls -1 /var/log/myapp") == "app.log\n"


def test_force_rotates_through_the_model() -> None:
    s = _session(1000)
    out = s("logrotate -f /etc/logrotate.d/myapp")
    assert out == ""
    assert s("ls -1 /var/log/myapp") == "app.log\napp.log.1.gz\n"
    assert s("wc -c < /var/log/myapp/app.log") == "0\n"
    assert s("zcat /var/log/myapp/app.log.1.gz | wc -c") == "1000\n"
    verbose = s("logrotate -v -f /etc/logrotate.d/myapp")
    assert "rotating pattern: /var/log/myapp/app.log  forced from command line" in verbose


def test_missing_config_and_missing_log() -> None:
    s = Session()
    assert s("logrotate /etc/x") == "error: cannot stat /etc/x: No such file or directory\n"
    assert s.status == 1
    s.host.fs.put("/etc/lr", b"/var/log/none.log {\n  weekly\n}\n")
    assert s("logrotate -f /etc/lr") == (
        "error: stat of /var/log/none.log failed: No such file or directory\n")
