"""What the object store's handlers share: the request id, the caller's rights, headers."""

from __future__ import annotations

import secrets
import time

from starlette.requests import Request

from cheptel.errors import NotFound
from cheptel.identity.models import Project
from cheptel.objectstore.models import SwiftContainer
from cheptel.objectstore.service import access, tempurl
from cheptel.objectstore.service import containers as containers_svc
from cheptel.objectstore.service.store import ObjectFiles
from cheptel.web import Ctx, Reply

V1 = "/v1/{account}"
CONTAINER = V1 + "/{container}"
OBJECT = CONTAINER + "/{object:path}"
READS = ("GET", "HEAD")


def negotiate(request: Request) -> tuple[None, dict[str, str]]:
    """Every answer, errors included, carries Swift's transaction id."""
    trans = f"tx{secrets.token_hex(11)[:21]}-{int(time.time()):010x}"
    return None, {"X-Trans-Id": trans, "X-Openstack-Request-Id": trans}


def done(status: int, extra: dict[str, str] | None = None) -> Reply:
    """A write's answer: no body, but Swift's Content-Type (and Content-Length) on it."""
    headers = {"Content-Type": "text/html; charset=UTF-8", **(extra or {})}
    if status != 204:
        headers["Content-Length"] = "0"
    return Reply(None, status=status, headers=headers)


def headers(ctx: Ctx) -> dict[str, str]:
    """The request headers, names lower-case (Starlette's Headers are case-insensitive,
    but the metadata parsers iterate)."""
    return {k.lower(): v for k, v in ctx.request.headers.items()}


def files(ctx: Ctx) -> ObjectFiles:
    return ObjectFiles(ctx.deps.settings.data_dir)


def remove_after_commit(ctx: Ctx, file_ids: list[str | None]) -> None:
    gone = [f for f in file_ids if f]
    if gone:
        store = files(ctx)
        ctx.after_commit.append(lambda: store.remove(gone))


def project_name(ctx: Ctx) -> str | None:
    if ctx.creds is None or ctx.creds.project_id is None:
        return None
    project = ctx.db.get(Project, ctx.creds.project_id)
    return project.name if project is not None else None


def account(ctx: Ctx) -> str:
    """The URL's account as a project id (`AUTH_<project_id>`: the only reseller prefix)."""
    name = ctx.params["account"]
    if not name.startswith(access.ACCOUNT_PREFIX) or len(name) <= len(access.ACCOUNT_PREFIX):
        raise NotFound()
    return name[len(access.ACCOUNT_PREFIX):]


def is_owner(ctx: Ctx) -> bool:
    return access.is_owner(ctx.creds, account(ctx))


def signed_by_temp_url(ctx: Ctx) -> bool:
    return tempurl.is_temp_url(ctx.query)


def _check_temp_url(ctx: Ctx, project: str, row: SwiftContainer | None) -> str:
    """A temp URL stands for the owner on its one object (and method), and on what that
    object reaches (a large object's segments, a link's target): anywhere in the account
    when an account key signed it, in its own container when a container key did
    (tempurl's authorize_same_account / _same_container). -> "account" or "container"."""
    obj = ctx.params.get("object", "")
    if not obj:
        raise tempurl.invalid("not an object's URL")
    acct = containers_svc.account(ctx.db, project)
    names = ("temp-url-key", "temp-url-key-2")
    account_keys = [acct.meta[k] for k in names if acct and acct.meta.get(k)]
    container_keys = [row.meta[k] for k in names if row and row.meta.get(k)]
    obj_path = f"{ctx.params['container']}/{obj}"
    path = f"/v1/{ctx.params['account']}/{obj_path}"
    key = tempurl.check(ctx.query, ctx.request.method, (path, "/object-store" + path),
                        obj_path, account_keys + container_keys, ctx.now)
    return "account" if key in account_keys else "container"


def container_for(ctx: Ctx, *, acl: str | None, listing: bool = False,
                  name: str | None = None) -> SwiftContainer:
    """The URL's container (or `name`'s), once the caller has the right to it: its
    owner, or someone its ACL (`acl`: "read" or "write"; None: owners only) lets through.
    keystoneauth decides before the container is looked up: a stranger gets 401/403
    whether the container exists or not."""
    project = account(ctx)
    cname = ctx.params["container"] if name is None else name
    row = containers_svc.find(ctx.db, project, cname)
    if tempurl.is_temp_url(ctx.query):
        own = row if name is None else containers_svc.find(ctx.db, project,
                                                           ctx.params["container"])
        scope = _check_temp_url(ctx, project, own)
        if cname != ctx.params["container"] and scope != "account":
            raise access.deny(None)
    elif not access.is_owner(ctx.creds, project):
        text = None
        if row is not None and acl is not None:
            text = row.sysmeta.get(f"x-container-{acl}")
        access.require(ctx.creds, project, text, listing=listing,
                       referrer=ctx.header("referer"), project_name=project_name(ctx))
    return containers_svc.get(ctx.db, project, cname)
