"""Volume type encryption, as read by Horizon's Admin > Volume Types panel.

cheptel encrypts no volume: every type's encryption is none, `{}` (Cinder's answer for a
type without one). Creating one is a 501 for a type that exists (encrypted volumes need a
key manager, which cheptel does not have), a 404 for one that does not, as Cinder checks.
"""

from __future__ import annotations

from typing import Any

from cheptel.errors import NotImplementedYet
from cheptel.volume.api.common import TYPE, caller
from cheptel.volume.service import types
from cheptel.web import Ctx, Route


def show_encryption(ctx: Ctx) -> dict[str, Any]:
    types.get(ctx.db, caller(ctx), ctx.params["type_id"])  # 404 for an unknown type
    return {}


def create_encryption(ctx: Ctx) -> None:
    types.get(ctx.db, caller(ctx), ctx.params["type_id"])  # 404 for an unknown type
    raise NotImplementedYet("Encrypted volume types are not implemented by cheptel: "
                            "encrypted volumes need a key manager.")


ROUTES: list[Route] = [
    Route("POST", TYPE + "/encryption", create_encryption,
          "volume_extension:volume_type_encryption:create"),
    Route("GET", TYPE + "/encryption", show_encryption,
          "volume_extension:volume_type_encryption:get"),
]
