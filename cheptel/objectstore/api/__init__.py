"""The object store (Swift v1) route table, gathered from one table per concept.

Every route but the account's is open to callers without a token (policy rule `anyone`):
Swift decides in its auth middleware, after the token, from the account's owner and the
container's ACLs (cheptel.objectstore.service.access), and so do these handlers. The
account's routes are its owner's (rule `swift_owner`)."""

from __future__ import annotations

from cheptel.objectstore.api import accounts, containers, info, objects
from cheptel.web import Route

ROUTES: list[Route] = [
    *info.ROUTES,
    *accounts.ROUTES,
    *containers.ROUTES,
    *objects.ROUTES,
]
