"""POST …/resources/{name}/signal: a ScalingPolicy resizes its group (service/scaling.py);
a WaitConditionHandle stores the signal (heat's HeatWaitConditionHandle.handle_signal)
and wakes its stack, whose WaitCondition counts it; any other type is Heat's 400.

A handle's signal takes Heat's body: {"status": "SUCCESS" | "FAILURE", "reason",
"data", "id"}, each optional (SUCCESS, "Signal N received", null, N); a signal with an
id already received replaces it. A stack user's token (the handle's own) may signal
that handle and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Forbidden
from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources.scaling import POLICY
from cheptel.orchestration.resources.waits import HANDLE
from cheptel.orchestration.service import scaling, stacks
from cheptel.policy import Creds

if TYPE_CHECKING:
    from cheptel.app import Deps

KEYS = ("status", "reason", "data", "id")


def signal(deps: Deps, db: Session, creds: Creds, stack: Stack, row: StackResource,
           details: Any, now: float) -> list[Callable[[], None]]:
    """Handle a signal to a stack's resource; the hooks to run once committed."""
    if not (creds.is_admin or "member" in creds.roles) and not (
            row.type == HANDLE and (row.data or {}).get("user_id") == creds.user_id):
        raise Forbidden("You are not authorized to signal this resource.")
    if row.type == POLICY:
        return scaling.signal(deps, db, stack, row, details, now)
    if row.type != HANDLE:
        raise BadRequest("signal is not supported for resource.")
    if stack.action == "DELETE" or row.action in ("INIT", "DELETE") or not row.physical_id:
        raise BadRequest(f"Cannot signal resource during {row.action}")
    data = dict(row.data or {})
    received = dict(data.get("signals") or {})
    details = details if details is not None else {}
    if not isinstance(details, dict) or set(details) - set(KEYS) or details.get(
            "status", "SUCCESS") not in ("SUCCESS", "FAILURE"):
        raise BadRequest("Metadata format invalid")
    number = len(received) + 1
    entry = {"status": details.get("status", "SUCCESS"),
             "reason": details.get("reason", f"Signal {number} received"),
             "data": details.get("data")}
    received[str(details.get("id", number))] = entry
    row.data = {**data, "signals": received}
    stacks.event(db, stack, now, row.name, row.type, row.physical_id, "SIGNAL", "COMPLETE",
                 f"Signal: status:{entry['status']} reason:{entry['reason']}")
    sid = stack.id
    return [lambda: deps.reconciler.schedule("orchestration", sid)]
