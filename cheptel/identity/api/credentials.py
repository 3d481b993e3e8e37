"""Credentials (/v3/credentials) and EC2 keys (/v3/users/{user_id}/credentials/OS-EC2)."""

from __future__ import annotations

from cheptel.errors import Forbidden, NotFound
from cheptel.identity import schemas
from cheptel.identity.api.common import base, crud
from cheptel.identity.models import Credential
from cheptel.identity.service import credentials, resources, users
from cheptel.validation import check
from cheptel.web import Ctx, Reply, Route


def _cipher(ctx: Ctx) -> credentials.Cipher:
    return credentials.Cipher(ctx.deps.settings.data_dir)


def _view(ctx: Ctx, cipher: credentials.Cipher, c: Credential) -> dict:
    return {**(c.extra or {}), "id": c.id, "user_id": c.user_id, "project_id": c.project_id,
            "type": c.type, "blob": cipher.open(c),
            "links": {"self": f"{base(ctx)}/v3/credentials/{c.id}"}}


def _restricted(ctx: Ctx) -> bool:
    c = ctx.creds
    return c is not None and c.app_cred_id is not None and not c.app_cred_unrestricted


def _in_delegated_scope(ctx: Ctx, project_id: str | None) -> bool:
    """Keystone: a token from an application credential reaches only the credentials of
    the project it is bound to (none without a project)."""
    c = ctx.creds
    return c is None or c.app_cred_id is None or (project_id is not None
                                                  and project_id == c.project_id)


def _check_scope(ctx: Ctx, project_id: str | None) -> None:
    if not _in_delegated_scope(ctx, project_id):
        raise Forbidden("Credential project does not match the project scope of the "
                        "delegated token.")


def _load(ctx: Ctx) -> Credential:
    """The credential of the URL, after the policy check on its owner (deferred)."""
    try:
        cred = credentials.get(ctx.db, ctx.params["credential_id"])
    except NotFound:
        ctx.enforce({})  # as Keystone: without a target only the admin learns it is absent
        raise
    ctx.enforce({"user_id": cred.user_id})
    _check_scope(ctx, cred.project_id)
    return cred


def list_credentials(ctx: Ctx) -> dict:
    cipher = _cipher(ctx)
    found = credentials.list_all(ctx.db, ctx.query.get("user_id"), ctx.query.get("type"))
    items = [_view(ctx, cipher, c) for c in found  # only those the caller may read
             if ctx.allowed("identity:get_credential", {"user_id": c.user_id})
             and _in_delegated_scope(ctx, c.project_id)]
    return {"credentials": items, "links": {"self": f"{base(ctx)}/v3/credentials",
                                            "previous": None, "next": None}}


def create_credential(ctx: Ctx) -> Reply:
    body = check(schemas.credential_create, ctx.body, "credential")
    ctx.enforce({"user_id": body["user_id"]})
    if body["type"].lower() == credentials.EC2 and _restricted(ctx):
        raise Forbidden("Using method 'application_credential' is not allowed for managing "
                        "additional credentials.")
    _check_scope(ctx, body.get("project_id"))
    cipher = _cipher(ctx)
    cred = credentials.create(ctx.db, cipher, body,
                              schemas.extra_of(schemas.credential_create, body))
    return Reply({"credential": _view(ctx, cipher, cred)}, status=201)


def get_credential(ctx: Ctx) -> dict:
    return {"credential": _view(ctx, _cipher(ctx), _load(ctx))}


def update_credential(ctx: Ctx) -> dict:
    body = check(schemas.credential_update, ctx.body, "credential")
    cred = _load(ctx)
    schemas.check_same_id(body, cred.id)
    # the owner after the change must be allowed too (Keystone checks the merged target)
    ctx.enforce({"user_id": body.get("user_id") or cred.user_id})
    cipher = _cipher(ctx)
    cred = credentials.update(ctx.db, cipher, cred, body,
                              schemas.extra_of(schemas.credential_update, body))
    return {"credential": _view(ctx, cipher, cred)}


def delete_credential(ctx: Ctx) -> None:
    credentials.delete_one(ctx.db, _load(ctx))


# -- EC2 -----------------------------------------------------------------------------------

def _ec2_view(ctx: Ctx, ref: dict) -> dict:
    link = f"{base(ctx)}/v3/users/{ref['user_id']}/credentials/OS-EC2/{ref['access']}"
    return {**ref, "links": {"self": link}}


def list_ec2(ctx: Ctx) -> dict:
    user = users.get_user(ctx.db, ctx.params["user_id"])
    cipher = _cipher(ctx)
    items = [_ec2_view(ctx, credentials.ec2_view(cipher, c))
             for c in credentials.list_all(ctx.db, user.id, credentials.EC2)
             if _in_delegated_scope(ctx, c.project_id)]
    return {"credentials": items, "links": {
        "self": f"{base(ctx)}/v3/users/{user.id}/credentials/OS-EC2", "previous": None,
        "next": None}}


def create_ec2(ctx: Ctx) -> Reply:
    body = check(schemas.ec2_create, ctx.body)
    if _restricted(ctx):
        raise Forbidden("Using method 'application_credential' is not allowed for managing "
                        "additional application credentials.")
    user = users.get_user(ctx.db, ctx.params["user_id"])
    project = resources.get_project(ctx.db, body["tenant_id"])
    if not _in_delegated_scope(ctx, project.id):
        raise Forbidden("EC2 credential project does not match the project scope of the "
                        "delegated token.")
    ref = credentials.create_ec2(ctx.db, _cipher(ctx), user.id, project.id)
    return Reply({"credential": _ec2_view(ctx, ref)}, status=201)


def _load_ec2(ctx: Ctx) -> Credential:
    # as Keystone, the target is loaded first: an unknown key is a 404 for anyone
    cred = credentials.get(ctx.db, credentials.hash_access(ctx.params["access_key"]))
    ctx.enforce({"user_id": cred.user_id})  # the credential's owner, as Keystone
    users.get_user(ctx.db, ctx.params["user_id"])
    cred = credentials.get_ec2(ctx.db, ctx.params["access_key"])
    if not _in_delegated_scope(ctx, cred.project_id):
        raise Forbidden("EC2 credential project does not match the project scope of the "
                        "delegated token.")
    return cred


def get_ec2(ctx: Ctx) -> dict:
    cred = _load_ec2(ctx)
    return {"credential": _ec2_view(ctx, credentials.ec2_view(_cipher(ctx), cred))}


def delete_ec2(ctx: Ctx) -> None:
    credentials.delete_one(ctx.db, _load_ec2(ctx))


EC2 = "/v3/users/{user_id}/credentials/OS-EC2"

ROUTES: list[Route] = [
    *crud("/v3/credentials", "credential_id", "credential", "credentials",
          (list_credentials, create_credential, get_credential, update_credential,
           delete_credential), deferred=True),
    Route("GET", EC2, list_ec2, "identity:ec2_list_credentials"),
    Route("POST", EC2, create_ec2, "identity:ec2_create_credential", 201),
    Route("GET", EC2 + "/{access_key}", get_ec2, "identity:ec2_get_credential", deferred=True),
    Route("DELETE", EC2 + "/{access_key}", delete_ec2,
          "identity:ec2_delete_credential", 204, deferred=True),
]
