"""Commands per second over the war room's session WebSocket vs a bare echo WebSocket.

One server subprocess runs two uvicorn servers on one event loop, same uvicorn and
same settings: the war room app (``create_app``, a temporary SQLite store) and a
tiny Starlette app whose only route is a WebSocket echo. The client (this process)
creates a ``disk-full`` session (seed 0) and sends N ``input`` messages of a cheap
command, each time waiting for the ``prompt`` that ends the turn; then N round trips
to the echo endpoint. A session turn does everything a real one does (parse, run in
a worker thread, advance the simulated clock, persist the log to SQLite, broadcast
output/state/prompt); the echo is the cost of the WebSocket stack itself.

The per-player socket rate limit (20 messages/s by default, a defence against a
runaway client) is raised for this server: the figure is the session path's cost,
not the limiter's budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

COMMAND = "echo hi"
WARMUP = 20


# -- the server (a subprocess: python ws_throughput.py --serve DB_URL) ---------------------
def serve(db_url: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from pagerdrill.game.catalog import find_scenario
    from pagerdrill.web.app import ServeSettings, create_app
    from pagerdrill.web.socket import MAX_EDITOR_BYTES

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    unlimited = (1e9, 1e9)
    warroom = create_app(ServeSettings(db_url=db_url, socket_rate=unlimited,
                                       scenarios=[find_scenario("disk-full")]))
    bare = Starlette(routes=[WebSocketRoute("/echo", echo)])

    async def main() -> None:
        sockets, servers = [], []
        for app in (warroom, bare):
            # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto
            # says TCP, and without it Nagle holds a turn's later messages for ~40 ms.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_EDITOR_BYTES + 4096,
                                    proxy_headers=False, lifespan="on")
            servers.append(uvicorn.Server(config))
        tasks = [asyncio.create_task(s.serve(sockets=[k])) for s, k in zip(servers, sockets,
                                                                              strict=True)]
        while not all(s.started for s in servers):
            await asyncio.sleep(0.01)
        print(json.dumps({"warroom": sockets[0].getsockname()[1],
                          "echo": sockets[1].getsockname()[1]}), flush=True)
        await asyncio.gather(*tasks)

    asyncio.run(main())


# -- the client ------------------------------------------------------------------------------
async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def until_prompt(ws: ClientConnection) -> None:
    while True:
        frame = await receive(ws)  # a "batch" frame carries a turn's messages, in order
        for message in frame["messages"] if frame["type"] == "batch" else [frame]:
            if message["type"] == "error":
                raise RuntimeError(f"server error: {message['message']}")
            if message["type"] == "prompt":
                return


async def session_rate(port: int, n: int) -> float:
    origin = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=origin) as http:
        (await http.get("/api/catalog")).raise_for_status()
        created = await http.post("/api/sessions", json={"scenario": "disk-full", "seed": 0})
        created.raise_for_status()
        session_id = created.json()["id"]
        cookie = f"pd_player={http.cookies['pd_player']}"
    async with connect(f"ws://127.0.0.1:{port}/ws/{session_id}", origin=origin,  # type: ignore[arg-type]
                       additional_headers={"Cookie": cookie}) as ws:
        await until_prompt(ws)  # sent on open
        message = json.dumps({"type": "input", "line": COMMAND})
        for _ in range(WARMUP):
            await ws.send(message)
            await until_prompt(ws)
        start = time.perf_counter()
        for _ in range(n):
            await ws.send(message)
            await until_prompt(ws)
        return n / (time.perf_counter() - start)


async def echo_rate(port: int, n: int) -> float:
    message = json.dumps({"type": "input", "line": COMMAND})
    async with connect(f"ws://127.0.0.1:{port}/echo") as ws:
        for _ in range(WARMUP):
            await ws.send(message)
            await ws.recv()
        start = time.perf_counter()
        for _ in range(n):
            await ws.send(message)
            await ws.recv()
        return n / (time.perf_counter() - start)


def turn_costs(n: int, tmp: str) -> tuple[float, float]:
    """Median seconds of the two big parts of a turn, in this process: the game's
    ``Session.submit`` of the command, and storing the turn's log entries."""
    from pagerdrill.game.catalog import find_scenario
    from pagerdrill.game.session import Session
    from pagerdrill.web.store import Store

    session = Session(find_scenario("disk-full"), 0)
    store = Store(f"sqlite:///{os.path.join(tmp, 'parts.db')}")
    store.ensure_player("p" * 24, 0)
    store.create_session("s" * 24, "p" * 24, "disk-full", 0, 0)
    submits, appends = [], []
    for i in range(n):
        stored = len(session.log)
        start = time.perf_counter()
        session.submit(COMMAND, at_ms=i * 100)
        middle = time.perf_counter()
        store.append("s" * 24, stored, session.log[stored:], i * 100)
        submits.append(middle - start)
        appends.append(time.perf_counter() - middle)
    store.close()
    return statistics.median(submits), statistics.median(appends)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--commands", type=int, default=1000,
                        help="commands (and echo round trips) to time (default: 1000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of each; the best of each is kept (default: 3)")
    parser.add_argument("--serve", metavar="DB_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    with tempfile.TemporaryDirectory(prefix="pd-bench-") as tmp:
        db_url = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        server = subprocess.Popen([sys.executable, __file__, "--serve", db_url],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            ports = json.loads(server.stdout.readline())
            sessions, echoes = [], []
            for _ in range(args.rounds):  # alternate, so drift on a shared machine hits both
                sessions.append(asyncio.run(session_rate(ports["warroom"], args.commands)))
                echoes.append(asyncio.run(echo_rate(ports["echo"], args.commands)))
        finally:
            server.terminate()
            server.wait(timeout=10)
        submit_s, append_s = turn_costs(min(args.commands, 300), tmp)
    best_session, best_echo = max(sessions), max(echoes)
    print(f"session WebSocket: {best_session:8.0f} commands/s  "
          f"({args.commands} x {COMMAND!r} -> prompt; rounds: "
          + ", ".join(f"{r:.0f}" for r in sessions) + ")")
    print(f"bare echo WebSocket: {best_echo:6.0f} round trips/s "
          f"(same uvicorn, same process; rounds: " + ", ".join(f"{r:.0f}" for r in echoes) + ")")
    print(f"ratio: {best_session / best_echo:.2f} (target: at least 0.70)")
    print(f"where a turn's {1000 / best_session:.2f} ms go (medians, in-process): "
          f"Session.submit {1000 * submit_s:.2f} ms, storing the log entries "
          f"{1000 * append_s:.2f} ms; an echo round trip is {1000 / best_echo:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
