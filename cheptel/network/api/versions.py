"""Discovery: the versions document, the v2.0 resources, extensions, availability zones.

EXTENSIONS lists exactly what cheptel implements, with Neutron's own descriptors, so
that clients which check an alias (the SDK, the CLI, tempest) find what works here.
"""

from __future__ import annotations

from cheptel.network.api.common import collection
from cheptel.network.attributes import ro
from cheptel.network.errors import not_found
from cheptel.web import Ctx, Route

# (alias, name, description, updated), from neutron-lib's API definitions
EXTENSIONS = [
    ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 "
     "Neutron networks and access to external networks via a NAT gateway.",
     "2012-07-20T10:00:00-00:00"),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the "
     "router abstraction for specifying whether SNAT should occur on the external gateway",
     "2013-03-28T10:00:00-00:00"),
    ("external-net", "Neutron external network", "Adds external network attribute to "
     "network resource.", "2013-01-14T10:00:00-00:00"),
    ("subnet-external-network", "Subnet belongs to an external network", "Informs if the "
     "subnet belongs to an external network", "2024-02-05T18:00:00-00:00"),
    ("security-group", "security-group", "The security groups extension.",
     "2012-10-05T10:00:00-00:00"),
    ("quotas", "Quota management support", "Expose functions for quotas management per "
     "project", "2012-07-29T10:00:00-00:00"),
    ("quota_details", "Quota details management support", "Expose functions for quotas "
     "usage statistics per project", "2017-02-10T10:00:00-00:00"),
    ("standard-attr-description", "standard-attr-description", "Extension to add "
     "descriptions to standard attributes", "2016-02-10T10:00:00-00:00"),
    ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at "
     "fields to all Neutron resources that have Neutron standard attributes.",
     "2016-09-12T10:00:00-00:00"),
    ("standard-attr-revisions", "Resource revision numbers", "This extension will display "
     "the revision number of neutron resources.", "2016-04-11T10:00:00-00:00"),
    ("standard-attr-tag", "Tag support for resources with standard attribute: floatingip, "
     "network, port, router, security_group, subnet", "Enables to set tag on resources "
     "with standard attribute.", "2017-01-01T00:00:00-00:00"),
    ("port-security", "Port Security", "Provides port security", "2012-07-23T10:00:00-00:00"),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external "
     "application", "2014-02-03T10:00:00-00:00"),
    ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs",
     "2013-07-23T10:00:00-00:00"),
    ("project-id", "project_id field enabled", "Extension that indicates that project_id "
     "field is enabled.", "2016-09-09T09:09:09-09:09"),
    ("pagination", "Pagination support", "Extension that indicates that pagination is "
     "enabled.", "2016-06-12T00:00:00-00:00"),
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled.",
     "2016-06-12T00:00:00-00:00"),
    ("filter-validation", "Filter parameters validation", "Provides validation on filter "
     "parameters.", "2018-07-04T10:00:00-00:00"),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource.",
     "2015-03-25T10:00:00-00:00"),
    ("net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a "
     "network resource.", "2017-07-12T00:00:00-00:00"),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical "
     "networks", "2012-09-07T10:00:00-00:00"),
    ("availability_zone", "Availability Zone", "The availability zone extension.",
     "2015-01-01T10:00:00-00:00"),
    ("network_availability_zone", "Network Availability Zone", "Availability zone support "
     "for network.", "2015-01-01T10:00:00-00:00"),
    ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet "
     "pool", "2015-03-30T10:00:00-00:00"),
    ("agent", "agent", "The agent management extension.", "2013-02-03T10:00:00-00:00"),
    ("router_availability_zone", "Router Availability Zone", "Availability zone support for "
     "router.", "2015-01-01T10:00:00-00:00"),
    ("service-type", "Neutron Service Type Management", "API for retrieving service "
     "providers for Neutron advanced services", "2013-01-20T00:00:00-00:00"),
]
CORE = (("network", "networks"), ("subnet", "subnets"), ("port", "ports"))
ZONE = {"name": ro(), "resource": ro(), "state": ro()}


def _extension(alias: str, name: str, description: str, updated: str) -> dict:
    return {"name": name, "alias": alias, "description": description, "updated": updated,
            "links": []}


def versions(ctx: Ctx) -> dict:
    href = f"{ctx.base_url}/network/v2.0/"
    return {"versions": [{"id": "v2.0", "status": "CURRENT",
                          "links": [{"rel": "self", "href": href}]}]}


def resources(ctx: Ctx) -> dict:
    base = f"{ctx.base_url}/network/v2.0/"
    return {"resources": [{"name": name, "collection": plural,
                           "links": [{"rel": "self", "href": base + plural}]}
                          for name, plural in CORE]}


def extensions(ctx: Ctx) -> dict:
    return {"extensions": [_extension(*e) for e in EXTENSIONS]}


def extension(ctx: Ctx) -> dict:
    for e in EXTENSIONS:
        if e[0] == ctx.params["alias"]:
            return {"extension": _extension(*e)}
    raise not_found("HTTPNotFound", f"Extension with alias {ctx.params['alias']} does not "
                    "exist")


def availability_zones(ctx: Ctx) -> dict:
    zones = [{"name": "nova", "resource": r, "state": "available"}
             for r in ("network", "router")]
    return collection(ctx, "availability_zones", ZONE, zones, taggable=False)


ROUTES = [
    Route("GET", "/", versions, "network:discovery"),
    Route("GET", "/v2.0", resources, "network:discovery"),
    Route("GET", "/v2.0/", resources, "network:discovery"),
    Route("GET", "/v2.0/extensions", extensions, "network:get_extension"),
    Route("GET", "/v2.0/extensions/{alias}", extension, "network:get_extension"),
    Route("GET", "/v2.0/availability_zones", availability_zones,
          "network:get_availability_zone"),
]
