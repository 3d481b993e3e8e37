"""Image members: the projects a `shared` image is offered to, and their answer.

The owner adds and removes members; a member (the consumer) sets its own status to
pending, accepted or rejected. Only accepted shared images show in the member's default
image list, but a member sees the image by id whatever its status.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cheptel.errors import Conflict, Forbidden, NotFound, PayloadTooLarge
from cheptel.image.models import Image, ImageMember
from cheptel.policy import Creds

MAX_MEMBERS = 128  # Glance's image_member_quota


def require_shared(image: Image) -> None:
    if image.visibility != "shared":
        raise Forbidden("Only shared images have members.")


def is_owner(creds: Creds, image: Image) -> bool:
    return creds.is_admin or (creds.project_id is not None and creds.project_id == image.owner)


def list_members(db: Session, creds: Creds, image: Image) -> list[ImageMember]:
    """The owner sees every member; a member sees only its own membership."""
    require_shared(image)
    q = select(ImageMember).where(ImageMember.image_id == image.id)
    if not is_owner(creds, image):
        q = q.where(ImageMember.member_id == (creds.project_id or ""))
    return list(db.scalars(q.order_by(ImageMember.created_at, ImageMember.member_id)))


def get_member(db: Session, creds: Creds, image: Image, member_id: str) -> ImageMember:
    if image.visibility != "shared":
        raise NotFound("Only shared images have members.")
    member = db.get(ImageMember, (image.id, member_id))
    if member is None or not (is_owner(creds, image) or creds.project_id == member_id):
        raise NotFound(f"{member_id} not found in the member list of the image {image.id}.")
    return member


def add_member(db: Session, image: Image, member_id: str, now: float) -> ImageMember:
    require_shared(image)
    if db.get(ImageMember, (image.id, member_id)) is not None:
        raise Conflict(f"Member {member_id} is duplicated for image {image.id}")
    count = db.scalar(select(func.count()).select_from(ImageMember)
                      .where(ImageMember.image_id == image.id)) or 0
    if count >= MAX_MEMBERS:
        raise PayloadTooLarge(f"Image member limit exceeded for image {image.id}: "
                              f"Attempted: {count + 1}, Maximum: {MAX_MEMBERS}")
    member = ImageMember(image_id=image.id, member_id=member_id, status="pending",
                         created_at=now, updated_at=now)
    db.add(member)
    db.flush()
    return member


def set_status(db: Session, member: ImageMember, status: str, now: float) -> ImageMember:
    member.status = status
    member.updated_at = now
    db.flush()
    return member


def remove_member(db: Session, member: ImageMember) -> None:
    db.delete(member)
    db.flush()
