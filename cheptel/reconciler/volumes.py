"""Converging volumes: fill those made from an image, upload those `uploading` to their
image, mount what is `attaching`, unmount what is `detaching`, and keep the host's
mounts equal to the attached rows (a host reboot loses every mount: the first pass
remounts them), and the front-end QoS limits of the mounts as their types say. One key
per volume."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cheptel.volume.service import attachments, from_image, throttling, uploads

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler


class VolumeConverger:
    def __init__(self, deps: Deps, reconciler: Reconciler) -> None:
        self.deps = deps
        self.reconciler = reconciler

    def scan(self, first: bool = False) -> list[str]:
        with self.deps.sessions() as db:
            filling = from_image.pending(db)
            uploading = uploads.pending(db)
        drifting = attachments.drift(self.deps)
        throttling.enforce(self.deps)
        return sorted({*filling, *uploading, *drifting})

    def converge(self, volume_id: str) -> bool:
        from_image.fill(self.deps, volume_id)
        uploads.run(self.deps, volume_id)
        attachments.converge(self.deps, volume_id)
        return False
