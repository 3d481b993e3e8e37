"""Images: who sees which, create, delete, tags, deactivate/reactivate.

Visibility (Glance's rules): an admin sees every image; a project sees its own images,
public and community ones, and shared ones it is a member of (whatever the member
status). An image a caller cannot see does not exist for it: 404, never 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cheptel.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationError
from cheptel.image import schemas, store
from cheptel.image.models import Image, ImageMember, ImageProperty, ImageTag
from cheptel.policy import Creds

MAX_PROPERTIES = 128  # Glance's image_property_quota
MAX_TAGS = 128  # Glance's image_tag_quota


@dataclass
class Loaded:
    """An image with its extra properties and tags, ready to render."""

    image: Image
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass
class NewImage:
    """A create request split as Glance splits it: base attributes, properties, tags."""

    values: dict[str, object]
    properties: dict[str, str]
    tags: list[str]


def is_member(db: Session, image_id: str, project_id: str | None) -> bool:
    if project_id is None:
        return False
    return db.get(ImageMember, (image_id, project_id)) is not None


def can_see(db: Session, creds: Creds | None, image: Image) -> bool:
    if creds is not None and creds.is_admin:
        return True
    project = creds.project_id if creds else None
    if project is not None and image.owner == project:
        return True
    if image.visibility in ("public", "community"):
        return True
    return image.visibility == "shared" and is_member(db, image.id, project)


def get_visible(db: Session, creds: Creds | None, image_id: str) -> Image:
    """The image if the caller may see it; otherwise 404 as if it did not exist."""
    image = db.get(Image, image_id)
    if image is None or not can_see(db, creds, image):
        raise NotFound(f"No image found with ID {image_id}")
    return image


def load(db: Session, images: list[Image]) -> list[Loaded]:
    """Attach properties and tags to many images in two queries."""
    by_id = {i.id: Loaded(i) for i in images}
    if by_id:
        ids = list(by_id)
        for p in db.scalars(select(ImageProperty).where(ImageProperty.image_id.in_(ids))
                            .order_by(ImageProperty.name)):
            by_id[p.image_id].properties[p.name] = p.value
        for t in db.scalars(select(ImageTag).where(ImageTag.image_id.in_(ids))
                            .order_by(ImageTag.value)):
            by_id[t.image_id].tags.append(t.value)
    return [by_id[i.id] for i in images]


def load_one(db: Session, image: Image) -> Loaded:
    return load(db, [image])[0]


def check_key(key: str) -> None:
    """Attributes nobody may write (403 in Glance), and property names too long (400)."""
    if key in schemas.READ_ONLY or key in schemas.DISALLOWED or key == "locations":
        raise Forbidden(f"Attribute '{key}' is read-only.")
    if key in schemas.RESERVED or key.startswith(schemas.RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{key}' is reserved.")
    if len(key) > 255:
        raise ValidationError(None, "Custom property should not be greater than 255 "
                                    "characters.")


def split_create(body: dict) -> NewImage:
    """Check and split a POST /v2/images body: 403 for attributes a client may not set
    (checked first, as Glance does), then 400 for what the schema refuses."""
    for key in body:
        if key != "id":
            check_key(key)
    schemas.validate_image(body)
    values = {k: body[k] for k in (*schemas.WRITABLE, "id") if k in body and k != "tags"}
    props = {k: v for k, v in body.items() if k not in schemas.BASE_PROPERTIES}
    tags = list(dict.fromkeys(body.get("tags") or []))
    check_quotas(len(props), len(tags))
    return NewImage(values, props, tags)


def check_quotas(n_properties: int, n_tags: int) -> None:
    if n_properties > MAX_PROPERTIES:
        raise PayloadTooLarge(f"The limit has been exceeded on the number of allowed image "
                              f"properties. Attempted: {n_properties}, Maximum: "
                              f"{MAX_PROPERTIES}")
    if n_tags > MAX_TAGS:
        raise PayloadTooLarge(f"The limit has been exceeded on the number of allowed image "
                              f"tags. Attempted: {n_tags}, Maximum: {MAX_TAGS}")


def create(db: Session, now: float, owner: str | None, new: NewImage) -> Image:
    """Record a queued image (no data yet); its owner was authorised by the caller."""
    image_id = str(new.values.get("id") or uuid.uuid4()).lower()
    if db.get(Image, image_id) is not None:
        raise Conflict(f"Image with identifier {image_id} already exists!")
    v = new.values
    image = Image(id=image_id, name=v.get("name"), status="queued",
                  visibility=v.get("visibility") or "shared", owner=owner,
                  disk_format=v.get("disk_format"), container_format=v.get("container_format"),
                  min_disk=v.get("min_disk") or 0, min_ram=v.get("min_ram") or 0,
                  protected=bool(v.get("protected", False)),
                  os_hidden=bool(v.get("os_hidden", False)), created_at=now, updated_at=now)
    db.add(image)
    db.flush()
    for name, value in new.properties.items():
        db.add(ImageProperty(image_id=image_id, name=name, value=value))
    for tag in new.tags:
        db.add(ImageTag(image_id=image_id, value=tag))
    db.flush()
    return image


def delete_image(db: Session, data_dir: Path, image: Image,
                 on_commit: list[Callable[[], None]]) -> None:
    """Delete the rows now and the file once the transaction has committed."""
    if image.protected:
        raise Forbidden(f"Image {image.id} is protected and cannot be deleted.")
    for table in (ImageProperty, ImageTag, ImageMember):
        db.execute(delete(table).where(table.image_id == image.id))
    db.delete(image)
    db.flush()
    image_id = image.id
    on_commit.append(lambda: store.remove(data_dir, image_id))


def set_status(image: Image, status: str, now: float) -> None:
    image.status = status
    image.updated_at = now


def deactivate(image: Image, now: float) -> None:
    if image.status not in ("active", "deactivated"):
        raise Forbidden(f"Not allowed to deactivate image in status '{image.status}'")
    set_status(image, "deactivated", now)


def reactivate(image: Image, now: float) -> None:
    if image.status not in ("active", "deactivated"):
        raise Forbidden(f"Not allowed to reactivate image in status '{image.status}'")
    set_status(image, "active", now)


def tags_of(db: Session, image_id: str) -> list[str]:
    return list(db.scalars(select(ImageTag.value).where(ImageTag.image_id == image_id)
                           .order_by(ImageTag.value)))


def add_tag(db: Session, image: Image, tag: str, now: float) -> None:
    tags = tags_of(db, image.id)
    if tag in tags:
        return
    check_quotas(0, len(tags) + 1)
    db.add(ImageTag(image_id=image.id, value=tag))
    image.updated_at = now
    db.flush()


def remove_tag(db: Session, image: Image, tag: str, now: float) -> None:
    row = db.get(ImageTag, (image.id, tag))
    if row is None:
        raise NotFound(f"Tag {tag} not found on image {image.id}.")
    db.delete(row)
    image.updated_at = now
    db.flush()


def set_tags(db: Session, image: Image, tags: list[str]) -> None:
    tags = list(dict.fromkeys(tags))
    check_quotas(0, len(tags))
    db.execute(delete(ImageTag).where(ImageTag.image_id == image.id))
    for tag in tags:
        db.add(ImageTag(image_id=image.id, value=tag))
    db.flush()
