"""Subnet pools (subnet_allocation): prefixes that subnets are carved from.

As Neutron's SubnetPoolReader and SubnetAllocator: prefixes are compacted and all of one
IP version (the pool's), the prefix length bounds default to 8..32 (IPv4) or 64..128
(IPv6) with default_prefixlen = min_prefixlen, prefixes may only grow, a pool with subnets
cannot be deleted, and default_quota caps the addresses (IPv6: the /64s) a project takes
from the pool. A subnet asks for a prefix length (or the pool's default)
and gets the first free block, or asks for a CIDR inside the pool; a block is free when
no subnet carved from the pool overlaps it (subnets of different networks may overlap,
see cheptel.network.service.subnets). One departure: an exhausted pool is a 409 where
Neutron answers its SubnetAllocationError with a 500.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Network, IPv6Network

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from cheptel.network.errors import bad_request, conflict, invalid_input, not_found
from cheptel.network.models import Subnet, SubnetPool
from cheptel.network.service.common import apply, check_owner, new_id, stamp, touch
from cheptel.policy import Creds

# neutron's SubnetPoolHelper: per IP version, the default minimum prefix length, the
# maximum, and the prefix length of the unit default_quota counts
MIN_PREFIXLEN = {4: 8, 6: 64}
MAX_PREFIXLEN = {4: 32, 6: 128}
QUOTA_UNITS = {4: 32, 6: 64}
Block = IPv4Network | IPv6Network


def visible(creds: Creds) -> Select:
    query = select(SubnetPool)
    if not creds.is_admin:
        query = query.where(or_(SubnetPool.project_id == creds.project_id,
                                SubnetPool.shared.is_(True)))
    return query


def list_visible(db: Session, creds: Creds) -> list[SubnetPool]:
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, pool_id: str) -> SubnetPool:
    pool = db.scalar(visible(creds).where(SubnetPool.id == pool_id))
    if pool is None:
        raise not_found("SubnetPoolNotFound", f"Subnet pool {pool_id} could not be found.")
    return pool


def get_writable(db: Session, creds: Creds, pool_id: str, action: str) -> SubnetPool:
    pool = get_visible(db, creds, pool_id)
    check_owner(creds, pool.project_id, action)
    return pool


def _compact(prefixes: list[str]) -> tuple[int, list[Block]]:
    """The pool's IP version and its prefixes, compacted."""
    if not prefixes:
        raise bad_request("Empty subnet pool prefix list.", "EmptySubnetPoolPrefixList")
    nets = [ipaddress.ip_network(p) for p in prefixes]
    if len({n.version for n in nets}) > 1:
        raise bad_request("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.",
                          "PrefixVersionMismatch")
    return nets[0].version, list(ipaddress.collapse_addresses(nets))  # type: ignore[arg-type, type-var]


def _bounds(version: int, low: int, high: int, default: int) -> None:
    def illegal(kind: str, length: int, base: str, base_length: int) -> None:
        raise bad_request(f"Illegal prefix bounds: {kind}={length}, {base}={base_length}.",
                          "IllegalSubnetPoolPrefixBounds")
    if high > MAX_PREFIXLEN[version]:
        illegal("max_prefixlen", high, "ip_version_max", MAX_PREFIXLEN[version])
    if low > high:
        illegal("min_prefixlen", low, "max_prefixlen", high)
    if default < low:
        illegal("default_prefixlen", default, "min_prefixlen", low)
    if default > high:
        illegal("default_prefixlen", default, "max_prefixlen", high)


def _check_default(db: Session, pool_id: str, version: int, values: dict) -> None:
    if values.get("is_default") and db.scalar(select(SubnetPool.id).where(
            SubnetPool.is_default.is_(True), SubnetPool.ip_version == version,
            SubnetPool.id != pool_id)):
        raise invalid_input("A default subnetpool for this IP family has already been set. "
                            "Only one default may exist per IP family")


def create(db: Session, now: float, project_id: str, values: dict) -> SubnetPool:
    version, prefixes = _compact(values["prefixes"])
    low = values.get("min_prefixlen", MIN_PREFIXLEN[version])
    high = values.get("max_prefixlen", MAX_PREFIXLEN[version])
    default = values.get("default_prefixlen", low)
    _bounds(version, low, high, default)
    pid = new_id()
    _check_default(db, pid, version, values)
    pool = SubnetPool(id=pid, project_id=project_id, name=values.get("name", ""),
                      description=values.get("description", ""), ip_version=version,
                      prefixes=[str(p) for p in prefixes], min_prefixlen=low,
                      max_prefixlen=high, default_prefixlen=default,
                      default_quota=values.get("default_quota"),
                      shared=values.get("shared", False),
                      is_default=values.get("is_default", False), tags=[], **stamp(now))
    db.add(pool)
    db.flush()
    return pool


def update(db: Session, now: float, pool: SubnetPool, values: dict) -> SubnetPool:
    if "prefixes" in values:
        version, new = _compact(values["prefixes"])
        if version != pool.ip_version:
            raise bad_request("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.",
                              "PrefixVersionMismatch")
        old = [ipaddress.ip_network(p) for p in pool.prefixes]
        if not all(any(o.subnet_of(n) for n in new) for o in old):  # type: ignore[arg-type]
            raise bad_request("Illegal update to prefixes: Existing prefixes must be a "
                              "subset of the new prefixes.", "IllegalSubnetPoolPrefixUpdate")
        values["prefixes"] = [str(p) for p in new]
    low = values.get("min_prefixlen", pool.min_prefixlen)
    high = values.get("max_prefixlen", pool.max_prefixlen)
    _bounds(pool.ip_version, low, high, values.get("default_prefixlen",
                                                   pool.default_prefixlen))
    _check_default(db, pool.id, pool.ip_version, values)
    if apply(pool, values, ("name", "description", "prefixes", "min_prefixlen",
                            "max_prefixlen", "default_prefixlen", "default_quota",
                            "is_default")):
        touch(pool, now)
    db.flush()
    return pool


def delete(db: Session, pool: SubnetPool) -> None:
    if db.scalar(select(Subnet.id).where(Subnet.subnetpool_id == pool.id).limit(1)):
        raise conflict("SubnetPoolInUse", f"Unable to complete operation on subnet pool "
                       f"{pool.id}. Subnet pool has existing allocations.")
    db.delete(pool)
    db.flush()


def _free_blocks(db: Session, pool: SubnetPool) -> list[Block]:
    """The pool's prefixes less the subnets carved from it, smallest addresses first."""
    free: list[Block] = [ipaddress.ip_network(p) for p in pool.prefixes]
    for cidr in db.scalars(select(Subnet.cidr).where(Subnet.subnetpool_id == pool.id)):
        used = ipaddress.ip_network(cidr)
        if used.version != pool.ip_version:
            continue
        rest: list[Block] = []
        for block in free:
            if not block.overlaps(used):
                rest.append(block)
            elif used.subnet_of(block) and used != block:  # type: ignore[arg-type]
                rest.extend(block.address_exclude(used))  # type: ignore[arg-type]
        free = rest
    return sorted(free)  # type: ignore[type-var]


def _check_quota(db: Session, pool: SubnetPool, project_id: str, prefixlen: int) -> None:
    if not pool.default_quota:
        return
    units = QUOTA_UNITS[pool.ip_version]
    used = sum(2 ** max(units - ipaddress.ip_network(c).prefixlen, 0) for c in db.scalars(
        select(Subnet.cidr).where(Subnet.subnetpool_id == pool.id,
                                  Subnet.project_id == project_id)))
    if used + 2 ** max(units - prefixlen, 0) > pool.default_quota:
        raise conflict("SubnetPoolQuotaExceeded", "Per-project subnet pool prefix quota "
                       "exceeded.")


def allocate(db: Session, pool: SubnetPool, project_id: str, cidr: str | None,
             prefixlen: int | None) -> str:
    """The CIDR a new subnet of `project_id` takes from the pool."""
    if cidr is not None and prefixlen is not None:
        raise bad_request("cidr and prefixlen must not be supplied together")
    wanted = ipaddress.ip_network(cidr).prefixlen if cidr else (
        prefixlen if prefixlen is not None else pool.default_prefixlen)
    if wanted > pool.max_prefixlen:
        raise bad_request(f"Unable to allocate subnet with prefix length {wanted}, maximum "
                          f"allowed prefix is {pool.max_prefixlen}.",
                          "MaxPrefixSubnetAllocationError")
    if wanted < pool.min_prefixlen:
        raise bad_request(f"Unable to allocate subnet with prefix length {wanted}, minimum "
                          f"allowed prefix is {pool.min_prefixlen}.",
                          "MinPrefixSubnetAllocationError")
    _check_quota(db, pool, project_id, wanted)
    free = _free_blocks(db, pool)
    if cidr is not None:
        asked = ipaddress.ip_network(cidr)
        if any(asked.version == block.version
               and asked.subnet_of(block) for block in free):  # type: ignore[arg-type]
            return cidr
        raise bad_request("Failed to allocate subnet: Cannot allocate requested subnet from "
                          "the available set of prefixes.", "SubnetAllocationError")
    for block in free:
        if wanted >= block.prefixlen:
            return str(next(block.subnets(new_prefix=wanted)))
    raise conflict("SubnetAllocationError", "Failed to allocate subnet: Insufficient prefix "
                   f"space to allocate subnet size /{wanted}.")
