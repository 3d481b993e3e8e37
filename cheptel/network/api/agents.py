"""Agents: /v2.0/agents (the `agent` extension), always empty.

Neutron lists the L2/L3/DHCP/metadata agents that report to it. cheptel has none: its
dataplane (bridges, iptables) is converged in-process by the reconciler, so the listing
is empty for everyone (Neutron filters out, for a non-admin, every agent its policy hides:
an empty list rather than a 403) and any one agent is a 404 AgentNotFound.
"""

from __future__ import annotations

from cheptel.network.api.common import collection
from cheptel.network.attributes import Attr, Resource, ro, to_bool
from cheptel.network.errors import not_found
from cheptel.web import Ctx, Route

# Neutron's get/update/delete_agent are the admin's, but an agent a caller may not see is
# a 404 as one that does not exist: with no agent at all, every caller gets the same answer

AGENT: Resource = {name: ro() for name in (
    "id", "agent_type", "binary", "topic", "host", "created_at", "started_at",
    "heartbeat_timestamp", "description", "availability_zone")}
AGENT.update({"admin_state_up": Attr(convert=to_bool, filter="bool"),
              "alive": ro(filter="bool"), "configurations": ro(filter=None, sort=False)})
ONE = "/v2.0/agents/{agent_id}"


def index(ctx: Ctx) -> dict:
    return collection(ctx, "agents", AGENT, [], taggable=False)


def missing(ctx: Ctx) -> None:
    raise not_found("AgentNotFound", f"Agent {ctx.params['agent_id']} could not be found.")


ROUTES = [
    Route("GET", "/v2.0/agents", index, "network:get_agent"),
    Route("GET", ONE, missing, "network:get_agent"),
    Route("PUT", ONE, missing, "network:get_agent"),
    Route("DELETE", ONE, missing, "network:get_agent"),
]
