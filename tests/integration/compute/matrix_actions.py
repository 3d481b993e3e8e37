"""The persona matrix of POST /servers/{id}/action, action by action, for
test_policy_matrix (its world, personas and rules): what each persona gets from Nova's
default policies. Body, rule, and the non-2xx answer an allowed persona may get (its
status and two texts, either of which its message holds; the
shared server has no port of its own at first, nothing is ever soft-deleted); forceDelete
goes to a throwaway server.
"""

from __future__ import annotations

from typing import Any

ACTIONS: dict[str, tuple[object, str, tuple[int, str, str] | None]] = {
    "os-resetState": ({"state": "active"}, "admin_on_a", None),
    "injectNetworkInfo": (None, "admin_on_a", None),
    "migrate": (None, "admin_on_a", None),
    "createBackup": ({"name": "mx-backup", "backup_type": "mx", "rotation": 0}, "write_a",
                     (409, "task_state", "task_state")),
    "addSecurityGroup": ({"name": "default"}, "write_a", (404, "as device id", "as device id")),
    "removeSecurityGroup": ({"name": "default"}, "write_a", (404, "device id", "not assoc")),
    "restore": (None, "write_a", (409, "vm_state active", "vm_state active")),
    "forceDelete": (None, "write_a", None),
}


def mismatches(w: Any) -> list[str]:
    """Every (action, persona) whose answer is not what the rule expects."""
    from tests.integration.compute.matrix_rules import OK, PERSONAS, RULES, C, S
    from tests.integration.compute.test_policy_matrix import fault_problem
    found = []
    for name, (arg, rule, allowed) in ACTIONS.items():
        for persona, expected in zip(PERSONAS, RULES[rule], strict=True):
            sid = w.spare("server") if name == "forceDelete" else w.ids["server_id"]
            r = w.call(C, "POST", f"{S}/{sid}/action", w.personas[persona].token, {name: arg})
            got: object = r.status_code if r.status_code in (401, 403, 404) else OK
            if allowed and r.status_code == allowed[0] and any(t in r.text for t in allowed[1:]):
                got = OK
            if r.status_code < 300 and name == "forceDelete":
                w.spares.pop("server", None)
            problem = fault_problem(C, r) if r.status_code >= 400 else None
            if got != expected or problem or r.status_code >= 500:
                found.append(f"{name} as {persona}: {rule} expected {expected}, got "
                             f"{r.status_code} {problem or ''} {r.text[:200]}")
    return found
