"""GET /v3/role_assignments: direct or effective, filtered, optionally with names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.identity.models import Assignment, Domain, Group, Membership, Project, Role, User
from cheptel.identity.service import roles


@dataclass(frozen=True)
class Row:
    actor_type: str
    actor_id: str
    target_type: str
    target_id: str
    role_id: str
    via_group: str | None = None
    prior_role: str | None = None
    inherited: bool = False  # OS-INHERIT, as stored (listed without "effective")
    inherited_from: tuple[str, str] | None = None  # effective: the grant it came down from


@dataclass
class Query:
    user_id: str | None = None
    group_id: str | None = None
    role_id: str | None = None
    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    inherited_to: str | None = None  # scope.OS-INHERIT:inherited_to
    effective: bool = False
    include_names: bool = False


def _direct(db: Session) -> list[Row]:
    return [Row(a.actor_type, a.actor_id, a.target_type, a.target_id, a.role_id,
                inherited=a.inherited)
            for a in db.scalars(select(Assignment))]


def _inherit(db: Session, rows: list[Row]) -> list[Row]:
    """Effective mode: an inherited grant becomes a grant on each project below it."""
    out: list[Row] = []
    for r in rows:
        if not r.inherited:
            out.append(r)
            continue
        out.extend(Row(r.actor_type, r.actor_id, "project", pid, r.role_id,
                       inherited_from=(r.target_type, r.target_id))
                   for pid in roles.projects_below(db, r.target_type, r.target_id))
    return out


def _expand(db: Session, rows: list[Row]) -> list[Row]:
    """Effective mode: group grants become user grants; implied roles are added."""
    members: dict[str, list[str]] = {}
    for m in db.scalars(select(Membership)):
        members.setdefault(m.group_id, []).append(m.user_id)
    users: list[Row] = []
    for r in _inherit(db, rows):
        if r.actor_type == "group":
            users.extend(Row("user", uid, r.target_type, r.target_id, r.role_id,
                             via_group=r.actor_id, inherited_from=r.inherited_from)
                         for uid in members.get(r.actor_id, []))
        else:
            users.append(r)
    graph = roles.implications(db)
    out: list[Row] = []
    for r in users:
        out.append(r)
        todo, seen = list(graph.get(r.role_id, ())), {r.role_id}
        while todo:
            rid = todo.pop()
            if rid in seen:
                continue
            seen.add(rid)
            out.append(Row(r.actor_type, r.actor_id, r.target_type, r.target_id, rid,
                           via_group=r.via_group, prior_role=r.role_id,
                           inherited_from=r.inherited_from))
            todo.extend(graph.get(rid, ()))
    # as Keystone: domain-specific roles only imply global ones; they are never effective
    scoped = set(db.scalars(select(Role.id).where(Role.domain_id.is_not(None))))
    return [r for r in dict.fromkeys(out) if r.role_id not in scoped]


def _keep(r: Row, q: Query) -> bool:
    if q.user_id and (r.actor_type, r.actor_id) != ("user", q.user_id):
        return False
    if q.group_id and (r.actor_type, r.actor_id) != ("group", q.group_id):
        return False
    if q.role_id and r.role_id != q.role_id:
        return False
    if q.inherited_to is not None and not r.inherited:
        return False
    if q.project_id and (r.target_type, r.target_id) != ("project", q.project_id):
        return False
    if q.domain_id and (r.target_type, r.target_id) != ("domain", q.domain_id):
        return False
    return not (q.system and r.target_type != "system")


def _names(db: Session, model: type[Any], ids: set[str]) -> dict[str, object]:
    if not ids:
        return {}
    return {o.id: o for o in db.scalars(select(model).where(model.id.in_(ids)))}


def list_assignments(db: Session, q: Query, base: str) -> list[dict]:
    rows = _direct(db)
    if q.effective:
        rows = _expand(db, rows)
    rows = [r for r in rows if _keep(r, q)]
    lookup: dict[str, dict[str, object]] = {}
    if q.include_names:
        lookup = {
            "role": _names(db, Role, {r.role_id for r in rows}),
            "user": _names(db, User, {r.actor_id for r in rows if r.actor_type == "user"}),
            "group": _names(db, Group, {r.actor_id for r in rows if r.actor_type == "group"}),
            "project": _names(db, Project, {r.target_id for r in rows
                                            if r.target_type == "project"}),
        }
        domain_ids = {o.domain_id for k in ("user", "group", "project")  # type: ignore[attr-defined]
                      for o in lookup[k].values()}
        domain_ids |= {r.target_id for r in rows if r.target_type == "domain"}
        lookup["domain"] = _names(db, Domain, domain_ids)
    return [_render(r, lookup, base) for r in rows]


def _ref(kind: str, oid: str, lookup: dict) -> dict:
    ref: dict[str, object] = {"id": oid}
    obj = lookup.get(kind, {}).get(oid)
    if obj is not None:
        ref["name"] = obj.name
        if kind in ("user", "group", "project"):
            dom = lookup["domain"].get(obj.domain_id)
            ref["domain"] = {"id": obj.domain_id, "name": dom.name if dom else None}
    return ref


def _render(r: Row, lookup: dict, base: str) -> dict:
    if r.target_type == "system":
        scope: dict[str, object] = {"system": {"all": True}}
        target_path = "system"
    else:
        scope = {r.target_type: _ref(r.target_type, r.target_id, lookup)}
        target_path = f"{r.target_type}s/{r.target_id}"
    actor_path = f"{r.actor_type}s/{r.actor_id}"
    if r.via_group:
        actor_path = f"groups/{r.via_group}"
    grant = f"{base}/v3/{target_path}/{actor_path}/roles/{r.prior_role or r.role_id}"
    source = (r.target_type, r.target_id) if r.inherited else r.inherited_from
    if r.inherited:
        scope["OS-INHERIT:inherited_to"] = "projects"
    if source is not None:  # Keystone links the OS-INHERIT grant
        grant = (f"{base}/v3/OS-INHERIT/{source[0]}s/{source[1]}/{actor_path}/roles/"
                 f"{r.prior_role or r.role_id}/inherited_to_projects")
    links = {"assignment": grant}
    if r.via_group:
        links["membership"] = f"{base}/v3/groups/{r.via_group}/users/{r.actor_id}"
    if r.prior_role:
        links["prior_role"] = f"{base}/v3/roles/{r.prior_role}"
    return {"role": _ref("role", r.role_id, lookup), "scope": scope,
            r.actor_type: _ref(r.actor_type, r.actor_id, lookup), "links": links}
