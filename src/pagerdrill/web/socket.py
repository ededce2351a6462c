"""One WebSocket per war room tab: typed JSON messages in both directions.

Messages are read by one task and handled in order by another, so an editor's
save can reach the command that is waiting for it while later input queues up.
"""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from pagerdrill.web.security import same_origin

if TYPE_CHECKING:
    from pagerdrill.web.app import WarRoom
    from pagerdrill.web.live import LiveSession

__all__ = ["MAX_EDITOR_BYTES", "MAX_MESSAGE_BYTES", "ClientMessage", "session_socket"]

MAX_MESSAGE_BYTES = 64 * 1024
MAX_EDITOR_BYTES = 256 * 1024
MAX_LINE = 16 * 1024
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Input(_Message):
    type: Literal["input"]
    line: str = Field(max_length=MAX_LINE)


class Complete(_Message):
    type: Literal["complete"]
    line: str = Field(max_length=MAX_LINE)


class Interrupt(_Message):
    type: Literal["interrupt"]


class EndOfInput(_Message):
    type: Literal["eof"]


class Tick(_Message):
    type: Literal["tick"]


class Game(_Message):
    type: Literal["game"]
    command: str = Field(pattern=r"^(hint|end|diagnose [1-9][0-9]?)$")


class EditorSave(_Message):
    type: Literal["editor_save"]
    content: str


class EditorCancel(_Message):
    type: Literal["editor_cancel"]


ClientMessage = Annotated[
    Input | Complete | Interrupt | EndOfInput | Tick | Game | EditorSave | EditorCancel,
    Field(discriminator="type")]
_PARSER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
_TYPES = ("input", "complete", "interrupt", "eof", "tick", "game", "editor_save",
          "editor_cancel")


def parse_message(raw: str) -> ClientMessage | str:
    """The message, or the reason it is not one (sent back as an ``error``)."""
    limit = MAX_EDITOR_BYTES if raw.startswith('{"type":"editor_save"') else MAX_MESSAGE_BYTES
    if len(raw.encode("utf-8", errors="replace")) > limit:
        return f"message over {limit} bytes"
    try:
        data = json.loads(raw)
    except ValueError:
        return "message is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "message must be a JSON object with a type"
    if data["type"] not in _TYPES:
        return f"unknown message type {data['type']!r} (one of: {', '.join(_TYPES)})"
    try:
        return _PARSER.validate_python(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"][1:]) or "message"
        if problem["type"] == "extra_forbidden":
            return f"bad {data['type']!r} message: unknown field {where!r}"
        return f"bad {data['type']!r} message: {where}: {problem['msg']}"


async def _handle(live: LiveSession, message: ClientMessage, send: Any) -> None:
    if isinstance(message, Input):
        if "\x00" in message.line:
            await send({"type": "error", "message": "input contains a NUL byte"})
            await send(live.prompt_message)
        else:
            await live.input(message.line)
    elif isinstance(message, Complete):
        matches = await live.complete(message.line)
        await send({"type": "completions", "line": message.line, "matches": matches})
    elif isinstance(message, Interrupt):
        await live.interrupt()
    elif isinstance(message, EndOfInput):
        await live.end_of_input()
    elif isinstance(message, Tick):
        await live.tick()
    elif isinstance(message, Game):
        await live.game(message.command)


async def session_socket(websocket: WebSocket) -> None:
    room: WarRoom = websocket.app.state.room
    from pagerdrill.web.app import ApiError

    if not same_origin(websocket.headers.get("origin"), websocket.headers.get("host"),
                       websocket.url.scheme):
        await websocket.close(POLICY_VIOLATION, "cross-origin WebSocket refused")
        return
    player = websocket.cookies.get("pd_player", "")
    try:
        row = room.owned_session(player, websocket.path_params["session_id"])
        live = await room.live(row)
    except ApiError as exc:
        await websocket.close(POLICY_VIOLATION, exc.message)
        return
    except Exception as exc:  # a bug (e.g. a scenario that no longer builds): say so
        traceback.print_exc(file=sys.stderr)
        await websocket.close(INTERNAL_ERROR, f"internal error: {type(exc).__name__}"[:120])
        return
    await websocket.accept()

    async def send(message: dict[str, Any]) -> None:
        await websocket.send_text(json.dumps(message, ensure_ascii=False))

    key = id(websocket)
    queue: asyncio.Queue[ClientMessage | None] = asyncio.Queue(maxsize=256)
    live.attach(key, send)

    async def work() -> None:
        while (message := await queue.get()) is not None:
            await _handle(live, message, send)

    worker = asyncio.create_task(work())
    try:
        await send(live.prompt_message)
        while True:
            raw = await websocket.receive_text()
            message = parse_message(raw)
            if isinstance(message, str):
                await send({"type": "error", "message": message})
                continue
            wait = room.socket_limit.allow(player)
            if wait:
                await send({"type": "error",
                            "message": f"slow down: too many messages (wait {wait:.1f}s)"})
                continue
            if isinstance(message, EditorSave | EditorCancel):
                content = message.content if isinstance(message, EditorSave) else None
                if not live.editor.answer(content):
                    await send({"type": "error", "message": "no editor is open"})
                continue
            if queue.full():
                await send({"type": "error", "message": "too much input queued; wait"})
                continue
            queue.put_nowait(message)
    except WebSocketDisconnect:
        pass
    finally:
        live.detach(key)  # also closes an open editor without saving
        while not queue.empty():  # input typed into a closed tab is dropped
            queue.get_nowait()
        queue.put_nowait(None)
        await worker  # a turn in flight finishes and is stored
