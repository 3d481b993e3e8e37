"""Bulk delete (swift/common/middleware/bulk.py): `POST` or `DELETE` on the account with
`?bulk-delete`, a body of newline-separated URL-quoted `/container/object` or
`/container` names. The answer is always 200; what failed is in its summary (JSON when
asked for, else Swift's plain text)."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.responses import Response

from cheptel.errors import BadRequest, CheptelError, PayloadTooLarge
from cheptel.objectstore.api import segments
from cheptel.objectstore.api.common import account, remove_after_commit
from cheptel.objectstore.schemas import MAX_BULK_DELETES, utf8
from cheptel.objectstore.service import containers, objects
from cheptel.spool import Spooled
from cheptel.web import Ctx, Reply

INFO = {"bulk_delete": {"max_deletes_per_request": MAX_BULK_DELETES,
                        "max_failed_deletes": 1000}}


def _names(body: Spooled | None) -> list[str]:
    if body is None:
        return []
    try:
        text = body.path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Invalid bulk delete.") from None
    names = [unquote(line.strip()) for line in text.splitlines() if line.strip()]
    if len(names) > MAX_BULK_DELETES:
        raise PayloadTooLarge(f"Maximum Bulk Deletes: {MAX_BULK_DELETES} per request")
    return names


def _delete_one(ctx: Ctx, project: str, path: str) -> bool:
    """-> False if it was not found; raises the error that refused it."""
    text = path[1:] if path.startswith("/") else path
    cname, _, oname = text.partition("/")
    if not cname:
        raise BadRequest("Invalid bulk delete.")
    container = containers.find(ctx.db, project, cname)
    if container is None:
        return False
    if oname:
        row = objects.find(ctx.db, container, oname, ctx.now)
        if row is None:
            return False
        remove_after_commit(ctx, [objects.delete(ctx.db, row)])
        return True
    remove_after_commit(ctx, list(containers.delete(ctx.db, container, ctx.now)))
    return True


def bulk_delete(ctx: Ctx) -> Reply:
    project = account(ctx)
    deleted, missing = 0, 0
    errors: list[list[str]] = []
    status = "200 OK"
    try:
        names = _names(ctx.body)
    except CheptelError as exc:
        names, status = [], f"{exc.code} {exc.title}"
    for name in names:
        try:
            utf8(name.encode("utf-8").decode("latin-1"), "Name")
            # each deletion refuses before it changes anything (a non-empty container)
            if _delete_one(ctx, project, name):
                deleted += 1
            else:
                missing += 1
        except CheptelError as exc:
            errors.append([name, f"{exc.code} {exc.title}"])
    if errors:
        status = "400 Bad Request"
    doc = {"Number Deleted": deleted, "Number Not Found": missing, "Response Body": "",
           "Response Status": status, "Errors": errors}
    body, media = segments.summary(doc, ctx.header("accept"))
    return Reply(Response(body, status_code=200, media_type=media))
