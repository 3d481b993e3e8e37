"""Software configs and deployments (heat/engine/service_software_config.py). A config
is a name, a group, the config text, its inputs, outputs and options, never changed; a
deployment applies a config to a server, its action and status written by whoever
applies it (Heat's agent in the guest; cheptel runs none). Both are the project's own
(another project's is a 404)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import NotFound
from cheptel.orchestration.models import SoftwareConfig, SoftwareDeployment
from cheptel.policy import Creds

UNGROUPED = "Heat::Ungrouped"


class ConfigNotFound(NotFound):
    heat_type = "NotFound"

    def __init__(self, config_id: str) -> None:
        super().__init__(f"The config ({config_id}) could not be found.")


def create(db: Session, creds: Creds, body: dict[str, Any], now: float) -> SoftwareConfig:
    row = SoftwareConfig(id=str(uuid.uuid4()), project_id=creds.project_id or "",
                         name=body.get("name") or "", group=body.get("group") or UNGROUPED,
                         config=body.get("config") or "", inputs=body.get("inputs") or [],
                         outputs=body.get("outputs") or [],
                         options=body.get("options") or {}, created_at=now)
    db.add(row)
    db.flush()
    return row


def get(db: Session, creds: Creds, config_id: str) -> SoftwareConfig:
    row = db.get(SoftwareConfig, config_id)
    if row is None or row.project_id != creds.project_id:
        raise ConfigNotFound(config_id)
    return row


def listing(db: Session, creds: Creds) -> list[SoftwareConfig]:
    return list(db.scalars(select(SoftwareConfig).where(
        SoftwareConfig.project_id == (creds.project_id or ""))
        .order_by(SoftwareConfig.created_at, SoftwareConfig.id)))


def delete(db: Session, creds: Creds, config_id: str) -> None:
    db.delete(get(db, creds, config_id))


class DeploymentNotFound(NotFound):
    heat_type = "NotFound"

    def __init__(self, deployment_id: str) -> None:
        super().__init__(f"Deployment with id {deployment_id} not found")


def create_deployment(db: Session, creds: Creds, body: dict[str, Any],
                      now: float) -> SoftwareDeployment:
    get(db, creds, body["config_id"])  # the project's own config
    row = SoftwareDeployment(
        id=str(uuid.uuid4()), project_id=creds.project_id or "",
        config_id=body["config_id"], server_id=body["server_id"],
        input_values=body.get("input_values") or {}, output_values={},
        action=body.get("action") or "INIT", status=body.get("status") or "COMPLETE",
        status_reason=body.get("status_reason") or "", created_at=now, updated_at=None)
    db.add(row)
    db.flush()
    return row


def get_deployment(db: Session, creds: Creds, deployment_id: str) -> SoftwareDeployment:
    row = db.get(SoftwareDeployment, deployment_id)
    if row is None or row.project_id != creds.project_id:
        raise DeploymentNotFound(deployment_id)
    return row


def deployments(db: Session, creds: Creds,
                server_id: str | None = None) -> list[SoftwareDeployment]:
    q = select(SoftwareDeployment).where(
        SoftwareDeployment.project_id == (creds.project_id or ""))
    if server_id is not None:
        q = q.where(SoftwareDeployment.server_id == server_id)
    return list(db.scalars(q.order_by(SoftwareDeployment.created_at,
                                      SoftwareDeployment.id)))


def update_deployment(db: Session, creds: Creds, deployment_id: str,
                      body: dict[str, Any], now: float) -> SoftwareDeployment:
    row = get_deployment(db, creds, deployment_id)
    if body.get("config_id"):
        row.config_id = get(db, creds, body["config_id"]).id
    for key in ("input_values", "output_values", "action", "status", "status_reason"):
        if body.get(key) is not None:
            setattr(row, key, body[key])
    row.updated_at = now
    return row


def delete_deployment(db: Session, creds: Creds, deployment_id: str) -> None:
    db.delete(get_deployment(db, creds, deployment_id))


def metadata(db: Session, creds: Creds, server_id: str) -> list[dict[str, Any]]:
    """What a server's agent reads: each deployment's config, its inputs given their
    values (Heat's metadata_software_deployments), oldest first."""
    out = []
    for d in deployments(db, creds, server_id):
        config = db.get(SoftwareConfig, d.config_id)
        if config is None:
            continue
        inputs = [{**i, "value": d.input_values.get(str(i.get("name")), i.get("default"))}
                  for i in config.inputs if isinstance(i, dict)]
        out.append({"id": config.id, "name": config.name, "group": config.group,
                    "config": config.config, "inputs": inputs, "outputs": config.outputs,
                    "options": config.options, "deployment_id": d.id,
                    "creation_time": d.created_at})
    return out
