"""IPv6 subnets as Neutron makes them: address modes and their checks, EUI-64 addresses,
pools of a /64 never enumerated, dual-stack ports, IPv6 subnet pools; and through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import CheptelError
from cheptel.network.models import Network, Subnet
from cheptel.network.service import ipam, ipv6, networks, ports, subnetpools, subnets
from cheptel.network.service.common import OWNER_ROUTER_INTERFACE
from tests.unit.conftest import Api

PROJECT = "p" * 32
MAC = "fa:16:3e:33:44:55"


def _error(exc: pytest.ExceptionInfo[CheptelError]) -> tuple[int, str, str]:
    return exc.value.code, getattr(exc.value, "neutron_type", ""), str(exc.value)


@pytest.fixture
def db(api: Api) -> Iterator[Session]:
    with api.deps.sessions() as session, session.begin():
        yield session


def _network(db: Session) -> Network:
    return networks.create(db, 1.0, PROJECT, {"name": "n"})


def _subnet(db: Session, net: Network, cidr: str, **values: object) -> Subnet:
    version = 6 if ":" in cidr else 4
    subnet = subnets.create(db, 1.0, net, PROJECT, {"ip_version": version, "cidr": cidr,
                                                     **values})
    db.refresh(net)
    return subnet


def _ips(port: object) -> list[str]:
    return [a.ip_address for a in sorted(port.fixed_ips,  # type: ignore[attr-defined]
                                         key=lambda a: a.position)]


# -- pure -----------------------------------------------------------------------------------

def test_eui64_is_the_prefix_and_the_modified_interface_id_of_the_mac() -> None:
    # RFC 4291 appendix A: ff:fe inserted, the universal/local bit (0x02) flipped
    assert ipv6.eui64("2001:db8::/64", MAC) == "2001:db8::f816:3eff:fe33:4455"
    assert ipv6.eui64("2001:db8:1:2::/64", "00:00:5e:00:53:01") == (
        "2001:db8:1:2:200:5eff:fe00:5301")


def test_ipv6_pools_run_to_the_last_address_and_skip_the_gateway() -> None:
    assert ipam.default_pools("2001:db8::/64", "2001:db8::1") == [
        {"start": "2001:db8::2", "end": "2001:db8::ffff:ffff:ffff:ffff"}]
    assert ipam.first_host("2001:db8::/64") == "2001:db8::1"
    ipam.check_gateway("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff")  # no broadcast
    for gateway, message in (("2001:db8::", "Gateway is not valid on subnet"),
                             ("10.0.0.1", "does not match the ip_version '6'")):
        with pytest.raises(CheptelError) as exc:
            ipam.check_gateway("2001:db8::/64", gateway)
        assert message in _error(exc)[2]
    with pytest.raises(CheptelError) as exc:
        ipam.check_pools("2001:db8::/64", None, [{"start": "10.0.0.2", "end": "10.0.0.9"}])
    assert _error(exc)[1] == "InvalidAllocationPool"


# -- subnets --------------------------------------------------------------------------------

@pytest.mark.parametrize("cidr,values,message", [
    ("2001:db8::/64", {"ipv6_ra_mode": "slaac", "ipv6_address_mode": "dhcpv6-stateful"},
     "ipv6_ra_mode set to 'slaac' with ipv6_address_mode set to 'dhcpv6-stateful' is not "
     "valid. If both attributes are set, they must be the same value"),
    ("2001:db8::/80", {"ipv6_address_mode": "slaac"},
     "Invalid CIDR 2001:db8::/80 for IPv6 address mode. OpenStack uses the EUI-64 address "
     "format, which requires the prefix to be /64"),
    ("2001:db8::/64", {"ipv6_ra_mode": "dhcpv6-stateless", "enable_dhcp": False},
     "ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False"),
    ("10.9.0.0/24", {"ipv6_ra_mode": "slaac"}, "ipv6_ra_mode is not valid when ip_version "
     "is 4"),
    ("10.9.0.0/24", {"ip_version": 6}, "cidr '10.9.0.0/24' does not match the ip_version '6'"),
    ("2001:db8::/64", {"dns_nameservers": ["8.8.8.8"]},
     "dns_nameserver '8.8.8.8' does not match the ip_version '6'"),
    ("2001:db8::/64", {"host_routes": [{"destination": "10.0.0.0/8", "nexthop": "2001:db8::9"}]},
     "destination '10.0.0.0/8' does not match the ip_version '6'"),
    ("2001:db8::/127", {}, "a subnet needs a prefix length of 126 or less"),
    ("ff00::/64", {}, "Multicast IP subnet is not supported if enable_dhcp is True"),
])
def test_bad_ipv6_subnets_are_refused_as_neutron_and_change_nothing(
        db: Session, cidr: str, values: dict, message: str) -> None:
    net = _network(db)
    with pytest.raises(CheptelError) as exc:
        _subnet(db, net, cidr, **values)
    code, kind, text = _error(exc)
    assert (code, kind) == (400, "InvalidInput") and message in text
    assert db.scalar(select(func.count()).select_from(Subnet)
                     .where(Subnet.network_id == net.id)) == 0


def test_an_ipv6_subnet_has_its_modes_gateway_and_pools(db: Session) -> None:
    net = _network(db)
    subnet = _subnet(db, net, "2001:db8:5::/64", ipv6_ra_mode="slaac",
                     ipv6_address_mode="slaac", dns_nameservers=["2001:4860:4860::8888"],
                     host_routes=[{"destination": "2001:db8:9::/64",
                                   "nexthop": "2001:db8:5::9"}])
    assert (subnet.ip_version, subnet.gateway_ip, subnet.ipv6_ra_mode,
            subnet.ipv6_address_mode) == (6, "2001:db8:5::1", "slaac", "slaac")
    assert subnet.allocation_pools == [{"start": "2001:db8:5::2",
                                        "end": "2001:db8:5:0:ffff:ffff:ffff:ffff"}]
    with pytest.raises(CheptelError) as exc:  # a mode needs DHCP on
        subnets.update(db, 2.0, subnet, {"enable_dhcp": False})
    assert "Cannot disable enable_dhcp with ipv6 attributes set" in _error(exc)[2]
    with pytest.raises(CheptelError) as exc:  # the network's subnets never overlap
        _subnet(db, net, "2001:db8:5::/48")
    assert "overlaps with another subnet" in _error(exc)[2]
    _subnet(db, net, "10.9.0.0/24")  # another version never overlaps


# -- ports ----------------------------------------------------------------------------------

def test_a_dual_stack_port_gets_one_of_each_family_and_every_eui64(db: Session) -> None:
    net = _network(db)
    v4 = _subnet(db, net, "10.7.0.0/24")
    slaac = _subnet(db, net, "2001:db8:a::/64", ipv6_ra_mode="slaac",
                    ipv6_address_mode="slaac")
    stateless = _subnet(db, net, "2001:db8:b::/64", ipv6_address_mode="dhcpv6-stateless")
    _subnet(db, net, "2001:db8:c::/64", ipv6_address_mode="dhcpv6-stateful")
    port = ports.create(db, 1.0, net, PROJECT, {"mac_address": MAC})
    assert _ips(port) == ["10.7.0.2", "2001:db8:c::2", "2001:db8:a:0:f816:3eff:fe33:4455",
                          "2001:db8:b:0:f816:3eff:fe33:4455"]
    # asked fixed IPs, even none, still come with the automatic addresses
    only = ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [{"subnet_id": v4.id}]})
    assert len(_ips(only)) == 3 and _ips(only)[0] == "10.7.0.3"
    assert len(_ips(ports.create(db, 1.0, net, PROJECT, {"fixed_ips": []}))) == 2
    # an address on an auto-address subnet is not the caller's to choose
    with pytest.raises(CheptelError) as exc:
        ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [
            {"subnet_id": slaac.id, "ip_address": "2001:db8:a::99"}]})
    assert _error(exc)[:2] == (400, "InvalidInput")
    assert "cannot be directly assigned to a port on subnet" in _error(exc)[2]
    # a router's interface holds the gateway and gets no EUI-64 address
    router_port = ports.create(db, 1.0, net, PROJECT, {
        "device_owner": OWNER_ROUTER_INTERFACE,
        "fixed_ips": [{"subnet_id": stateless.id, "ip_address": stateless.gateway_ip}]})
    assert _ips(router_port) == ["2001:db8:b::1"]
    # the EUI-64 addresses follow the MAC, the others stay
    ports.update(db, 2.0, port, {"mac_address": "fa:16:3e:00:00:01"})
    assert _ips(port) == ["10.7.0.2", "2001:db8:c::2", "2001:db8:a:0:f816:3eff:fe00:1",
                          "2001:db8:b:0:f816:3eff:fe00:1"]
    # a new fixed_ips list keeps the automatic addresses
    ipam.reallocate(db, net, port, [{"subnet_id": v4.id, "ip_address": "10.7.0.50"}])
    assert sorted(_ips(port)) == ["10.7.0.50", "2001:db8:a:0:f816:3eff:fe00:1",
                                  "2001:db8:b:0:f816:3eff:fe00:1"]


def test_a_stateful_64_allocates_past_the_taken_without_enumerating(db: Session) -> None:
    net = _network(db)
    subnet = _subnet(db, net, "2001:db8:d::/64", ipv6_address_mode="dhcpv6-stateful")
    ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [{"ip_address": "2001:db8:d::3"}]})
    made = [_ips(ports.create(db, 1.0, net, PROJECT, {}))[0] for _ in range(3)]
    assert made == ["2001:db8:d::2", "2001:db8:d::4", "2001:db8:d::5"]
    small_net = _network(db)
    small = _subnet(db, small_net, "2001:db8:e::/64", allocation_pools=[
        {"start": "2001:db8:e:0:ffff:ffff:ffff:fffe", "end": "2001:db8:e:0:ffff:ffff:ffff:ffff"}])
    empty = [ports.create(db, 1.0, small_net, PROJECT, {"fixed_ips": []}) for _ in range(3)]
    assert [ipam.allocate_any(db, small, p, 0) for p in empty] == [
        "2001:db8:e:0:ffff:ffff:ffff:fffe", "2001:db8:e:0:ffff:ffff:ffff:ffff", None]
    assert subnet.allocation_pools[0]["end"] == "2001:db8:d:0:ffff:ffff:ffff:ffff"


def test_a_new_slaac_subnet_addresses_the_networks_ports_and_goes_with_them(
        db: Session) -> None:
    net = _network(db)
    _subnet(db, net, "10.8.0.0/24")
    port = ports.create(db, 1.0, net, PROJECT, {"mac_address": MAC})
    slaac = _subnet(db, net, "2001:db8:f::/64", ipv6_ra_mode="slaac",
                    ipv6_address_mode="slaac")
    db.refresh(port)
    assert _ips(port) == ["10.8.0.2", "2001:db8:f:0:f816:3eff:fe33:4455"]
    subnets.delete(db, slaac)  # a server's automatic address does not hold it
    db.refresh(port)
    assert _ips(port) == ["10.8.0.2"]
    slaac = _subnet(db, net, "2001:db8:f::/64", ipv6_ra_mode="slaac",
                    ipv6_address_mode="slaac")
    ports.create(db, 1.0, net, PROJECT, {
        "device_owner": OWNER_ROUTER_INTERFACE,
        "fixed_ips": [{"subnet_id": slaac.id, "ip_address": slaac.gateway_ip}]})
    with pytest.raises(CheptelError) as exc:  # a router's interface does
        subnets.delete(db, slaac)
    assert _error(exc)[:2] == (409, "SubnetInUse")


# -- subnet pools ---------------------------------------------------------------------------

def test_an_ipv6_pool_takes_its_version_and_bounds_from_its_prefixes(db: Session) -> None:
    pool = subnetpools.create(db, 1.0, PROJECT, {"prefixes": ["2001:db8:100::/48"]})
    assert (pool.ip_version, pool.min_prefixlen, pool.max_prefixlen,
            pool.default_prefixlen) == (6, 64, 128, 64)
    net = _network(db)
    first = subnets.create(db, 1.0, net, PROJECT, {"ip_version": 6}, pool=pool)
    assert first.cidr == "2001:db8:100::/64" and first.gateway_ip == "2001:db8:100::1"
    assert subnetpools.allocate(db, pool, PROJECT, None, None) == "2001:db8:100:1::/64"
    for call, kind in (
            (lambda: subnetpools.create(db, 1.0, PROJECT, {
                "prefixes": ["2001:db8::/48", "10.0.0.0/8"]}), "PrefixVersionMismatch"),
            (lambda: subnets.create(db, 1.0, net, PROJECT, {"ip_version": 4}, pool=pool),
             "BadRequest"),
            (lambda: subnetpools.create(db, 1.0, PROJECT, {
                "prefixes": ["2001:db8::/48"], "max_prefixlen": 129}),
             "IllegalSubnetPoolPrefixBounds")):
        with pytest.raises(CheptelError) as exc:
            call()
        assert _error(exc)[:2] == (400, kind)


# -- through HTTP ---------------------------------------------------------------------------

def test_the_api_shows_an_ipv6_subnet_and_a_dual_stack_port(api: Api) -> None:
    token = api.admin()

    def call(method: str, path: str, body: dict) -> object:
        return api.client.request(method, path, json=body, headers={"X-Auth-Token": token})

    net: Any = call("POST", "/network/v2.0/networks", {"network": {"name": "v6"}})
    net_id = net.json()["network"]["id"]
    for body in ({"ip_version": 4, "cidr": "10.66.0.0/24"},
                 {"ip_version": 6, "cidr": "2001:db8:66::/64", "ipv6_ra_mode": "slaac",
                  "ipv6_address_mode": "slaac"}):
        made: Any = call("POST", "/network/v2.0/subnets",
                        {"subnet": {"network_id": net_id, **body}})
        assert made.status_code == 201, made.text
    shown = made.json()["subnet"]
    assert (shown["ipv6_ra_mode"], shown["ipv6_address_mode"], shown["gateway_ip"]) == (
        "slaac", "slaac", "2001:db8:66::1")
    bad: Any = call("POST", "/network/v2.0/subnets", {"subnet": {
        "network_id": net_id, "ip_version": 6, "cidr": "2001:db8:67::/64",
        "ipv6_address_mode": "eui64"}})
    assert bad.status_code == 400 and "NeutronError" in bad.json()
    port: Any = call("POST", "/network/v2.0/ports", {"port": {
        "network_id": net_id, "mac_address": MAC}})
    assert [ip["ip_address"] for ip in port.json()["port"]["fixed_ips"]] == [
        "10.66.0.2", "2001:db8:66:0:f816:3eff:fe33:4455"]


def test_a_floating_ip_is_ipv4_only(api: Api) -> None:
    token = api.admin()

    def call(method: str, path: str, body: dict) -> Any:
        return api.client.request(method, path, json=body, headers={"X-Auth-Token": token})

    net = call("POST", "/network/v2.0/networks", {"network": {
        "name": "ext6", "router:external": True}}).json()["network"]
    made = call("POST", "/network/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 6, "cidr": "2001:db8:99::/64"}})
    assert made.status_code == 201, made.text
    refused = call("POST", "/network/v2.0/floatingips", {"floatingip": {
        "floating_network_id": net["id"]}})
    assert refused.status_code == 400
    assert "does not contain any IPv4 subnet" in refused.json()["NeutronError"]["message"]
    refused = call("POST", "/network/v2.0/floatingips", {"floatingip": {
        "floating_network_id": net["id"], "subnet_id": made.json()["subnet"]["id"]}})
    assert refused.status_code == 400
    assert call("GET", "/network/v2.0/floatingips", {}).json()["floatingips"] == []


def test_a_routers_ipv6_prefixes_on_one_network_share_one_port(api: Api) -> None:
    token = api.admin()

    def call(method: str, path: str, body: dict | None = None) -> Any:
        r = api.client.request(method, "/network/v2.0" + path, json=body,
                               headers={"X-Auth-Token": token})
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    net = call("POST", "/networks", {"network": {"name": "r6"}})["network"]
    subnet_ids = [call("POST", "/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": 6, "cidr": cidr,
        "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}})["subnet"]["id"]
        for cidr in ("2001:db8:71::/64", "2001:db8:72::/64")]
    router = call("POST", "/routers", {"router": {"name": "r6"}})["router"]
    added = [call("PUT", f"/routers/{router['id']}/add_router_interface", {"subnet_id": s})
             for s in subnet_ids]
    assert added[0]["port_id"] == added[1]["port_id"]
    assert added[1]["subnet_ids"] == [subnet_ids[1]]
    port = call("GET", f"/ports/{added[0]['port_id']}")["port"]
    assert sorted(ip["ip_address"] for ip in port["fixed_ips"]) == [
        "2001:db8:71::1", "2001:db8:72::1"]
    call("PUT", f"/routers/{router['id']}/remove_router_interface",
         {"subnet_id": subnet_ids[0]})
    port = call("GET", f"/ports/{added[0]['port_id']}")["port"]
    assert [ip["ip_address"] for ip in port["fixed_ips"]] == ["2001:db8:72::1"]
    call("PUT", f"/routers/{router['id']}/remove_router_interface",
         {"subnet_id": subnet_ids[1]})
    assert call("GET", f"/ports?device_id={router['id']}")["ports"] == []
