"""Quota sets (os-quota-sets, with usage), quota classes (os-quota-class-sets: the
`default` class is every project's default), absolute limits, availability zones."""

from __future__ import annotations

from typing import Any

from cheptel.common import flag
from cheptel.errors import BadRequest, Forbidden
from cheptel.validation import check
from cheptel.volume import schemas, views
from cheptel.volume.api.common import P, caller
from cheptel.volume.service import quotas
from cheptel.volume.service.volumes import AZ
from cheptel.web import Ctx, Route


def _target(ctx: Ctx) -> str:
    """The quota set's project: the caller's own, or any for an admin (Cinder's
    quotas:show is an admin's or the project's reader's)."""
    creds = caller(ctx)
    target = ctx.params["quota_project_id"]
    if not creds.is_admin and target != creds.project_id:
        raise Forbidden(f"Policy doesn't allow volume_extension:quotas:show to be "
                        f"performed on project {target[:64]}.")
    quotas.require_project(ctx.db, target)
    return target


def show(ctx: Ctx) -> dict[str, Any]:
    target = _target(ctx)
    usage = quotas.usage(ctx.db, target) if flag(ctx.query, "usage") else None
    return {"quota_set": views.quota_set(target, quotas.limits(ctx.db, target), usage)}


def defaults(ctx: Ctx) -> dict[str, Any]:
    target = _target(ctx)
    return {"quota_set": views.quota_set(target, quotas.defaults(ctx.db), None)}


def update(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.quota_update, ctx.body)["quota_set"]
    target = _target(ctx)
    changes = {k: int(v) for k, v in body.items()}
    limits = quotas.set_limits(ctx.db, target, changes)
    return {"quota_set": {k: v for k, v in views.quota_set(target, limits, None).items()
                          if k != "id"}}


def delete(ctx: Ctx) -> None:
    quotas.reset(ctx.db, _target(ctx))


def _class_name(ctx: Ctx) -> str:
    caller(ctx)
    name = ctx.params["class_name"]
    if len(name) > 255:
        raise BadRequest("The quota class name is too long.")
    return name


def show_class(ctx: Ctx) -> dict[str, Any]:
    name = _class_name(ctx)
    return {"quota_class_set": views.quota_set(name, quotas.class_limits(ctx.db, name),
                                               None)}


def update_class(ctx: Ctx) -> dict[str, Any]:
    body = check(schemas.quota_class_update, ctx.body)["quota_class_set"]
    name = _class_name(ctx)
    limits = quotas.set_class_limits(ctx.db, name, {k: int(v) for k, v in body.items()})
    return {"quota_class_set": {k: v for k, v in views.quota_set(name, limits, None).items()
                                if k != "id"}}


def limits(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    project = ctx.params["project_id"]
    return {"limits": {"rate": [], "absolute": views.absolute_limits(
        quotas.limits(ctx.db, project), quotas.usage(ctx.db, project))}}


def availability_zones(ctx: Ctx) -> dict[str, Any]:
    caller(ctx)
    return {"availabilityZoneInfo": [{"zoneName": AZ, "zoneState": {"available": True}}]}


QUOTA = P + "/os-quota-sets/{quota_project_id}"

ROUTES: list[Route] = [
    Route("GET", QUOTA, show, "volume_extension:quotas:show"),
    Route("GET", QUOTA + "/defaults", defaults, "volume_extension:quotas:show"),
    Route("PUT", QUOTA, update, "volume_extension:quotas:update"),
    Route("DELETE", QUOTA, delete, "volume_extension:quotas:delete"),
    Route("GET", P + "/os-quota-class-sets/{class_name}", show_class,
          "volume_extension:quota_classes"),
    Route("PUT", P + "/os-quota-class-sets/{class_name}", update_class,
          "volume_extension:quota_classes"),
    Route("GET", P + "/limits", limits, "limits_extension:used_limits"),
    Route("GET", P + "/os-availability-zone", availability_zones,
          "volume_extension:availability_zone_list"),
]
