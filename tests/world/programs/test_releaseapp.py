"""A Capistrano-deployed Node app: which release it runs and which port it finds."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.fs import Kind
from pagerdrill.world.host import Host
from pagerdrill.world.programs.releaseapp import (
    ReleaseApp,
    ReleaseAppSpec,
    current_release,
    read_env,
    release_port,
)
from pagerdrill.world.services import Unit

REL = "/srv/shop/releases/20260324025412"


@pytest.fixture
def host() -> Host:
    host = add_linux_host(new_world(0), "web-01")
    host.fs.put(f"{REL}/src/server.js",
                b"const PORT = process.env.PORT || config.port || 8080;\n")
    host.fs.create("/srv/shop/current", kind=Kind.LINK, target="releases/20260324025412")
    return host


def test_the_port_comes_from_env_then_config_then_code(host: Host) -> None:
    assert release_port(host.fs, REL, {}) == 8080
    host.fs.put(f"{REL}/config/production.json", b'{"port": 3000, "db": {}}\n')
    assert release_port(host.fs, REL, {}) == 3000
    assert release_port(host.fs, REL, {"PORT": "4000"}) == 4000
    host.fs.put(f"{REL}/config/production.json", b"{not json")
    assert release_port(host.fs, REL, {"PORT": "x"}) == 8080


def test_env_files_and_current(host: Host) -> None:
    assert read_env("# c\nexport A=1\nB = 'two'\nbad line\nC=\"3\"\n") == {
        "A": "1", "B": "two", "C": "3"}
    assert current_release(host.fs, "/srv/shop") == REL  # a relative link resolves
    host.fs.unlink("/srv/shop/current")
    assert current_release(host.fs, "/srv/shop") is None


def test_the_process_runs_the_release_it_started_with(host: Host) -> None:
    host.fs.put("/srv/shop/shared/.env", b"NODE_ENV=production\n")
    host.services.add(Unit("shop", "shop", ["node"],
                           program_factory=lambda: ReleaseApp(ReleaseAppSpec("shop",
                                                                             "/srv/shop"))))
    proc = host.services.main_process(host.services.find("shop"))
    assert proc is not None and proc.cwd == REL and proc.env["NODE_ENV"] == "production"
    assert host.listeners[8080].address == "*"
    lines = [e.message for e in host.journal.entries if e.ident == "shop"]
    assert lines[-1] == "shop 0.0.0 listening on port 8080 (NODE_ENV=production)"
    host.fs.unlink("/srv/shop/current")
    host.services.restart("shop")
    assert 8080 not in host.listeners
    assert "Error: Cannot find module '/srv/shop/current/src/server.js'" in [
        e.message for e in host.journal.entries][-2:]
