"""Discovery and /v3/auth/*: tokens, catalog, the caller's projects and domains."""

from __future__ import annotations

from cheptel.common import flag
from cheptel.errors import NotFound
from cheptel.identity import schemas, views
from cheptel.identity.api.common import base
from cheptel.identity.models import Domain
from cheptel.identity.service import catalog, roles, tokens
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route

UPDATED = "2024-04-01T00:00:00Z"
MEDIA = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]


def _version(ctx: Ctx) -> dict:
    return {"id": "v3.14", "status": "stable", "updated": UPDATED, "media-types": MEDIA,
            "links": [{"rel": "self", "href": f"{base(ctx)}/v3/"}]}


def versions(ctx: Ctx) -> Reply:
    return Reply({"versions": {"values": [_version(ctx)]}}, status=300)


def version(ctx: Ctx) -> dict:
    return {"version": _version(ctx)}


def _policy(ctx: Ctx) -> tokens.Policy:
    s = ctx.deps.settings
    return tokens.Policy(s.token_lifetime, s.lockout_failure_attempts, s.lockout_duration)


def _catalog(ctx: Ctx, info: tokens.TokenInfo) -> list | None:
    if flag(ctx.query, "nocatalog"):
        return None
    if not (info.row.project_id or info.row.domain_id or info.row.system):
        return None  # as Keystone: an unscoped token has no catalog at all
    return catalog.build_catalog(ctx.db, info.row.project_id)


def issue_token(ctx: Ctx) -> Reply:
    body = check(schemas.auth, ctx.body, "auth")
    pol = _policy(ctx)
    now = ctx.now

    def record_failure(user_id: str) -> None:
        with ctx.deps.sessions() as db, db.begin():
            tokens.record_failure(db, user_id, now, pol)

    token, info = tokens.issue(ctx.db, body, now, pol, record_failure)
    return Reply(views.token(info, _catalog(ctx, info)), status=201,
                 headers={"X-Subject-Token": token})


def _subject(ctx: Ctx) -> tuple[str, tokens.TokenInfo]:
    subject = ctx.header("x-subject-token")
    if not subject:
        ctx.enforce({})  # no subject: only the admin passes Keystone's policy
        raise NotFound("Could not find token: X-Subject-Token is missing.")
    # As Keystone, the subject token is validated to build the policy target, so an
    # invalid one is a 404 for any authenticated caller (before the policy is evaluated).
    info = tokens.validate(ctx.db, subject, ctx.now)
    ctx.enforce({"subject_user_id": info.user.id})
    return subject, info


def validate_token(ctx: Ctx) -> Reply:
    subject, info = _subject(ctx)
    return Reply(views.token(info, _catalog(ctx, info)), headers={"X-Subject-Token": subject})


def revoke_token(ctx: Ctx) -> None:
    subject, _ = _subject(ctx)
    tokens.revoke(ctx.db, subject)


def _caller(ctx: Ctx) -> tokens.TokenInfo:
    return tokens.validate(ctx.db, ctx.header("x-auth-token") or "", ctx.now)


def auth_catalog(ctx: Ctx) -> dict:
    info = _caller(ctx)
    return {"catalog": catalog.build_catalog(ctx.db, info.row.project_id),
            "links": {"self": f"{base(ctx)}/v3/auth/catalog"}}


def auth_projects(ctx: Ctx) -> dict:
    assert ctx.creds is not None
    items = [views.project(base(ctx), ctx.db, p)
             for p in roles.user_projects(ctx.db, ctx.creds.user_id) if p.enabled]
    return views.collection(base(ctx), "auth/projects", "projects", items)


def auth_domains(ctx: Ctx) -> dict:
    assert ctx.creds is not None
    ids = roles.targets_of(ctx.db, ctx.creds.user_id, "domain")
    items = [views.domain(base(ctx), d) for d in (ctx.db.get(Domain, i) for i in sorted(ids))
             if d is not None and d.enabled]
    return views.collection(base(ctx), "auth/domains", "domains", items)


def auth_system(ctx: Ctx) -> dict:
    assert ctx.creds is not None
    held = roles.effective_roles(ctx.db, ctx.creds.user_id, "system", roles.SYSTEM)
    items = [{"all": True}] if held else []
    return {"system": items, "links": {"self": f"{base(ctx)}/v3/auth/system"}}


ROUTES: list[Route] = [
    Route("GET", "/", versions, "identity:discovery", 300),
    Route("GET", "/v3", version, "identity:discovery"),
    Route("GET", "/v3/", version, "identity:discovery"),
    Route("POST", "/v3/auth/tokens", issue_token, "identity:issue_token", 201),
    Route("GET", "/v3/auth/tokens", validate_token, "identity:validate_token", deferred=True),
    Route("DELETE", "/v3/auth/tokens", revoke_token, "identity:revoke_token", 204, deferred=True),
    Route("GET", "/v3/auth/catalog", auth_catalog, "identity:get_auth_catalog"),
    Route("GET", "/v3/auth/projects", auth_projects, "identity:get_auth_projects"),
    Route("GET", "/v3/auth/domains", auth_domains, "identity:get_auth_domains"),
    Route("GET", "/v3/auth/system", auth_system, "identity:get_auth_system"),
]
