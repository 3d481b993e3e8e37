"""QoS specs (Cinder's qos-specs): named sets of limits a volume type is associated
with. Specs whose consumer is `front-end` or `both` are applied by the hypervisor, which
here is the host's block I/O cgroup of the server's container (see
cheptel.backends.iothrottle and cheptel.volume.service.throttling); `back-end` ones are
the storage's to apply, and the loop-device store applies none."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Conflict, NotFound
from cheptel.volume.models import QosSpecs, VolumeType

CONSUMERS = ("front-end", "back-end", "both")
FRONT_END = ("front-end", "both")


def _consumer(value: Any) -> str:
    if value not in CONSUMERS:
        raise BadRequest("Invalid qos specs: Valid consumer of QoS specs are: "
                         f"{list(CONSUMERS)}")
    return str(value)


def get(db: Session, specs_id: str) -> QosSpecs:
    qos = db.get(QosSpecs, specs_id) if len(specs_id) <= 36 else None
    if qos is None:
        raise NotFound(f"No such QoS spec {specs_id}.")
    return qos


def front_end_specs(db: Session, volume_type_id: str) -> dict[str, Any] | None:
    """The specs a host applies to a volume of this type (a connection's `qos_specs`),
    or None when its type has none consumed by the front end."""
    vt = db.get(VolumeType, volume_type_id)
    qos = db.get(QosSpecs, vt.qos_specs_id) if vt and vt.qos_specs_id else None
    return dict(qos.specs) if qos is not None and qos.consumer in FRONT_END else None


def list_specs(db: Session) -> list[QosSpecs]:
    """Newest first, as Cinder's default sort (created_at, id; descending)."""
    return list(db.scalars(select(QosSpecs).order_by(QosSpecs.created_at.desc(),
                                                     QosSpecs.id.desc())))


def create(db: Session, body: dict[str, Any], now: float) -> QosSpecs:
    specs = dict(body)
    name = str(specs.pop("name")).strip()
    consumer = _consumer(specs.pop("consumer", "back-end"))
    if db.scalar(select(QosSpecs).where(QosSpecs.name == name)) is not None:
        raise Conflict(f"QoS Specs {name} already exists.")
    qos = QosSpecs(id=str(uuid.uuid4()), name=name, consumer=consumer, specs=specs,
                   created_at=now)
    db.add(qos)
    db.flush()
    return qos


def update(db: Session, qos: QosSpecs, specs: dict[str, Any], now: float) -> None:
    specs = dict(specs)
    if "consumer" in specs:
        qos.consumer = _consumer(specs.pop("consumer"))
    qos.specs = {**qos.specs, **specs}
    qos.updated_at = now


def delete_keys(db: Session, qos: QosSpecs, keys: list[str], now: float) -> None:
    """All or nothing: a key the specs do not hold is a 404 and none is removed."""
    for key in keys:
        if key not in qos.specs:
            raise NotFound(f"QoS spec {key} is not found in the specs {qos.id}.")
    qos.specs = {k: v for k, v in qos.specs.items() if k not in keys}
    qos.updated_at = now


def associated_types(db: Session, qos: QosSpecs) -> list[VolumeType]:
    return list(db.scalars(select(VolumeType).where(VolumeType.qos_specs_id == qos.id)
                           .order_by(VolumeType.created_at, VolumeType.id)))


def delete(db: Session, qos: QosSpecs, force: bool) -> None:
    """Specs a type is associated with stay unless forced (then the types lose them)."""
    types = associated_types(db, qos)
    if types and not force:
        raise BadRequest("Qos specs still in use.")
    for vt in types:
        vt.qos_specs_id = None
    db.delete(qos)


def _type(db: Session, type_id: str) -> VolumeType:
    vt = db.get(VolumeType, type_id) if len(type_id) <= 36 else None
    if vt is None:
        raise NotFound(f"Volume type {type_id} could not be found.")
    return vt


def associate(db: Session, qos: QosSpecs, type_id: str) -> None:
    vt = _type(db, type_id)
    if vt.qos_specs_id not in (None, qos.id):
        raise BadRequest(f"Invalid volume type: Type {vt.id} is already associated with "
                         f"another qos specs: {vt.qos_specs_id}")
    vt.qos_specs_id = qos.id


def disassociate(db: Session, qos: QosSpecs, type_id: str) -> None:
    vt = _type(db, type_id)
    if vt.qos_specs_id == qos.id:
        vt.qos_specs_id = None


def disassociate_all(db: Session, qos: QosSpecs) -> None:
    for vt in associated_types(db, qos):
        vt.qos_specs_id = None
