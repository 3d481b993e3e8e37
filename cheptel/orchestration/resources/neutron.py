"""OS::Neutron::* resource types, through Neutron's routes (network service)."""

from __future__ import annotations

from typing import Any

from cheptel.errors import Conflict
from cheptel.orchestration.resources.base import (
    Prop,
    Record,
    ResourceType,
    find,
    gone_when_missing,
    ignore_missing,
)
from cheptel.orchestration.service.cloud import Cloud

N = "network"


def _id(cloud: Cloud, kind: str, ref: str) -> str:
    plural = {"network": "networks", "subnet": "subnets", "router": "routers",
              "security_group": "security_groups", "port": "ports"}[kind]
    path = "/v2.0/" + plural.replace("_", "-")
    return str(find(cloud, N, path, plural, ref, kind.replace("_", " ").title())["id"])


def _plain(kind: str, plural: str, body: dict[str, str], attrs: dict[str, str],
           props: dict[str, Prop], make: Any, description: str,
           readers: dict[str, Any] | None = None) -> ResourceType:
    path = "/v2.0/" + plural.replace("_", "-")

    def create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
        r.physical_id = cloud.call(N, "POST", path, {kind: make(cloud, p)})[kind]["id"]

    def show(cloud: Cloud, r: Record) -> dict[str, Any]:
        return dict(cloud.call(N, "GET", f"{path}/{r.physical_id}")[kind])

    def delete(cloud: Cloud, r: Record) -> None:
        if r.physical_id:
            ignore_missing(lambda: cloud.call(N, "DELETE", f"{path}/{r.physical_id}"))

    def gone(cloud: Cloud, r: Record) -> bool:
        return not r.physical_id or gone_when_missing(lambda: show(cloud, r))

    def update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
        cloud.call(N, "PUT", f"{path}/{r.physical_id}", {kind: changed})

    return ResourceType(name=body["name"], description=description, properties=props,
                        attributes=attrs, create=create, delete=delete, show=show,
                        gone=gone, readers=readers or {}, update=update)


def _kept(p: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: p[k] for k in keys if p.get(k) is not None}


def _net(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    return {**_kept(p, "name", "admin_state_up", "shared", "port_security_enabled"),
            **(p.get("value_specs") or {})}


def _subnet(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    out = _kept(p, "name", "cidr", "ip_version", "enable_dhcp", "dns_nameservers",
                "allocation_pools", "host_routes")
    out["network_id"] = _id(cloud, "network", p["network"])
    if "gateway_ip" in p:
        out["gateway_ip"] = p["gateway_ip"] or None
    return out


def _port(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    out = _kept(p, "name", "admin_state_up", "mac_address", "port_security_enabled",
                "allowed_address_pairs", "device_id", "device_owner")
    out["network_id"] = _id(cloud, "network", p["network"])
    if p.get("fixed_ips") is not None:
        out["fixed_ips"] = [
            {**_kept(f, "ip_address"),
             **({"subnet_id": _id(cloud, "subnet", f.get("subnet") or f["subnet_id"])}
                if f.get("subnet") or f.get("subnet_id") else {})}
            for f in p["fixed_ips"] if isinstance(f, dict)]
    if p.get("security_groups") is not None:
        out["security_groups"] = [_id(cloud, "security_group", g)
                                  for g in p["security_groups"]]
    return out


def _router(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    out = _kept(p, "name", "admin_state_up")
    gw = p.get("external_gateway_info")
    if isinstance(gw, dict) and gw.get("network"):
        out["external_gateway_info"] = {
            "network_id": _id(cloud, "network", gw["network"]),
            **_kept(gw, "enable_snat")}
    return out


def _fip(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    out = _kept(p, "fixed_ip_address", "floating_ip_address", "port_id")
    out["floating_network_id"] = _id(cloud, "network", p["floating_network"])
    return out


def _group(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    return _kept(p, "name", "description")


NET = _plain("network", "networks", {"name": "OS::Neutron::Net"},
             {"name": "The name of the network.", "status": "The status of the network.",
              "subnets": "Subnets of this network.", "mtu": "The MTU of the network.",
              "admin_state_up": "The administrative status of the network.",
              "tenant_id": "The tenant owning this network."},
             {"name": Prop("string", "A string specifying a symbolic name for the network.",
                           update_allowed=True),
              "admin_state_up": Prop("boolean", "A boolean value specifying the "
                                     "administrative status of the network.", default=True,
                                     update_allowed=True),
              "shared": Prop("boolean", "Whether this network should be shared across all "
                             "tenants.", update_allowed=True),
              "port_security_enabled": Prop("boolean", "Flag to enable/disable port "
                                            "security on the network."),
              "value_specs": Prop("map", "Extra parameters to include in the request.")},
             _net, "A resource for managing Neutron networks.")

SUBNET = _plain("subnet", "subnets", {"name": "OS::Neutron::Subnet"},
                {"name": "Friendly name of the subnet.", "network_id": "Parent network.",
                 "cidr": "CIDR block notation for this subnet.",
                 "gateway_ip": "IP of the subnet's gateway.", "ip_version": "IP version.",
                 "allocation_pools": "Ip allocation pools and their ranges.",
                 "enable_dhcp": "Whether DHCP is enabled."},
                {"network": Prop("string", "The ID or name of the network.", required=True),
                 "cidr": Prop("string", "The CIDR.", required=True),
                 "name": Prop("string", "The name of the subnet.", update_allowed=True),
                 "ip_version": Prop("integer", "The IP version.", default=4),
                 "gateway_ip": Prop("string", "The gateway IP address (empty: none)."),
                 "enable_dhcp": Prop("boolean", "Whether DHCP is enabled.", default=True),
                 "dns_nameservers": Prop("list", "DNS name servers."),
                 "allocation_pools": Prop("list", "The start and end addresses."),
                 "host_routes": Prop("list", "Host routes.")},
                _subnet, "A resource for managing Neutron subnets.")

PORT = _plain("port", "ports", {"name": "OS::Neutron::Port"},
              {"name": "Friendly name of the port.", "network_id": "Unique identifier "
               "for the network owning the port.", "fixed_ips": "Fixed IP addresses.",
               "mac_address": "MAC address of the port.", "status": "The status of the "
               "port.", "device_id": "Unique identifier for the device.",
               "security_groups": "A list of security groups for the port."},
              {"network": Prop("string", "Network this port belongs to.", required=True),
               "name": Prop("string", "A symbolic name for this port.", update_allowed=True),
               "fixed_ips": Prop("list", "Desired IPs for this port: subnet, ip_address."),
               "security_groups": Prop("list", "Security group IDs or names."),
               "mac_address": Prop("string", "MAC address to give to this port."),
               "admin_state_up": Prop("boolean", "The administrative state of this port."),
               "port_security_enabled": Prop("boolean", "Flag to enable/disable port "
                                             "security."),
               "allowed_address_pairs": Prop("list", "Additional MAC/IP address pairs."),
               "device_id": Prop("string", "Device ID of this port."),
               "device_owner": Prop("string", "Name of the network owning the port.")},
              _port, "A resource for managing Neutron ports.")

ROUTER = _plain("router", "routers", {"name": "OS::Neutron::Router"},
                {"name": "Friendly name of the router.", "status": "The status of the "
                 "router.", "external_gateway_info": "Gateway network for the router.",
                 "admin_state_up": "Administrative state of the router."},
                {"name": Prop("string", "The name of the router.", update_allowed=True),
                 "external_gateway_info": Prop("map", "External network gateway "
                                               "configuration: network, enable_snat."),
                 "admin_state_up": Prop("boolean", "The administrative state of the "
                                        "router.", default=True)},
                _router, "A resource that implements Neutron router.")

FLOATING_IP = _plain("floatingip", "floatingips", {"name": "OS::Neutron::FloatingIP"},
                     {"floating_ip_address": "The allocated address of this IP.",
                      "floating_network_id": "ID of the network in which this IP is "
                      "allocated.", "port_id": "ID of the port associated with this IP.",
                      "fixed_ip_address": "IP address of the associated port, if "
                      "specified.", "router_id": "ID of the router used as gateway."},
                     {"floating_network": Prop("string", "Network to allocate floating IP "
                                               "from.", required=True),
                      "port_id": Prop("string", "ID of an existing port to associate with "
                                      "this floating IP.", update_allowed=True),
                      "fixed_ip_address": Prop("string", "IP address to use if the port has "
                                               "multiple addresses."),
                      "floating_ip_address": Prop("string", "IP address of the floating "
                                                  "IP.")},
                     _fip, "A resource for managing Neutron floating ips.")


def _create_group(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    group = cloud.call(N, "POST", "/v2.0/security-groups",
                       {"security_group": _group(cloud, p)})["security_group"]
    r.physical_id = group["id"]
    for rule in p.get("rules") or []:
        if not isinstance(rule, dict):
            continue
        body = _kept(rule, "direction", "ethertype", "port_range_min", "port_range_max",
                     "protocol", "remote_ip_prefix", "remote_group_id")
        body.setdefault("direction", "ingress")
        body.setdefault("ethertype", "IPv4")
        if rule.get("remote_mode") == "remote_group_id" and not body.get("remote_group_id"):
            body["remote_group_id"] = group["id"]
        body["security_group_id"] = group["id"]
        try:
            cloud.call(N, "POST", "/v2.0/security-group-rules",
                       {"security_group_rule": body})
        except Conflict:  # the default egress rules already allow it
            pass


_SG = _plain("security_group", "security_groups", {"name": "OS::Neutron::SecurityGroup"},
             {"name": "The name of the security group.", "security_group_rules":
              "The rules of the security group."},
             {"name": Prop("string", "A string specifying a symbolic name for the security "
                           "group.", update_allowed=True),
              "description": Prop("string", "Description of the security group.",
                                  update_allowed=True),
              "rules": Prop("list", "List of security group rules: direction, ethertype, "
                            "port_range_min, port_range_max, protocol, remote_mode, "
                            "remote_ip_prefix, remote_group_id.")},
             _group, "A resource for managing Neutron security groups.")
SECURITY_GROUP = ResourceType(
    name=_SG.name, description=_SG.description, properties=_SG.properties,
    attributes=_SG.attributes, create=_create_group, delete=_SG.delete, show=_SG.show,
    gone=_SG.gone, update=_SG.update)


def _interface_body(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("subnet"):
        return {"subnet_id": _id(cloud, "subnet", p["subnet"])}
    return {"port_id": _id(cloud, "port", p["port"])}


def _create_interface(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    if bool(p.get("subnet")) == bool(p.get("port")):
        from cheptel.orchestration.errors import InvalidTemplate

        raise InvalidTemplate("Exactly one of subnet or port must be given.")
    router = _id(cloud, "router", p["router"])
    body = _interface_body(cloud, p)
    cloud.call(N, "PUT", f"/v2.0/routers/{router}/add_router_interface", body)
    kind, ref = next(iter(body.items()))
    r.physical_id = f"{router}:{kind[:-3]}_id={ref}"
    r.data = {"router": router, kind: ref}


def _delete_interface(cloud: Cloud, r: Record) -> None:
    router = r.data.get("router")
    if not router:
        return
    body = {k: v for k, v in r.data.items() if k != "router"}
    ignore_missing(lambda: cloud.call(
        N, "PUT", f"/v2.0/routers/{router}/remove_router_interface", body))


def _show_interface(cloud: Cloud, r: Record) -> dict[str, Any]:
    return dict(r.data)


ROUTER_INTERFACE = ResourceType(
    name="OS::Neutron::RouterInterface",
    description="A resource for managing Neutron router interfaces.",
    properties={"router": Prop("string", "The router.", required=True),
                "subnet": Prop("string", "The subnet, either subnet or port should be "
                               "specified."),
                "port": Prop("string", "The port, either subnet or port should be "
                             "specified.")},
    attributes={}, create=_create_interface, delete=_delete_interface,
    show=_show_interface)

TYPES = [NET, SUBNET, PORT, ROUTER, ROUTER_INTERFACE, SECURITY_GROUP, FLOATING_IP]
