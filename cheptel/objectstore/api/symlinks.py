"""Symlinks (swift/common/middleware/symlink.py): `PUT` with `X-Symlink-Target:
<container>/<object>` and an empty body makes an object that GET and HEAD follow (to at
most SYMLOOP_MAX links, else 409), with the caller's own rights on the target; with
`?symlink=get` the link itself answers. `X-Symlink-Target-Etag` makes a static link: a
target whose ETag differs is a 409. Listings show `symlink_path`. Only links within the
account are made (`X-Symlink-Target-Account` naming another is a 400: a gap)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from cheptel.errors import BadRequest, Conflict
from cheptel.objectstore.api.common import container_for
from cheptel.objectstore.models import SwiftObject
from cheptel.objectstore.service import objects
from cheptel.web import Ctx

TARGET, TARGET_ACCOUNT, TARGET_ETAG = ("x-symlink-target", "x-symlink-target-account",
                                       "x-symlink-target-etag")
SYMLOOP_MAX = 2
INFO: dict[str, dict[str, Any]] = {"symlink": {"symloop_max": SYMLOOP_MAX,
                                               "static_links": True}}


def is_link(row: SwiftObject) -> bool:
    return TARGET in row.headers


def prepare(ctx: Ctx, headers: dict[str, str], size: int) -> dict[str, str]:
    """A symlink PUT's headers, checked and normalised (the target quoted, the account
    named, the content type application/symlink unless given)."""
    if size:
        raise BadRequest("Symlink requests require a zero byte body")
    text = unquote(headers[TARGET])
    container, _, name = text.lstrip("/").partition("/")
    if not container or not name:
        raise BadRequest("X-Symlink-Target header must be of the form "
                         "<container name>/<object name>")
    account = ctx.params["account"]
    if headers.get(TARGET_ACCOUNT, account) != account:
        raise BadRequest("Symlinks to another account are not supported")
    out = {**headers, TARGET: quote(f"{container}/{name}"), TARGET_ACCOUNT: account}
    out.setdefault("content-type", "application/symlink")
    return out


def follow(ctx: Ctx, row: SwiftObject) -> tuple[SwiftObject, str]:
    """The object a link leads to (read with the caller's rights) and its path."""
    path = ""
    for _ in range(SYMLOOP_MAX + 1):
        if not is_link(row):
            return row, path
        container, _, name = unquote(str(row.headers[TARGET])).partition("/")
        etag = row.headers.get(TARGET_ETAG)
        target_c = container_for(ctx, acl="read", name=container)
        row = objects.get(ctx.db, target_c, name, ctx.now)
        if etag and row.etag.strip('"') != str(etag).strip('"'):
            raise Conflict("Object Etag does not match X-Symlink-Target-Etag header")
        path = f"/v1/{ctx.params['account']}/{quote(container)}/{quote(name)}"
    raise Conflict("Too many levels of symbolic links, maximum allowed is "
                   f"{SYMLOOP_MAX}")
