"""Server actions of Nova's admin_actions, deferred_delete and migrate_server controllers:
os-resetState, injectNetworkInfo, migrate (admin), forceDelete and restore (the owner).

Each is an entry of server_actions.ACTIONS (POST /servers/{id}/action); the server is
loaded first (404 for a server the caller cannot see), then the admin-only ones check
their policy (403), as Nova's controllers do.
"""

from __future__ import annotations

from cheptel.compute.api.servers import _server, request_id
from cheptel.compute.service import actions, servers
from cheptel.validation import check, obj
from cheptel.web import Ctx

RESET_STATE = obj({"state": {"type": "string", "enum": ["active", "error"]}}, ("state",))
HOST = {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
        "pattern": r"^[a-zA-Z0-9\-._]*$"}
MIGRATE = {"type": ["object", "null"], "properties": {"host": HOST},
           "additionalProperties": False}


def _admin_server(ctx: Ctx, rule: str):  # type: ignore[no-untyped-def]
    server = _server(ctx)
    ctx.require(rule, {"project_id": server.project_id})
    return server


def reset_state(ctx: Ctx, arg: object) -> None:
    body = check(RESET_STATE, arg)
    server = _admin_server(ctx, "compute:servers:reset_state")
    assert ctx.creds is not None
    actions.reset_state(ctx.db, server, ctx.creds, body["state"], ctx.now, request_id(ctx))


def inject_network_info(ctx: Ctx, arg: object) -> None:
    """Accepted and done: a container's interfaces are configured by the engine, there is
    nothing to inject (Nova only refuses a locked server)."""
    server = _admin_server(ctx, "compute:servers:inject_network_info")
    assert ctx.creds is not None
    servers.check_unlocked(server, ctx.creds)


def migrate(ctx: Ctx, arg: object) -> None:
    host = None
    if ctx.version.at_least("2.56"):  # before 2.56 Nova reads no body
        host = (check(MIGRATE, arg) or {}).get("host")
    server = _admin_server(ctx, "compute:servers:migrate")
    assert ctx.creds is not None
    actions.migrate(ctx.db, server, ctx.creds, host, ctx.now, request_id(ctx))


def force_delete(ctx: Ctx, arg: object) -> None:  # Nova's schema takes any value
    server = _server(ctx)
    assert ctx.creds is not None
    actions.force_delete(ctx.db, server, ctx.creds, ctx.now, request_id(ctx))
    ctx.after_commit.append(lambda: ctx.deps.reconciler.kick(server.id))


def restore(ctx: Ctx, arg: object) -> None:  # Nova's schema takes any value
    server = _server(ctx)
    assert ctx.creds is not None
    actions.restore(server, ctx.creds)


ACTIONS = {"os-resetState": reset_state, "injectNetworkInfo": inject_network_info,
           "migrate": migrate, "forceDelete": force_delete, "restore": restore}
