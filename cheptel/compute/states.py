"""Server states as Nova has them: vm_state + task_state -> status; power states."""

from __future__ import annotations

# power_state values (nova/compute/power_state.py)
NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED = 0, 1, 3, 4, 6, 7
# their names (power_state.STATE_MAP): diagnostics' "state", its 409 messages
POWER_NAMES = {NOSTATE: "pending", RUNNING: "running", PAUSED: "paused",
               SHUTDOWN: "shutdown", CRASHED: "crashed", SUSPENDED: "suspended"}

# vm_state -> status, with task states that override it while they run
STATUS = {"building": "BUILD", "active": "ACTIVE", "stopped": "SHUTOFF", "paused": "PAUSED",
          "suspended": "SUSPENDED", "error": "ERROR", "deleted": "DELETED",
          "resized": "VERIFY_RESIZE", "soft-delete": "SOFT_DELETED"}
TASK_STATUS = {"rebooting": "REBOOT", "reboot_pending": "REBOOT", "reboot_started": "REBOOT",
               "rebooting_hard": "HARD_REBOOT", "rebuilding": "REBUILD",
               "resize_prep": "RESIZE", "resize_migrating": "RESIZE",
               "resize_finish": "RESIZE", "resize_reverting": "REVERT_RESIZE",
               "resize_confirming": "VERIFY_RESIZE"}
# the status filter of GET /servers -> vm_states
STATUS_FILTER = {v: k for k, v in STATUS.items()}

STOPPABLE = ("active", "error", "resized", "paused", "suspended")


def status(vm_state: str, task_state: str | None) -> str:
    if vm_state in ("active", "stopped") and task_state in TASK_STATUS:
        return TASK_STATUS[task_state]
    if vm_state == "resized" and task_state == "resize_reverting":
        return "REVERT_RESIZE"
    return STATUS.get(vm_state, "UNKNOWN")
