"""QoS specs (Cinder's qos-specs extension): the admin's named limits, associated with
volume types; associate/disassociate are GETs with `vol_type_id` in the query, as
Cinder routes them."""

from __future__ import annotations

from typing import Any

from cheptel.common import flag
from cheptel.errors import BadRequest
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, base, caller
from cheptel.volume.models import QosSpecs
from cheptel.volume.service import qos
from cheptel.web import Ctx, Reply, Route

FILTERS = ("id", "name", "consumer")


def _qos(ctx: Ctx) -> QosSpecs:
    caller(ctx)
    return qos.get(ctx.db, ctx.params["qos_id"])


def _type_id(ctx: Ctx) -> str:
    type_id = ctx.query.get("vol_type_id")
    if not type_id:
        raise BadRequest("Volume Type id must not be None.")
    return type_id


def list_qos(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    found = [q for q in qos.list_specs(ctx.db)
             if all(getattr(q, k) == ctx.query[k] for k in FILTERS if k in ctx.query)]
    marker = ctx.query.get("marker")
    if marker is not None:
        ids = [q.id for q in found]
        if marker not in ids:
            raise BadRequest(f"marker [{marker}] not found")
        found = found[ids.index(marker) + 1:]
    limit = ctx.query.get("limit")
    if limit is not None:
        if not limit.isdigit():
            raise BadRequest("limit param must be an integer")
        found = found[:int(limit)]
    return {"qos_specs": [views.qos_specs(q) for q in found]}


def create(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.qos_create, ctx.body)["qos_specs"]
    caller(ctx)
    made = qos.create(ctx.db, body, ctx.now)
    return views.qos_specs_doc(made, base(ctx))


def show(ctx: Ctx) -> dict[str, Any]:
    return views.qos_specs_doc(_qos(ctx), base(ctx))


def update(ctx: Ctx) -> dict[str, Any]:
    specs = check(schemas.qos_set, ctx.body)["qos_specs"]
    qos.update(ctx.db, _qos(ctx), specs, ctx.now)
    return {"qos_specs": dict(specs)}  # Cinder answers with the body


def delete(ctx: Ctx) -> None:
    qos.delete(ctx.db, _qos(ctx), flag(ctx.query, "force"))


def delete_keys(ctx: Ctx) -> None:
    keys = check(schemas.qos_unset, ctx.body)["keys"]
    qos.delete_keys(ctx.db, _qos(ctx), keys, ctx.now)


def associations(ctx: Ctx) -> dict[str, Any]:
    return {"qos_associations": [
        {"association_type": "volume_type", "name": vt.name, "id": vt.id}
        for vt in qos.associated_types(ctx.db, _qos(ctx))]}


def associate(ctx: Ctx) -> Reply:
    found = _qos(ctx)
    qos.associate(ctx.db, found, _type_id(ctx))
    return Reply(None, status=202)


def disassociate(ctx: Ctx) -> Reply:
    found = _qos(ctx)
    qos.disassociate(ctx.db, found, _type_id(ctx))
    return Reply(None, status=202)


def disassociate_all(ctx: Ctx) -> Reply:
    qos.disassociate_all(ctx.db, _qos(ctx))
    return Reply(None, status=202)


QOS_ALL = P + "/qos-specs"
QOS = QOS_ALL + "/{qos_id}"
POLICY = "volume_extension:qos_specs_manage:"

ROUTES: list[Route] = [
    Route("GET", QOS_ALL, list_qos, POLICY + "get_all"),
    Route("POST", QOS_ALL, create, POLICY + "create"),
    Route("GET", QOS, show, POLICY + "get"),
    Route("PUT", QOS, update, POLICY + "update"),
    Route("DELETE", QOS, delete, POLICY + "delete", 202),
    Route("PUT", QOS + "/delete_keys", delete_keys, POLICY + "delete", 202),
    Route("GET", QOS + "/associations", associations, POLICY + "get_all"),
    Route("GET", QOS + "/associate", associate, POLICY + "update", 202),
    Route("GET", QOS + "/disassociate", disassociate, POLICY + "update", 202),
    Route("GET", QOS + "/disassociate_all", disassociate_all, POLICY + "update", 202),
]
