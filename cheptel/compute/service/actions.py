"""Server actions as intent: check the state as Nova does, set the task, then the
reconciler carries it out (cheptel/reconciler/servers.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.compute import images
from cheptel.compute.models import Server
from cheptel.compute.service import flavors, quotas
from cheptel.compute.service.server_metadata import set_metadata
from cheptel.compute.service.servers import (
    check_unlocked,
    disk_config_for,
    record_action,
    request_delete,
    set_access,
)
from cheptel.errors import BadRequest, Conflict, Forbidden
from cheptel.policy import Creds

# action -> (vm_states it may start from, task_state it sets)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "os-start": (("stopped",), "powering-on"),
    "os-stop": (("active", "error", "resized", "paused", "suspended"), "powering-off"),
    "reboot_soft": (("active", "stopped", "paused", "suspended", "error", "resized"),
                    "rebooting"),
    "reboot_hard": (("active", "stopped", "paused", "suspended", "error", "resized"),
                    "rebooting_hard"),
    "pause": (("active",), "pausing"),
    "unpause": (("paused",), "unpausing"),
    "suspend": (("active",), "suspending"),
    "resume": (("suspended",), "resuming"),
    "rebuild": (("active", "stopped", "error"), "rebuilding"),
    "resize": (("active", "stopped"), "resize_prep"),
    "confirmResize": (("resized",), "resize_confirming"),
    "revertResize": (("resized",), "resize_reverting"),
    "createImage": (("active", "stopped", "paused", "suspended"), "image_snapshot"),
    "createBackup": (("active", "stopped", "paused", "suspended"), "image_backup"),
}
MIGRATABLE = ("active", "stopped")
# Nova checks no lock for these: a lock guards against change and delete, not copies
UNLOCKED_OK = {"createImage", "createBackup"}
# the names Nova's instance actions record (nova/compute/instance_actions.py)
NOVA_NAMES = {"os-start": "start", "os-stop": "stop", "reboot_soft": "reboot",
              "reboot_hard": "reboot"}


def begin(db: Session, server: Server, creds: Creds, action: str, now: float,
          request_id: str, args: dict | None = None) -> None:
    """Move the server into the action's task state, or 409 as Nova does."""
    if action not in UNLOCKED_OK:
        check_unlocked(server, creds)
    allowed, task = TRANSITIONS[action]
    name = NOVA_NAMES.get(action, action)
    if server.task_state is not None:
        raise Conflict(f"Cannot '{name}' instance {server.id} while it is in task_state "
                       f"{server.task_state}")
    if server.vm_state not in allowed:
        raise Conflict(f"Cannot '{name}' instance {server.id} while it is in vm_state "
                       f"{server.vm_state}")
    server.task_state = task
    server.task_args = args or {}
    server.updated_at = now
    record_action(db, server, creds, name, request_id, now)
    db.flush()


def rebuild(db: Session, server: Server, creds: Creds, body: dict, now: float,
            request_id: str) -> None:
    image = images.for_boot(db, creds, body["imageRef"])
    if body.get("OS-DCF:diskConfig"):  # checked against the image; else kept, as Nova
        disk_config_for(db, image.id, body["OS-DCF:diskConfig"])
    flavor_ram = int(server.flavor.get("ram", 0))
    if image.min_ram and flavor_ram < image.min_ram:
        raise BadRequest("Flavor's memory is too small for requested image.")
    begin(db, server, creds, "rebuild", now, request_id, {"image_id": image.id})
    server.image_id = image.id
    for key, attr in (("name", "name"), ("description", "description"),
                      ("user_data", "user_data")):
        if key in body:
            setattr(server, attr, body[key])
    if body.get("metadata") is not None:
        set_metadata(db, server, body["metadata"], replace=True)
    set_access(server, body)
    db.flush()


def resize(db: Session, server: Server, creds: Creds, flavor_ref: str, now: float,
           request_id: str, disk_config: str | None = None) -> None:
    flavor = flavors.get_for_boot(db, flavor_ref, server.project_id, creds.is_admin)
    if flavor.id == server.flavor_id:
        raise BadRequest("When resizing, instances must change flavor!")
    old = server.flavor
    extra_cores = flavor.vcpus - int(old.get("vcpus", 0))
    extra_ram = flavor.ram - int(old.get("ram", 0))
    lim, used = quotas.limits(db, server.project_id), quotas.server_usage(db, server.project_id)
    for resource, extra in (("cores", extra_cores), ("ram", extra_ram)):
        if extra > 0 and not quotas.fits(lim[resource], used[resource], extra):
            raise Forbidden(f"Quota exceeded for {resource}: Requested {extra}, but already "
                            f"used {used[resource]} of {lim[resource]} {resource}")
    begin(db, server, creds, "resize", now, request_id, {"flavor": flavors.flavor_dict(
        db, flavor)})
    set_access(server, {"OS-DCF:diskConfig": disk_config})


def backup(db: Session, server: Server, creds: Creds, name: str, backup_type: str,
           rotation: int, metadata: dict, now: float, request_id: str) -> str:
    """createBackup: a snapshot image of image_type backup; once it is taken the
    reconciler keeps the newest `rotation` backups of that backup_type."""
    image_id = images.new_backup(db, creds, server, name, backup_type, metadata, now)
    begin(db, server, creds, "createBackup", now, request_id,
          {"image_id": image_id, "backup_type": backup_type, "rotation": rotation})
    return image_id


def reset_state(db: Session, server: Server, creds: Creds, state: str, now: float,
                request_id: str) -> None:
    """os-resetState (admin): vm_state active or error, no task; nothing else changes."""
    record_action(db, server, creds, "resetState", request_id, now, result="Success")
    server.vm_state, server.task_state, server.task_args = state, None, None
    server.updated_at = now
    db.flush()


def _conflict_unless(server: Server, name: str, *, task: bool = True,
                     vm_states: tuple[str, ...] | None = None) -> None:
    if task and server.task_state is not None:
        raise Conflict(f"Cannot '{name}' instance {server.id} while it is in task_state "
                       f"{server.task_state}")
    if vm_states is not None and server.vm_state not in vm_states:
        raise Conflict(f"Cannot '{name}' instance {server.id} while it is in vm_state "
                       f"{server.vm_state}")


def force_delete(db: Session, server: Server, creds: Creds, now: float,
                 request_id: str) -> None:
    """forceDelete: a delete that wants no task in progress (Nova's force_delete)."""
    check_unlocked(server, creds)
    _conflict_unless(server, "forceDelete")
    request_delete(db, server, creds, now, request_id)


def restore(server: Server, creds: Creds) -> None:
    """restore: only a SOFT_DELETED server; cheptel deletes at once (Nova without
    reclaim_instance_interval), so a live server is always a 409."""
    check_unlocked(server, creds)
    _conflict_unless(server, "restore", task=False, vm_states=("soft-delete",))


def migrate(db: Session, server: Server, creds: Creds, host: str | None, now: float,
            request_id: str) -> None:
    """Cold migration on a one-host cloud: a named host is a 400 (the server's own host, or
    no such host); otherwise accepted, and the scheduler finds no other host: the action
    ends in Error and the server stays as it was, as Nova's conductor leaves it."""
    check_unlocked(server, creds)
    _conflict_unless(server, "migrate", vm_states=MIGRATABLE)
    if host and host == server.host:
        raise BadRequest("Cannot migrate to the same host")
    if host:
        raise BadRequest(f"Compute host {host} could not be found.")
    record_action(db, server, creds, "migrate", request_id, now, result="Error")
    db.flush()
