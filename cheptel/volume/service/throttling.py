"""Front-end QoS made real: every attached volume whose type has QoS specs consumed by
the front end (`front-end` or `both`) is limited in its server's container cgroup, on the
block device it is mounted from; every other mount is unlimited. Checked on every pass of
the volume converger, so a specs change, a retype, a disassociation or a restart of the
container (a new cgroup, without limits) is repaired within a pass."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from cheptel.backends.engine import EngineError
from cheptel.backends.iothrottle import IoLimits, ThrottleError
from cheptel.volume.models import QosSpecs, Volume, VolumeAttachment, VolumeType
from cheptel.volume.service.qos import FRONT_END

if TYPE_CHECKING:
    from cheptel.app import Deps

log = logging.getLogger(__name__)


def wanted(deps: Deps) -> dict[tuple[str, str], IoLimits]:
    """(server, mount name) -> the limits of each attached volume."""
    with deps.sessions() as db:
        rows = db.execute(
            select(VolumeAttachment, QosSpecs)
            .join(Volume, Volume.id == VolumeAttachment.volume_id)
            .join(VolumeType, VolumeType.id == Volume.volume_type_id, isouter=True)
            .join(QosSpecs, QosSpecs.id == VolumeType.qos_specs_id, isouter=True)
            .where(VolumeAttachment.status == "attached",
                   VolumeAttachment.server_id.is_not(None))).all()
        return {(str(att.server_id), str(att.mount_name)): (
                    IoLimits.from_specs(qos.specs)
                    if qos is not None and qos.consumer in FRONT_END else IoLimits())
                for att, qos in rows if att.device}


def enforce(deps: Deps, servers: set[str] | None = None) -> int:
    """Write the limits that differ from the kernel's; return how many were written."""
    written = 0
    for (server_id, name), limits in wanted(deps).items():
        if servers is not None and server_id not in servers:
            continue
        device = deps.blocks.device_of(server_id, name)
        try:
            state = deps.containers.inspect(f"cheptel-{server_id}")
            if device is None or state is None or not state.pid:
                continue  # not mounted yet, or not running: its next start is checked
            if deps.throttle.get(state.pid, device) != limits:
                deps.throttle.set(state.pid, device, limits)
                written += 1
        except (EngineError, ThrottleError) as exc:
            log.warning("server %s: cannot limit the I/O of %s: %s", server_id, name, exc)
    return written
