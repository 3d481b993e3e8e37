"""Neutron's address management without HTTP: allocation pools, fixed IPs, exhaustion, and
subnet pools carving CIDRs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from cheptel.errors import CheptelError
from cheptel.network.models import Network, SubnetPool
from cheptel.network.service import ipam, networks, ports, subnetpools, subnets
from tests.unit.conftest import Api

PROJECT = "p" * 32


def _kind(exc: pytest.ExceptionInfo[CheptelError]) -> tuple[int, str]:
    return exc.value.code, getattr(exc.value, "neutron_type", "")


@pytest.fixture
def db(api: Api) -> Iterator[Session]:
    """One transaction on the test's own database (a copy of the template)."""
    with api.deps.sessions() as session, session.begin():
        yield session


def _net(db: Session, cidr: str, pool: SubnetPool | None = None, **subnet: object
         ) -> Network:
    net = networks.create(db, 1.0, PROJECT, {"name": f"n-{cidr}"})
    subnets.create(db, 1.0, net, PROJECT, {"ip_version": 4, "cidr": cidr, **subnet},
                   pool=pool)
    db.refresh(net)
    return net


def _ips(port: object) -> list[str]:
    return [a.ip_address for a in port.fixed_ips]  # type: ignore[attr-defined]


# -- pools (pure) ---------------------------------------------------------------------------

def test_default_pools_are_every_host_address_but_the_gateway() -> None:
    assert ipam.default_pools("10.1.0.0/24", "10.1.0.1") == [
        {"start": "10.1.0.2", "end": "10.1.0.254"}]
    assert ipam.default_pools("10.1.0.0/24", "10.1.0.100") == [
        {"start": "10.1.0.1", "end": "10.1.0.99"}, {"start": "10.1.0.101", "end": "10.1.0.254"}]
    assert ipam.default_pools("10.1.0.0/24", None) == [
        {"start": "10.1.0.1", "end": "10.1.0.254"}]
    assert ipam.default_pools("10.1.0.0/30", "10.1.0.2") == [
        {"start": "10.1.0.1", "end": "10.1.0.1"}]


@pytest.mark.parametrize("pools,gateway,kind", [
    ([{"start": "10.1.0.9", "end": "10.1.0.5"}], None, "InvalidAllocationPool"),
    ([{"start": "10.1.0.0", "end": "10.1.0.5"}], None, "OutOfBoundsAllocationPool"),
    ([{"start": "10.1.0.2", "end": "10.1.0.255"}], None, "OutOfBoundsAllocationPool"),
    ([{"start": "10.1.0.2", "end": "10.1.0.9"}, {"start": "10.1.0.9", "end": "10.1.0.20"}],
     None, "OverlappingAllocationPools"),
    ([{"start": "10.1.0.1", "end": "10.1.0.9"}], "10.1.0.5",
     "GatewayConflictWithAllocationPools"),
])
def test_bad_allocation_pools_are_refused_with_neutrons_type(pools: list[dict],
                                                             gateway: str | None,
                                                             kind: str) -> None:
    with pytest.raises(CheptelError) as exc:
        ipam.check_pools("10.1.0.0/24", gateway, pools)
    assert _kind(exc)[1] == kind


def test_good_pools_and_gateways_pass() -> None:
    ipam.check_pools("10.1.0.0/24", "10.1.0.1", [{"start": "10.1.0.2", "end": "10.1.0.9"},
                                                 {"start": "10.1.0.10", "end": "10.1.0.20"}])
    ipam.check_gateway("10.1.0.0/24", "10.1.0.254")
    with pytest.raises(CheptelError):
        ipam.check_gateway("10.1.0.0/24", "10.1.0.255")  # the broadcast address


# -- fixed IPs (database) -------------------------------------------------------------------

def test_addresses_are_the_lowest_free_in_the_pools_then_exhausted(db: Session) -> None:
    net = _net(db, "10.2.0.0/29", gateway_ip="10.2.0.1")  # hosts .1-.6, gateway .1
    made = [ports.create(db, 1.0, net, PROJECT, {}) for _ in range(5)]
    assert [_ips(p) for p in made] == [[f"10.2.0.{i}"] for i in range(2, 7)]
    with pytest.raises(CheptelError) as exc:
        ports.create(db, 1.0, net, PROJECT, {})
    assert _kind(exc) == (409, "IpAddressGenerationFailure")
    ports.delete(db, 2.0, made[1])
    assert _ips(ports.create(db, 1.0, net, PROJECT, {})) == ["10.2.0.3"]  # freed, reused


def test_an_explicit_address_must_be_free_in_the_subnet_and_not_the_gateway(
        db: Session) -> None:
    net = _net(db, "10.3.0.0/24", gateway_ip="10.3.0.1")
    subnet = net.subnets[0].id
    port = ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [{"ip_address": "10.3.0.50"}]})
    assert _ips(port) == ["10.3.0.50"]
    for address, expected in (("10.3.0.50", (409, "IpAddressAlreadyAllocated")),
                              ("10.3.0.1", (409, "IpAddressAlreadyAllocated")),
                              ("10.3.0.255", (400, "InvalidIpForSubnet")),
                              ("10.4.0.7", (400, "InvalidIpForNetwork"))):
        with pytest.raises(CheptelError) as exc:
            ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [{"ip_address": address}]})
        assert _kind(exc) == expected, address
    outside = ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [
        {"subnet_id": subnet, "ip_address": "10.3.0.254"}]})  # outside no pool but valid
    assert _ips(outside) == ["10.3.0.254"]


def test_reallocation_keeps_the_addresses_asked_again(db: Session) -> None:
    net = _net(db, "10.5.0.0/24")
    port = ports.create(db, 1.0, net, PROJECT, {"fixed_ips": [
        {"ip_address": "10.5.0.10"}, {"ip_address": "10.5.0.11"}]})
    ipam.reallocate(db, net, port, [{"ip_address": "10.5.0.11"}, {"ip_address": "10.5.0.12"}])
    assert sorted(_ips(port)) == ["10.5.0.11", "10.5.0.12"]
    assert "10.5.0.10" not in ipam.used(db, net.subnets[0].id)


# -- subnet pools ---------------------------------------------------------------------------

def test_a_pool_carves_the_lowest_free_block_around_existing_subnets(db: Session) -> None:
    pool = subnetpools.create(db, 1.0, PROJECT, {"prefixes": ["10.20.0.0/16"],
                                                 "min_prefixlen": 20, "max_prefixlen": 28,
                                                 "default_prefixlen": 24})
    assert subnetpools.allocate(db, pool, PROJECT, None, None) == "10.20.0.0/24"
    _net(db, "10.20.0.0/24", pool=pool)
    _net(db, "10.20.1.0/25", pool=pool)
    _net(db, "10.20.2.0/24")  # not carved from the pool: another network may overlap it
    assert subnetpools.allocate(db, pool, PROJECT, None, None) == "10.20.2.0/24"
    assert subnetpools.allocate(db, pool, PROJECT, None, 25) == "10.20.1.128/25"
    assert subnetpools.allocate(db, pool, PROJECT, "10.20.9.0/24", None) == "10.20.9.0/24"
    for cidr, prefixlen, kind in ((None, 29, "MaxPrefixSubnetAllocationError"),
                                  (None, 19, "MinPrefixSubnetAllocationError"),
                                  ("10.20.0.0/24", None, "SubnetAllocationError"),
                                  ("10.21.0.0/24", None, "SubnetAllocationError")):
        with pytest.raises(CheptelError) as exc:
            subnetpools.allocate(db, pool, PROJECT, cidr, prefixlen)
        assert _kind(exc)[1] == kind, (cidr, prefixlen)


def test_a_full_pool_and_a_project_over_its_quota_are_409(db: Session) -> None:
    small = subnetpools.create(db, 1.0, PROJECT, {"prefixes": ["10.30.0.0/23"],
                                                  "min_prefixlen": 24,
                                                  "default_prefixlen": 24})
    _net(db, "10.30.0.0/24", pool=small)
    _net(db, "10.30.1.0/24", pool=small)
    with pytest.raises(CheptelError) as exc:
        subnetpools.allocate(db, small, PROJECT, None, None)
    assert _kind(exc) == (409, "SubnetAllocationError")
    quota = subnetpools.create(db, 1.0, PROJECT, {"prefixes": ["10.40.0.0/16"],
                                                  "default_prefixlen": 24,
                                                  "default_quota": 256})
    net = networks.create(db, 1.0, PROJECT, {"name": "q"})
    subnets.create(db, 1.0, net, PROJECT, {"ip_version": 4}, pool=quota)
    with pytest.raises(CheptelError) as exc:
        subnetpools.allocate(db, quota, PROJECT, None, None)
    assert _kind(exc) == (409, "SubnetPoolQuotaExceeded")
    assert subnetpools.allocate(db, quota, "another-project", None, None) == "10.40.1.0/24"


def test_pool_prefixes_merge_and_may_only_grow(db: Session) -> None:
    pool = subnetpools.create(db, 1.0, PROJECT, {"prefixes": ["10.50.0.0/24",
                                                              "10.50.1.0/24"]})
    assert pool.prefixes == ["10.50.0.0/23"]
    with pytest.raises(CheptelError) as exc:
        subnetpools.update(db, 2.0, pool, {"prefixes": ["10.50.0.0/24"]})
    assert _kind(exc)[1] == "IllegalSubnetPoolPrefixUpdate"
    subnetpools.update(db, 2.0, pool, {"prefixes": ["10.50.0.0/16"]})
    assert pool.prefixes == ["10.50.0.0/16"]
