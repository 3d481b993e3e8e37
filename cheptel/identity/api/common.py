"""Helpers the identity handlers share."""

from __future__ import annotations

from cheptel.common import bool_filter
from cheptel.errors import NotImplementedYet
from cheptel.web import Ctx, Handler, Route


def base(ctx: Ctx) -> str:
    return ctx.base_url + "/identity"


def filters(ctx: Ctx, names: tuple[str, ...], booleans: tuple[str, ...] = ("enabled",)) -> dict:
    out: dict[str, object] = {}
    for key in names:
        if key in ctx.query:
            value = ctx.query[key]
            out[key] = bool_filter(value) if key in booleans else value
    return out


def rounds(ctx: Ctx) -> int:
    return ctx.deps.settings.bcrypt_rounds


def crud(path: str, key: str, name: str, plural: str,
         handlers: tuple[Handler, Handler, Handler, Handler, Handler], *,
         deferred: bool = False) -> list[Route]:
    """The five routes of a Keystone collection: list, create, get, update, delete (the
    handlers in that order), with the policies identity:<verb>_<name>.

    deferred: all but the list check the policy against the object (or body) they load."""
    list_all, create, get, update, delete = handlers
    one = f"{path}/{{{key}}}"
    d = deferred
    return [
        Route("GET", path, list_all, f"identity:list_{plural}"),
        Route("POST", path, create, f"identity:create_{name}", 201, deferred=d),
        Route("GET", one, get, f"identity:get_{name}", deferred=d),
        Route("PATCH", one, update, f"identity:update_{name}", deferred=d),
        Route("DELETE", one, delete, f"identity:delete_{name}", 204, deferred=d),
    ]


def not_implemented(ctx: Ctx) -> None:
    raise NotImplementedYet(f"{ctx.request.method} {ctx.request.url.path} is not implemented "
                            f"by cheptel.")


NOT_IMPLEMENTED = ("OS-TRUST", "OS-FEDERATION", "OS-OAUTH1/request_token",
                   "OS-OAUTH1/access_token", "OS-OAUTH1/authorize",
                   "users/{user_id}/OS-OAUTH1", "OS-OAUTH2",
                   "OS-REVOKE", "OS-SIMPLE-CERT", "OS-EC2",
                   "policies/{policy_id}/OS-ENDPOINT-POLICY", "OS-ENDPOINT-POLICY",
                   "limits", "registered_limits", "domains/config",
                   "domains/{domain_id}/config", "users/{user_id}/access_rules",
                   "auth/OS-FEDERATION", "auth/saml2", "auth/receipts")

# first in the table: "domains/config" must win over "domains/{domain_id}"
ROUTES: list[Route] = [
    Route(m, f"/v3/{p}{tail}", not_implemented, "identity:not_implemented")
    for p in NOT_IMPLEMENTED for tail in ("", "/{rest:path}")
    for m in ("GET", "POST", "PUT", "PATCH", "DELETE")]
