"""Servers: /servers, /servers/detail, /servers/{id}, metadata, tags, ips, actions list."""

from __future__ import annotations

import secrets
import uuid

from cheptel.compute import schemas_servers as schemas
from cheptel.compute import views
from cheptel.compute.addresses import groups_of_server
from cheptel.compute.api import params
from cheptel.compute.models import InstanceAction
from cheptel.compute.service import boot_volumes, server_metadata
from cheptel.compute.service import servers as service
from cheptel.errors import BadRequest, NotFound
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

S = "/v2.1/servers"
ONE = S + "/{server_id}"


def request_id(ctx: Ctx) -> str:
    """This request's id (compute.api.negotiate put it in the answer's headers)."""
    rid = ctx.headers_out.get("x-compute-request-id") or f"req-{uuid.uuid4()}"
    ctx.headers_out["x-openstack-request-id"] = ctx.headers_out["x-compute-request-id"] = rid
    return rid


def _base(ctx: Ctx) -> str:
    return ctx.base_url


def _server(ctx: Ctx, deleted: bool = False):  # type: ignore[no-untyped-def]
    assert ctx.creds is not None
    return service.get(ctx.db, ctx.creds, ctx.params["server_id"], deleted)


def _limit(ctx: Ctx) -> int | None:
    raw = ctx.query.get("limit")
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest("limit param must be an integer")
    return int(raw)


def _listing(ctx: Ctx, detailed: bool) -> dict:
    """As Nova's ServersController._get_servers: all_tenants (a true value) needs the
    get_all_tenants policy, else a 403; it is never quietly narrowed to the project."""
    assert ctx.creds is not None
    if service.all_tenants(ctx.query):
        name = "detail" if detailed else "index"
        ctx.require(f"compute:servers:{name}:get_all_tenants",
                    {"project_id": ctx.creds.project_id})
    items = service.list_servers(ctx.db, ctx.creds, ctx.query, ctx.query_multi,
                                 admin_query=ctx.creds.is_admin)
    page, more = service.page(items, ctx.query.get("marker"), _limit(ctx))
    body: dict = {"servers": views.detail_many(ctx.db, _base(ctx), page, ctx.creds,
                                               ctx.version) if detailed else [
        views.summary(_base(ctx), s) for s in page]}
    if more and page:
        query = "&".join(f"{k}={v}" for k, v in ctx.query.items() if k != "marker")
        path = "servers/detail" if detailed else "servers"
        body["servers_links"] = [{"rel": "next", "href": f"{_base(ctx)}/compute/v2.1/{path}?"
                                  f"{query}&marker={page[-1].id}".replace("?&", "?")}]
    return body


def index(ctx: Ctx) -> dict:
    return _listing(ctx, detailed=False)


def detail(ctx: Ctx) -> dict:
    return _listing(ctx, detailed=True)


def show(ctx: Ctx) -> dict:
    server = _server(ctx)
    return {"server": views.detail(ctx.db, _base(ctx), server, ctx.creds, ctx.version,
                                   show=True)}


def _config_drive(value: object) -> bool:
    """nova.compute.api._check_config_drive: empty is no drive, else a strict boolean."""
    if value in (None, "", False):
        return False
    text = str(value).strip().lower()
    if text in params.TRUE:
        return True
    if text in params.FALSE:
        return False
    raise BadRequest("Invalid config_drive provided.")


def _create_request(ctx: Ctx, body: dict) -> service.CreateRequest:
    s = body["server"]
    v = ctx.version
    image_ref = s.get("imageRef") or None
    bdms = list(s.get("block_device_mapping_v2") or [])
    for bdm in bdms:
        if bdm.get("source_type") == "image" and bdm.get("destination_type", "local") \
                == "local" and str(bdm.get("boot_index", 0)) == "0":
            image_ref = image_ref or bdm.get("uuid")
    if not image_ref and not boot_volumes.wants_volumes(bdms):
        raise BadRequest("Missing imageRef attribute")
    networks = s.get("networks")
    if v.at_least("2.37") and networks is None:
        raise BadRequest("Invalid input for field/attribute networks: 'networks' is a "
                         "required property")
    min_count, max_count = int(s.get("min_count", 1)), int(s.get("max_count",
                                                                s.get("min_count", 1)))
    if min_count > max_count:
        raise BadRequest("min_count must be <= max_count")
    hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
    for key, since in (("description", "2.19"), ("tags", "2.52"), ("hostname", "2.90")):
        if key in s and not v.at_least(since):
            raise BadRequest(f"Invalid input: '{key}' was unexpected before {since}")
    return service.CreateRequest(
        name=s["name"], image_ref=image_ref, flavor_ref=str(s["flavorRef"]).rsplit("/", 1)[-1],
        networks=networks, key_name=s.get("key_name"), user_data=s.get("user_data"),
        metadata=s.get("metadata"),
        security_groups=[g["name"] for g in s.get("security_groups") or [] if "name" in g],
        availability_zone=s.get("availability_zone"),
        config_drive=_config_drive(s.get("config_drive")),
        min_count=min_count, max_count=max_count, description=s.get("description"),
        tags=s.get("tags"), hostname=s.get("hostname"), group_id=hints.get("group"),
        cidr_pool=ctx.deps.settings.auto_cidr_pool,
        force_config_drive=ctx.deps.settings.force_config_drive, access_ipv4=s.get("accessIPv4"),
        access_ipv6=s.get("accessIPv6"), disk_config=s.get("OS-DCF:diskConfig"),
        bdms=bdms)


def create(ctx: Ctx) -> Reply:
    body = check(schemas.server_create, ctx.body)
    assert ctx.creds is not None
    req = _create_request(ctx, body)
    created = service.create(ctx.db, ctx.creds, req, ctx.now, request_id(ctx))
    ids = [s.id for s in created]
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(*ids))
    if str(body["server"].get("return_reservation_id", "")).lower() in ("true", "1"):
        return Reply({"reservation_id": created[0].reservation_id}, status=202)
    first = created[0]
    out = {"id": first.id, "links": views.links(_base(ctx), "servers", first.id),
           "OS-DCF:diskConfig": first.disk_config,
           "security_groups": [{"name": n} for n in first.security_groups],
           "adminPass": body["server"].get("adminPass") or secrets.token_urlsafe(9)}
    return Reply({"server": out}, status=202,
                 headers={"Location": f"{_base(ctx)}/compute/v2.1/servers/{first.id}"})


def update(ctx: Ctx) -> dict:
    body = check(schemas.server_update, ctx.body)["server"]
    for key, since in (("description", "2.19"), ("hostname", "2.90")):
        if key in body and not ctx.version.at_least(since):
            raise BadRequest(f"Invalid input: '{key}' was unexpected before {since}")
    server = service.update(ctx.db, _server(ctx), body, ctx.now)
    return {"server": views.detail(ctx.db, _base(ctx), server, ctx.creds, ctx.version,
                                   action="update")}


def delete(ctx: Ctx) -> None:
    server = _server(ctx)
    assert ctx.creds is not None
    service.request_delete(ctx.db, server, ctx.creds, ctx.now, request_id(ctx))
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))


# -- metadata ------------------------------------------------------------------------------

def metadata_list(ctx: Ctx) -> dict:
    return {"metadata": server_metadata.metadata_of(ctx.db, _server(ctx).id)}


def metadata_replace(ctx: Ctx) -> dict:
    body = check(schemas.metadata_all, ctx.body)
    return {"metadata": server_metadata.set_metadata(ctx.db, _server(ctx), body["metadata"], True)}


def metadata_update(ctx: Ctx) -> dict:
    body = check(schemas.metadata_all, ctx.body)
    return {"metadata": server_metadata.set_metadata(ctx.db, _server(ctx), body["metadata"], False)}


def metadata_show(ctx: Ctx) -> dict:
    items = server_metadata.metadata_of(ctx.db, _server(ctx).id)
    key = ctx.params["key"]
    if key not in items:
        raise NotFound("Metadata item was not found")
    return {"meta": {key: items[key]}}


def metadata_set(ctx: Ctx) -> dict:
    body = check(schemas.metadata_one, ctx.body)
    key = ctx.params["key"]
    if key not in body["meta"]:
        raise BadRequest("Request body and URI mismatch")
    server_metadata.set_metadata(ctx.db, _server(ctx), body["meta"], False)
    return {"meta": body["meta"]}


def metadata_delete(ctx: Ctx) -> None:
    server_metadata.delete_metadata(ctx.db, _server(ctx), ctx.params["key"])


# -- tags (2.26) ---------------------------------------------------------------------------

def _needs(ctx: Ctx, since: str) -> None:
    if not ctx.version.at_least(since):
        raise NotFound("The resource could not be found.")


def tags_list(ctx: Ctx) -> dict:
    _needs(ctx, "2.26")
    return {"tags": sorted(server_metadata.tags_of(ctx.db, _server(ctx).id))}


def tags_replace(ctx: Ctx) -> dict:
    _needs(ctx, "2.26")
    body = check(schemas.tags_all, ctx.body)
    return {"tags": server_metadata.set_tags(ctx.db, _server(ctx), body["tags"])}


def tags_clear(ctx: Ctx) -> None:
    _needs(ctx, "2.26")
    server_metadata.set_tags(ctx.db, _server(ctx), [])


def tag_check(ctx: Ctx) -> None:
    _needs(ctx, "2.26")
    if ctx.params["tag"] not in server_metadata.tags_of(ctx.db, _server(ctx).id):
        raise NotFound(f"Tag '{ctx.params['tag']}' could not be found.")


def tag_add(ctx: Ctx) -> Reply:
    _needs(ctx, "2.26")
    tag = ctx.params["tag"]
    check(schemas.TAG, tag)
    server = _server(ctx)
    created = server_metadata.add_tag(ctx.db, server, tag)
    return Reply(None, status=201 if created else 204, headers={
        "Location": f"{_base(ctx)}/compute/v2.1/servers/{server.id}/tags/{tag}"})


def tag_delete(ctx: Ctx) -> None:
    _needs(ctx, "2.26")
    server_metadata.delete_tag(ctx.db, _server(ctx), ctx.params["tag"])


# -- ips, instance actions, security groups ------------------------------------------------

def ips(ctx: Ctx) -> dict:
    return {"addresses": views.addresses(ctx.db, _server(ctx), extended=False)}


def ips_network(ctx: Ctx) -> dict:
    addresses = views.addresses(ctx.db, _server(ctx), extended=False)
    name = ctx.params["network"]
    if name not in addresses:
        raise NotFound("Instance is not a member of specified network")
    return {name: addresses[name]}


def _action_view(a: InstanceAction, ctx: Ctx) -> dict:
    body = {"action": a.action, "instance_uuid": a.server_id, "request_id": a.request_id,
            "user_id": a.user_id, "project_id": a.project_id,
            "start_time": views._t(a.start_time), "message": a.message}
    if ctx.version.at_least("2.58"):
        body["updated_at"] = views._t(a.updated_at)
    return body


def actions_list(ctx: Ctx) -> dict:
    # from 2.21 the actions of a deleted server are still listed (Nova reads deleted rows)
    rows = service.actions_of(ctx.db, _server(ctx, ctx.version.at_least("2.21")).id)
    return {"instanceActions": [_action_view(a, ctx) for a in rows]}


def action_show(ctx: Ctx) -> dict:
    """Events: always for admins, for others from 2.51 (no traceback); hostId for all from
    2.62, host for admins from 2.62, details for admins from 2.84."""
    server = _server(ctx, ctx.version.at_least("2.21"))
    row = service.action_of(ctx.db, server.id, ctx.params["request_id"])
    body = _action_view(row, ctx)
    admin = ctx.creds is not None and ctx.creds.is_admin
    v = ctx.version
    if not (admin or v.at_least("2.51")):
        return {"instanceAction": body}
    event = {"event": f"compute_{row.action}", "start_time": views._t(row.start_time),
             "finish_time": views._t(row.finish_time), "result": row.result}
    if admin:
        event["traceback"] = None
    if v.at_least("2.62"):
        if admin:
            event["host"] = server.host
        event["hostId"] = views.host_id(server)
    if admin and v.at_least("2.84"):
        event["details"] = None
    body["events"] = [event] if row.finish_time else []
    return {"instanceAction": body}


def security_groups(ctx: Ctx) -> dict:
    """The Neutron groups on the server's ports (rules are Neutron's to list)."""
    server = _server(ctx)
    return {"security_groups": [
        {"id": g.id, "name": g.name, "description": g.description or "", "rules": [],
         "tenant_id": g.project_id} for g in groups_of_server(ctx.db, server)]}


ROUTES = [
    Route("GET", S, index, "compute:servers:index"),
    Route("GET", S + "/detail", detail, "compute:servers:index"),
    Route("POST", S, create, "compute:servers:create", 202),
    Route("GET", ONE, show, "compute:servers:show"),
    Route("PUT", ONE, update, "compute:servers:update"),
    Route("DELETE", ONE, delete, "compute:servers:delete", 204),
    Route("GET", ONE + "/metadata", metadata_list, "compute:servers:metadata:read"),
    Route("PUT", ONE + "/metadata", metadata_replace, "compute:servers:metadata:write"),
    Route("POST", ONE + "/metadata", metadata_update, "compute:servers:metadata:write"),
    Route("GET", ONE + "/metadata/{key}", metadata_show, "compute:servers:metadata:read"),
    Route("PUT", ONE + "/metadata/{key}", metadata_set, "compute:servers:metadata:write"),
    Route("DELETE", ONE + "/metadata/{key}", metadata_delete,
          "compute:servers:metadata:write", 204),
    Route("GET", ONE + "/tags", tags_list, "compute:servers:tags:read"),
    Route("PUT", ONE + "/tags", tags_replace, "compute:servers:tags:write"),
    Route("DELETE", ONE + "/tags", tags_clear, "compute:servers:tags:write", 204),
    Route("GET", ONE + "/tags/{tag}", tag_check, "compute:servers:tags:read", 204),
    Route("PUT", ONE + "/tags/{tag}", tag_add, "compute:servers:tags:write"),
    Route("DELETE", ONE + "/tags/{tag}", tag_delete, "compute:servers:tags:write", 204),
    Route("GET", ONE + "/ips", ips, "compute:servers:ips"),
    Route("GET", ONE + "/ips/{network}", ips_network, "compute:servers:ips"),
    Route("GET", ONE + "/os-instance-actions", actions_list,
          "compute:servers:instance_actions"),
    Route("GET", ONE + "/os-instance-actions/{request_id}", action_show,
          "compute:servers:instance_actions"),
    Route("GET", ONE + "/os-security-groups", security_groups,
          "compute:servers:security_groups"),
]
