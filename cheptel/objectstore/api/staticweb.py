"""Static web (swift/common/middleware/staticweb.py): a container serves as a web site to
requests without a token (or with `X-Web-Mode: true`), by its metadata:

- `X-Container-Meta-Web-Index: index.html`: a directory's URL (`c/`, `c/dir/`) serves
  that object; a directory URL without its slash is redirected (301) to it;
- `X-Container-Meta-Web-Listings: true`: else an HTML listing of the directory
  (`-Web-Listings-CSS`: its style sheet);
- `X-Container-Meta-Web-Error: error.html`: a missing object answers with the object
  `<status>error.html` (e.g. `404error.html`) and that status.
Reading still needs the container's read ACL (`.r:*`; listings `.rlistings`).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from cheptel.objectstore.api import object_reads
from cheptel.objectstore.api.common import container_for
from cheptel.objectstore.models import SwiftContainer, SwiftObject
from cheptel.objectstore.service import listing, objects
from cheptel.objectstore.views import listing_date
from cheptel.web import Ctx

INFO: dict[str, dict[str, Any]] = {"staticweb": {}}
TRUE = ("true", "1", "yes", "on", "t", "y")


def applies(ctx: Ctx, row: SwiftContainer) -> bool:
    web_mode = (ctx.header("x-web-mode") or "").lower() in TRUE
    if ctx.creds is not None and not web_mode:
        return False
    return bool(row.meta.get("web-index")) or str(row.meta.get("web-listings", "")
                                                  ).lower() in TRUE or web_mode


def _redirect(ctx: Ctx) -> Response:
    return Response(status_code=301, headers={
        "Location": quote(ctx.request.url.path) + "/", "Content-Type": "text/html; charset=UTF-8"})


def directory(ctx: Ctx, row: SwiftContainer, prefix: str) -> Response:
    """A directory's URL: its index, or its listing, or the error page."""
    if not ctx.request.url.path.endswith("/"):
        return _redirect(ctx)
    index = row.meta.get("web-index")
    if index:
        found = objects.find(ctx.db, row, prefix + str(index), ctx.now)
        if found is not None:
            return object_reads.respond(ctx, found)
    if str(row.meta.get("web-listings", "")).lower() in TRUE:
        container_for(ctx, acl="read", listing=True)  # `.rlistings`, as for any listing
        return _listing(ctx, row, prefix)
    return error(ctx, row, 404)


def missing(ctx: Ctx, row: SwiftContainer, name: str) -> Response:
    """GET of an object that is not there: a directory, or the error page."""
    if name.endswith("/"):
        return directory(ctx, row, name)
    under = objects.list_objects(ctx.db, row, listing.Query(prefix=name + "/", limit=1),
                                 ctx.now)
    if under:
        return _redirect(ctx)
    return error(ctx, row, 404)


def error(ctx: Ctx, row: SwiftContainer, status: int) -> Response:
    page = row.meta.get("web-error")
    if page:
        found = objects.find(ctx.db, row, f"{status}{page}", ctx.now)
        if found is not None:
            answer = object_reads.respond(ctx, found)
            answer.status_code = status
            return answer
    from cheptel.objectstore.faults import standard_body

    return Response(standard_body(status), status_code=status,
                    media_type="text/html; charset=UTF-8")


def _listing(ctx: Ctx, row: SwiftContainer, prefix: str) -> Response:
    entries = objects.list_objects(ctx.db, row, listing.Query(prefix=prefix, delimiter="/"),
                                   ctx.now)
    title = escape(f"Listing of {ctx.request.url.path}")
    css = row.meta.get("web-listings-css")
    depth = prefix.count("/")
    style = (f'  <link rel="stylesheet" type="text/css" href="{"../" * depth}'
             f'{escape(str(css))}" />\n') if css else ""
    rows = []
    if prefix:
        rows.append('   <tr id="parent" class="item"><td class="colname"><a href="../">../'
                    '</a></td><td class="colsize">&nbsp;</td><td class="coldate">&nbsp;'
                    '</td></tr>')
    for entry in entries:
        if isinstance(entry, str):
            short = entry[len(prefix):]
            rows.append(f'   <tr class="item subdir"><td class="colname"><a href="'
                        f'{quote(short)}">{escape(short)}</a></td><td class="colsize">'
                        f'&nbsp;</td><td class="coldate">&nbsp;</td></tr>')
            continue
        assert isinstance(entry, SwiftObject)
        short = entry.name[len(prefix):]
        rows.append(f'   <tr class="item"><td class="colname"><a href="{quote(short)}">'
                    f'{escape(short)}</a></td><td class="colsize">{entry.size}</td>'
                    f'<td class="coldate">{listing_date(entry.updated_at)[:19]}</td></tr>')
    body = ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
            '"http://www.w3.org/TR/html4/loose.dtd">\n<html>\n <head>\n'
            f'  <title>{title}</title>\n{style} </head>\n <body>\n'
            f'  <h1 id="title">{title}</h1>\n  <table id="listing">\n'
            '   <tr id="heading"><th class="colname">Name</th><th class="colsize">Size</th>'
            '<th class="coldate">Date</th></tr>\n' + "\n".join(rows) +
            '\n  </table>\n </body>\n</html>\n')
    return Response(body, media_type="text/html; charset=UTF-8")
