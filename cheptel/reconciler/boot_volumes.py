"""Servers booted from a volume, the compute converger's side: get the volumes of the
boot mappings made and mounted before the container is created, and what that container
runs (cheptel/compute/service/boot_volumes.py writes the mappings; docs/volume.md).

The container is the default busybox image as a loader: it waits until the host has
bound /proc, /dev, /sys and /openstack into the root volume (engine.bind_root), then
becomes the volume's system by chroot (the command of the image the volume was made
from, or INIT)."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cheptel.compute import images
from cheptel.compute.models import Server
from cheptel.volume.models import Volume, VolumeAttachment
from cheptel.volume.service import attachments
from cheptel.volume.service import volumes as volume_service

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler

WAIT = "wait"  # _boot_volumes: a volume is still being made or mounted


@dataclass(frozen=True)
class Failure:
    message: str


# one load at a time per engine reference (references are the cloud's own): servers of
# one image spawned at once would each load it, and every load but the last would leave
# its image in the engine untagged, for good
_loading: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_loading_guard = threading.Lock()


def load(deps: Deps, image_id: str) -> str | Failure:
    """The engine's reference of an image, loaded into the engine if it is not yet."""
    ref = images.local_ref(deps.cloud_id, image_id)
    if deps.containers.image_present(ref):
        return ref
    with _loading_guard:
        lock = _loading[ref]
    with lock:
        if not deps.containers.image_present(ref):  # not loaded by the one waited for
            source = images.boot_source(deps, image_id)
            if source.error:
                return Failure(source.error)
            deps.containers.load_image(ref, source.path, source.container_format)
    return ref


def root_image(deps: Deps, sid: str) -> str | None:
    """The engine image whose command a root volume runs: the image it was made from, if
    that can still be loaded; else None (INIT)."""
    with deps.sessions() as db:
        root = next((a for a in attachments.of_servers(db, [sid])[sid]
                     if a.boot_index == 0), None)
        volume = db.get(Volume, root.volume_id) if root else None
        image_id = (volume.image_meta or {}).get("image_id") if volume else None
    ref = load(deps, str(image_id)) if image_id else None
    return ref if isinstance(ref, str) else None


def prepare(deps: Deps, reconciler: Reconciler, server: Server) -> str | None:
    """Get the volumes of the server's boot mappings made and mounted: None when they all
    are, WAIT while one is still being made or mounted (the volume converger kicks the
    server when it is done), else the fault."""
    sid = server.id
    with deps.sessions() as db:
        rows = [(a.id, a.volume_id, a.status) for a in attachments.of_servers(db, [sid])[sid]]
        blank = [v for _, v, st in rows if st == "reserved" and (
            (vol := db.get(Volume, v)) is not None and vol.status == "creating"
            and not volume_service.copies_image(vol))]
    for vid in blank:  # empty, or copied from a snapshot: made here, quickly
        volume_service.materialize(deps, vid)
    waiting, kick = False, []
    with deps.sessions() as db, db.begin():
        for att_id, vid, status in rows:
            if status == "attached":
                continue
            waiting = True
            volume = db.get(Volume, vid)
            att = db.get(VolumeAttachment, att_id)
            if volume is None or att is None or volume.status.startswith("error"):
                return (f"Build of instance {sid} aborted: Volume {vid} did not finish "
                        f"being created. And its status is "
                        f"{volume.status if volume else 'deleted'}.")
            if volume.status in ("creating", "downloading"):
                kick.append(vid)
            elif status == "reserved":
                att.status, att.updated_at = "attaching", deps.clock()
                volume.status = "attaching"
                kick.append(vid)
    if kick:
        reconciler.schedule("block-storage", *kick)
    return WAIT if waiting else None
