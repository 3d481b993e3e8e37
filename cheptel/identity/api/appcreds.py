"""Application credentials: /v3/users/{user_id}/application_credentials."""

from __future__ import annotations

from cheptel.common import parse_iso
from cheptel.errors import ValidationError
from cheptel.identity import schemas, views
from cheptel.identity.api.common import base, rounds
from cheptel.identity.service import appcreds, tokens, users
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def create(ctx: Ctx) -> Reply:
    body = check(schemas.app_cred_create, ctx.body, "application_credential")
    user = users.get_user(ctx.db, ctx.params["user_id"])
    if body.get("expires_at"):
        try:
            body["expires_at"] = parse_iso(body["expires_at"])
        except ValueError:
            raise ValidationError("expires_at", "not an ISO-8601 time") from None
    caller = tokens.validate(ctx.db, ctx.header("x-auth-token") or "", ctx.now)
    cred, secret = appcreds.create(ctx.db, ctx.now, rounds(ctx), user_id=user.id,
                                   project_id=caller.row.project_id, token_roles=caller.roles,
                                   body=body)
    return Reply({"application_credential": views.app_cred(base(ctx), ctx.db, cred, secret)},
                 status=201)


def list_all(ctx: Ctx) -> dict:
    user = users.get_user(ctx.db, ctx.params["user_id"])
    items = [views.app_cred(base(ctx), ctx.db, c)
             for c in appcreds.list_for(ctx.db, user.id, ctx.query.get("name"))]
    return views.collection(base(ctx), f"users/{user.id}/application_credentials",
                            "application_credentials", items)


def get(ctx: Ctx) -> dict:
    cred = appcreds.get(ctx.db, ctx.params["user_id"], ctx.params["app_cred_id"])
    return {"application_credential": views.app_cred(base(ctx), ctx.db, cred)}


def delete(ctx: Ctx) -> None:
    appcreds.delete(ctx.db, appcreds.get(ctx.db, ctx.params["user_id"],
                                         ctx.params["app_cred_id"]))


APPCREDS = "/v3/users/{user_id}/application_credentials"

ROUTES: list[Route] = [
    Route("GET", APPCREDS, list_all, "identity:list_application_credentials"),
    Route("POST", APPCREDS, create, "identity:create_application_credential", 201),
    Route("GET", APPCREDS + "/{app_cred_id}", get, "identity:get_application_credential"),
    Route("DELETE", APPCREDS + "/{app_cred_id}", delete,
          "identity:delete_application_credential", 204),
]
