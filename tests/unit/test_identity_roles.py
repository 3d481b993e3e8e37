"""Keystone's role logic without HTTP: implied roles, grants through groups and
inheritance, domain-specific roles, and the effective role assignment listing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from cheptel.errors import Forbidden
from cheptel.identity.models import Group, Project, Role, User
from cheptel.identity.service import resources, roles, users
from cheptel.identity.service.assignments import Query, list_assignments
from tests.unit.conftest import Api

BASE = "http://x"


@dataclass
class World:
    db: Session
    boss: Role
    lead: Role
    worker: Role
    alice: User
    bob: User
    team: Group
    top: Project
    mid: Project
    leaf: Project


@pytest.fixture
def w(api: Api) -> Iterator[World]:
    """boss implies lead implies worker; alice and bob (in group `team`); projects
    top > mid > leaf in a new domain."""
    with api.deps.sessions() as db, db.begin():
        domain = resources.create_domain(db, "d", "")
        boss, lead, worker = (roles.create_role(db, n) for n in ("boss", "lead", "worker"))
        roles.add_implied(db, boss, lead)
        roles.add_implied(db, lead, worker)
        alice = users.create_user(db, 1.0, 4, name="alice", domain_id=domain.id)
        bob = users.create_user(db, 1.0, 4, name="bob", domain_id=domain.id)
        team = users.create_group(db, "team", domain.id)
        users.add_member(db, team, bob)
        top = resources.create_project(db, "top", domain.id)
        mid = resources.create_project(db, "mid", domain.id, parent_id=top.id)
        leaf = resources.create_project(db, "leaf", domain.id, parent_id=mid.id)
        yield World(db, boss, lead, worker, alice, bob, team, top, mid, leaf)


def _names(found: list[Role]) -> list[str]:
    return [r.name for r in found]


def test_implied_roles_are_effective_transitively(w: World) -> None:
    roles.grant(w.db, "user", w.alice.id, "project", w.top.id, w.boss.id)
    assert _names(roles.effective_roles(w.db, w.alice.id, "project", w.top.id)) == [
        "boss", "lead", "worker"]
    assert roles.effective_roles(w.db, w.alice.id, "project", w.mid.id) == []  # not inherited


def test_an_implication_cycle_is_refused(w: World) -> None:
    with pytest.raises(Forbidden, match="cycle"):
        roles.add_implied(w.db, w.worker, w.boss)
    with pytest.raises(Forbidden):
        roles.add_implied(w.db, w.lead, w.lead)


def test_a_group_grant_reaches_its_members_only(w: World) -> None:
    roles.grant(w.db, "group", w.team.id, "project", w.mid.id, w.worker.id)
    assert _names(roles.effective_roles(w.db, w.bob.id, "project", w.mid.id)) == ["worker"]
    assert roles.effective_roles(w.db, w.alice.id, "project", w.mid.id) == []
    assert {p.name for p in roles.user_projects(w.db, w.bob.id)} == {"mid"}


def test_an_inherited_grant_reaches_every_project_below_not_its_own(w: World) -> None:
    roles.grant(w.db, "user", w.alice.id, "project", w.top.id, w.lead.id, inherited=True)
    assert roles.effective_roles(w.db, w.alice.id, "project", w.top.id) == []
    for project in (w.mid, w.leaf):
        assert _names(roles.effective_roles(w.db, w.alice.id, "project", project.id)) == [
            "lead", "worker"]
    assert {p.name for p in roles.user_projects(w.db, w.alice.id)} == {"mid", "leaf"}


def test_an_inherited_domain_grant_reaches_its_projects(w: World) -> None:
    roles.grant(w.db, "user", w.alice.id, "domain", w.top.domain_id, w.worker.id,
                inherited=True)
    assert {p.name for p in roles.user_projects(w.db, w.alice.id)} == {"top", "mid", "leaf"}
    assert roles.effective_roles(w.db, w.alice.id, "domain", w.top.domain_id) == []


def test_a_domain_specific_role_counts_only_through_what_it_implies(w: World) -> None:
    local = roles.create_role(w.db, "local", domain_id=w.top.domain_id)
    roles.add_implied(w.db, local, w.worker)
    roles.grant(w.db, "user", w.alice.id, "project", w.top.id, local.id)
    assert _names(roles.effective_roles(w.db, w.alice.id, "project", w.top.id)) == ["worker"]


def test_the_effective_listing_expands_groups_implications_and_inheritance(w: World) -> None:
    roles.grant(w.db, "group", w.team.id, "project", w.top.id, w.lead.id, inherited=True)
    direct = list_assignments(w.db, Query(group_id=w.team.id), BASE)
    assert len(direct) == 1 and direct[0]["scope"]["OS-INHERIT:inherited_to"] == "projects"
    listed = list_assignments(w.db, Query(user_id=w.bob.id, effective=True), BASE)
    got = {(a["scope"]["project"]["id"], a["role"]["id"]) for a in listed}
    assert got == {(p.id, r.id) for p in (w.mid, w.leaf) for r in (w.lead, w.worker)}
    implied = next(a for a in listed if a["role"]["id"] == w.worker.id)
    assert implied["links"]["prior_role"] == f"{BASE}/v3/roles/{w.lead.id}"
    assert implied["links"]["membership"] == (
        f"{BASE}/v3/groups/{w.team.id}/users/{w.bob.id}")
    assert "/OS-INHERIT/projects/" in implied["links"]["assignment"]
    assert all("user" in a and "group" not in a for a in listed)


def test_listing_filters_by_role_and_scope_and_names(w: World) -> None:
    roles.grant(w.db, "user", w.alice.id, "project", w.top.id, w.boss.id)
    roles.grant(w.db, "user", w.alice.id, "domain", w.top.domain_id, w.worker.id)
    on_top = list_assignments(w.db, Query(user_id=w.alice.id, project_id=w.top.id,
                                          effective=True, include_names=True), BASE)
    assert sorted(a["role"]["name"] for a in on_top) == ["boss", "lead", "worker"]
    assert on_top[0]["scope"]["project"]["domain"]["name"] == "d"
    workers = list_assignments(w.db, Query(user_id=w.alice.id, role_id=w.worker.id), BASE)
    assert [a["scope"] for a in workers] == [{"domain": {"id": w.top.domain_id}}]
