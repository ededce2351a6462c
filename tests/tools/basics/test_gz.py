"""zcat/zgrep/gzip over modelled .gz files: text when the model knows it, else gzip's error."""

from __future__ import annotations

from pagerdrill.world.content import FileContent
from pagerdrill.world.programs.logrotate import LogPolicy, gzip_content, rotate_now

from .helpers import Session


def _session() -> Session:
    s = Session()
    known = gzip_content(1, "/var/log/a.log.2.gz", 100, 0, original=FileContent(b"one\ntwo\n"))
    s.host.fs.put("/var/log/a.log.2.gz", known)
    s.host.fs.put("/var/log/old.log.3.gz", gzip_content(1, "/var/log/old.log.3.gz", 100, 0))
    s.host.fs.put("/var/log/plain.log", b"two plain\n")
    return s


def test_zcat_streams_remembered_text() -> None:
    s = _session()
    assert s("zcat /var/log/a.log.2.gz") == "one\ntwo\n"
    assert s("zcat /var/log/a.log.2") == "one\ntwo\n"  # gzip -d tries the .gz suffix


def test_zcat_is_honest_about_unmodelled_archives() -> None:
    s = _session()
    assert s("zcat /var/log/old.log.3.gz") == (
        "\ngzip: /var/log/old.log.3.gz: not in gzip format\n")
    assert s.status == 1
    assert s("zcat /nope") == "gzip: /nope.gz: No such file or directory\n"
    assert s("echo hi | zcat") == "\ngzip: stdin: not in gzip format\n"


def test_zgrep_names_files_when_many() -> None:
    s = _session()
    assert s("zgrep two /var/log/a.log.2.gz /var/log/plain.log") == (
        "/var/log/a.log.2.gz:two\n/var/log/plain.log:two plain\n")
    assert s("zgrep -c o /var/log/a.log.2.gz") == "2\n"


def test_gzip_list_and_round_trip() -> None:
    s = _session()
    assert s("gzip -l /var/log/a.log.2.gz") == (
        "         compressed        uncompressed  ratio uncompressed_name\n"
        "                100                   8 -825.0% /var/log/a.log.2\n")
    assert s("cd /var/log && gzip plain.log && ls plain* && zcat plain.log.gz") == (
        "plain.log.gz\ntwo plain\n")
    assert s("cd /var/log && gunzip plain.log.gz && cat plain.log") == "two plain\n"


def test_rotation_remembers_what_it_compressed() -> None:
    s = Session()
    s.host.fs.put("/var/log/app.log", b"first\nsecond\n")
    policy = LogPolicy(rotate=2, compress=True, copytruncate=True)
    assert rotate_now(s.host, "/var/log/app.log", policy)
    assert s("zcat /var/log/app.log.1.gz") == "first\nsecond\n"
    assert s("file -b /var/log/app.log.1.gz").startswith(
        'gzip compressed data, was "app.log.1", last modified: ')
