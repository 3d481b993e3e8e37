"""Keypairs (nova/api/openstack/compute/keypairs.py): a user's own, or any user's for an
administrator (?user_id= from 2.10)."""

from __future__ import annotations

from cheptel.compute import schemas
from cheptel.compute import views_keypairs as views
from cheptel.compute.api.params import caller, check_query, limit_marker, version
from cheptel.compute.service import keypairs as service
from cheptel.compute.views_common import next_links
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

KEYPAIR = "/v2.1/os-keypairs/{keypair_name}"


def _check_query(ctx: Ctx, index: bool = False) -> None:
    v = version(ctx)
    if v.at_least("2.75"):
        check_query(ctx, schemas.keypair_index_query_v275 if index
                    else schemas.keypair_query_v275)
    elif index and v.at_least("2.35"):
        check_query(ctx, schemas.keypair_index_query_v235)
    elif v.at_least("2.10"):
        check_query(ctx, schemas.keypair_query_v210)


def _target_user(ctx: Ctx) -> str:
    """The keypairs' owner: the caller, or ?user_id= (2.10+, policy-checked)."""
    user_id = ctx.query.get("user_id") if version(ctx).at_least("2.10") else None
    user_id = user_id or caller(ctx).user_id
    ctx.enforce({"user_id": user_id})
    return user_id


def _create_schema(ctx: Ctx) -> dict:
    v = version(ctx)
    if v.at_least("2.92"):
        return schemas.keypair_create_v292
    if v.at_least("2.10"):
        return schemas.keypair_create_v210
    if v.at_least("2.2"):
        return schemas.keypair_create_v22
    return schemas.keypair_create


def list_keypairs(ctx: Ctx) -> dict:
    _check_query(ctx, index=True)
    v = version(ctx)
    user_id = _target_user(ctx)
    limit, marker = limit_marker(ctx) if v.at_least("2.35") else (None, None)
    items, more = service.list_for(ctx.db, user_id, limit, marker)
    body: dict = {"keypairs": [{"keypair": views.brief(kp, v)} for kp in items]}
    if v.at_least("2.35") and items and more:
        body["keypairs_links"] = next_links(ctx.base_url, "os-keypairs", ctx.query,
                                            items[-1].name, more)
    return body


def create(ctx: Ctx) -> Reply:
    v = version(ctx)
    body = check(_create_schema(ctx), ctx.body)["keypair"]
    creds = caller(ctx)
    user_id = (body.get("user_id") if v.at_least("2.10") else None) or creds.user_id
    ctx.enforce({"user_id": user_id})
    keypair, private_key = service.create(
        ctx.db, ctx.now, user_id=user_id, project_id=creds.project_id,
        name=body["name"].strip(), key_type=body.get("type", "ssh"),
        public_key=body.get("public_key"))
    return Reply(views.created(keypair, v, private_key),
                 status=201 if v.at_least("2.2") else 200)


def show(ctx: Ctx) -> dict:
    _check_query(ctx)
    user_id = _target_user(ctx)
    return views.show(service.get(ctx.db, user_id, ctx.params["keypair_name"]), version(ctx))


def delete(ctx: Ctx) -> Reply:
    _check_query(ctx)
    user_id = _target_user(ctx)
    service.delete(ctx.db, user_id, ctx.params["keypair_name"])
    return Reply(None, status=204 if version(ctx).at_least("2.2") else 202)


ROUTES = [
    Route("GET", "/v2.1/os-keypairs", list_keypairs, "compute:keypairs:index", deferred=True),
    Route("POST", "/v2.1/os-keypairs", create, "compute:keypairs:create", deferred=True),
    Route("GET", KEYPAIR, show, "compute:keypairs:show", deferred=True),
    Route("DELETE", KEYPAIR, delete, "compute:keypairs:delete", deferred=True),
]
