"""The block storage (Cinder v3) route table, gathered from one table per concept.

Every path but discovery is under `/v3/{project_id}`, and that project must be the
token's (cheptel.volume.api.common.caller: 400 "Malformed request url" otherwise, as
Cinder answers). Reads are a project reader's, writes a member's; a volume of another
project is a 404 (service/volumes.get_visible). Types are the admin's to manage.
"""

from __future__ import annotations

from cheptel.volume.api import (
    actions,
    attachments,
    backends,
    backups,
    discovery,
    encryption,
    groups,
    messages,
    qos,
    quotas,
    snapshots,
    transfers,
    types,
    volumes,
)
from cheptel.web import Route

ROUTES: list[Route] = [
    *discovery.ROUTES,
    *volumes.ROUTES,
    *actions.ROUTES,
    *types.ROUTES,
    *encryption.ROUTES,
    *quotas.ROUTES,
    *backends.ROUTES,
    *snapshots.ROUTES,
    *attachments.ROUTES,
    *groups.ROUTES,
    *messages.ROUTES,
    *transfers.ROUTES,
    *backups.ROUTES,
    *qos.ROUTES,
]
