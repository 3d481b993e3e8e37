"""POST /servers/{id}/action: one key names the action; each answers as Nova does."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from cheptel.compute import images, ports, views
from cheptel.compute import schemas_servers as schemas
from cheptel.compute.api import admin_actions, consoles
from cheptel.compute.api.servers import ONE, _server, request_id
from cheptel.compute.service import actions, servers
from cheptel.errors import BadRequest, Forbidden, NotImplementedYet
from cheptel.reconciler.servers import ServerConverger
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

NOT_IMPLEMENTED = {"changePassword", "rescue", "unrescue", "shelve", "shelveOffload",
                   "unshelve", "os-migrateLive", "evacuate", "resetNetwork",
                   "trigger_crash_dump", "addFloatingIp", "removeFloatingIp", "addFixedIp",
                   "removeFixedIp"}
# Nova's answers where they are not the 202 of the route (confirmResize: 204)
STATUS = {"confirmResize": 204}


def _simple(name: str) -> Callable[[Ctx, object], Reply | None]:
    def act(ctx: Ctx, arg: object) -> None:
        check(schemas.EMPTY, arg)
        _begin(ctx, name)
    return act


def _begin(ctx: Ctx, name: str, args: dict | None = None) -> None:
    server = _server(ctx)
    assert ctx.creds is not None
    actions.begin(ctx.db, server, ctx.creds, name, ctx.now, request_id(ctx), args)
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))


def reboot(ctx: Ctx, arg: object) -> None:
    body = check(schemas.reboot, arg)
    _begin(ctx, "reboot_hard" if body["type"].upper() == "HARD" else "reboot_soft")


def rebuild(ctx: Ctx, arg: object) -> Reply:
    body = check(schemas.rebuild, arg)
    server = _server(ctx)
    assert ctx.creds is not None
    actions.rebuild(ctx.db, server, ctx.creds, body, ctx.now, request_id(ctx))
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))
    view = views.detail(ctx.db, ctx.base_url, server, ctx.creds, ctx.version,
                        action="rebuild")
    view["adminPass"] = body.get("adminPass") or secrets.token_urlsafe(9)
    return Reply({"server": view}, status=202)


def resize(ctx: Ctx, arg: object) -> None:
    body = check(schemas.resize, arg)
    server = _server(ctx)
    assert ctx.creds is not None
    actions.resize(ctx.db, server, ctx.creds, str(body["flavorRef"]).rsplit("/", 1)[-1],
                   ctx.now, request_id(ctx), body.get("OS-DCF:diskConfig"))
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))


def create_image(ctx: Ctx, arg: object) -> Reply:
    body = check(schemas.create_image, arg)
    server = _server(ctx)
    assert ctx.creds is not None
    image_id = images.new_snapshot(ctx.db, ctx.creds, server, body["name"],
                                   body.get("metadata") or {}, ctx.now)
    actions.begin(ctx.db, server, ctx.creds, "createImage", ctx.now, request_id(ctx),
                  {"image_id": image_id})
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))
    location = f"{ctx.base_url}/image/v2/images/{image_id}"
    if ctx.version.at_least("2.45"):
        return Reply({"image_id": image_id}, status=202)
    return Reply(None, status=202, headers={"Location": location})


def create_backup(ctx: Ctx, arg: object) -> Reply:
    body = check(schemas.create_backup, arg)
    server = _server(ctx)
    assert ctx.creds is not None
    rotation = int(body["rotation"])
    image_id = actions.backup(ctx.db, server, ctx.creds, body["name"], body["backup_type"],
                              rotation, body.get("metadata") or {}, ctx.now, request_id(ctx))
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))
    if ctx.version.at_least("2.45"):
        return Reply({"image_id": image_id}, status=202)
    headers = {"Location": f"{ctx.base_url}/image/v2/images/{image_id}"} if rotation else {}
    return Reply(None, status=202, headers=headers)


def _security_group(add: bool) -> Callable[[Ctx, object], None]:
    def act(ctx: Ctx, arg: object) -> None:
        server = _server(ctx)
        name = check(schemas.security_group_action, arg)["name"]
        if not name.strip():
            raise BadRequest("Security group name cannot be empty")
        change = ports.add_security_group if add else ports.remove_security_group
        change(ctx.db, server.id, server.project_id, name, ctx.now)
        ctx.after_commit.append(ctx.deps.reconciler.kick_network)
    return act


def console_output(ctx: Ctx, arg: object) -> Reply:
    body = check(schemas.console_output, arg)  # an object, as Nova's schema wants
    length = body.get("length")
    tail = None
    if length is not None:
        tail = int(length)
        if tail < -1:
            raise BadRequest("length must be -1 or a positive integer")
        tail = None if tail == -1 else tail
    server = _server(ctx)
    output = ctx.deps.reconciler.converger(ServerConverger).console_output(server, tail)
    return Reply({"output": output}, status=200)


def lock(ctx: Ctx, arg: object) -> None:
    body = check(schemas.lock, arg) or {}
    if "locked_reason" in body and not ctx.version.at_least("2.73"):
        raise BadRequest("locked_reason is accepted from microversion 2.73")
    server = _server(ctx)
    assert ctx.creds is not None
    server.locked, server.locked_reason = True, body.get("locked_reason")
    server.locked_by = "admin" if ctx.creds.is_admin else "owner"
    servers.record_action(ctx.db, server, ctx.creds, "lock", request_id(ctx), ctx.now)


def unlock(ctx: Ctx, arg: object) -> None:
    check(schemas.EMPTY, arg)
    server = _server(ctx)
    assert ctx.creds is not None
    if server.locked_by == "admin" and not ctx.creds.is_admin:
        raise Forbidden("Only the administrator can unlock a server the administrator locked.")
    server.locked, server.locked_reason, server.locked_by = False, None, None
    servers.record_action(ctx.db, server, ctx.creds, "unlock", request_id(ctx), ctx.now)


ACTIONS: dict[str, Callable[[Ctx, object], Reply | None]] = {
    "os-start": _simple("os-start"),
    "os-stop": _simple("os-stop"),
    "reboot": reboot,
    "pause": _simple("pause"),
    "unpause": _simple("unpause"),
    "suspend": _simple("suspend"),
    "resume": _simple("resume"),
    "rebuild": rebuild,
    "resize": resize,
    "confirmResize": _simple("confirmResize"),
    "revertResize": _simple("revertResize"),
    "createImage": create_image,
    "os-getConsoleOutput": console_output,
    "lock": lock,
    "unlock": unlock,
    "createBackup": create_backup,
    "addSecurityGroup": _security_group(add=True),
    "removeSecurityGroup": _security_group(add=False),
    **admin_actions.ACTIONS,
    **{name: consoles.console_action(name) for name in consoles.ACTION_TYPES},
}


def action(ctx: Ctx) -> Reply | None:
    body = ctx.body
    if not isinstance(body, dict) or len(body) != 1:
        raise BadRequest("The action body must name exactly one action.")
    (name, arg), = body.items()
    if name in NOT_IMPLEMENTED:
        raise NotImplementedYet(f"The action {name} is not implemented by cheptel.")
    handler = ACTIONS.get(name)
    if handler is None:
        raise BadRequest(f"There is no such action: {name}")
    result = handler(ctx, arg)
    return result if result is not None else Reply(None, status=STATUS.get(name, 202))


ROUTES = [
    Route("POST", ONE + "/action", action, "compute:servers:action", 202),
]
