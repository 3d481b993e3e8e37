"""Server group bodies as Nova renders them, per microversion (server_groups.py)."""

from __future__ import annotations

from cheptel.compute.microversion import Version
from cheptel.compute.models import ServerGroup


def server_group(group: ServerGroup, members: list[str], version: Version) -> dict:
    body: dict = {"id": group.id, "name": group.name}
    if version.at_least("2.64"):
        body["policy"] = group.policy
        body["rules"] = dict(group.rules or {})
    else:
        body["policies"] = [group.policy]
        body["metadata"] = {}  # an empty object Nova showed until 2.64
    body["members"] = members
    if version.at_least("2.13"):
        body["project_id"] = group.project_id
        body["user_id"] = group.user_id
    return body
