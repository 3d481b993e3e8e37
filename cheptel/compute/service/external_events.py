"""os-server-external-events: what other services tell Nova about its servers.

Each event is answered on its own (nova/api/openstack/compute/server_external_events.py):
an unknown (or deleted) server is a 404, an event that needs a tag and has none a 400, a
server not on a host yet (still scheduling) a 422; the others are accepted (200,
"completed"). What Nova's compute does with an accepted event, cheptel does here:
- network-changed, network-vif-deleted: Nova refreshes its network cache or detaches the
  port; cheptel keeps no cache (addresses are read from Neutron's ports), so the network
  is converged again (the reconciler), which detaches a deleted port;
- network-vif-plugged/-unplugged, accelerator-request-bound: they wake a waiting
  operation in Nova; nothing in cheptel waits for them;
- volume-extended: Nova records an "extend_volume" action; no volume is ever attached
  here, so Nova's compute finds none and the action ends at once;
- power-update: Nova records "start" (tag POWER_ON) or "stop" (POWER_OFF), other tags
  are skipped; only the ironic driver can take a power state from outside, so where Nova's
  state check lets it through (stopped for POWER_ON, active and running for POWER_OFF,
  no task) the action fails as on a libvirt host, and is a no-op otherwise. cheptel's
  reconciler reads the power state from the engine itself.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.compute import states
from cheptel.compute.models import Server
from cheptel.compute.service.servers import find, record_action
from cheptel.policy import Creds

TAG_REQUIRED = ("volume-extended", "power-update", "accelerator-request-bound")
CONVERGE = ("network-changed", "network-vif-deleted")
POWER = {"POWER_ON": ("start", "stopped", states.SHUTDOWN),
         "POWER_OFF": ("stop", "active", states.RUNNING)}


def _find(db: Session, server_uuid: str) -> Server | None:
    server = find(db, server_uuid)
    return None if server is None or server.deleted else server


def create(db: Session, creds: Creds, events: list[dict], now: float,
           request_id: str) -> tuple[list[dict], int, bool]:
    """Each event as given with its `code` and `status`; 200 if all were accepted, else
    207; and whether the network should be converged again."""
    answered, result, converge = [], 200, False
    for given in events:
        event = dict(given)
        server = _find(db, event["server_uuid"])
        if server is None:
            code = 404
        elif event["name"] in TAG_REQUIRED and "tag" not in event:
            code = 400
        elif not server.host:
            code = 422
        else:
            code = 200
            converge = converge or event["name"] in CONVERGE
            _apply(db, creds, server, event, now, request_id)
        event.update(status="completed" if code == 200 else "failed", code=code)
        result = result if code == 200 else 207
        answered.append(event)
    return answered, result, converge


def _apply(db: Session, creds: Creds, server: Server, event: dict, now: float,
           request_id: str) -> None:
    if event["name"] == "volume-extended":
        record_action(db, server, creds, "extend_volume", request_id, now, "Success")
    elif event["name"] == "power-update" and event["tag"] in POWER:
        action, vm_state, power = POWER[event["tag"]]
        applies = (server.task_state is None and server.vm_state == vm_state
                   and server.power_state == power)
        record_action(db, server, creds, action, request_id, now,
                      "Error" if applies else "Success")
