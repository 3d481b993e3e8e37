"""A volume's image metadata (volume_image_metadata): os-set_image_metadata,
os-unset_image_metadata, os-show_image_metadata (cinder/api/contrib/
volume_image_metadata.py over volume_metadata_update with the image meta type).

Cinder reserves no key here: any key may be set, changed or removed. Its status rule is
the metadata one (not while `maintenance` or `uploading`); here a volume still being
made (`creating`, `downloading`) is refused too, since its image's id in this metadata
says what to copy onto it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, NotFound
from cheptel.volume.models import Volume

FROZEN = ("maintenance", "uploading")
BEING_MADE = ("creating", "downloading")


def _writable(volume: Volume, verb: str) -> None:
    if volume.status in FROZEN or volume.status in BEING_MADE:
        raise BadRequest(f"Invalid volume: {verb} volume metadata is not allowed for "
                         f"volumes in {volume.status} status.")


def show(volume: Volume) -> dict[str, str]:
    return {k: str(v) for k, v in (volume.image_meta or {}).items()}


def set_items(db: Session, volume: Volume, items: dict[str, str], now: float
              ) -> dict[str, str]:
    """Merge `items` in; the whole image metadata after."""
    _writable(volume, "Updating")
    volume.image_meta = {**(volume.image_meta or {}), **items} or None
    volume.updated_at = now
    db.flush()
    return show(volume)


def unset(db: Session, volume: Volume, key: str, now: float) -> None:
    if key not in (volume.image_meta or {}):
        raise NotFound(f"Glance metadata for volume/snapshot {volume.id} cannot be found.")
    _writable(volume, "Deleting")
    meta = dict(volume.image_meta or {})
    del meta[key]
    # none left: no volume_image_metadata in the views, as Cinder shows none when empty
    volume.image_meta = meta or None
    volume.updated_at = now
    db.flush()
