"""Service providers: /v2.0/service-providers (the `service-type` extension).

Neutron lists the drivers its service plugins load (neutron.db.servicetype_db
ServiceTypeManager.get_service_providers). Its L3 router plugin registers four
L3_ROUTER_NAT providers by default, none the default one (neutron.services.l3_router.
service_providers.driver_controller._LegacyPlusProviderConfiguration: dvrha, dvr, ha,
single_node); cheptel's routers are centralised and not HA, so it lists only
`single_node`. Each shows service_type, name and default (the driver is not visible).
"""

from __future__ import annotations

from cheptel.network.api.common import collection
from cheptel.network.attributes import Resource, ro
from cheptel.web import Ctx, Route

# neutron/conf/policies/service_type.py: get_service_provider is "role:reader"
PROVIDER: Resource = {"service_type": ro(), "name": ro(), "default": ro(filter="bool")}
PROVIDERS = [{"service_type": "L3_ROUTER_NAT", "name": "single_node", "default": False}]


def index(ctx: Ctx) -> dict:
    return collection(ctx, "service_providers", PROVIDER, [dict(p) for p in PROVIDERS],
                      taggable=False)


ROUTES = [
    Route("GET", "/v2.0/service-providers", index, "network:get_service_provider"),
]
