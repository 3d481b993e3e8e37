"""Database rows -> Heat's documents (heat/api/openstack/v1/views/, api-ref samples)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from cheptel.orchestration.models import (
    SoftwareConfig,
    SoftwareDeployment,
    Stack,
    StackEvent,
    StackResource,
)

HIDDEN = "******"


def iso(t: float | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def stack_url(base: str, stack: Stack) -> str:
    return f"{base}/stacks/{quote(stack.name, safe='')}/{stack.id}"


def stack_summary(base: str, stack: Stack) -> dict[str, Any]:
    deleted = stack.action == "DELETE" and stack.status == "COMPLETE"
    return {"id": stack.id, "stack_name": stack.name,
            "description": str((stack.template or {}).get("description") or ""),
            "creation_time": iso(stack.created_at), "updated_time": iso(stack.updated_at),
            "deletion_time": iso(stack.action_started) if deleted else None,
            "stack_status": f"{stack.action}_{stack.status}",
            "stack_status_reason": stack.status_reason, "stack_owner": None,
            "parent": stack.parent_id, "stack_user_project_id": stack.project_id,
            "project": stack.project_id, "tags": list(stack.tags) or None,
            "links": [{"href": stack_url(base, stack), "rel": "self"}]}


def stack_detail(base: str, stack: Stack, params: dict[str, Any],
                 hidden: set[str], outputs: list[dict[str, Any]] | None) -> dict[str, Any]:
    out = stack_summary(base, stack)
    out.update({
        "parameters": {k: HIDDEN if k in hidden else
                       (",".join(v) if isinstance(v, list) and not k.startswith("OS::")
                        else v) for k, v in params.items()},
        "template_description": out["description"],
        "timeout_mins": stack.timeout_mins, "disable_rollback": stack.disable_rollback,
        "capabilities": [], "notification_topics": [],
    })
    if outputs is not None:
        out["outputs"] = outputs
    return out


def resource(base: str, stack: Stack, row: StackResource, required_by: list[str],
             attributes: dict[str, Any] | None = None, parent: str | None = None,
             nested: Stack | None = None) -> dict[str, Any]:
    """A resource; `parent`: the parent's resource whose nested stack holds it (a list
    with nested_depth); `nested`: the nested stack it is the physical resource of."""
    url = f"{stack_url(base, stack)}/resources/{quote(row.name, safe='')}"
    out: dict[str, Any] = {"resource_name": row.name, "logical_resource_id": row.name,
           "physical_resource_id": row.physical_id, "resource_type": row.type,
           "resource_status": f"{row.action}_{row.status}" if row.status != "INIT"
           else "INIT_COMPLETE",
           "resource_status_reason": row.status_reason,
           "creation_time": iso(row.created_at), "updated_time": iso(row.updated_at or
                                                                     row.created_at),
           "required_by": required_by, "stack_name": stack.name,
           "links": [{"href": url, "rel": "self"},
                     {"href": stack_url(base, stack), "rel": "stack"}]}
    if nested is not None:
        out["links"].append({"href": stack_url(base, nested), "rel": "nested"})
    if parent is not None:
        out["parent_resource"] = parent
    if attributes is not None:
        out["attributes"] = attributes
        out["description"] = ""
    return out


def event(base: str, stack: Stack, e: StackEvent) -> dict[str, Any]:
    res = f"{stack_url(base, stack)}/resources/{quote(e.resource_name, safe='')}"
    return {"id": e.id, "event_time": iso(e.created_at), "resource_name": e.resource_name,
            "logical_resource_id": e.resource_name, "physical_resource_id": e.physical_id,
            "resource_status": f"{e.action}_{e.status}",
            "resource_status_reason": e.status_reason, "resource_type": e.resource_type,
            "links": [{"href": f"{res}/events/{e.id}", "rel": "self"},
                      {"href": res, "rel": "resource"},
                      {"href": stack_url(base, stack), "rel": "stack"}]}


def software_config(row: SoftwareConfig, summary: bool = False) -> dict[str, Any]:
    """Heat's software config; a listing's items without the config and its io."""
    out: dict[str, Any] = {"id": row.id, "name": row.name, "group": row.group,
                           "creation_time": iso(row.created_at), "project": row.project_id}
    if not summary:
        out.update(config=row.config, inputs=row.inputs, outputs=row.outputs,
                   options=row.options)
    return out


def software_deployment(row: SoftwareDeployment) -> dict[str, Any]:
    return {"id": row.id, "config_id": row.config_id, "server_id": row.server_id,
            "input_values": row.input_values, "output_values": row.output_values,
            "action": row.action, "status": row.status, "status_reason": row.status_reason,
            "creation_time": iso(row.created_at), "updated_time": iso(row.updated_at)}
