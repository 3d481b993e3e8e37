"""Identity response bodies, shaped as Keystone's."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from cheptel.common import iso
from cheptel.identity.models import (
    AppCredential,
    Domain,
    Endpoint,
    Group,
    ImpliedRole,
    Project,
    Region,
    Role,
    Service,
    User,
)
from cheptel.identity.service import appcreds, resources
from cheptel.identity.service.tokens import TokenInfo


def naive_iso(ts: float | None) -> str | None:
    """A datetime as Keystone serialises its DateTimeInt columns: naive UTC isoformat()
    (no "Z"; microseconds only when not zero)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat()


def link(base: str, path: str) -> dict:
    return {"self": f"{base}/v3/{path}"}


def collection(base: str, path: str, key: str, items: list) -> dict:
    return {key: items, "links": {"self": f"{base}/v3/{path}", "previous": None, "next": None}}


def extra(row: object) -> dict:
    """Keystone returns a resource's extra attributes beside (never over) its own."""
    return dict(getattr(row, "extra", None) or {})


def with_extra_dict(body: dict, row: object) -> dict:
    """Keystone's update of users and projects also returns the raw "extra" dict."""
    return {**body, "extra": extra(row)}


def domain(base: str, d: Domain) -> dict:
    return {"tags": [], **extra(d), "id": d.id, "name": d.name, "description": d.description,
            "enabled": d.enabled, "options": {}, "links": link(base, f"domains/{d.id}")}


def domain_as_project(base: str, d: Domain) -> dict:
    """A domain as Keystone shows it through /v3/projects (a project acting as a domain)."""
    return {**extra(d), "id": d.id, "name": d.name, "domain_id": None,
            "description": d.description, "enabled": d.enabled, "parent_id": None,
            "is_domain": True, "tags": [], "options": {},
            "links": link(base, f"projects/{d.id}")}


def project(base: str, db: Session, p: Project) -> dict:
    return {**extra(p), "id": p.id, "name": p.name, "domain_id": p.domain_id,
            "description": p.description, "enabled": p.enabled,
            "parent_id": p.parent_id or p.domain_id, "is_domain": False,
            "tags": resources.tags_of(db, p.id), "options": {},
            "links": link(base, f"projects/{p.id}")}


def user(base: str, u: User) -> dict:
    body = {**extra(u), "id": u.id, "name": u.name, "domain_id": u.domain_id,
            "enabled": u.enabled, "password_expires_at": None, "options": {},
            "links": link(base, f"users/{u.id}")}
    if u.email is not None:
        body["email"] = u.email
    if u.description is not None:
        body["description"] = u.description
    if u.default_project_id:
        body["default_project_id"] = u.default_project_id
    return body


def group(base: str, g: Group) -> dict:
    return {**extra(g), "id": g.id, "name": g.name, "domain_id": g.domain_id,
            "description": g.description, "links": link(base, f"groups/{g.id}")}


def role(base: str, r: Role) -> dict:
    return {**extra(r), "id": r.id, "name": r.name, "domain_id": r.domain_id,
            "description": r.description, "options": {}, "links": link(base, f"roles/{r.id}")}


def role_ref(base: str, r: Role) -> dict:
    return {"id": r.id, "name": r.name, "links": link(base, f"roles/{r.id}")}


def inference(base: str, prior: Role, implied: list[Role]) -> dict:
    return {"prior_role": role_ref(base, prior), "implies": [role_ref(base, r) for r in implied]}


def implied_rule(base: str, db: Session, rule: ImpliedRole) -> dict:
    prior, implied = db.get(Role, rule.prior_role_id), db.get(Role, rule.implied_role_id)
    return {"role_inference": {"prior_role": role_ref(base, prior),  # type: ignore[arg-type]
                               "implies": role_ref(base, implied)},  # type: ignore[arg-type]
            "links": link(base, f"roles/{rule.prior_role_id}/implies/{rule.implied_role_id}")}


def app_cred(base: str, db: Session, c: AppCredential, secret: str | None = None) -> dict:
    body = {"id": c.id, "name": c.name, "description": c.description,
            "user_id": c.user_id, "project_id": c.project_id, "system": None,
            "expires_at": naive_iso(c.expires_at), "unrestricted": c.unrestricted,
            "access_rules": [],
            "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id}
                      for r in appcreds.roles_of(db, c.id)],
            "links": link(base, f"users/{c.user_id}/application_credentials/{c.id}")}
    if secret is not None:
        body["secret"] = secret
    return body


def service(base: str, s: Service) -> dict:
    return {**extra(s), "id": s.id, "type": s.type, "name": s.name,
            "description": s.description, "enabled": s.enabled,
            "links": link(base, f"services/{s.id}")}


def endpoint(base: str, e: Endpoint) -> dict:
    return {**extra(e), "id": e.id, "service_id": e.service_id, "interface": e.interface,
            "region_id": e.region_id, "region": e.region_id, "url": e.url,
            "enabled": e.enabled, "links": link(base, f"endpoints/{e.id}")}


def region(base: str, r: Region) -> dict:
    return {**extra(r), "id": r.id, "description": r.description,
            "parent_region_id": r.parent_region_id,
            "links": link(base, f"regions/{r.id}")}


def token(info: TokenInfo, catalog: list | None) -> dict:
    row = info.row
    body: dict = {
        "methods": row.methods.split(","),
        "user": {"id": info.user.id, "name": info.user.name, "password_expires_at": None,
                 "domain": {"id": info.user_domain.id, "name": info.user_domain.name}},
        "audit_ids": row.audit_ids.split(","),
        "expires_at": iso(row.expires_at),
        "issued_at": iso(row.issued_at),
    }
    if info.project is not None and info.project_domain is not None:
        body["project"] = {"id": info.project.id, "name": info.project.name,
                           "domain": {"id": info.project_domain.id,
                                      "name": info.project_domain.name}}
        body["is_domain"] = False
    elif info.domain is not None:
        body["domain"] = {"id": info.domain.id, "name": info.domain.name}
    elif row.system:
        body["system"] = {"all": True}
    if row.project_id or row.domain_id or row.system:
        body["roles"] = [{"id": r.id, "name": r.name} for r in info.roles]
    if info.app_cred is not None:
        body["application_credential"] = {"id": info.app_cred.id, "name": info.app_cred.name,
                                          "restricted": not info.app_cred.unrestricted}
    if catalog is not None:
        body["catalog"] = catalog
    return {"token": body}
