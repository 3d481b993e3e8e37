"""Keystone's "extra" attributes: what a create or update body carries beyond the model."""

from __future__ import annotations

from sqlalchemy.orm import Session


def merge(db: Session, row: object, values: dict) -> None:
    """Add or overwrite extra attributes (as Keystone's update: none is ever removed)."""
    if values:
        row.extra = {**(getattr(row, "extra", None) or {}), **values}  # type: ignore[attr-defined]
        db.flush()
