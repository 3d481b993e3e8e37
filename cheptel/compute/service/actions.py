"""Server actions as intent: check the state as Nova does, set the task, then the
reconciler carries it out (cheptel/reconciler/servers.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cheptel.compute import images
from cheptel.compute.models import Server
from cheptel.compute.service import flavors, quotas
from cheptel.compute.service.servers import check_unlocked, record_action, set_metadata
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
}
NOVA_NAMES = {"os-start": "start", "os-stop": "stop", "reboot_soft": "reboot",
              "reboot_hard": "reboot", "confirmResize": "confirm_resize",
              "revertResize": "revert_resize", "createImage": "create_image"}


def begin(db: Session, server: Server, creds: Creds, action: str, now: float,
          request_id: str, args: dict | None = None) -> None:
    """Move the server into the action's task state, or 409 as Nova does."""
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
    db.flush()


def resize(db: Session, server: Server, creds: Creds, flavor_ref: str, now: float,
           request_id: str) -> None:
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
