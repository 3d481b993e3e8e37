"""Services, endpoints, regions, and the catalog built from them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cheptel.common import new_id
from cheptel.config import PROJECT_TEMPLATES
from cheptel.errors import Conflict, NotFound, ValidationError
from cheptel.identity.models import Endpoint, Region, Service
from cheptel.identity.service import ep_filter

INTERFACES = ("public", "internal", "admin")


@dataclass(frozen=True)
class Registration:
    """What a cheptel service declares so that identity can list it in the catalog."""

    type: str
    name: str
    path: str  # appended to the base URL; may hold $(project_id)s
    description: str = ""
    url: str = ""  # a whole URL instead (an external engine's): the path is then unused


def register_builtin(db: Session, regs: list[Registration], base_url: str, region: str) -> None:
    """Make the catalog list every mounted service at the current base URL (idempotent)."""
    if db.get(Region, region) is None:
        db.add(Region(id=region, description=""))
    for reg in regs:
        svc = db.scalar(select(Service).where(Service.builtin.is_(True),
                                              Service.type == reg.type))
        if svc is None:
            svc = Service(id=new_id(), type=reg.type, name=reg.name, enabled=True,
                          description=reg.description, builtin=True)
            db.add(svc)
            db.flush()
        url = reg.url or base_url + reg.path
        existing = {e.interface: e for e in db.scalars(
            select(Endpoint).where(Endpoint.service_id == svc.id))}
        for interface in INTERFACES:
            ep = existing.get(interface)
            if ep is None:
                db.add(Endpoint(id=new_id(), service_id=svc.id, interface=interface,
                                region_id=region, url=url, enabled=True))
            elif ep.url != url:
                ep.url = url
    db.flush()


def substitute(url: str, project_id: str | None) -> str | None:
    for form in PROJECT_TEMPLATES:
        if form in url:
            if project_id is None:
                return None
            url = url.replace(form, project_id)
    return url


def build_catalog(db: Session, project_id: str | None) -> list[dict]:
    """Every enabled service with its enabled endpoints, as Keystone's SQL catalog
    (keystone.catalog.backends.sql.Catalog.get_v3_catalog): a service with no endpoint it
    can list (none, none enabled, none in the region a client will pick, or only
    project URLs in an unscoped catalog) is still listed, with no endpoints. For a
    project with OS-EP-FILTER associations, only its endpoints, and then a service left
    with none is dropped (see ep_filter), as Keystone does."""
    only: set[str] | None = None
    if project_id is not None:
        only = {e.id for e in ep_filter.project_endpoints(db, project_id)} or None
    by_service: dict[str, list[Endpoint]] = {}
    for ep in db.scalars(select(Endpoint).where(Endpoint.enabled.is_(True))
                         .order_by(Endpoint.interface, Endpoint.id)):
        by_service.setdefault(ep.service_id, []).append(ep)  # one query, not one a service
    catalog = []
    for svc in db.scalars(select(Service).where(Service.enabled.is_(True))
                          .order_by(Service.type)):
        endpoints = []
        for ep in by_service.get(svc.id, []):
            if only is not None and ep.id not in only:
                continue
            url = substitute(ep.url, project_id)
            if url is not None:
                endpoints.append({"id": ep.id, "interface": ep.interface,
                                  "region_id": ep.region_id, "region": ep.region_id,
                                  "url": url})
        if endpoints or only is None:
            catalog.append({"id": svc.id, "type": svc.type, "name": svc.name,
                            "endpoints": endpoints})
    return catalog


# -- services ------------------------------------------------------------------------------

def get_service(db: Session, service_id: str) -> Service:
    svc = db.get(Service, service_id)
    if svc is None:
        raise NotFound(f"Could not find service: {service_id}.")
    return svc


def list_services(db: Session, type_: str | None = None, name: str | None = None) -> list:
    q = select(Service).order_by(Service.type)
    if type_:
        q = q.where(Service.type == type_)
    if name:
        q = q.where(Service.name == name)
    return list(db.scalars(q))


def create_service(db: Session, type_: str, name: str = "", description: str = "",
                   enabled: bool = True) -> Service:
    svc = Service(id=new_id(), type=type_, name=name, description=description,
                  enabled=enabled, builtin=False)
    db.add(svc)
    db.flush()
    return svc


def update_service(db: Session, svc: Service, changes: dict) -> Service:
    for key in ("type", "name", "description", "enabled"):
        if changes.get(key) is not None:
            setattr(svc, key, changes[key])
    db.flush()
    return svc


def delete_service(db: Session, svc: Service) -> None:
    db.execute(delete(Endpoint).where(Endpoint.service_id == svc.id))
    db.delete(svc)


# -- endpoints -----------------------------------------------------------------------------

def get_endpoint(db: Session, endpoint_id: str) -> Endpoint:
    ep = db.get(Endpoint, endpoint_id)
    if ep is None:
        raise NotFound(f"Could not find endpoint: {endpoint_id}.")
    return ep


def list_endpoints(db: Session, filters: dict[str, str]) -> list[Endpoint]:
    q = select(Endpoint).order_by(Endpoint.service_id, Endpoint.interface)
    for key in ("service_id", "interface", "region_id"):
        if key in filters:
            q = q.where(getattr(Endpoint, key) == filters[key])
    return list(db.scalars(q))


def _check_endpoint(db: Session, values: dict) -> None:
    if "service_id" in values and db.get(Service, values["service_id"]) is None:
        raise ValidationError("service_id", f"no service {values['service_id']}")
    if "interface" in values and values["interface"] not in INTERFACES:
        raise ValidationError("interface", f"must be one of {', '.join(INTERFACES)}")
    if values.get("region_id") and db.get(Region, values["region_id"]) is None:
        raise ValidationError("endpoint region_id", "it does not exist in the region table")


def create_endpoint(db: Session, values: dict) -> Endpoint:
    _check_endpoint(db, values)
    ep = Endpoint(id=new_id(), service_id=values["service_id"], interface=values["interface"],
                  region_id=values.get("region_id"), url=values["url"],
                  enabled=values.get("enabled", True))
    db.add(ep)
    db.flush()
    return ep


def update_endpoint(db: Session, ep: Endpoint, changes: dict) -> Endpoint:
    _check_endpoint(db, changes)
    for key in ("service_id", "interface", "region_id", "url", "enabled"):
        if key in changes:
            setattr(ep, key, changes[key])
    db.flush()
    return ep


# -- regions -------------------------------------------------------------------------------

def get_region(db: Session, region_id: str) -> Region:
    region = db.get(Region, region_id)
    if region is None:
        raise NotFound(f"Could not find region: {region_id}.")
    return region


def list_regions(db: Session, parent: str | None = None) -> list[Region]:
    q = select(Region).order_by(Region.id)
    if parent:
        q = q.where(Region.parent_region_id == parent)
    return list(db.scalars(q))


def create_region(db: Session, region_id: str | None, description: str = "",
                  parent_region_id: str | None = None) -> Region:
    region_id = region_id or new_id()
    if db.get(Region, region_id) is not None:
        raise Conflict(f"Conflict occurred attempting to store region - Duplicate ID, "
                       f"{region_id}.")
    if parent_region_id and db.get(Region, parent_region_id) is None:
        raise ValidationError("parent_region_id", f"no region {parent_region_id}")
    region = Region(id=region_id, description=description, parent_region_id=parent_region_id)
    db.add(region)
    db.flush()
    return region


def ensure_region(db: Session, region_id: str) -> Region:
    """The region, created (bare) if it does not exist yet."""
    return db.get(Region, region_id) or create_region(db, region_id)


def update_region(db: Session, region: Region, changes: dict) -> Region:
    parent = changes.get("parent_region_id")
    if parent:
        if db.get(Region, parent) is None:
            raise ValidationError("parent_region_id", f"no region {parent}")
        node: str | None = parent
        while node:
            if node == region.id:
                raise ValidationError("parent_region_id", "the regions would form a cycle")
            node = db.get(Region, node).parent_region_id  # type: ignore[union-attr]
    for key in ("description", "parent_region_id"):
        if key in changes:
            setattr(region, key, changes[key] or ("" if key == "description" else None))
    db.flush()
    return region


def delete_region(db: Session, region: Region) -> None:
    if db.scalar(select(Region).where(Region.parent_region_id == region.id)) is not None:
        raise Conflict(f"Region {region.id} has child regions.")
    db.execute(delete(Endpoint).where(Endpoint.region_id == region.id))
    db.delete(region)
