"""Live sessions in a server process: rebuilt from the store by replay, driven by sockets.

Each :class:`LiveSession` serialises its turns (one at a time, in a worker thread so
a slow command never stalls other players), persists each turn's new log entries,
and broadcasts what happened to every socket attached to it. Simulated time flows
with real time only while some socket is attached: a closed tab pauses the drill.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread
import anyio.to_thread

from pagerdrill.game.catalog import ScenarioNotFound, find_scenario
from pagerdrill.game.debrief import build_report
from pagerdrill.game.events import Event, event_to_json
from pagerdrill.game.model import Scenario
from pagerdrill.game.session import END_OF_INPUT, DrillOver, Session, Turn
from pagerdrill.web.store import LogConflict, SessionRow, Store
from pagerdrill.web.views import CONTINUATION_PROMPT, metric_points, state_view

__all__ = ["EDIT_TIMEOUT_S", "Hub", "LiveSession", "Send"]

EDIT_TIMEOUT_S = 30 * 60  # an editor left open this long is closed without saving
IDLE_EVICT_S = 10 * 60  # a session nobody watches is dropped from memory (its log stays)
_ALWAYS_SENT = frozenset({"t", "impact_s", "users_served", "finished"})

Send = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
Clock = Callable[[], float]


class EditorBridge:
    """``nano``/``vim`` in a worker thread, answered by the browser's editor pane."""

    def __init__(self) -> None:
        self.notify: Send | None = None  # the live session's broadcast, once it exists
        self._pending: concurrent.futures.Future[bytes | None] | None = None

    def __call__(self, path: str, data: bytes) -> bytes | None:
        notify = self.notify
        if notify is None:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            anyio.from_thread.run(notify, {
                "type": "error", "message": f"{path}: not UTF-8 text; the web editor "
                                            "cannot open it (nothing was changed)"})
            return None
        future: concurrent.futures.Future[bytes | None] = concurrent.futures.Future()
        self._pending = future
        try:
            anyio.from_thread.run(notify, {"type": "editor", "path": path, "content": text})
            return future.result(timeout=EDIT_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            return None
        finally:
            self._pending = None

    @property
    def open(self) -> bool:
        return self._pending is not None

    def answer(self, content: str | None) -> bool:
        """The pane was saved (content) or closed (None); False if no editor is open."""
        future = self._pending
        if future is None or future.done():
            return False
        future.set_result(None if content is None else content.encode("utf-8"))
        return True


@dataclass
class LiveSession:
    row: SessionRow
    session: Session
    store: Store
    clock: Clock
    editor: EditorBridge
    stored: int = 0  # log entries already in the store
    real_ms: int = 0  # real play time before the current attachment
    attached_at: float | None = None
    pending: str = ""  # lines of an incomplete command (an open quote, a trailing |)
    sockets: dict[int, Send] = field(default_factory=dict)
    last_seen: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    metric_cursor: dict[str, int] = field(default_factory=dict)
    last_state: dict[str, Any] = field(default_factory=dict)  # the state sockets have

    @property
    def id(self) -> str:
        return self.row.id

    # -- time ------------------------------------------------------------------
    def now_real_ms(self) -> int:
        if self.attached_at is None:
            return self.real_ms
        return self.real_ms + int((self.clock() - self.attached_at) * 1000)

    def attach(self, key: int, send: Send) -> None:
        if not self.sockets:
            self.attached_at = self.clock()
        self.sockets[key] = send
        self.last_seen = self.clock()

    def detach(self, key: int) -> None:
        self.sockets.pop(key, None)
        self.last_seen = self.clock()
        if not self.sockets:
            self.real_ms = self.now_real_ms()
            self.attached_at = None
            self.editor.answer(None)  # nobody can save it now: quit without saving

    async def broadcast(self, message: dict[str, Any]) -> None:
        for key, send in list(self.sockets.items()):
            try:
                await send(message)
            except Exception:  # a socket that died mid-send is dropped, not fatal
                self.sockets.pop(key, None)

    async def broadcast_all(self, messages: list[dict[str, Any]]) -> None:
        """Several messages as one frame (a ``batch``), in order."""
        if len(messages) == 1:
            await self.broadcast(messages[0])
        elif messages:
            await self.broadcast({"type": "batch", "messages": messages})

    # -- turns -----------------------------------------------------------------
    @property
    def prompt_message(self) -> dict[str, Any]:
        if self.pending:
            return {"type": "prompt", "prompt": CONTINUATION_PROMPT, "continuation": True}
        return {"type": "prompt", "prompt": self.session.prompt(), "continuation": False}

    async def input(self, line: str) -> None:
        text = f"{self.pending}\n{line}" if self.pending else line
        if not self.session.finished and not self.session.in_program \
                and self.session.is_incomplete(text):
            self.pending = text
            await self.broadcast(self.prompt_message)
            return
        self.pending = ""
        await self._run(lambda at: self.session.submit(text, at_ms=at))

    async def game(self, command: str) -> None:
        await self._run(lambda at: self.session.game_command(command, at_ms=at),
                        button=command)

    async def end_of_input(self) -> None:
        """Ctrl-D: leaves psql/redis-cli; at the shell it does nothing (no accidental end)."""
        if self.session.in_program and not self.session.finished:
            await self._run(lambda at: self.session.submit(END_OF_INPUT, at_ms=at))
        else:
            await self.broadcast(self.prompt_message)

    async def interrupt(self) -> None:
        self.pending = ""
        await self.broadcast(self.prompt_message)

    async def tick(self) -> None:
        await self._run(lambda at: self.session.tick(at), tick=True)

    async def complete(self, line: str) -> list[str]:
        async with self.lock:  # never while a turn (from another tab) changes the world
            if self.session.finished:
                return []
            return await anyio.to_thread.run_sync(self.session.complete, line)

    async def _run(self, action: Callable[[int], Any], button: str | None = None,
                   tick: bool = False) -> None:
        """One turn (a typed line, a button's command, or a tick), then one frame to
        every socket with everything it changed."""
        async with self.lock:
            step = functools.partial(self._step, action, self.now_real_ms(), tick)
            result = await anyio.to_thread.run_sync(step)
            messages: list[dict[str, Any]] = []
            if result.conflict:
                messages.append({"type": "error", "message": "this drill was played in another "
                                 "window at the same moment: your last command did not count"})
            elif result.over:
                await self.broadcast({"type": "error", "message": "the drill is over"})
                return
            elif result.turn is not None and button is not None:
                messages.append({"type": "game", "command": button,
                                 "output": result.turn.output})
            elif result.turn is not None and result.turn.output:
                messages.append({"type": "output", "data": result.turn.output})
            messages += self._changes(result.events)
            await self.broadcast_all(messages)

    def _step(self, action: Callable[[int], Any], at_ms: int, tick: bool) -> _Step:
        """In a worker thread: catch up with the store, run the action, store the log."""
        result = _Step()
        newer = self.store.log(self.id, self.stored)  # another process's turns come first
        for entry in newer:
            if self.session.finished:
                break
            result.events += self.session.apply(entry)
        self.stored += len(newer)
        if newer:
            self.pending = ""
        try:
            outcome = action(at_ms)
        except DrillOver:
            result.over = True
            return result
        if tick:
            result.events += outcome
        else:
            result.turn = outcome
            result.events += list(outcome.events)
        session = self.session
        report = build_report(session) if session.finished else None
        try:
            self.store.append(self.id, self.stored, session.log[self.stored:],
                              self.now_real_ms(), None if report is None else
                              (session.outcome.value, report.score.grade, report.score.total))
        except LogConflict:  # lost a race with another process: start again from the store
            self.session = Session.replay(session.scenario, session.seed,
                                          self.store.log(self.id), editor=self.editor)
            result.conflict, result.turn, result.events = True, None, []
        self.stored = len(self.session.log)
        return result

    def _changes(self, events: list[Event]) -> list[dict[str, Any]]:
        """Events, new metric points, what changed in the war room's state, the prompt."""
        session = self.session
        messages = [{"type": "event", "event": event_to_json(e)} for e in events]
        points = metric_points(session, self.metric_cursor)
        self.metric_cursor = {n: len(s) for n, s in session.world.telemetry.series.items()}
        if any(points.values()):
            messages.append({"type": "metrics",
                             "points": {n: p for n, p in points.items() if p}})
        state = state_view(session)
        changed = {k: v for k, v in state.items()
                   if k in _ALWAYS_SENT or self.last_state.get(k) != v}
        self.last_state = state
        messages.append({"type": "state", **changed})
        if session.finished:
            messages.append({"type": "ended", "debrief_url": f"/debrief/{self.id}"})
        else:
            messages.append(self.prompt_message)
        return messages


@dataclass
class _Step:
    """What one turn in the worker thread did."""

    turn: Turn | None = None
    events: list[Event] = field(default_factory=list)
    over: bool = False
    conflict: bool = False


class Hub:
    """The live sessions of this process, loaded on demand and evicted when idle."""

    def __init__(self, store: Store, clock: Clock,
                 scenario_loader: Callable[[str, int], Scenario] = find_scenario) -> None:
        self.store = store
        self.clock = clock
        self._load_scenario = scenario_loader
        self._live: dict[str, LiveSession] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def __len__(self) -> int:
        return len(self._live)

    async def get(self, row: SessionRow) -> LiveSession:
        live = self._live.get(row.id)
        if live is not None:
            return live
        lock = self._loading.setdefault(row.id, asyncio.Lock())
        async with lock:  # two sockets arriving at once replay the log once
            live = self._live.get(row.id)
            if live is None:
                live = await anyio.to_thread.run_sync(self._rebuild, row)
                self._live[row.id] = live
        self._loading.pop(row.id, None)
        self._evict_idle()
        return live

    def _rebuild(self, row: SessionRow) -> LiveSession:
        try:
            scenario = self._load_scenario(row.scenario_id, 0)
        except ScenarioNotFound:
            raise LookupError(f"scenario {row.scenario_id!r} is no longer installed") from None
        editor = EditorBridge()
        session = Session.replay(scenario, row.seed, self.store.log(row.id), editor=editor)
        live = LiveSession(row=row, session=session, store=self.store, clock=self.clock,
                           editor=editor, stored=len(session.log), real_ms=row.real_ms,
                           last_seen=self.clock(),
                           metric_cursor={n: len(s) for n, s in
                                          session.world.telemetry.series.items()})
        editor.notify = live.broadcast
        return live

    def _evict_idle(self) -> None:
        now = self.clock()
        for key, live in list(self._live.items()):
            if not live.sockets and not live.lock.locked() and \
                    now - live.last_seen > IDLE_EVICT_S:
                del self._live[key]
