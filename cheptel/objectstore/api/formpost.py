"""Form POST (swift/common/middleware/formpost.py): a browser uploads files into a
container without a token, with an HTML form signed by a temp URL key.

    signature = HMAC(key, "<path>\\n<redirect>\\n<max_file_size>\\n<max_file_count>\\n<expires>")

`path` is the URL's `/v1/AUTH_<project>/<container>[/<prefix>]` (with or without the
catalog's `/object-store`); every file part becomes `<prefix><filename>`. The form
arrives spooled (at most schemas.SMALL_BODY bytes) and is parsed with the standard
library's MIME parser. Answers: 303 to `redirect?status=201&message=` when asked, else a
201; a form that is expired or badly signed is a 401, one over its limits a 400.
"""

from __future__ import annotations

import email.parser
import email.policy
import hmac
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import quote

from starlette.responses import Response

from cheptel.errors import BadRequest, Unauthorized
from cheptel.objectstore.api.common import files, remove_after_commit
from cheptel.objectstore.models import SwiftContainer
from cheptel.objectstore.service import containers, objects, quotas, tempurl
from cheptel.spool import spool_chunks
from cheptel.web import Ctx, Reply

INFO: dict[str, dict[str, object]] = {"formpost": {}}
FIELDS = ("redirect", "max_file_size", "max_file_count", "expires", "signature")


def is_form(ctx: Ctx) -> bool:
    """formpost takes every multipart/form-data POST, a token or not (the signature is the
    credential; a metadata POST never has such a body)."""
    value = ctx.header("content-type") or ""
    kind = value.split(";")[0].strip().lower()
    return kind == "multipart/form-data" and "boundary" in value


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes, str | None]] = field(default_factory=list)


def parse(ctx: Ctx) -> Form:
    head = f"Content-Type: {ctx.header('content-type')}\r\n\r\n".encode("latin-1")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        head + ctx.body.path.read_bytes())
    if not msg.is_multipart():
        raise BadRequest("FormPost: invalid starting boundary")
    form = Form()
    for part in msg.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename:
            form.files.append((str(filename), data, part.get_content_type()
                               if part.get("content-type") else None))
        elif isinstance(name, str):
            form.values[name] = data.decode("utf-8", "replace").strip()
    return form


def _int(form: Form, name: str) -> int:
    text = form.values.get(name, "")
    if not text.isdigit():
        raise BadRequest(f"FormPost: invalid {name}")
    return int(text)


def _check(ctx: Ctx, form: Form, project: str, container: SwiftContainer | None,
           prefix: str) -> None:
    expires = form.values.get("expires", "")
    if not expires.isdigit() or int(expires) < ctx.now:
        raise Unauthorized("FormPost: Form Expired")
    keys: list[str] = []
    acct = containers.account(ctx.db, project)
    for meta in ((acct.meta if acct else {}), (container.meta if container else {})):
        keys += [meta[k] for k in ("temp-url-key", "temp-url-key-2") if meta.get(k)]
    sig = form.values.get("signature", "")
    try:
        digest, given = tempurl.signature(sig)
    except Unauthorized:
        raise Unauthorized("FormPost: Invalid Signature") from None
    path = f"/v1/{ctx.params['account']}/{ctx.params['container']}"
    if ctx.params.get("object"):
        path += "/" + ctx.params["object"]
    for signed in (path, "/object-store" + path):
        body = "\n".join([signed, form.values.get("redirect", ""),
                          form.values.get("max_file_size", ""),
                          form.values.get("max_file_count", ""), expires])
        for key in keys:
            mac = hmac.new(key.encode(), body.encode(), tempurl.DIGESTS[digest]).digest()
            if hmac.compare_digest(mac, given):
                return
    raise Unauthorized("FormPost: Invalid Signature")


def handle(ctx: Ctx) -> Reply:
    project = ctx.params["account"].removeprefix("AUTH_")
    container = containers.find(ctx.db, project, ctx.params["container"])
    prefix = ctx.params.get("object", "")
    form = parse(ctx)
    _check(ctx, form, project, container, prefix)
    if container is None:
        raise BadRequest("FormPost: the container does not exist")
    max_size, max_count = _int(form, "max_file_size"), _int(form, "max_file_count")
    if len(form.files) > max_count:
        raise BadRequest("FormPost: max_file_count exceeded")
    store = files(ctx)
    for filename, data, ctype in form.files:
        if len(data) > max_size:
            raise BadRequest("FormPost: max_file_size exceeded")
        name = prefix + filename
        existing = objects.find(ctx.db, container, name, ctx.now)
        quotas.check_upload(ctx.db, container, len(data), ctx.now,
                            existing.size if existing else 0, existing is None)
        spooled = spool_chunks([data], store.spool, len(data))
        headers = {"content-type": ctype} if ctype else {}
        try:
            written = objects.put(ctx.db, store, container, name, spooled, headers, ctx.now)
        finally:
            spooled.discard()
        remove_after_commit(ctx, [written.replaced_file])
    redirect = form.values.get("redirect", "")
    if redirect:
        sep = "&" if "?" in redirect else "?"
        return Reply(Response(status_code=303, headers={
            "Location": f"{redirect}{sep}status=201&message={quote('')}"}))
    body = b"<html><h1>Created</h1><p>201 Created</p></html>"
    return Reply(Response(body, status_code=201, media_type="text/html; charset=UTF-8"))
