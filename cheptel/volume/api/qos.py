"""QoS specs and volume type encryption, as read by Horizon's Admin > Volume Types panel.

cheptel has neither (no front-end I/O limits per type, no encrypted volumes): the list of
QoS specs is empty and every type's encryption is none (`{}`, Cinder's answer for a type
without one). Creating them is not offered; the routes absent here are 404 as unknown.
"""

from __future__ import annotations

from typing import Any

from cheptel.volume.api.common import TYPE, P, caller
from cheptel.volume.service import types
from cheptel.web import Ctx, Route


def list_qos_specs(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"qos_specs": []}


def show_encryption(ctx: Ctx) -> dict[str, Any]:
    types.get(ctx.db, caller(ctx), ctx.params["type_id"])  # 404 for an unknown type
    return {}


ROUTES: list[Route] = [
    Route("GET", P + "/qos-specs", list_qos_specs, "volume_extension:qos_specs_manage:get_all"),
    Route("GET", TYPE + "/encryption", show_encryption,
          "volume_extension:volume_type_encryption:get"),
]
