"""What a metadata definition namespace holds: objects, properties and tags.

Names are unique within their namespace (409 otherwise); tag names regardless of case, as
Glance's database collation makes them. Nothing in a protected namespace may be deleted.
The namespace was found (and the caller's right to it checked) by the caller.
"""

from __future__ import annotations

import json
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, Forbidden, NotFound
from cheptel.image import metadef_schemas as schemas
from cheptel.image.models import MetadefNamespace, MetadefObject, MetadefProperty, MetadefTag

Content = MetadefObject | MetadefProperty | MetadefTag
C = TypeVar("C", MetadefObject, MetadefProperty, MetadefTag)


def _named(db: Session, model: type[C], ns: MetadefNamespace, name: str, kind: str) -> C:
    row = db.scalar(select(model).where(model.namespace_id == ns.id, model.name == name))
    if row is None:
        raise NotFound(f"The metadata definition {kind} with name={name} was not found in "
                       f"namespace={ns.namespace}.")
    return row


def _unique(db: Session, model: type[MetadefObject | MetadefProperty], ns: MetadefNamespace,
            name: str, own_id: int | None, kind: str) -> None:
    other = db.scalar(select(model.id).where(model.namespace_id == ns.id, model.name == name))
    if other is not None and other != own_id:
        raise Conflict(f"A metadata definition {kind} with name={name} already exists in "
                       f"namespace={ns.namespace}.")


def _delete(db: Session, ns: MetadefNamespace, row: Content, kind: str) -> None:
    if ns.protected:
        raise Forbidden(f"Metadata definition {kind} {row.name} is protected and cannot be "
                        f"deleted.")
    db.delete(row)
    db.flush()


# -- objects -------------------------------------------------------------------------------

def objects(db: Session, ns: MetadefNamespace) -> list[MetadefObject]:
    return list(db.scalars(select(MetadefObject).where(MetadefObject.namespace_id == ns.id)
                           .order_by(MetadefObject.id)))


def get_object(db: Session, ns: MetadefNamespace, name: str) -> MetadefObject:
    return _named(db, MetadefObject, ns, name, "object")


def _object_fields(body: dict) -> dict:
    props = body.get("properties") or {}
    for value in props.values():
        schemas.check_property(value)
    return {"name": body["name"], "description": body.get("description"),
            "required": json.dumps(body.get("required") or []),
            "json_schema": json.dumps({k: schemas.clean_property(v) for k, v in props.items()})}


def create_object(db: Session, ns: MetadefNamespace, body: dict, now: float) -> MetadefObject:
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise BadRequest("Provided object does not match schema 'object': 'name' is a "
                         "required property")
    fields = _object_fields(body)
    _unique(db, MetadefObject, ns, fields["name"], None, "object")
    obj = MetadefObject(namespace_id=ns.id, created_at=now, updated_at=now, **fields)
    db.add(obj)
    db.flush()
    return obj


def update_object(db: Session, ns: MetadefNamespace, obj: MetadefObject, body: dict,
                  now: float) -> None:
    """Glance's PUT: name, description, required and properties are all replaced."""
    fields = _object_fields(body)
    _unique(db, MetadefObject, ns, fields["name"], obj.id, "object")
    for key, value in fields.items():
        setattr(obj, key, value)
    obj.updated_at = now
    db.flush()


def delete_object(db: Session, ns: MetadefNamespace, obj: MetadefObject) -> None:
    _delete(db, ns, obj, "object")


# -- properties ----------------------------------------------------------------------------

def properties(db: Session, ns: MetadefNamespace) -> list[MetadefProperty]:
    return list(db.scalars(select(MetadefProperty)
                           .where(MetadefProperty.namespace_id == ns.id)
                           .order_by(MetadefProperty.name)))


def get_property(db: Session, ns: MetadefNamespace, name: str) -> MetadefProperty:
    return _named(db, MetadefProperty, ns, name, "property")


def create_property(db: Session, ns: MetadefNamespace, body: dict, now: float
                    ) -> MetadefProperty:
    name = body["name"]
    _unique(db, MetadefProperty, ns, name, None, "property")
    prop = MetadefProperty(namespace_id=ns.id, name=name,
                           json_schema=json.dumps(schemas.clean_property(body)),
                           created_at=now, updated_at=now)
    db.add(prop)
    db.flush()
    return prop


def update_property(db: Session, ns: MetadefNamespace, prop: MetadefProperty, body: dict,
                    now: float) -> None:
    _unique(db, MetadefProperty, ns, body["name"], prop.id, "property")
    prop.name = body["name"]
    prop.json_schema = json.dumps(schemas.clean_property(body))
    prop.updated_at = now
    db.flush()


def delete_property(db: Session, ns: MetadefNamespace, prop: MetadefProperty) -> None:
    _delete(db, ns, prop, "property")


# -- tags ----------------------------------------------------------------------------------

def tags(db: Session, ns: MetadefNamespace) -> list[MetadefTag]:
    return list(db.scalars(select(MetadefTag).where(MetadefTag.namespace_id == ns.id)
                           .order_by(MetadefTag.created_at, MetadefTag.id)))


def get_tag(db: Session, ns: MetadefNamespace, name: str) -> MetadefTag:
    return _named(db, MetadefTag, ns, name, "tag")


def _check_tag_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise BadRequest("Provided object does not match schema 'tag': 'name' is a required "
                         "property")
    if len(name) > 80:
        raise BadRequest(f"Provided object does not match schema 'tag': name: '{name[:40]}...'"
                         f" is too long")
    return name


def _unique_tag(db: Session, ns: MetadefNamespace, name: str, own_id: int | None) -> None:
    other = db.scalar(select(MetadefTag.id).where(MetadefTag.namespace_id == ns.id,
                                                  func.lower(MetadefTag.name) == name.lower()))
    if other is not None and other != own_id:
        raise Conflict(f"A metadata tag with name={name} already exists in "
                       f"namespace={ns.namespace}. (Please note that metadata tag names are "
                       f"case insensitive).")


def create_tag(db: Session, ns: MetadefNamespace, name: object, now: float) -> MetadefTag:
    checked = _check_tag_name(name)
    _unique_tag(db, ns, checked, None)
    tag = MetadefTag(namespace_id=ns.id, name=checked, created_at=now, updated_at=now)
    db.add(tag)
    db.flush()
    return tag


def create_tags(db: Session, ns: MetadefNamespace, names: list[str], append: bool,
                now: float) -> list[MetadefTag]:
    """POST .../tags: replace every tag (or, with X-Openstack-Append, add to them)."""
    if not names:  # Glance changes nothing for an empty list
        return []
    if not append:
        for tag in tags(db, ns):
            db.delete(tag)
        db.flush()
    return [create_tag(db, ns, name, now) for name in names]


def rename_tag(db: Session, ns: MetadefNamespace, tag: MetadefTag, name: object,
               now: float) -> None:
    checked = _check_tag_name(name)
    _unique_tag(db, ns, checked, tag.id)
    tag.name = checked
    tag.updated_at = now
    db.flush()


def delete_tag(db: Session, ns: MetadefNamespace, tag: MetadefTag) -> None:
    _delete(db, ns, tag, "tag")
