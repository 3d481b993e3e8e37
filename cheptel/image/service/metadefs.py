"""Metadata definition namespaces and resource types (Glance's metadefs catalog).

Who sees a namespace (Glance's rules): an admin sees all; a project's reader sees the
namespaces its project owns and every public one. A namespace a caller cannot see does
not exist for it (404); writing needs the admin role (403 on a namespace one can see).
A protected namespace refuses to be deleted, and so does its content (403).

Namespaces are addressed by name; renaming one (PUT with another `namespace`) keeps its
content. Deleting one deletes its objects, properties, tags and associations.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, Forbidden, NotFound
from cheptel.image.models import (
    MetadefNamespace,
    MetadefNamespaceResourceType,
    MetadefObject,
    MetadefProperty,
    MetadefResourceType,
    MetadefTag,
)
from cheptel.image.service import metadef_content as content
from cheptel.policy import Creds

DEFAULT_LIMIT = 25  # Glance's limit_param_default
MAX_LIMIT = 1000  # Glance's api_limit_max
SORT_KEYS = ("created_at", "updated_at", "namespace", "display_name", "visibility", "owner",
             "protected")


@dataclass
class NamespaceQuery:
    limit: int
    marker: str | None
    sort_key: str
    sort_dir: str
    visibility: str | None
    resource_types: list[str] | None


def visible(creds: Creds, ns: MetadefNamespace) -> bool:
    if creds.is_admin:
        return True
    return "reader" in creds.roles and (ns.visibility == "public"
                                        or ns.owner == creds.project_id)


def target(ns: MetadefNamespace) -> dict[str, object]:
    """The policy target of everything in a namespace (Glance's MetadefAPIPolicy)."""
    return {"project_id": ns.owner, "visibility": ns.visibility}


def find(db: Session, name: str) -> MetadefNamespace | None:
    return db.scalar(select(MetadefNamespace).where(MetadefNamespace.namespace == name))


def get(db: Session, creds: Creds, name: str) -> MetadefNamespace:
    """The namespace if the caller can see it, else 404 as if it did not exist."""
    ns = find(db, name)
    if ns is None or not visible(creds, ns):
        raise NotFound(f"Metadata definition namespace={name} was not found.")
    return ns


# -- listing ------------------------------------------------------------------------------

def parse_query(query: dict[str, str]) -> NamespaceQuery:
    """GET /v2/metadefs/namespaces parameters, refused as Glance refuses them (400)."""
    raw_limit = query.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise BadRequest("limit param must be an integer") from None
        if limit < 0:
            raise BadRequest("limit param must be positive")
        limit = min(limit, MAX_LIMIT)
    sort_dir = query.get("sort_dir", "desc")
    if sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort direction: {sort_dir}")
    sort_key = query.get("sort_key", "created_at")
    if sort_key not in SORT_KEYS:
        raise BadRequest(f"Invalid sort key: {sort_key}")
    visibility = query.get("visibility") or None
    if visibility is not None and visibility not in ("public", "private"):
        raise BadRequest(f"Invalid visibility value: {visibility}")
    types = query.get("resource_types")
    return NamespaceQuery(limit, query.get("marker"), sort_key, sort_dir, visibility,
                          [t for t in types.split(",") if t] if types is not None else None)


def list_namespaces(db: Session, creds: Creds, q: NamespaceQuery
                    ) -> tuple[list[MetadefNamespace], str | None]:
    """The namespaces the caller sees, one page, and the next marker if the page is full."""
    stmt = select(MetadefNamespace)
    if not creds.is_admin:
        stmt = stmt.where(or_(MetadefNamespace.visibility == "public",
                              MetadefNamespace.owner == (creds.project_id or "")))
    if q.visibility:
        stmt = stmt.where(MetadefNamespace.visibility == q.visibility)
    if q.resource_types is not None:
        ids = (select(MetadefNamespaceResourceType.namespace_id)
               .join(MetadefResourceType,
                     MetadefResourceType.id == MetadefNamespaceResourceType.resource_type_id)
               .where(MetadefResourceType.name.in_(q.resource_types)))
        stmt = stmt.where(MetadefNamespace.id.in_(ids))
    key = getattr(MetadefNamespace, q.sort_key)
    order = [key, MetadefNamespace.created_at, MetadefNamespace.id]
    if q.marker is not None:
        marker = get(db, creds, q.marker)
        mine = (getattr(marker, q.sort_key), marker.created_at, marker.id)
        stmt = stmt.where(_after(order, mine, q.sort_dir == "desc"))
    stmt = stmt.order_by(*[c.desc() if q.sort_dir == "desc" else c.asc() for c in order])
    found = list(db.scalars(stmt.limit(q.limit)))
    next_marker = found[-1].namespace if found and len(found) == q.limit else None
    return found, next_marker


def _after(columns: list, values: tuple, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after `values` in the lexicographic order of `columns` (keyset paging)."""
    clauses = []
    for i, column in enumerate(columns):
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*[columns[j] == values[j] for j in range(i)], beyond))
    return or_(*clauses)


# -- namespaces ----------------------------------------------------------------------------

def _check_unique(db: Session, name: str, ns_id: int | None = None) -> None:
    other = find(db, name)
    if other is not None and other.id != ns_id:
        raise Conflict(f"The metadata definition namespace={name} already exists.")


def create(db: Session, creds: Creds, body: dict, now: float) -> MetadefNamespace:
    """A namespace and the content its body carries, all or nothing (one transaction)."""
    name = body["namespace"]
    _check_unique(db, name)
    ns = MetadefNamespace(namespace=name, display_name=body.get("display_name"),
                          description=body.get("description"),
                          visibility=body.get("visibility") or "private",
                          protected=bool(body.get("protected", False)),
                          owner=body.get("owner") or creds.project_id or "",
                          created_at=now, updated_at=now)
    db.add(ns)
    db.flush()
    for assoc in body.get("resource_type_associations") or []:
        associate(db, ns, assoc, now)
    for obj in body.get("objects") or []:
        content.create_object(db, ns, obj, now)
    for tag in body.get("tags") or []:
        content.create_tag(db, ns, tag.get("name"), now)
    for prop_name, prop in (body.get("properties") or {}).items():
        content.create_property(db, ns, {**prop, "name": prop_name}, now)
    return ns


def update(db: Session, creds: Creds, ns: MetadefNamespace, body: dict, now: float) -> None:
    """Glance's PUT: the body replaces the namespace's own fields (absent optional ones take
    their create defaults); its content is left alone."""
    _check_unique(db, body["namespace"], ns.id)
    ns.namespace = body["namespace"]
    ns.display_name = body.get("display_name")
    ns.description = body.get("description")
    ns.visibility = body.get("visibility") or "private"
    ns.protected = bool(body.get("protected") or False)
    ns.owner = body.get("owner") or creds.project_id or ""
    ns.updated_at = now
    db.flush()


def check_unprotected(ns: MetadefNamespace) -> None:
    if ns.protected:
        raise Forbidden(f"Metadata definition namespace {ns.namespace} is protected and "
                        f"cannot be deleted.")


def delete_namespace(db: Session, ns: MetadefNamespace) -> None:
    check_unprotected(ns)
    for table in (MetadefObject, MetadefProperty, MetadefTag, MetadefNamespaceResourceType):
        db.execute(delete(table).where(table.namespace_id == ns.id))
    db.delete(ns)
    db.flush()


def delete_content(db: Session, ns: MetadefNamespace, table: type[content.Content]) -> None:
    """DELETE .../objects, .../properties or .../tags: all of one kind at once."""
    check_unprotected(ns)
    db.execute(delete(table).where(table.namespace_id == ns.id))
    db.flush()


# -- resource types ------------------------------------------------------------------------

def resource_types(db: Session) -> list[MetadefResourceType]:
    return list(db.scalars(select(MetadefResourceType).order_by(MetadefResourceType.id)))


def associations(db: Session, ns: MetadefNamespace
                 ) -> list[tuple[MetadefResourceType, MetadefNamespaceResourceType]]:
    rows = db.execute(
        select(MetadefResourceType, MetadefNamespaceResourceType)
        .join(MetadefNamespaceResourceType,
              MetadefNamespaceResourceType.resource_type_id == MetadefResourceType.id)
        .where(MetadefNamespaceResourceType.namespace_id == ns.id)
        .order_by(MetadefNamespaceResourceType.created_at, MetadefResourceType.id))
    return [(rt, assoc) for rt, assoc in rows]


def associate(db: Session, ns: MetadefNamespace, body: dict, now: float
              ) -> tuple[MetadefResourceType, MetadefNamespaceResourceType]:
    """Associate a resource type (created, unprotected, if new) with the namespace."""
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("Provided object does not match schema 'resource_type_association': "
                         "'name' is a required property")
    rt = db.scalar(select(MetadefResourceType).where(MetadefResourceType.name == name))
    if rt is None:
        rt = MetadefResourceType(name=name, protected=False, created_at=now, updated_at=now)
        db.add(rt)
        db.flush()
    elif db.get(MetadefNamespaceResourceType, (rt.id, ns.id)) is not None:
        raise Conflict(f"The metadata definition resource-type association of "
                       f"resource-type={name} to namespace={ns.namespace} already exists.")
    assoc = MetadefNamespaceResourceType(resource_type_id=rt.id, namespace_id=ns.id,
                                         properties_target=body.get("properties_target"),
                                         prefix=body.get("prefix"), created_at=now,
                                         updated_at=now)
    db.add(assoc)
    db.flush()
    return rt, assoc


def dissociate(db: Session, ns: MetadefNamespace, name: str) -> None:
    for rt, assoc in associations(db, ns):
        if rt.name == name:
            if ns.protected:
                raise Forbidden(f"Metadata definition resource-type-association {name} is "
                                f"protected and cannot be deleted.")
            db.delete(assoc)
            db.flush()
            return
    raise NotFound(f"Failed to find resource type {name} to delete")


def prefix_for(db: Session, ns: MetadefNamespace, resource_type: str) -> str | None:
    """The prefix the namespace's association with `resource_type` gives its properties."""
    for rt, assoc in associations(db, ns):
        if rt.name == resource_type:
            return assoc.prefix
    return None
