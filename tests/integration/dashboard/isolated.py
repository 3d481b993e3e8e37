"""The browser in a network namespace of its own, the cloud reached through a TCP relay.

Chromium aborts every request in flight (net::ERR_NETWORK_CHANGED) whenever an address or a
link changes on any interface it sees, and the other tests add and remove bridges, veths and
addresses on the host all the time (CI saw the launch wizard's seven requests aborted at once).
In a namespace holding only its loopback it sees none of that. A relay listens on the
namespace's 127.0.0.1:<port> and carries each connection to the cloud at the host's same
address, so every URL (the serial console's websocket too) is the same on both sides.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from cheptel.backends.netlink import NetlinkPlumbing


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def _relay(listener: socket.socket, port: int) -> None:
    while True:
        try:
            inner, _ = listener.accept()
        except OSError:
            return  # closed: the browser is done
        try:
            outer = socket.create_connection(("127.0.0.1", port))
        except OSError:
            inner.close()
            continue
        for a, b in ((inner, outer), (outer, inner)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


@contextlib.contextmanager
def isolated_chromium(chromium: str, port: int, workdir: Path) -> Iterator[str]:
    """An executable that runs `chromium` in a namespace of its own where 127.0.0.1:`port`
    reaches the host's; removed at the end."""
    name = f"ckbrowser-{os.getpid()}"
    # `ip netns`, not pyroute2's netns.create: that forks this threaded process (xdist)
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)  # a crashed run's
    subprocess.run(["ip", "netns", "add", name], check=True)
    listener = None
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        # made by a thread inside the namespace: it stays the namespace's
        listener = NetlinkPlumbing().listen(name, "127.0.0.1", port)
        threading.Thread(target=_relay, args=(listener, port), daemon=True).start()
        wrapper = workdir / "chromium-isolated"
        wrapper.write_text(f'#!/bin/sh\nexec nsenter --net=/run/netns/{name} {chromium} "$@"\n')
        wrapper.chmod(0o755)
        yield str(wrapper)
    finally:
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the relay's accept
            listener.close()
        subprocess.run(["ip", "netns", "delete", name], check=False)
