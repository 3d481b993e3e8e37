"""The serial console's websocket proxy (Nova's nova-serialproxy): a client opens
/compute/console/serial?token=... (the URL remote-consoles gave); the token is redeemed
once (cheptel.compute.service.consoles), then the bytes go both ways between the
websocket (binary frames; the `binary` subprotocol when offered, as Horizon's console
asks) and a terminal in the server's container (Engine.open_console). An unknown, used
or expired token is refused before the websocket is accepted (HTTP 403)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from cheptel.backends.engine import ConsoleStream, EngineError
from cheptel.compute.service import consoles

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)
CHUNK = 4096


async def serial_console(deps: Deps, websocket: WebSocket) -> None:
    token = websocket.query_params.get("token", "")

    def redeem() -> str | None:
        with deps.sessions() as db, db.begin():
            return consoles.redeem(db, token, deps.clock())

    server_id = await run_in_threadpool(redeem)
    if server_id is None:
        await websocket.close(code=1008)  # refused before the handshake: a 403
        return
    try:
        stream = await run_in_threadpool(deps.containers.open_console,
                                         f"cheptel-{server_id}")
    except EngineError as exc:
        log.info("serial console of %s: %s", server_id, exc)
        await websocket.close(code=1011)
        return
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol="binary" if "binary" in offered else None)
    await _pump(websocket, stream)


async def _pump(websocket: WebSocket, stream: ConsoleStream) -> None:
    """Both directions until either ends; the terminal is closed whatever ends it (the
    reader's blocking recv then returns, so nothing waits on it)."""
    async with anyio.create_task_group() as tg:
        async def to_client() -> None:
            try:
                while data := await run_in_threadpool(stream.recv, CHUNK):
                    await websocket.send_bytes(data)
            finally:
                tg.cancel_scope.cancel()

        async def to_console() -> None:
            try:
                while True:
                    message = await websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        return
                    data = message.get("bytes") or (message.get("text") or "").encode()
                    try:
                        await run_in_threadpool(stream.send, data)
                    except EngineError:
                        return  # the terminal ended
            finally:
                stream.close()
                tg.cancel_scope.cancel()

        tg.start_soon(to_client)
        tg.start_soon(to_console)
    try:
        await websocket.close()
    except (RuntimeError, WebSocketDisconnect):
        pass  # already closed by the client
