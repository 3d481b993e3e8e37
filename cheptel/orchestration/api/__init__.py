"""The orchestration (Heat v1) route table, gathered from one table per concept.

Every path but discovery is under `/v1/{project_id}`, the token's project (403
otherwise); a stack of another project is a 404, by name or by id. Lookups by name
(`/stacks/{name}` and its sub-paths) answer Heat's 302 to `/stacks/{name}/{id}`; they
come before the two-segment paths they would otherwise shadow.
"""

from __future__ import annotations

from cheptel.orchestration.api import resources, software, stacks, templates, versions
from cheptel.web import Route

ROUTES: list[Route] = [*versions.ROUTES, *stacks.ROUTES, *resources.ROUTES,
                       *templates.ROUTES, *software.ROUTES]
