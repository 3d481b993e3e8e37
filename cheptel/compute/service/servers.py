"""Servers as intent: create, list, update, delete. The reconciler makes them real."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
import secrets
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.common import iso, parse_iso
from cheptel.compute import images, ports, states
from cheptel.compute.addresses import addresses_of_servers
from cheptel.compute.models import InstanceAction, Server, ServerMetadata, ServerTag
from cheptel.compute.service import boot_volumes, flavors, keypairs, quotas, server_groups
from cheptel.compute.service.server_metadata import tags_of_servers
from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.policy import Creds

MAX_USER_DATA = 65535
HOSTNAME_BAD = re.compile(r"[^a-z0-9-]+")


def _hostname(name: str) -> str:
    host = HOSTNAME_BAD.sub("-", name.lower()).strip("-")[:63].strip("-")
    return host or "server"


def new_server_id() -> str:
    """Nova's instance uuid: dashed (8-4-4-4-12), as every other OpenStack uuid shows it."""
    return str(uuid.uuid4())


def find(db: Session, server_id: str) -> Server | None:
    """The server of this id, given as stored or in the other uuid form: servers made
    before ids were dashed keep their 32-hex id (their container names and labels carry
    it), and either spelling of a uuid finds a server of either age."""
    server = db.get(Server, server_id)
    if server is not None:
        return server
    try:
        parsed = uuid.UUID(server_id)
    except ValueError:
        return None
    for form in (str(parsed), parsed.hex):
        if form != server_id:
            server = db.get(Server, form)
            if server is not None:
                return server
    return None


def same_id(server: Server, given: str) -> bool:
    if server.id == given:
        return True
    try:
        return uuid.UUID(server.id) == uuid.UUID(given)
    except ValueError:
        return False


def get(db: Session, creds: Creds, server_id: str, deleted: bool = False) -> Server:
    """A live server (or a deleted one too, if `deleted`) the caller may see: its project's,
    or any for the admin; else 404."""
    server = find(db, server_id)
    if server is None or (server.deleted and not deleted) or (
            not creds.is_admin and server.project_id != creds.project_id):
        raise NotFound(f"Instance {server_id} could not be found.")
    return server


def record_action(db: Session, server: Server, creds: Creds, action: str, request_id: str,
                  now: float, result: str | None = None) -> None:
    """An instance action; with a result ("Success"/"Error") it is finished at once (an
    action the API completes itself, as os-resetState)."""
    db.add(InstanceAction(server_id=server.id, request_id=request_id, action=action,
                          project_id=creds.project_id or server.project_id,
                          user_id=creds.user_id, start_time=now, updated_at=now,
                          finish_time=now if result else None, result=result,
                          message="Error" if result == "Error" else None))


@dataclass
class CreateRequest:
    name: str
    image_ref: str | None
    flavor_ref: str
    networks: object
    key_name: str | None = None
    user_data: str | None = None
    metadata: dict | None = None
    security_groups: list[str] | None = None
    availability_zone: str | None = None
    config_drive: bool = False
    force_config_drive: bool = False  # the cloud's setting (Nova's force_config_drive)
    min_count: int = 1
    max_count: int = 1
    description: str | None = None
    tags: list[str] | None = None
    hostname: str | None = None
    group_id: str | None = None
    admin_pass: str | None = None
    cidr_pool: str | None = None  # where networks: "auto" finds a free /24
    access_ipv4: str | None = None
    access_ipv6: str | None = None
    disk_config: str | None = None  # AUTO / MANUAL; None: the image's auto_disk_config
    bdms: list[dict] = field(default_factory=list)  # block_device_mapping_v2, as sent


def ip_text(address: str | None) -> str | None:
    """An access address as Nova stores it (an IP column): canonical text, '' as none."""
    return str(ipaddress.ip_address(address)) if address else None


def disk_config_for(db: Session, image_id: str, requested: str | None) -> str:
    """OS-DCF:diskConfig for a boot or rebuild: the request's, else the image's
    auto_disk_config property (false by default: MANUAL); AUTO on an image that disables
    it is a 400, as Nova's AutoDiskConfigDisabledByImage."""
    prop = (images.auto_disk_config(db, image_id) or "").strip().lower()
    if requested == "AUTO" and prop == "disabled":
        raise BadRequest(f"Requested image {image_id} has automatic disk resize disabled.")
    if requested:
        return requested
    return "AUTO" if prop in ("1", "t", "true", "on", "y", "yes") else "MANUAL"


def _check_user_data(user_data: str | None) -> None:
    if user_data is None:
        return
    try:
        raw = base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("User data needs to be valid base 64.") from None
    if len(raw) > MAX_USER_DATA:
        raise BadRequest(f"User data too large. User data must be no larger than "
                         f"{MAX_USER_DATA} bytes once base64 encoded.")


def create(db: Session, creds: Creds, req: CreateRequest, now: float,
           request_id: str) -> list[Server]:
    """Record the intent for min..max servers (status BUILD); raise before any row on error."""
    assert creds.project_id is not None
    flavor = flavors.get_for_boot(db, req.flavor_ref, creds.project_id, creds.is_admin)
    flavor_doc = flavors.flavor_dict(db, flavor)
    mappings = boot_volumes.plan(db, creds, req.bdms, req.max_count)
    root = next((m for m in mappings if m.boot_index == 0), None)
    # booted from a volume: Nova's image is "" (the root volume's image is only checked)
    image = None if root is not None and root.source != "image" else images.for_boot(
        db, creds, root.uuid if root is not None else req.image_ref)
    disk_config = disk_config_for(db, image.id, req.disk_config) if image else "MANUAL"
    if image and image.min_ram and flavor.ram < image.min_ram:
        raise BadRequest("Flavor's memory is too small for requested image.")
    if image and root is None and image.min_disk and flavor.disk < image.min_disk:
        raise BadRequest("Flavor's disk is too small for requested image.")
    public_key = None
    if req.key_name:
        public_key = keypairs.get_for_boot(db, creds.user_id, req.key_name).public_key
    _check_user_data(req.user_data)
    networks = ports.check_requested(req.networks)
    if req.availability_zone not in (None, "", "nova"):
        zone = (req.availability_zone or "").split(":")[0]
        if zone != "nova":
            raise BadRequest(f"The requested availability zone is not available: {zone}")
    metadata = req.metadata or {}
    quotas.check_metadata(db, creds.project_id, len(metadata))
    count = quotas.how_many_servers_fit(db, creds.project_id, flavor.vcpus, flavor.ram,
                                        req.min_count, req.max_count, creds.user_id)
    no_host = None
    if req.group_id:
        try:
            server_groups.check_member_fits(
                db, req.group_id, None if creds.is_admin else creds.project_id, count=count)
        except server_groups.NoValidHost as exc:  # as Nova's scheduler: ERROR servers
            no_host = {"code": 500, "created": iso(now, micro=False), "message": exc.message}
    # nova.virt.configdrive.required_by: asked for, forced by the cloud, or mandatory for
    # the image (img_config_drive); Nova's update_instance then records it on the server
    config_drive = req.config_drive or req.force_config_drive or bool(
        image and images.image_property(db, image.id, "img_config_drive") == "mandatory")
    reservation = "r-" + secrets.token_hex(4)
    created = []
    for index in range(count):
        name = req.name if count == 1 else f"{req.name}-{index + 1}"
        server = Server(
            id=new_server_id(), name=name, description=req.description,
            hostname=req.hostname or _hostname(name), project_id=creds.project_id,
            user_id=creds.user_id, image_id=image.id if image and root is None else "",
            flavor_id=flavor.id, flavor=flavor_doc,
            key_name=req.key_name, public_key=public_key, user_data=req.user_data,
            config_drive=config_drive, availability_zone="nova", networks=networks,
            access_ipv4=ip_text(req.access_ipv4), access_ipv6=ip_text(req.access_ipv6),
            disk_config=disk_config,
            security_groups=req.security_groups or ["default"],
            vm_state="error" if no_host else "building",
            task_state=None if no_host else "scheduling", fault=no_host,
            power_state=states.NOSTATE, progress=0,
            admin_pass=None, launch_index=index, reservation_id=reservation,
            created_at=now, updated_at=now)
        db.add(server)
        db.flush()
        db.add_all(ServerMetadata(server_id=server.id, key=k, value=v)
                   for k, v in metadata.items())
        db.add_all(ServerTag(server_id=server.id, tag=t) for t in set(req.tags or []))
        if req.group_id:
            server_groups.add_member(db, req.group_id, server.id)
        if mappings and not no_host:
            boot_volumes.make(db, creds, server.id, mappings, now)
        if not no_host:
            ports.allocate(db, creds, server.id, creds.project_id, networks,
                           req.security_groups, now, req.cidr_pool)
        record_action(db, server, creds, "create", request_id, now)
        created.append(server)
    db.flush()
    return created


# -- listing -------------------------------------------------------------------------------

def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error:
        raise BadRequest(f"Invalid regular expression: {pattern!r}") from None


TRUE = ("1", "t", "true", "on", "y", "yes")
FALSE = ("0", "f", "false", "off", "n", "no")


def all_tenants(query: dict[str, str]) -> bool:
    """Nova's is_all_tenants: present and empty, or a boolean string; else a 400."""
    if "all_tenants" not in query:
        return False
    value = query["all_tenants"].strip().lower()
    if value and value not in TRUE + FALSE:
        raise BadRequest(f"Unrecognized value '{query['all_tenants']}', acceptable values "
                         f"are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', "
                         f"'true', 'y', 'yes'")
    return value not in FALSE


def _bound(query: dict[str, str], name: str) -> float | None:
    if name not in query:
        return None
    try:
        return parse_iso(query[name])
    except ValueError:
        raise BadRequest(f"Invalid filter field: {name}.") from None


def list_servers(db: Session, creds: Creds, query: dict[str, str],
                 multi: dict[str, list[str]], admin_query: bool) -> list[Server]:
    """Nova's filters; admin-only ones are ignored for others, as Nova does."""
    q = select(Server)
    if all_tenants(query):  # the caller checked the get_all_tenants policy
        project = query.get("project_id") or query.get("tenant_id")
        if project:
            q = q.where(Server.project_id == project)
    else:  # without all_tenants, Nova ignores tenant_id and project_id (lp:#1185290)
        q = q.where(Server.project_id == creds.project_id)
    since = _bound(query, "changes-since")
    before = _bound(query, "changes-before")
    if since is not None and before is not None and before < since:
        raise BadRequest("The value of changes-since must be less than or equal to "
                         "changes-before.")
    # Nova compares updated_at >= changes-since and <= changes-before at its database's
    # precision: whole seconds, as its views print them. cheptel keeps microseconds, so
    # each bound is widened to the second: floor(updated_at) >= since is updated_at >=
    # ceil(since), floor(updated_at) <= before is updated_at < floor(before) + 1.
    if since is not None:
        q = q.where(Server.updated_at >= math.ceil(since))
    if before is not None:
        q = q.where(Server.updated_at < math.floor(before) + 1)
    if admin_query and "deleted" in query:  # strutils.bool_from_string(default=False)
        q = q.where(Server.deleted.is_(query["deleted"].strip().lower() in TRUE))
    elif since is None and before is None:  # with either bound Nova lists deleted ones too
        q = q.where(Server.deleted.is_(False))
    for key, column in (("image", Server.image_id), ("flavor", Server.flavor_id),
                        ("reservation_id", Server.reservation_id),
                        ("availability_zone", Server.availability_zone),
                        ("key_name", Server.key_name), ("user_id", Server.user_id)):
        if query.get(key):
            q = q.where(column == query[key])
    if admin_query and query.get("host"):
        q = q.where(Server.host == query["host"])
    if "status" in query:
        wanted = {s.upper() for s in multi.get("status", [])}
        vm_states = {states.STATUS_FILTER[s] for s in wanted if s in states.STATUS_FILTER}
        if not vm_states and wanted:
            return []
        q = q.where(Server.vm_state.in_(vm_states))
    if "locked" in query:
        q = q.where(Server.locked.is_(query["locked"].lower() in ("true", "1", "yes")))
    servers = list(db.scalars(q))
    if query.get("name"):
        pattern = _regex(query["name"])
        servers = [s for s in servers if pattern.search(s.name)]
    if query.get("ip"):
        pattern = _regex(query["ip"])
        found = addresses_of_servers(db, servers)
        servers = [s for s in servers if any(
            pattern.match(a.get("addr", "")) for addrs in found[s.id].values()
            for a in addrs)]
    servers = _filter_tags(db, servers, multi)
    return _sort(servers, multi)


def _filter_tags(db: Session, servers: list[Server], multi: dict[str, list[str]]) -> list:
    wanted = {k: {t for v in multi.get(k, []) for t in v.split(",") if t}
              for k in ("tags", "tags-any", "not-tags", "not-tags-any")}
    if not any(wanted.values()):
        return servers
    out = []
    tags = tags_of_servers(db, [s.id for s in servers])
    for s in servers:
        have = tags[s.id]
        if wanted["tags"] and not wanted["tags"] <= have:
            continue
        if wanted["tags-any"] and not wanted["tags-any"] & have:
            continue
        if wanted["not-tags"] and wanted["not-tags"] <= have:
            continue
        if wanted["not-tags-any"] and wanted["not-tags-any"] & have:
            continue
        out.append(s)
    return out


SORT_KEYS = {"created_at", "updated_at", "display_name", "uuid", "vm_state", "task_state",
             "power_state", "launched_at", "terminated_at", "host", "project_id",
             "user_id", "key_name", "availability_zone", "hostname", "launch_index",
             "locked", "display_description", "image_ref", "instance_type_id"}
COLUMN = {"display_name": "name", "uuid": "id", "display_description": "description",
          "image_ref": "image_id", "instance_type_id": "flavor_id"}


def _sort(servers: list[Server], multi: dict[str, list[str]]) -> list[Server]:
    keys = multi.get("sort_key") or ["created_at"]
    dirs = multi.get("sort_dir") or []
    for key in keys:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid sort_key: {key}")
    for d in dirs:
        if d not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort_dir: {d}")
    # stable sorts, last key first; Nova's default is created_at desc, then id desc
    out = sorted(servers, key=lambda s: s.id, reverse=True)
    for i in range(len(keys) - 1, -1, -1):
        attr = COLUMN.get(keys[i], keys[i])
        reverse = (dirs[i] if i < len(dirs) else "desc") == "desc"
        out.sort(key=lambda s, a=attr: (getattr(s, a) is not None,  # type: ignore[misc]
                                        getattr(s, a) or 0)
                 if not isinstance(getattr(s, a), str) else (True, getattr(s, a)),
                 reverse=reverse)
    return out


def page(items: list[Server], marker: str | None, limit: int | None) -> tuple[list, bool]:
    if marker:
        at = next((i for i, s in enumerate(items) if same_id(s, marker)), None)
        if at is None:
            raise BadRequest(f"marker [{marker}] not found")
        items = items[at + 1:]
    if limit is not None:
        return items[:limit], len(items) > limit
    return items, False


# -- update and delete ---------------------------------------------------------------------

def update(db: Session, server: Server, changes: dict, now: float) -> Server:
    if "name" in changes:
        server.name = changes["name"]
    if "description" in changes:
        server.description = changes["description"]
    if changes.get("hostname"):
        server.hostname = changes["hostname"]
    set_access(server, changes)
    server.updated_at = now
    db.flush()
    return server


def set_access(server: Server, changes: dict) -> None:
    """accessIPv4, accessIPv6 and OS-DCF:diskConfig of an update, rebuild or resize."""
    if "accessIPv4" in changes:
        server.access_ipv4 = ip_text(changes["accessIPv4"])
    if "accessIPv6" in changes:
        server.access_ipv6 = ip_text(changes["accessIPv6"])
    if changes.get("OS-DCF:diskConfig"):
        server.disk_config = changes["OS-DCF:diskConfig"]


def check_unlocked(server: Server, creds: Creds) -> None:
    if server.locked and not creds.is_admin:
        raise Conflict(f"Instance {server.id} is locked")


def request_delete(db: Session, server: Server, creds: Creds, now: float,
                   request_id: str) -> None:
    check_unlocked(server, creds)
    if server.task_state == "deleting":
        return
    server.task_state = "deleting"
    server.updated_at = now
    record_action(db, server, creds, "delete", request_id, now)
    db.flush()


def actions_of(db: Session, server_id: str) -> list[InstanceAction]:
    q = (select(InstanceAction).where(InstanceAction.server_id == server_id)
         .order_by(InstanceAction.start_time.desc(), InstanceAction.id.desc()))
    return list(db.scalars(q))


def action_of(db: Session, server_id: str, request_id: str) -> InstanceAction:
    row = db.scalar(select(InstanceAction).where(InstanceAction.server_id == server_id,
                                                 InstanceAction.request_id == request_id))
    if row is None:
        raise NotFound(f"Action for request_id {request_id} on instance {server_id} not found")
    return row
