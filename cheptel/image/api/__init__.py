"""The image (Glance v2) route table, gathered from one table per concept.

Each module below holds its handlers and ends with its ROUTES (method, path under /image,
handler, policy; the rules are in cheptel.image.policies); this file concatenates them.
Reads need a token; which images a caller sees is decided in the service layer (an image
you may not see is a 404). Writes name the image's owner as the policy target
(`project_member`: a member of the owning project, or an admin); member status is the
consumer's own to set.

Metadata definitions follow Glance's defaults: writes are the admin's; reads are for a
reader of the namespace's owner, or any reader when the namespace is public (others get a
404). Paths have no trailing-slash aliases: `/v2/images/` is a 404, as in Glance.
"""

from __future__ import annotations

from cheptel.image.api import data, discovery, images, members, metadef_content, metadefs
from cheptel.web import Route

ROUTES: list[Route] = [
    *discovery.ROUTES,
    *images.ROUTES,
    *data.ROUTES,
    *members.ROUTES,
    *metadefs.ROUTES,
    *metadef_content.ROUTES,
]
