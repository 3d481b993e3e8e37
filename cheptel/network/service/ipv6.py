"""IPv6 subnets' address modes, as Neutron's ipv6_utils and db_base_plugin_v2.

`ipv6_ra_mode` says who sends router advertisements, `ipv6_address_mode` how a port's
address is chosen: `slaac` and `dhcpv6-stateless` subnets are "auto-address" subnets,
where every port (but a router's interfaces) gets the EUI-64 address of its MAC (and no
other), `dhcpv6-stateful` and no mode take an address from the pools as IPv4 does.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from cheptel.network.errors import invalid_input

SLAAC = "slaac"
DHCPV6_STATEFUL = "dhcpv6-stateful"
DHCPV6_STATELESS = "dhcpv6-stateless"
MODES = (DHCPV6_STATEFUL, DHCPV6_STATELESS, SLAAC)  # neutron_lib.constants.IPV6_MODES
AUTO_MODES = (SLAAC, DHCPV6_STATELESS)
EUI64_PREFIXLEN = 64


def is_auto_address(subnet: Any) -> bool:
    """neutron's ipv6_utils.is_auto_address_subnet (a Subnet row or a values dict)."""
    if isinstance(subnet, dict):
        ra, address = subnet.get("ipv6_ra_mode"), subnet.get("ipv6_address_mode")
    else:
        ra, address = subnet.ipv6_ra_mode, subnet.ipv6_address_mode
    return ra in AUTO_MODES or address in AUTO_MODES


def eui64(cidr: str, mac: str) -> str:
    """The port's address on an auto-address subnet: the prefix and the modified EUI-64
    interface id of its MAC (RFC 4291 appendix A: ff:fe in the middle, the universal/local
    bit flipped), as neutron's ipv6_utils.get_ipv6_addr_by_EUI64."""
    octets = bytes(int(part, 16) for part in mac.replace("-", ":").split(":"))
    interface = octets[:3] + b"\xff\xfe" + octets[3:]
    iid = int.from_bytes(interface, "big") ^ (1 << 57)
    prefix = ipaddress.IPv6Network(cidr)
    return str(ipaddress.IPv6Address(int(prefix.network_address) | iid))


def is_eui64(address: str, mac: str, cidr: str) -> bool:
    return ipaddress.ip_address(address).version == 6 and address == eui64(cidr, mac)


def check_modes(values: dict, cidr: str) -> None:
    """_validate_ipv6_attributes of a new IPv6 subnet: modes need DHCP on, both given must
    be the same, an auto-address subnet must be a /64 (EUI-64 fills the other 64 bits)."""
    ra, address = values.get("ipv6_ra_mode"), values.get("ipv6_address_mode")
    if (ra or address) and not values.get("enable_dhcp", True):
        raise invalid_input("ipv6_ra_mode or ipv6_address_mode cannot be set when "
                            "enable_dhcp is set to False")
    if ra and address and ra != address:
        raise invalid_input(f"ipv6_ra_mode set to '{ra}' with ipv6_address_mode set to "
                            f"'{address}' is not valid. If both attributes are set, they "
                            "must be the same value")
    if is_auto_address(values) and (
            ipaddress.ip_network(cidr).prefixlen != EUI64_PREFIXLEN):
        raise invalid_input(f"Invalid CIDR {cidr} for IPv6 address mode. OpenStack uses "
                            "the EUI-64 address format, which requires the prefix to be "
                            "/64")


def check_update(subnet: Any, values: dict) -> None:
    """_validate_ipv6_update_dhcp: DHCP stays on while a mode is set."""
    if "enable_dhcp" in values and not values["enable_dhcp"] and (
            subnet.ipv6_ra_mode or subnet.ipv6_address_mode):
        raise invalid_input("Cannot disable enable_dhcp with ipv6 attributes set")
