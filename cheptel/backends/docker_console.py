"""A container's terminal through Docker: an interactive shell (`docker exec -it sh`)
whose raw socket carries the bytes both ways (the serial console's far end; a container
has no serial port, its shell on a terminal is what a getty on ttyS0 gives a VM)."""

from __future__ import annotations

import socket
from typing import Any

from docker.errors import APIError, NotFound

from cheptel.backends.engine import EngineError


class DockerConsole:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def recv(self, size: int) -> bytes:
        try:
            return self.sock.recv(size)
        except OSError:
            return b""

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise EngineError(f"the console ended: {exc}") from None

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def open_console(api: Any, name: str) -> DockerConsole:
    try:
        exec_id = api.exec_create(name, ["sh"], stdin=True, tty=True,
                                  environment={"TERM": "xterm"})["Id"]
        raw = api.exec_start(exec_id, socket=True, tty=True)
    except NotFound:
        raise EngineError(f"{name} does not exist") from None
    except APIError as exc:
        raise EngineError(str(exc.explanation or exc)) from None
    sock = getattr(raw, "_sock", raw)  # the SocketIO wraps the connection's socket
    return DockerConsole(sock)
