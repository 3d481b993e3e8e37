"""At every start: the default flavors, into an empty flavor table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cheptel.compute.service import flavors

if TYPE_CHECKING:
    from cheptel.app import Deps


def on_start(db: Session, deps: Deps) -> list[str]:
    """The compute service's bootstrap (every start; seeds flavors once)."""
    flavors.bootstrap(db, deps.clock())
    return []
