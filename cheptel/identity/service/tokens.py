"""Tokens: issue (password, token, application_credential), validate, revoke.

A token is 32 random bytes (URL-safe base64); only its SHA-256 is stored. Validation
re-reads the user, the scope and the roles every time, so a token stops working as soon
as the user or project is disabled or deleted, or the last role it carries is removed;
a password change, DELETE /v3/auth/tokens and a user disable mark rows revoked.
Requests authenticate through token_cache, which keeps what validation found for as long
as no identity write has happened since.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from cheptel.errors import BadRequest, Forbidden, NotFound, Unauthorized
from cheptel.identity.models import AppCredential, Domain, Project, Role, Token, User
from cheptel.identity.service import appcreds, roles
from cheptel.identity.service.passwords import check_secret
from cheptel.identity.service.resources import find_domain, find_project
from cheptel.identity.service.users import find_user
from cheptel.policy import Creds

# Execution option of a bulk statement on an identity table that changes no live token (the
# purge of expired rows): it does not bump the revocation generation (see token_cache).
QUIET = "cheptel_no_revocation"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """32 random bytes, URL-safe; never starting with "-", which a command line would
    read as an option (`openstack token revoke -x...`)."""
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):
        token = secrets.token_urlsafe(32)
    return token


def new_audit_id() -> str:
    return secrets.token_urlsafe(16)[:22]


@dataclass
class TokenInfo:
    """A validated token with everything its body and the policy need."""

    row: Token
    user: User
    user_domain: Domain
    roles: list[Role] = field(default_factory=list)
    project: Project | None = None
    project_domain: Domain | None = None
    domain: Domain | None = None
    app_cred: AppCredential | None = None
    policy_roles: frozenset[str] | None = None  # when the policy sees more than `roles`

    def creds(self) -> Creds:
        return Creds(
            user_id=self.user.id, user_name=self.user.name, user_domain_id=self.user.domain_id,
            roles=self.policy_roles if self.policy_roles is not None else frozenset(
                r.name for r in self.roles),
            project_id=self.project.id if self.project else None,
            project_domain_id=self.project.domain_id if self.project else None,
            domain_id=self.domain.id if self.domain else None,
            system=self.row.system,
            app_cred_id=self.app_cred.id if self.app_cred else None,
            app_cred_unrestricted=self.app_cred.unrestricted if self.app_cred else True,
            audit_id=self.row.audit_ids.split(",")[0],
        )


@dataclass(frozen=True)
class Policy:
    """The token settings the identity service runs with."""

    lifetime: int
    lockout_attempts: int
    lockout_duration: int


def _unauthorized(msg: str = "The request you have made requires authentication.") -> Unauthorized:
    return Unauthorized(msg)


def _user_usable(db: Session, user: User | None, now: float) -> Domain:
    if user is None or not user.enabled:
        raise _unauthorized()
    domain = db.get(Domain, user.domain_id)
    if domain is None or not domain.enabled:
        raise _unauthorized()
    return domain


def _scope_roles(db: Session, info: TokenInfo) -> list[Role]:
    row = info.row
    if row.project_id:
        target = ("project", row.project_id)
    elif row.domain_id:
        target = ("domain", row.domain_id)
    elif row.system:
        target = ("system", roles.SYSTEM)
    else:
        return []
    held = roles.effective_roles(db, info.user.id, *target)
    if info.app_cred is not None:
        # As Keystone: the token lists the credential's roles the user still holds, not
        # the roles they imply; the policy still sees the implied ones.
        wanted = set(appcreds.role_ids(db, info.app_cred.id))
        allowed = roles.closure(db, wanted)
        info.policy_roles = frozenset(r.name for r in held if r.id in allowed)
        held = [r for r in held if r.id in wanted]
    return held


def _resolve(db: Session, row: Token, now: float) -> TokenInfo:
    """Check a token row against the current state of users, scopes and roles."""
    if row.revoked or row.expires_at <= now:
        raise NotFound("Could not find token.")
    user = db.get(User, row.user_id)
    try:
        user_domain = _user_usable(db, user, now)
    except Unauthorized:
        raise NotFound("Could not find token.") from None
    assert user is not None
    info = TokenInfo(row=row, user=user, user_domain=user_domain)
    if row.app_cred_id:
        cred = db.get(AppCredential, row.app_cred_id)
        if cred is None or (cred.expires_at is not None and cred.expires_at <= now):
            raise NotFound("Could not find token.")
        info.app_cred = cred
    if row.project_id:
        project = db.get(Project, row.project_id)
        pdom = db.get(Domain, project.domain_id) if project else None
        if project is None or not project.enabled or pdom is None or not pdom.enabled:
            raise NotFound("Could not find token.")
        info.project, info.project_domain = project, pdom
    elif row.domain_id:
        domain = db.get(Domain, row.domain_id)
        if domain is None or not domain.enabled:
            raise NotFound("Could not find token.")
        info.domain = domain
    info.roles = _scope_roles(db, info)
    scoped = row.project_id or row.domain_id or row.system
    if scoped and not info.roles:
        raise NotFound("Could not find token.")
    return info


def validate(db: Session, token: str, now: float) -> TokenInfo:
    """The token's current meaning, or NotFound if it is no longer valid."""
    row = db.get(Token, digest(token)) if token else None
    if row is None:
        raise NotFound("Could not find token.")
    return _resolve(db, row, now)


def authenticate(db: Session, token: str, now: float) -> Creds:
    try:
        return validate(db, token, now).creds()
    except NotFound:
        raise _unauthorized() from None


def revoke(db: Session, token: str) -> None:
    db.execute(update(Token).where(Token.id_hash == digest(token)).values(revoked=True))


# -- issuing -------------------------------------------------------------------------------

def _password_user(db: Session, body: dict, now: float, pol: Policy, record_failure) -> User:
    ref = body.get("user")
    if not isinstance(ref, dict) or not isinstance(ref.get("password"), str):
        raise BadRequest("Invalid input for field 'identity/password/user': password required.")
    if "id" not in ref and ("name" not in ref or not isinstance(ref.get("domain"), dict)):
        raise BadRequest("A user needs an id, or a name and a domain.")
    user = find_user(db, ref)
    _user_usable(db, user, now)
    assert user is not None
    if pol.lockout_attempts and user.locked_until and user.locked_until > now:
        raise Unauthorized(f"The account is locked for user: {user.id}.")
    if not check_secret(ref["password"], user.password_hash):
        record_failure(user.id)
        raise _unauthorized()
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    return user


def record_failure(db: Session, user_id: str, now: float, pol: Policy) -> None:
    """Count a failed login in its own transaction (the request itself is rolled back)."""
    user = db.get(User, user_id)
    if user is None:
        return
    user.failed_logins = (user.failed_logins or 0) + 1
    if pol.lockout_attempts and user.failed_logins >= pol.lockout_attempts:
        user.locked_until, user.failed_logins = now + pol.lockout_duration, 0


def _scope(db: Session, user: User, scope: object) -> tuple[str, str | None]:
    """(target type, target id) for a requested scope; ("", None) means unscoped."""
    if scope is None or scope == "unscoped":
        return "", None
    if not isinstance(scope, dict) or len(scope) != 1:
        raise BadRequest("The scope must name one project, domain or system.")
    kind, ref = next(iter(scope.items()))
    if kind == "system":
        if ref != {"all": True}:
            raise BadRequest("The system scope must be {\"all\": true}.")
        return "system", roles.SYSTEM
    if not isinstance(ref, dict) or not ({"id", "name"} & set(ref)):
        raise BadRequest(f"The {kind} scope needs an id or a name.")
    if kind == "project":
        if "id" not in ref and not isinstance(ref.get("domain"), dict):
            raise BadRequest("A project named in a scope needs its domain.")
        project = find_project(db, ref)
        if project is None:
            raise _unauthorized(f"Could not find project: {ref.get('id') or ref.get('name')}.")
        pdom = db.get(Domain, project.domain_id)
        if not project.enabled or pdom is None or not pdom.enabled:
            raise _unauthorized(f"Project {project.id} is disabled.")
        return "project", project.id
    if kind == "domain":
        domain = find_domain(db, ref)
        if domain is None or not domain.enabled:
            raise _unauthorized("Could not find an enabled domain for the scope.")
        return "domain", domain.id
    raise BadRequest(f"Unknown scope {kind}.")


def _default_scope(db: Session, user: User) -> tuple[str, str | None]:
    if user.default_project_id:
        project = db.get(Project, user.default_project_id)
        if project is not None and project.enabled and roles.effective_roles(
                db, user.id, "project", project.id):
            return "project", project.id
    return "", None


def issue(db: Session, auth: object, now: float, pol: Policy,
          on_failure) -> tuple[str, TokenInfo]:
    """Authenticate an auth body (POST /v3/auth/tokens) and store a new token."""
    if not isinstance(auth, dict) or not isinstance(auth.get("identity"), dict):
        raise BadRequest("Expecting to find identity in auth.")
    identity = auth["identity"]
    methods = identity.get("methods")
    if not isinstance(methods, list) or not methods or not all(
            isinstance(m, str) for m in methods):
        raise BadRequest("Expecting to find methods in identity.")
    method = methods[0]
    audit_ids = [new_audit_id()]
    expires_at = now + pol.lifetime
    app_cred = None
    if set(methods) - {"password", "token", "application_credential"} or len(methods) > 1:
        raise _unauthorized(f"Unsupported authentication method: {', '.join(methods)}.")
    if not isinstance(identity.get(method), dict):
        raise BadRequest(f"Expecting to find {method} in identity.")
    if method == "password":
        user = _password_user(db, identity["password"], now, pol, on_failure)
        target = _scope(db, user, auth.get("scope")) if "scope" in auth else (
            _default_scope(db, user))
        used = ["password"]
    elif method == "token":
        given = identity["token"].get("id")
        if not isinstance(given, str):
            raise BadRequest("Expecting to find id in token.")
        try:
            prior = validate(db, given, now)
        except NotFound:
            raise _unauthorized() from None
        if prior.app_cred is not None:
            raise Forbidden("Application credential tokens cannot be rescoped.")
        user = prior.user
        target = _scope(db, user, auth.get("scope"))
        expires_at = prior.row.expires_at
        audit_ids.append(prior.row.audit_ids.split(",")[-1])
        used = ["token"] + [m for m in prior.row.methods.split(",") if m != "token"]
    else:
        app_cred = appcreds.authenticate(db, identity["application_credential"], now)
        user = db.get(User, app_cred.user_id)  # type: ignore[assignment]
        _user_usable(db, user, now)
        target = ("project", app_cred.project_id)
        if app_cred.expires_at is not None:
            expires_at = min(expires_at, app_cred.expires_at)
        used = ["application_credential"]
    kind, target_id = target
    row = Token(user_id=user.id, methods=",".join(used), audit_ids=",".join(audit_ids),
                issued_at=now, expires_at=expires_at, revoked=False,
                project_id=target_id if kind == "project" else None,
                domain_id=target_id if kind == "domain" else None, system=kind == "system",
                app_cred_id=app_cred.id if app_cred else None)
    info = TokenInfo(row=row, user=user, user_domain=db.get(Domain, user.domain_id),  # type: ignore[arg-type]
                     app_cred=app_cred)
    if kind:
        try:
            info = _resolve(db, row, now)
        except NotFound:
            raise _unauthorized(f"User {user.id} has no access to {kind} {target_id}.") from None
    token = new_token()
    row.id_hash = digest(token)
    purge = delete(Token).where(Token.expires_at < now - 3600)
    db.execute(purge.execution_options(**{QUIET: True}))
    db.add(row)
    db.flush()
    return token, info
