"""What compute asks of the network service: ports for a server's requested networks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, CheptelError, NotFound
from cheptel.network.service import ports as neutron_ports
from cheptel.network.service import security_groups, topology
from cheptel.policy import Creds

OWNER = "compute:nova"


def check_requested(networks: object) -> list[dict]:
    """Normalise Nova's `networks` into [{"auto": True}] / [{"uuid", "fixed_ip"}] / [...]."""
    if networks == "none":
        return []
    if networks in ("auto", None) or networks == []:
        return [{"auto": True}]
    if not isinstance(networks, list):
        raise BadRequest("Invalid networks requested.")
    out = []
    for item in networks:
        if item.get("port"):
            out.append({"port": item["port"]})
        elif item.get("uuid"):
            out.append({"uuid": item["uuid"], "fixed_ip": item.get("fixed_ip")})
        else:
            raise BadRequest("A network needs a uuid or a port.")
    return out


def allocate(db: Session, creds: Creds, server_id: str, project_id: str,
             requested: list[dict], groups: list[str] | None, now: float,
             pool: str | None = None) -> None:
    """Make (or bind) one port per requested network for the server, as Nova does; the
    ports Nova makes get the requested security groups (names or ids)."""
    try:
        group_ids = security_groups.resolve(db, now, project_id, groups or ["default"])
    except CheptelError as exc:
        raise BadRequest(exc.message) from None
    for item in requested:
        try:
            if item.get("auto"):
                network = topology.auto_network(db, project_id, now=now, pool=pool)
                neutron_ports.allocate_port(db, project_id, network.id, server_id, OWNER,
                                            security_groups=group_ids, admin=creds.is_admin,
                                            now=now)
            elif item.get("port"):
                neutron_ports.bind_port(db, creds, item["port"], server_id, OWNER, now=now)
            else:
                network = topology.get_network_visible(db, creds, item["uuid"])
                neutron_ports.allocate_port(db, project_id, network.id, server_id, OWNER,
                                            fixed_ip=item.get("fixed_ip"),
                                            security_groups=group_ids,
                                            admin=creds.is_admin, now=now)
        except NotFound as exc:
            raise BadRequest(str(exc.message)) from None
        except CheptelError as exc:
            if exc.code >= 500:
                raise
            raise BadRequest(exc.message) from None


def release(db: Session, server_id: str) -> None:
    neutron_ports.release_ports(db, server_id)


def release_one(db: Session, port_id: str) -> None:
    """Detach one interface: a port Nova made is deleted, a user's port is unbound."""
    neutron_ports.release_port(db, port_id)
