"""cron: /etc/cron.d parsing, schedules, syslog lines and failure mail."""

from __future__ import annotations

import datetime as _dt

from pagerdrill.world.host import Host
from pagerdrill.world.programs.cron import CronJob, cron_jobs, cron_rule, parse_cron_d
from pagerdrill.world.world import World


def at(text: str) -> int:
    return int(_dt.datetime.fromisoformat(text).replace(tzinfo=_dt.UTC).timestamp() * 1000)


def test_parse_cron_d_fields_env_and_bad_lines() -> None:
    jobs = parse_cron_d("/etc/cron.d/x", "# comment\nMAILTO=ops\nSHELL=/bin/sh\n"
                        "*/15 2-4 * * 1-5 www-data php /srv/gc.php\n"
                        "61 * * * * root broken\n"
                        "0 0 1 jan sun root monthly\n")
    assert len(jobs) == 2
    first, second = jobs
    assert first.fields[0] == frozenset({0, 15, 30, 45}) and first.fields[1] == {2, 3, 4}
    assert (first.user, first.command, first.mailto) == ("www-data", "php /srv/gc.php", "ops")
    assert second.fields[3] == {1} and second.fields[4] == {0}


def test_due_follows_cron_day_rules() -> None:
    (job,) = parse_cron_d("f", "30 3 13 * 5 root x\n")  # the 13th OR any Friday
    assert job.due(at("2026-03-13T03:30:00"))  # a Friday the 13th
    assert job.due(at("2026-03-20T03:30:00"))  # a Friday
    assert job.due(at("2026-04-13T03:30:00"))  # a Monday the 13th
    assert not job.due(at("2026-03-17T03:30:00"))
    (daily,) = parse_cron_d("f", "15 * * * * root y\n")
    assert daily.due(at("2026-03-17T09:15:00")) and not daily.due(at("2026-03-17T09:16:00"))


def test_rule_logs_runs_and_mails_output(world: World, host: Host) -> None:
    host.fs.put("/etc/cron.d/job", b"MAILTO=root\n* * * * * root /usr/local/bin/clean\n")
    host.fs.mkdir("/var/mail", parents=True)
    host.fs.put("/etc/cron.d/bad.name", b"* * * * * root ignored\n")  # dots: cron skips it
    ran: list[CronJob] = []

    def runner(w: World, h: Host, job: CronJob) -> tuple[int, str]:
        ran.append(job)
        return 127, f"/bin/sh: 1: {job.command}: not found"

    assert [j.command for j in cron_jobs(host)] == ["/usr/local/bin/clean"]
    world.rules.append(cron_rule(host, runner))
    world.advance(125)
    assert len(ran) == 2
    syslog = host.fs.lookup("/var/log/syslog").content
    assert syslog is not None
    lines = syslog.read().decode().splitlines()
    assert len(lines) == 2 and lines[0].endswith("(root) CMD (/usr/local/bin/clean)")
    assert f" {host.name} CRON[" in lines[0]
    mail = host.fs.lookup("/var/mail/root").content
    assert mail is not None
    text = mail.read().decode()
    assert text.count("Subject: Cron <root@") == 2
    assert "/bin/sh: 1: /usr/local/bin/clean: not found" in text
