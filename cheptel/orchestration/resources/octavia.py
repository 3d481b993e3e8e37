"""OS::Octavia::* resource types (heat/engine/resources/openstack/octavia/), through
Octavia's routes (load-balancer service). A child of a load balancer waits until its
balancer is ACTIVE before it is made (Octavia answers 409 while it is PENDING_*: Heat
retries; here the engine holds the resource back), and is ready once both it and its
balancer are ACTIVE again; ERROR fails it."""

from __future__ import annotations

from typing import Any

from cheptel.orchestration.errors import ResourceFailure
from cheptel.orchestration.resources.base import (
    Prop,
    Record,
    ResourceType,
    find,
    gone_when_missing,
    ignore_missing,
)
from cheptel.orchestration.resources.neutron import _id as neutron_id
from cheptel.orchestration.service.cloud import Cloud

LBS = "load-balancer"
P = "/v2/lbaas"


def _find(cloud: Cloud, plural: str, ref: str, what: str) -> dict[str, Any]:
    return find(cloud, LBS, f"{P}/{plural}", plural, ref, what)


def _status(cloud: Cloud, lb_id: str) -> str:
    return str(cloud.call(LBS, "GET", f"{P}/loadbalancers/{lb_id}")["loadbalancer"][
        "provisioning_status"])


def _settled(cloud: Cloud, lb_id: str) -> bool:
    status = _status(cloud, lb_id)
    if status == "ERROR":
        raise ResourceFailure(f"Load balancer {lb_id} went to ERROR")
    return status == "ACTIVE"


def _kind(name: str, plural: str, root: str, props: dict[str, Prop], attrs: dict[str, str],
          body: Any, parent: Any, description: str, nested: bool = False) -> ResourceType:
    """A type over one Octavia collection. body(cloud, props) -> the POST document;
    parent(cloud, props) -> the load balancer it goes under (None for a balancer);
    nested: the collection lives under the object's pool (members)."""
    def url(r: Record) -> str:
        if nested:
            return f"{P}/pools/{r.data['pool']}/{plural}/{r.physical_id}"
        return f"{P}/{plural}/{r.physical_id}"

    def create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
        r.data = {"pool": _pool_id(cloud, p)} if nested else {}
        collection = f"{P}/pools/{r.data['pool']}/{plural}" if nested else f"{P}/{plural}"
        made = cloud.call(LBS, "POST", collection, {root: body(cloud, p)})[root]
        r.physical_id = made["id"]
        r.data["lb"] = parent(cloud, p) if parent else made["id"]

    def show(cloud: Cloud, r: Record) -> dict[str, Any]:
        return dict(cloud.call(LBS, "GET", url(r))[root])

    def ready(cloud: Cloud, r: Record) -> bool:
        doc = show(cloud, r)
        if doc["provisioning_status"] == "ERROR":
            raise ResourceFailure(f"{name} {r.physical_id} went to ERROR")
        return bool(doc["provisioning_status"] == "ACTIVE") and _settled(cloud, r.data["lb"])

    def delete(cloud: Cloud, r: Record) -> None:
        if r.physical_id:
            query = {"cascade": "true"} if plural == "loadbalancers" else None
            ignore_missing(lambda: cloud.call(LBS, "DELETE", url(r), query=query))

    def gone(cloud: Cloud, r: Record) -> bool:
        return not r.physical_id or gone_when_missing(lambda: show(cloud, r))

    def blocked(cloud: Cloud, p: dict[str, Any]) -> bool:
        return parent is not None and not _settled(cloud, parent(cloud, p))

    def update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
        cloud.call(LBS, "PUT", url(r), {root: changed})

    return ResourceType(name=name, description=description, properties=props,
                        attributes=attrs, create=create, delete=delete, show=show,
                        ready=ready, gone=gone, blocked=blocked, update=update)


def _kept(p: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: p[k] for k in keys if p.get(k) is not None}


def _pool_id(cloud: Cloud, p: dict[str, Any]) -> str:
    return str(_find(cloud, "pools", p["pool"], "Pool")["id"])


def _lb(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    body = {**_kept(p, "name", "description", "vip_address", "provider",
                    "admin_state_up", "availability_zone")}
    if p.get("vip_subnet"):
        body["vip_subnet_id"] = neutron_id(cloud, "subnet", p["vip_subnet"])
    if p.get("vip_network"):
        body["vip_network_id"] = neutron_id(cloud, "network", p["vip_network"])
    if p.get("flavor"):
        body["flavor_id"] = _find(cloud, "flavors", p["flavor"], "Flavor")["id"]
    return body


LOADBALANCER = _kind(
    "OS::Octavia::LoadBalancer", "loadbalancers", "loadbalancer",
    {"name": Prop("string", "Name of this Load Balancer.", update_allowed=True),
     "description": Prop("string", "Description of this Load Balancer.", default="",
                         update_allowed=True),
     "provider": Prop("string", "Provider for this Load Balancer."),
     "vip_address": Prop("string", "IP address for the VIP."),
     "vip_subnet": Prop("string", "The name or ID of the subnet on which to allocate the "
                        "VIP address."),
     "vip_network": Prop("string", "The name or ID of the network on which to allocate "
                         "the VIP."),
     "admin_state_up": Prop("boolean", "The administrative state of this Load Balancer.",
                            default=True, update_allowed=True),
     "flavor": Prop("string", "The name or ID of the flavor of the Load Balancer."),
     "availability_zone": Prop("string", "The availability zone of the Load Balancer.")},
    {"vip_address": "The VIP address of the LoadBalancer.",
     "vip_port_id": "The VIP port of the LoadBalancer.",
     "vip_subnet_id": "The VIP subnet of the LoadBalancer.",
     "listeners": "Listeners associated with this LoadBalancer.",
     "pools": "Pools this LoadBalancer is associated with.",
     "flavor_id": "The flavor ID of the LoadBalancer.",
     "availability_zone": "The availability zone of the LoadBalancer."},
    _lb, None, "A resource for creating octavia Load Balancers.")


def _listener_lb(cloud: Cloud, p: dict[str, Any]) -> str:
    if p.get("loadbalancer"):
        return str(_find(cloud, "loadbalancers", p["loadbalancer"], "Load Balancer")["id"])
    return str(_find(cloud, "pools", p["default_pool"], "Pool")["loadbalancers"][0]["id"])


def _listener(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    body = {**_kept(p, "name", "description", "protocol", "protocol_port",
                    "admin_state_up", "connection_limit", "allowed_cidrs"),
            "loadbalancer_id": _listener_lb(cloud, p)}
    if p.get("default_pool"):
        body["default_pool_id"] = _find(cloud, "pools", p["default_pool"], "Pool")["id"]
    return body


LISTENER = _kind(
    "OS::Octavia::Listener", "listeners", "listener",
    {"protocol_port": Prop("integer", "TCP or UDP port on which to listen for client "
                           "traffic.", required=True),
     "protocol": Prop("string", "Protocol on which to listen for the client traffic.",
                      required=True),
     "loadbalancer": Prop("string", "ID or name of the load balancer with which listener "
                          "is associated."),
     "default_pool": Prop("string", "ID or name of the default pool for the listener."),
     "name": Prop("string", "Name of this listener.", update_allowed=True),
     "description": Prop("string", "Description of this listener.", default="",
                         update_allowed=True),
     "admin_state_up": Prop("boolean", "The administrative state of this listener.",
                            default=True, update_allowed=True),
     "connection_limit": Prop("integer", "The maximum number of connections permitted for "
                              "this load balancer.", default=-1, update_allowed=True),
     "allowed_cidrs": Prop("list", "A list of IPv4, IPv6 or mix of both CIDRs.")},
    {"loadbalancers": "ID of the load balancer this listener is associated to.",
     "default_pool_id": "ID of the default pool this listener is associated to."},
    _listener, _listener_lb, "A resource for managing octavia Listeners.")


def _pool_lb(cloud: Cloud, p: dict[str, Any]) -> str:
    if p.get("listener"):
        return str(_find(cloud, "listeners", p["listener"], "Listener")["loadbalancers"][0][
            "id"])
    return str(_find(cloud, "loadbalancers", p["loadbalancer"], "Load Balancer")["id"])


def _pool(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    body = _kept(p, "name", "description", "admin_state_up", "lb_algorithm", "protocol",
                 "session_persistence", "tls_enabled")
    if p.get("listener"):
        body["listener_id"] = _find(cloud, "listeners", p["listener"], "Listener")["id"]
    else:
        body["loadbalancer_id"] = _pool_lb(cloud, p)
    return body


POOL = _kind(
    "OS::Octavia::Pool", "pools", "pool",
    {"admin_state_up": Prop("boolean", "The administrative state of this pool.",
                            default=True, update_allowed=True),
     "description": Prop("string", "Description of this pool.", default="",
                         update_allowed=True),
     "session_persistence": Prop("map", "Configuration of session persistence."),
     "name": Prop("string", "Name of this pool.", update_allowed=True),
     "lb_algorithm": Prop("string", "The algorithm used to distribute load between the "
                          "members of the pool.", required=True, update_allowed=True),
     "listener": Prop("string", "Listener name or ID to be associated with this pool."),
     "loadbalancer": Prop("string", "Loadbalancer name or ID to be associated with this "
                          "pool."),
     "protocol": Prop("string", "Protocol of the pool.", required=True),
     "tls_enabled": Prop("boolean", "Enable backend member re-encryption.",
                         default=False)},
    {"healthmonitor_id": "ID of the health monitor associated with this pool.",
     "listeners": "Listener associated with this pool.",
     "members": "Members associated with this pool."},
    _pool, _pool_lb, "A resource for managing Octavia Pools.")


def _member_lb(cloud: Cloud, p: dict[str, Any]) -> str:
    return str(_find(cloud, "pools", p["pool"], "Pool")["loadbalancers"][0]["id"])


def _member(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    body = _kept(p, "address", "protocol_port", "weight", "admin_state_up",
                 "monitor_address", "monitor_port")
    if p.get("subnet"):
        body["subnet_id"] = neutron_id(cloud, "subnet", p["subnet"])
    return body


POOL_MEMBER = _kind(
    "OS::Octavia::PoolMember", "members", "member",
    {"pool": Prop("string", "Name or ID of the load balancing pool.", required=True),
     "address": Prop("string", "IP address of the pool member on the pool network.",
                     required=True),
     "protocol_port": Prop("integer", "Port on which the pool member listens for "
                           "requests or connections.", required=True),
     "monitor_address": Prop("string", "Alternate IP address which health monitor can "
                             "use for health check."),
     "monitor_port": Prop("integer", "Alternate Port which health monitor can use for "
                          "health check."),
     "weight": Prop("integer", "Weight of pool member in the pool.", default=1,
                    update_allowed=True),
     "admin_state_up": Prop("boolean", "The administrative state of the pool member.",
                            default=True, update_allowed=True),
     "subnet": Prop("string", "Subnet name or ID of this member.")},
    {"address": "The IP address of the pool member.", "pool_id": "The ID of the pool to "
     "which the pool member belongs."},
    _member, _member_lb, "A resource for managing Octavia Pool Members.", nested=True)


def _monitor(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    return {**_kept(p, "admin_state_up", "delay", "expected_codes", "http_method",
                    "max_retries", "max_retries_down", "timeout", "type", "url_path"),
            "pool_id": _pool_id(cloud, p)}


HEALTH_MONITOR = _kind(
    "OS::Octavia::HealthMonitor", "healthmonitors", "healthmonitor",
    {"admin_state_up": Prop("boolean", "The administrative state of the health monitor.",
                            default=True, update_allowed=True),
     "delay": Prop("integer", "The minimum time in seconds between regular connections of "
                   "the member.", required=True, update_allowed=True),
     "expected_codes": Prop("string", "The HTTP status codes expected in response from "
                            "the member to declare it healthy.", update_allowed=True),
     "http_method": Prop("string", "The HTTP method used for requests by the monitor of "
                         "type HTTP.", update_allowed=True),
     "max_retries": Prop("integer", "Number of permissible connection failures before "
                         "changing the member status to INACTIVE.", required=True,
                         update_allowed=True),
     "max_retries_down": Prop("integer", "Number of allowed connection failures before "
                              "changing the status of the member to ERROR.", default=3,
                              update_allowed=True),
     "pool": Prop("string", "ID or name of the load balancing pool.", required=True),
     "timeout": Prop("integer", "Maximum number of seconds for a monitor to wait for a "
                     "connection to be established before it times out.", required=True,
                     update_allowed=True),
     "type": Prop("string", "One of predefined health monitor types.", required=True),
     "url_path": Prop("string", "The HTTP path used in the HTTP request used by the "
                      "monitor to test a member health.", update_allowed=True)},
    {"pools": "The list of Pools related to this monitor."},
    _monitor, _member_lb, "A resource to handle load balancer health monitors.")

TYPES = [LOADBALANCER, LISTENER, POOL, POOL_MEMBER, HEALTH_MONITOR]
