"""Volume type encryption, as read by Horizon's Admin > Volume Types panel.

cheptel encrypts no volume: every type's encryption is none, `{}` (Cinder's answer for a
type without one). Creating one is not offered; those routes are 404 as unknown.
"""

from __future__ import annotations

from typing import Any

from cheptel.volume.api.common import TYPE, caller
from cheptel.volume.service import types
from cheptel.web import Ctx, Route


def show_encryption(ctx: Ctx) -> dict[str, Any]:
    types.get(ctx.db, caller(ctx), ctx.params["type_id"])  # 404 for an unknown type
    return {}


ROUTES: list[Route] = [
    Route("GET", TYPE + "/encryption", show_encryption,
          "volume_extension:volume_type_encryption:get"),
]
