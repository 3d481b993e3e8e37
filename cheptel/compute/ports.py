"""What compute asks of the network service: ports for a server's requested networks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, CheptelError, NotFound
from cheptel.network.models import Port, SecurityGroup
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
             pool: str | None = None, *, attach: bool = False) -> None:
    """Make (or bind) one port per requested network for the server, as Nova does; the
    ports Nova makes get the requested security groups (names or ids). A network or port
    the caller cannot see is a 400 on boot, a 404 on interface attach (Nova's answers)."""
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
                neutron_ports.bind_port(db, creds, item["port"], server_id, OWNER,
                                        project_id=project_id, now=now)
            else:
                network = topology.get_network_visible(db, creds, item["uuid"])
                neutron_ports.allocate_port(db, project_id, network.id, server_id, OWNER,
                                            fixed_ip=item.get("fixed_ip"),
                                            security_groups=group_ids,
                                            admin=creds.is_admin, now=now)
        except NotFound as exc:
            if attach:
                raise NotFound(str(exc.message)) from None
            raise BadRequest(str(exc.message)) from None
        except CheptelError as exc:
            if exc.code >= 500:
                raise
            raise BadRequest(exc.message) from None


def release(db: Session, server_id: str, project_id: str) -> None:
    neutron_ports.release_ports(db, server_id, project_id)


def release_one(db: Session, port_id: str) -> None:
    """Detach one interface: a port Nova made is deleted, a user's port is unbound."""
    neutron_ports.release_port(db, port_id)


def _group_and_ports(db: Session, server_id: str, project_id: str, name: str,
                     now: float) -> tuple[str, list]:
    try:
        group_id = security_groups.resolve(db, now, project_id, [name])[0]
    except NotFound:
        raise NotFound(f"Security group {name} is not found for project "
                       f"{project_id}") from None
    found = neutron_ports.ports_of_device(db, server_id, project_id)
    if not found:
        raise NotFound(f"instance_id {server_id} could not be found as device id on any "
                       f"ports")
    return group_id, found


def add_security_group(db: Session, server_id: str, project_id: str, name: str,
                       now: float) -> None:
    """addSecurityGroup: the group (name or id, of the server's project) joins every port
    of the server, as Nova's security_group_api.add_to_instance."""
    group_id, found = _group_and_ports(db, server_id, project_id, name, now)
    for port in found:
        if not (port.fixed_ips and port.port_security_enabled):
            raise BadRequest("Network requires port_security_enabled and subnet associated "
                             "in order to apply security groups.")
        neutron_ports.update(db, now, port, {"security_groups": [*_own_groups(db, port),
                                                                 group_id]})


def remove_security_group(db: Session, server_id: str, project_id: str, name: str,
                          now: float) -> None:
    """removeSecurityGroup: off every port that has it; 404 if none had it."""
    group_id, found = _group_and_ports(db, server_id, project_id, name, now)
    had = [p for p in found if group_id in p.security_group_ids]
    if not had:
        raise NotFound(f"Security group {name} not associated with the instance {server_id}")
    for port in had:
        neutron_ports.update(db, now, port, {"security_groups": [
            g for g in _own_groups(db, port) if g != group_id]})


def _own_groups(db: Session, port: Port) -> list[str]:
    """The port's groups of its own project: a binding to another project's group (a row
    no API call makes) is dropped rather than refusing the owner's change."""
    return [g for g in port.security_group_ids
            if (group := db.get(SecurityGroup, g)) is not None
            and group.project_id == port.project_id]
