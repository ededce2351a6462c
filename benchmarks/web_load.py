"""A bounded loopback load test of the war room: many players, one WebSocket each.

The server runs in a subprocess exactly as ``pagerdrill serve`` runs it (the same
``create_app`` and default settings, rate limits included; uvicorn binding
127.0.0.1 itself), with a temporary SQLite store. Each simulated player gets its own
player cookie (from its first ``GET /api/catalog``), starts its own ``disk-full``
session, opens the session's WebSocket and sends a command every ``--interval``
seconds for ``--duration`` seconds (read-only diagnosis commands from the scenario,
so no drill ends), timing command -> ``prompt``. Printed: errors (target 0), p50/p99
latency, and the server's RSS per session (``VmRSS`` of the server process before
the players and after they have played, divided by the number of players).

Players start at random offsets within the first interval (a seeded RNG), so the
load is spread as it would be with real people. The client is one asyncio process
on the same machine, so it shares the cores with the server: on a small machine the
figures include the client's own CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

COMMANDS = [  # read-only: the drill goes on however many times they run
    "df -h",
    "curl -s -o /dev/null -w '%{http_code}\\n' localhost/health",
    "tail -n 3 /var/log/postgresql/postgresql-15-main.log",
    "du -sh /var/log/nginx/*",
    "uptime",
]
COMMAND_TIMEOUT_S = 30.0
LATE_S = 1.0
CONNECT_CONCURRENCY = 8  # players setting up at once (session creation, socket handshake)


# -- the server (a subprocess: python web_load.py --serve DB_URL PORT) ----------------------
def serve(db_url: str, port: int) -> None:
    import uvicorn

    from pagerdrill.game.catalog import builtin_folders
    from pagerdrill.game.loader import ScenarioError, load_scenario
    from pagerdrill.web.app import ServeSettings, create_app
    from pagerdrill.web.socket import MAX_EDITOR_BYTES

    # Every built-in scenario that loads (a broken one in a working tree must not stop
    # the load test; the scenario checks report it).
    scenarios = []
    for folder in builtin_folders():
        try:
            scenarios.append(load_scenario(folder))
        except ScenarioError:
            print(f"skipping the broken scenario {folder.name}", file=sys.stderr)
    app = create_app(ServeSettings(db_url=db_url, scenarios=scenarios))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
                ws_max_size=MAX_EDITOR_BYTES + 4096, proxy_headers=False)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


# -- the players -----------------------------------------------------------------------------
@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    late: int = 0  # commands sent over LATE_S after their slot (the previous one was slow)


@dataclass
class Player:
    number: int
    session_id: str = ""
    cookie: str = ""
    ws: ClientConnection | None = None


async def setup(player: Player, base: str, results: Results, gate: asyncio.Semaphore) -> bool:
    """Cookie, session, socket (up to the first prompt); False (and an error) on failure."""
    async with gate:
        try:
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                catalog = await http.get("/api/catalog")
                catalog.raise_for_status()
                created = await http.post("/api/sessions",
                                          json={"scenario": "disk-full", "seed": player.number + 1})
                created.raise_for_status()
                player.session_id = created.json()["id"]
                player.cookie = f"pd_player={http.cookies['pd_player']}"
            player.ws = await connect(f"ws{base[4:]}/ws/{player.session_id}", origin=base,  # type: ignore[arg-type]
                                      additional_headers={"Cookie": player.cookie},
                                      open_timeout=120, max_size=2**20)
            await asyncio.wait_for(until_prompt(player.ws), COMMAND_TIMEOUT_S)
            return True
        except Exception as exc:
            results.errors[f"setup: {type(exc).__name__}: {exc}"[:120]] += 1
            return False


async def until_prompt(ws: ClientConnection) -> str | None:
    """Reads a turn's messages up to its prompt; the first ``error`` message, if any."""
    error = None
    while True:
        frame: dict[str, Any] = json.loads(await ws.recv())
        for message in frame["messages"] if frame["type"] == "batch" else [frame]:
            if message["type"] == "error" and error is None:
                error = str(message["message"])
            if message["type"] in ("prompt", "ended"):
                return error


async def play(player: Player, rng: random.Random, interval: float, deadline: float,
               results: Results) -> None:
    assert player.ws is not None
    ws = player.ws
    next_at = time.perf_counter() + rng.uniform(0, interval)
    turn = 0
    try:
        # A player whose last answer came late sends at once (a person waits for the
        # prompt too), and nobody sends after the deadline: the test stays bounded.
        while next_at < deadline and time.perf_counter() < deadline:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            line = COMMANDS[(player.number + turn) % len(COMMANDS)]
            turn += 1
            start = time.perf_counter()
            if start - next_at > LATE_S:
                results.late += 1
            await ws.send(json.dumps({"type": "input", "line": line}))
            results.sent += 1
            answer = asyncio.ensure_future(until_prompt(ws))
            done, _ = await asyncio.wait([answer], timeout=COMMAND_TIMEOUT_S)
            if not done:  # an error, but the player waits on for the prompt, as a person would
                results.errors[f"no prompt within {COMMAND_TIMEOUT_S:.0f}s"] += 1
            error = await answer
            results.latencies.append(time.perf_counter() - start)
            if error is not None:
                results.errors[f"server error message: {error}"[:120]] += 1
            next_at += interval
    except Exception as exc:
        results.errors[f"play: {type(exc).__name__}: {exc}"[:120]] += 1
    finally:
        await ws.close()


async def prime(player: Player, results: Results, gate: asyncio.Semaphore) -> None:
    assert player.ws is not None
    async with gate:
        try:
            await player.ws.send(json.dumps({"type": "input", "line": "true"}))
            await asyncio.wait_for(until_prompt(player.ws), 120)
        except Exception as exc:
            results.errors[f"prime: {type(exc).__name__}: {exc}"[:120]] += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(base: str, server_pid: int, players: int, duration: float,
              interval: float) -> None:
    results = Results()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    warm = Player(-1)  # imports and shared caches once, before the baseline
    if not await setup(warm, base, results, gate):
        raise SystemExit(f"cannot start a session: {dict(results.errors)}")
    assert warm.ws is not None
    await warm.ws.send(json.dumps({"type": "input", "line": COMMANDS[0]}))
    await until_prompt(warm.ws)
    before = rss_kib(server_pid)

    start = time.perf_counter()
    group = [Player(n) for n in range(players)]
    ready = await asyncio.gather(*(setup(p, base, results, gate) for p in group))
    setup_s = time.perf_counter() - start
    playing = [p for p, ok in zip(group, ready, strict=True) if ok]
    print(f"{len(playing)}/{players} players connected in {setup_s:.1f}s "
          f"(session + socket each, {CONNECT_CONCURRENCY} at a time)", flush=True)
    # Simulated time follows real time while a socket is attached; the page's ticks keep
    # it current, these players send none. One untimed command each brings every drill
    # up to now, so the measured minute does not start with minutes of catch-up.
    await asyncio.gather(*(prime(p, results, gate) for p in playing))

    start = time.perf_counter()
    rng = random.Random(0)
    await asyncio.gather(*(play(p, random.Random(rng.random()), interval,
                                start + duration, results) for p in playing))
    elapsed = time.perf_counter() - start
    after = rss_kib(server_pid)
    await warm.ws.close()

    lat = results.latencies
    print(f"players: {players}, one command every {interval:g}s each for {duration:g}s "
          f"({elapsed:.1f}s wall)")
    planned = int(duration / interval) * len(playing)
    print(f"commands: {results.sent} sent of about {planned} planned, {len(lat)} answered "
          f"({len(lat) / elapsed:.0f}/s); {results.late} sent over {LATE_S:g}s late "
          "(the player was still waiting for the previous prompt)")
    errors = sum(results.errors.values())
    print(f"errors: {errors} (target: 0)")
    for reason, count in results.errors.most_common():
        print(f"  {count} x {reason}")
    if lat:
        print(f"latency command -> prompt: p50 {1000 * percentile(lat, 0.50):.0f} ms, "
              f"p99 {1000 * percentile(lat, 0.99):.0f} ms, max {1000 * max(lat):.0f} ms, "
              f"mean {1000 * statistics.fmean(lat):.0f} ms")
    per = (after - before) / max(1, len(playing))
    print(f"server RSS: {before / 1024:.0f} MiB before the players, {after / 1024:.0f} MiB "
          f"after; {per:.0f} KiB per session")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--players", type=int, default=500, help="default: 500")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default: 60)")
    parser.add_argument("--interval", type=float, default=2.0,
                        help="seconds between one player's commands (default: 2)")
    parser.add_argument("--quick", action="store_true", help="50 players for 10 s")
    parser.add_argument("--serve", nargs=2, metavar=("DB_URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    if args.quick:
        args.players, args.duration = 50, 10.0
    with tempfile.TemporaryDirectory(prefix="pd-load-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, __file__, "--serve",
                                   f"sqlite:///{os.path.join(tmp, 'load.db')}", str(port)])
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    raise SystemExit("the server exited during start-up")
                time.sleep(0.1)
            asyncio.run(run(base, server.pid, args.players, args.duration, args.interval))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
