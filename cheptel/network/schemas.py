"""The Neutron attribute maps of every resource cheptel serves (neutron_lib's, trimmed to
the extensions listed by GET /v2.0/extensions). See cheptel.network.attributes."""

from __future__ import annotations

from typing import Any

from cheptel.network import errors
from cheptel.network.attributes import (
    DESCRIPTION,
    NAME,
    REQUIRED,
    Attr,
    Invalid,
    Resource,
    cidr_or_ip,
    dict_of,
    int_range,
    ip_address,
    list_of,
    mac_address,
    nullable,
    one_of,
    ro,
    string,
    subnet_cidr,
    to_bool,
    to_int,
    to_uuid,
    with_project,
)

IP_PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1,
                "icmpv6": 58, "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44,
                "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43,
                "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17,
                "udplite": 136, "vrrp": 112}
PROTOCOLS_ANY = ("any",)
ETHERTYPES = ("IPv4", "IPv6")
IPV6_MODES = ("dhcpv6-stateful", "dhcpv6-stateless", "slaac")


def _standard(tags: bool = True) -> Resource:
    attrs: Resource = {
        "description": Attr(default="", convert=DESCRIPTION, sort=False),
        "created_at": ro(filter=None),
        "updated_at": ro(filter=None),
        "revision_number": ro(filter="int"),
    }
    if tags:
        attrs["tags"] = ro(filter=None, sort=False)
    return attrs


def _empty_list() -> list:
    return []


def _fixed_ip(value: Any) -> dict:
    if not isinstance(value, dict) or not value or set(value) - {"subnet_id", "ip_address"}:
        raise Invalid(f"Invalid data format for fixed IP: '{value}'")
    out = {}
    if "subnet_id" in value:
        out["subnet_id"] = to_uuid(value["subnet_id"])
    if "ip_address" in value:
        out["ip_address"] = ip_address(value["ip_address"])
    return out


def fixed_ips(value: Any) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"Invalid data format for fixed IP: '{value}'")
    items = [_fixed_ip(v) for v in value]
    addresses = [i["ip_address"] for i in items if "ip_address" in i]
    for address in addresses:
        if addresses.count(address) > 1:
            raise Invalid(f"Duplicate IP address '{address}'")
    return items


def _pair_address(value: Any) -> str:
    if isinstance(value, str) and "/" in value:
        return cidr_or_ip(value)
    return ip_address(value)


def _gateway(value: Any) -> dict | None:
    if value is None or value == {}:
        return None
    return dict_of({"network_id": (to_uuid, True), "enable_snat": (to_bool, False),
                    "external_fixed_ips": (fixed_ips, False)},
                   "external_gateway_info")(value)


def _ip_version(value: Any) -> int:
    return one_of(4, 6)(to_int(value))


NETWORK: Resource = with_project({
    "id": ro(),
    "name": Attr(default="", convert=NAME),
    "admin_state_up": Attr(default=True, convert=to_bool, filter="bool"),
    "status": ro(),
    "subnets": ro(filter=None, sort=False),
    "shared": Attr(default=False, convert=to_bool, filter="bool", sort=False, who="admin"),
    "router:external": Attr(default=False, convert=to_bool, filter="bool", sort=False,
                            who="admin"),
    "mtu": Attr(convert=to_int, filter="int"),
    "port_security_enabled": Attr(default=True, convert=to_bool, filter="bool", sort=False),
    "availability_zone_hints": Attr(put=False, default=_empty_list, convert=list_of(NAME),
                                    filter=None, sort=False),
    "availability_zones": ro(filter=None, sort=False),
    "provider:network_type": Attr(put=False, convert=NAME, who="admin", sort=False),
    "provider:physical_network": Attr(put=False, convert=nullable(NAME), who="admin",
                                      sort=False),
    "provider:segmentation_id": Attr(put=False, convert=nullable(to_int), who="admin",
                                     filter="int", sort=False),
    **_standard(),
})

POOL = dict_of({"start": (ip_address, True), "end": (ip_address, True)}, "IP pool")
ROUTE = dict_of({"destination": (cidr_or_ip, True), "nexthop": (ip_address, True)},
                "hostroute")

SUBNET: Resource = with_project({
    "id": ro(),
    "name": Attr(default="", convert=NAME),
    "network_id": Attr(put=False, default=REQUIRED, convert=to_uuid),
    "ip_version": Attr(put=False, default=REQUIRED, convert=_ip_version, filter="int"),
    "cidr": Attr(put=False, convert=subnet_cidr),
    "gateway_ip": Attr(convert=nullable(ip_address)),
    "allocation_pools": Attr(convert=list_of(POOL, none_empty=False), filter=None, sort=False),
    "dns_nameservers": Attr(convert=list_of(ip_address), filter=None, sort=False),
    "host_routes": Attr(convert=list_of(ROUTE), filter=None, sort=False),
    "enable_dhcp": Attr(default=True, convert=to_bool, filter="bool"),
    "ipv6_ra_mode": Attr(put=False, convert=nullable(one_of(*IPV6_MODES))),
    "ipv6_address_mode": Attr(put=False, convert=nullable(one_of(*IPV6_MODES))),
    "subnetpool_id": Attr(put=False, default=None, convert=nullable(to_uuid)),
    "prefixlen": Attr(put=False, convert=int_range(0, 128), filter=None, sort=False),
    "router:external": ro(filter="bool", sort=False),  # subnet-external-network
    **_standard(),
})

def _prefixes(value: Any) -> list[str]:
    """type:subnet_list: network addresses, no duplicates."""
    return list_of(subnet_cidr)(value)


PREFIXLEN = int_range(0, 128)  # the pool's IP version bounds it (subnetpools._bounds)
SUBNETPOOL: Resource = with_project({
    "id": ro(),
    "name": Attr(default="", convert=NAME),
    "prefixes": Attr(default=REQUIRED, convert=_prefixes, filter=None, sort=False),
    "default_quota": Attr(convert=nullable(int_range(0, 2**31 - 1)), filter="int"),
    "ip_version": ro(filter="int"),
    "default_prefixlen": Attr(convert=PREFIXLEN, filter="int"),
    "min_prefixlen": Attr(convert=PREFIXLEN, filter="int"),
    "max_prefixlen": Attr(convert=PREFIXLEN, filter="int"),
    "is_default": Attr(default=False, convert=to_bool, filter="bool", who="admin"),
    "shared": Attr(put=False, default=False, convert=to_bool, filter="bool", who="admin"),
    "address_scope_id": ro(),
    **_standard(),
})

PAIR = dict_of({"ip_address": (_pair_address, True), "mac_address": (mac_address, False)},
               "allowed address pair")

VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical",
              "virtio-forwarder", "smart-nic", "vdpa", "accelerator-direct",
              "accelerator-direct-physical", "remote-managed")  # neutron_lib's portbindings


def binding_profile(value: Any) -> dict:
    """type:dict_or_none: null means an empty profile."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"'{value}' is not a dictionary")
    return value


PORT: Resource = with_project({
    "id": ro(),
    "name": Attr(default="", convert=NAME),
    "network_id": Attr(put=False, default=REQUIRED, convert=to_uuid),
    "admin_state_up": Attr(default=True, convert=to_bool, filter="bool"),
    "mac_address": Attr(convert=mac_address, who="network_owner"),
    "fixed_ips": Attr(convert=fixed_ips, filter="fixed_ips", sort=False),
    "device_id": Attr(default="", convert=string(255)),
    "device_owner": Attr(default="", convert=string(255)),
    "status": ro(),
    "security_groups": Attr(convert=list_of(to_uuid), filter="member", sort=False),
    "port_security_enabled": Attr(convert=to_bool, filter="bool", sort=False,
                                  who="network_owner"),
    "allowed_address_pairs": Attr(convert=list_of(PAIR), filter=None, sort=False,
                                  who="network_owner"),
    # the binding extension: host_id and profile are the admin's to set and to see
    "binding:host_id": Attr(convert=string(255), sort=False, who="admin"),
    "binding:vnic_type": Attr(default="normal", convert=one_of(*VNIC_TYPES), sort=False),
    "binding:profile": Attr(convert=binding_profile, filter=None, sort=False, who="admin"),
    "binding:vif_type": ro(filter=None, sort=False),
    "binding:vif_details": ro(filter=None, sort=False),
    **_standard(),
})

ROUTER: Resource = with_project({
    "id": ro(),
    "name": Attr(default="", convert=NAME),
    "admin_state_up": Attr(default=True, convert=to_bool, filter="bool"),
    "status": ro(filter=None),
    "external_gateway_info": Attr(default=None, convert=_gateway, filter=None, sort=False),
    "availability_zone_hints": Attr(put=False, default=_empty_list, convert=list_of(NAME),
                                    filter=None, sort=False),
    "availability_zones": ro(filter=None, sort=False),
    **_standard(),
})

FLOATINGIP: Resource = with_project({
    "id": ro(),
    "floating_ip_address": Attr(put=False, default=None, convert=nullable(ip_address),
                                who="admin"),
    "subnet_id": Attr(put=False, default=None, convert=nullable(to_uuid), filter=None,
                      sort=False),
    "floating_network_id": Attr(put=False, default=REQUIRED, convert=to_uuid),
    "router_id": ro(),
    "port_id": Attr(default=None, convert=nullable(to_uuid), sort=False),
    "fixed_ip_address": Attr(default=None, convert=nullable(ip_address)),
    "status": ro(),
    **_standard(),
})

SECURITY_GROUP: Resource = with_project({
    "id": ro(),
    "name": Attr(default="", convert=NAME),
    "security_group_rules": ro(filter=None, sort=False),
    **_standard(),
})


def protocol(value: Any) -> str | None:
    """neutron.extensions.securitygroup.convert_protocol: a name or a number 0-255."""
    if value is None or value in PROTOCOLS_ANY:
        return None
    names = ", ".join(["any", *IP_PROTOCOLS])
    refused = errors.bad_request(
        f"Security group rule protocol {value} not supported. Only protocol values "
        f"[None, {names}] and integer representations [0 to 255] are supported.",
        "SecurityGroupRuleInvalidProtocol")
    if isinstance(value, bool):
        raise refused
    try:
        number = int(value)
    except (TypeError, ValueError):
        if isinstance(value, str) and value.lower() in IP_PROTOCOLS:
            return value.lower()
        raise refused from None
    if 0 <= number <= 255:
        return str(value)
    raise refused


def port_value(value: Any) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
        if isinstance(value, bool) or not 0 <= number <= 65535:
            raise ValueError
    except (TypeError, ValueError):
        raise errors.bad_request(f"Invalid value for port {value}",
                                 "SecurityGroupInvalidPortValue") from None
    return number


def ethertype(value: Any) -> str:
    for known in ETHERTYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise errors.bad_request(f"Security group rule for ethertype '{value}' not supported. "
                             f"Allowed values are {list(ETHERTYPES)}.",
                             "SecurityGroupRuleInvalidEtherType")


def ip_prefix(value: Any) -> str | None:
    if not value:
        return None
    try:
        return cidr_or_ip(value)
    except Invalid:
        raise errors.bad_request(f"Invalid CIDR {value} given as IP prefix.",
                                 "InvalidCIDR") from None


SECURITY_GROUP_RULE: Resource = with_project({
    "id": ro(),
    "security_group_id": Attr(put=False, default=REQUIRED, convert=string(36)),
    "remote_group_id": Attr(put=False, default=None, convert=nullable(string(36))),
    "direction": Attr(put=False, default=REQUIRED, convert=one_of("ingress", "egress")),
    "protocol": Attr(put=False, default=None, convert=protocol),
    "port_range_min": Attr(put=False, default=None, convert=port_value, filter="int"),
    "port_range_max": Attr(put=False, default=None, convert=port_value, filter="int"),
    "ethertype": Attr(put=False, default="IPv4", convert=ethertype),
    "remote_ip_prefix": Attr(put=False, default=None, convert=ip_prefix),
    **_standard(tags=False),
})

QUOTA_RESOURCES = ("network", "subnet", "port", "router", "floatingip", "security_group",
                   "security_group_rule")
QUOTA: Resource = {r: Attr(post=False, convert=int_range(-1, 2**31 - 1))
                   for r in QUOTA_RESOURCES}

TAGS: Resource = {"tags": Attr(convert=list_of(string(255)))}
