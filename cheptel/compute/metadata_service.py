"""The metadata service at http://169.254.169.254/, served inside every router's namespace
(as Neutron's metadata proxy in `qrouter-*`, with Nova's metadata API behind it), and in a
namespace of its own for a network without a router (as Neutron's isolated metadata, from
its DHCP namespace).

Each of those namespaces holds 169.254.169.254 on its loopback and a listening socket there
(cheptel.backends.plumbing: `listen`, made inside the namespace, then served from this
process). A server reaches it on-link (cheptel plumbs the route; the namespace on its
network answers ARP for the address). Who asks is told by the namespace the request came
in (the router, or the network) and its source address: the port of that address on one
of the router's interface networks (on that network), of a live server of the port's
project. The host's anti-spoofing rules make the source address the port's own, so a
server never reads another's metadata; an address no server holds is a 404.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute import metadata
from cheptel.compute.models import Server, ServerMetadata
from cheptel.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    SecurityGroup,
    Subnet,
)

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger("cheptel.metadata")
ADDRESS, PORT = "169.254.169.254", 80
INTERFACE = "network:router_interface"
ISOLATED = "md-"  # a network's metadata namespace: its "router id" is ISOLATED + network id


def facts_for(db: Session, scope: str, source: str) -> metadata.Facts | None:
    """The server whose port holds `source` on one of the router's interface networks
    (`scope` a router id), or on the network of a metadata namespace (`scope` ISOLATED and
    the network id: cheptel.reconciler.routers)."""
    networks: Any = [scope[len(ISOLATED):]] if scope.startswith(ISOLATED) else select(
        Port.network_id).where(Port.device_id == scope, Port.device_owner == INTERFACE)
    found = db.execute(select(Port).join(IPAllocation, IPAllocation.port_id == Port.id)
                       .where(IPAllocation.ip_address == source,
                              Port.network_id.in_(networks),
                              Port.device_owner.startswith("compute:"))).scalars().first()
    if found is None:
        return None
    server = db.scalar(select(Server).where(Server.id == found.device_id,
                                            Server.project_id == found.project_id,
                                            Server.deleted.is_(False)))
    if server is None:
        return None
    meta = {m.key: m.value for m in db.scalars(
        select(ServerMetadata).where(ServerMetadata.server_id == server.id))}
    nics = []
    for port in db.scalars(select(Port).where(Port.device_id == server.id,
                                              Port.project_id == server.project_id)
                           .order_by(Port.created_at, Port.id)):
        first = next((a for a in sorted(port.fixed_ips, key=lambda a: a.position)
                      if ":" not in a.ip_address), None)
        subnet = db.get(Subnet, first.subnet_id) if first else None
        if first is None or subnet is None:
            continue
        net = db.get(Network, port.network_id)
        floating = db.scalar(select(FloatingIP.floating_ip_address).where(
            FloatingIP.port_id == port.id, FloatingIP.fixed_ip_address == first.ip_address))
        nics.append(metadata.Nic(port.id, port.network_id, port.mac_address,
                                 (net.mtu if net else None) or 1500, first.ip_address,
                                 subnet.cidr, subnet.gateway_ip,
                                 tuple(subnet.dns_nameservers or ()), floating))
    groups = tuple(sorted(set(db.scalars(
        select(SecurityGroup.name).join(PortSecurityGroup, PortSecurityGroup
                                        .security_group_id == SecurityGroup.id)
        .join(Port, Port.id == PortSecurityGroup.port_id)
        .where(Port.device_id == server.id, Port.project_id == server.project_id)))))
    return metadata.Facts(server, meta, tuple(nics), groups)


class MetadataService:
    """The listeners of every router namespace, served by one thread (a selector) and a
    few workers."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        # namespace -> (its listening socket, or None where the plumbing has no real
        # namespaces (the fake's), the router)
        self._listeners: dict[str, tuple[socket.socket | None, str]] = {}
        self._lock = threading.Lock()
        self._serving: _Loop | None = None  # made with the first real socket
        self._closed = False

    def answer(self, scope: str, source: str, path: str) -> tuple[int, bytes]:
        with self.deps.sessions() as db:
            facts = facts_for(db, scope, source)
            if facts is None:
                return 404, b"no server of this network has this address\n"
            body = metadata.lookup(metadata.tree(facts), path.split("?")[0])
        return (200, body) if body is not None else (404, b"Not Found\n")

    def ensure(self, namespaces: dict[str, str]) -> None:
        """Listen in exactly these namespaces (name -> router id, or ISOLATED + network id)."""
        with self._lock:
            if self._closed:
                return
            for name in [n for n in self._listeners if n not in namespaces]:
                sock, _ = self._listeners.pop(name)
                if sock is not None and self._serving is not None:
                    self._serving.drop(sock)
            for name, router in namespaces.items():
                if name in self._listeners:
                    continue
                try:
                    sock = self.deps.plumbing.listen(name, ADDRESS, PORT)
                except OSError as exc:
                    log.warning("metadata in %s: %s", name, exc)
                    continue
                self._listeners[name] = (sock, router)
                if sock is not None:
                    if self._serving is None:
                        self._serving = _Loop(self._handle)
                    self._serving.add(sock, router)

    def forget(self, namespace: str) -> None:
        """The namespace is made anew: a socket of the old one would keep that one alive
        (and serve nobody): closed, to listen in the new one."""
        with self._lock:
            sock, _ = self._listeners.pop(namespace, (None, ""))
            if sock is not None and self._serving is not None:
                self._serving.drop(sock)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._listeners.clear()
            if self._serving is not None:
                self._serving.close()

    def _handle(self, conn: socket.socket, peer: Any, router: str) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "cheptel-metadata"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                try:
                    status, body = service.answer(router, self.client_address[0], self.path)
                except Exception:  # never a traceback to the guest
                    log.exception("metadata for %s", self.client_address[0])
                    status, body = 500, b"metadata unavailable\n"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if not body.startswith(b"{")
                                 else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s " + format, self.client_address[0], *args)

        try:
            Handler(conn, peer, None)  # type: ignore[arg-type]
        except OSError:
            pass
        finally:
            conn.close()


class _Loop:
    """One thread waiting on every listening socket (a selector), a few workers answering
    the connections."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._selector = selectors.DefaultSelector()
        self._workers = ThreadPoolExecutor(4, thread_name_prefix="cheptel-metadata")
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._closed = False
        threading.Thread(target=self._serve, daemon=True, name="cheptel-metadata").start()

    def add(self, sock: socket.socket, router: str) -> None:
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ, router)
        self._wake_w.send(b"x")

    def drop(self, sock: socket.socket) -> None:
        self._selector.unregister(sock)
        sock.close()
        self._wake_w.send(b"x")

    def close(self) -> None:
        self._closed = True
        for key in list(self._selector.get_map().values()):
            if key.data is not None:
                self.drop(key.fileobj)  # type: ignore[arg-type]
        self._wake_w.send(b"x")
        self._workers.shutdown(wait=False)

    def _serve(self) -> None:
        while not self._closed:
            for key, _ in self._selector.select(timeout=5):
                if key.data is None:  # woken: the set of listeners changed
                    self._wake_r.recv(4096)
                    continue
                try:
                    conn, peer = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                conn.setblocking(True)
                conn.settimeout(10)
                self._workers.submit(self._handle, conn, peer, key.data)
