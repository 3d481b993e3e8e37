"""Policy documents (/v3/policies) and OAuth1 consumers (/v3/OS-OAUTH1/consumers)."""

from __future__ import annotations

from cheptel.errors import ValidationError
from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, crud
from cheptel.identity.models import Consumer, Policy
from cheptel.identity.service import policies
from cheptel.identity.service.credentials import Cipher
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def _policy(ctx: Ctx, p: Policy) -> dict:
    return {**views.extra(p), "id": p.id, "type": p.type, "blob": p.blob,
            "links": views.link(base(ctx), f"policies/{p.id}")}


def list_policies(ctx: Ctx) -> dict:
    items = [_policy(ctx, p) for p in policies.list_policies(ctx.db, ctx.query.get("type"))]
    return views.collection(base(ctx), "policies", "policies", items)


def create_policy(ctx: Ctx) -> Reply:
    body = check(schemas.policy_create, ctx.body, "policy")
    p = policies.create_policy(ctx.db, body["type"], body["blob"],
                               schemas.extra_of(schemas.policy_create, body))
    return Reply({"policy": _policy(ctx, p)}, status=201)


def get_policy(ctx: Ctx) -> dict:
    return {"policy": _policy(ctx, policies.get_policy(ctx.db, ctx.params["policy_id"]))}


def update_policy(ctx: Ctx) -> dict:
    body = check(schemas.policy_update, ctx.body, "policy")
    schemas.check_same_id(body, ctx.params["policy_id"])
    p = policies.get_policy(ctx.db, ctx.params["policy_id"])
    p = policies.update_policy(ctx.db, p, body, schemas.extra_of(schemas.policy_update, body))
    return {"policy": _policy(ctx, p)}


def delete_policy(ctx: Ctx) -> None:
    ctx.db.delete(policies.get_policy(ctx.db, ctx.params["policy_id"]))


# -- OAuth1 consumers ----------------------------------------------------------------------

def _consumer(ctx: Ctx, c: Consumer, secret: str | None = None) -> dict:
    body = {**views.extra(c), "id": c.id, "description": c.description,
            "links": views.link(base(ctx), f"OS-OAUTH1/consumers/{c.id}")}
    if secret is not None:  # shown once, at creation (as Keystone)
        body["secret"] = secret
    return body


def list_consumers(ctx: Ctx) -> dict:
    items = [_consumer(ctx, c) for c in policies.list_consumers(ctx.db)]
    return views.collection(base(ctx), "OS-OAUTH1/consumers", "consumers", items)


def create_consumer(ctx: Ctx) -> Reply:
    body = check(schemas.consumer_create, ctx.body, "consumer")
    c, secret = policies.create_consumer(ctx.db, Cipher(ctx.deps.settings.data_dir),
                                         body.get("description"),
                                         schemas.extra_of(schemas.consumer_create, body))
    return Reply({"consumer": _consumer(ctx, c, secret)}, status=201)


def get_consumer(ctx: Ctx) -> dict:
    return {"consumer": _consumer(ctx, policies.get_consumer(ctx.db,
                                                             ctx.params["consumer_id"]))}


def update_consumer(ctx: Ctx) -> dict:
    body = check(schemas.consumer_update, ctx.body, "consumer")
    if "secret" in body:
        raise ValidationError("secret", "Cannot change consumer secret")
    schemas.check_same_id(body, ctx.params["consumer_id"])
    c = policies.get_consumer(ctx.db, ctx.params["consumer_id"])
    c = policies.update_consumer(ctx.db, c, body,
                                 schemas.extra_of(schemas.consumer_update, body))
    return {"consumer": _consumer(ctx, c)}


def delete_consumer(ctx: Ctx) -> None:
    ctx.db.delete(policies.get_consumer(ctx.db, ctx.params["consumer_id"]))


ROUTES: list[Route] = [
    *crud("/v3/policies", "policy_id", "policy", "policies",
          (list_policies, create_policy, get_policy, update_policy, delete_policy)),
    *crud("/v3/OS-OAUTH1/consumers", "consumer_id", "consumer", "consumers",
          (list_consumers, create_consumer, get_consumer, update_consumer, delete_consumer)),
]
