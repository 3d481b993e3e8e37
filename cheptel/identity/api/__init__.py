"""The identity (Keystone v3) route table, gathered from one table per concept.

Each module below holds its handlers and ends with its ROUTES (method, path under
/identity, handler, policy; the policies are in cheptel.identity.policies); this file
concatenates them. The order matters where paths overlap: the 501 stubs of common come
first.
"""

from __future__ import annotations

from cheptel.identity.api import (
    appcreds,
    auth,
    catalog,
    common,
    credentials,
    ep_filter,
    policies,
    resources,
    roles,
    users,
)
from cheptel.web import Route

ROUTES: list[Route] = [
    *common.ROUTES,
    *auth.ROUTES,
    *resources.ROUTES,
    *users.ROUTES,
    *roles.ROUTES,
    *appcreds.ROUTES,
    *credentials.ROUTES,
    *policies.ROUTES,
    *ep_filter.ROUTES,
    *catalog.ROUTES,
]
