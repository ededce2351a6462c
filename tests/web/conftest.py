"""A live war room server for the browser tests: uvicorn in a thread, temp SQLite, free port.

The fixtures here are requested by name only (nothing is autouse), so the in-process
API tests next to this file do not start a server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from pagerdrill.game.catalog import builtin_folders
from pagerdrill.game.loader import ScenarioError, load_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.web.app import ServeSettings, create_app, missing_vendor_files
from pagerdrill.web.socket import MAX_EDITOR_BYTES


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    db_path: Path
    scenario_ids: tuple[str, ...]  # the catalog, in its order


def loadable_scenarios() -> list[Scenario]:
    """Every built-in scenario that loads: one being written in the working tree must not
    take the browser tests down (the scenario tests report it)."""
    loaded = []
    for folder in builtin_folders():
        try:
            loaded.append(load_scenario(folder))
        except ScenarioError:
            continue
    return loaded


def _listening_socket() -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says
    # TCP; without it Nagle holds a turn's later messages back for ~40 ms each.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    missing = missing_vendor_files()
    if missing:
        pytest.skip("the web assets from npm are missing (" + ", ".join(missing) +
                    "): run `python setup.py vendor`")
    db_path = tmp_path_factory.mktemp("warroom") / "pd.db"
    scenarios = loadable_scenarios()
    app = create_app(ServeSettings(db_url=f"sqlite:///{db_path}", scenarios=scenarios))
    sock = _listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_EDITOR_BYTES + 4096,
                            proxy_headers=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="live-warroom")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live war room server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, tuple(s.id for s in scenarios))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
