"""Glance's visibility and sharing rules without HTTP: who sees (gets, lists) an image of
each visibility, and what a membership's status changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from cheptel.errors import CheptelError, Conflict, Forbidden, NotFound
from cheptel.image.models import Image
from cheptel.image.service import images, listing, members
from cheptel.policy import Creds
from tests.unit.conftest import Api

OWNER, MEMBER, STRANGER = "owner-project", "member-project", "stranger-project"


def _creds(project: str | None, *roles: str) -> Creds:
    return Creds(user_id="u", user_name="u", user_domain_id="default",
                 roles=frozenset(roles or ("member", "reader")), project_id=project)


ADMIN = _creds("admin-project", "admin", "member", "reader")


@pytest.fixture
def db(api: Api) -> Iterator[Session]:
    with api.deps.sessions() as session, session.begin():
        yield session


def _image(db: Session, visibility: str, owner: str = OWNER) -> Image:
    new = images.split_create({"name": visibility, "visibility": visibility,
                               "disk_format": "raw", "container_format": "bare"})
    return images.create(db, 1.0, owner, new)


def _listed(db: Session, creds: Creds | None, **params: str) -> set[str]:
    q = listing.parse({"limit": ["1000"], **{k: [v] for k, v in params.items()}})
    found, _ = listing.list_images(db, creds, q)
    return {i.name for i in found if i.owner == OWNER}


def _sees(db: Session, creds: Creds | None, image: Image) -> bool:
    try:
        images.get_visible(db, creds, image.id)
    except NotFound:
        return False
    return True


def test_who_sees_each_visibility(db: Session) -> None:
    made = {v: _image(db, v) for v in ("public", "community", "shared", "private")}
    members.add_member(db, made["shared"], MEMBER, 1.0)
    expected = {  # caller -> the visibilities it may GET
        OWNER: {"public", "community", "shared", "private"},
        MEMBER: {"public", "community", "shared"},
        STRANGER: {"public", "community"},
    }
    for project, visible in expected.items():
        creds = _creds(project)
        assert {v for v, i in made.items() if _sees(db, creds, i)} == visible, project
    assert all(_sees(db, ADMIN, i) for i in made.values())
    assert {v for v, i in made.items() if _sees(db, None, i)} == {"public", "community"}


def test_listing_hides_community_and_pending_shares_unless_asked(db: Session) -> None:
    shared = _image(db, "shared")
    for visibility in ("public", "community", "private"):
        _image(db, visibility)
    member = members.add_member(db, shared, MEMBER, 1.0)
    mine = _creds(MEMBER)
    assert _listed(db, mine) == {"public"}  # the share is still pending
    assert _listed(db, mine, member_status="pending") == {"public", "shared"}
    assert _listed(db, mine, visibility="community") == {"community"}
    members.set_status(db, member, "accepted", 1.0)
    assert _listed(db, mine) == {"public", "shared"}
    members.set_status(db, member, "rejected", 1.0)
    assert _listed(db, mine) == {"public"}
    assert _sees(db, mine, shared)  # rejected: out of the list, still reachable by id
    # the owner's own community images are listed without asking
    assert _listed(db, _creds(OWNER)) == {"public", "shared", "private", "community"}
    assert _listed(db, _creds(STRANGER)) == {"public"}
    assert _listed(db, _creds(STRANGER), visibility="all") == {"public", "community"}


def test_only_shared_images_have_members_and_each_once(db: Session) -> None:
    private, shared = _image(db, "private"), _image(db, "shared")
    with pytest.raises(Forbidden):
        members.add_member(db, private, MEMBER, 1.0)
    members.add_member(db, shared, MEMBER, 1.0)
    with pytest.raises(Conflict):
        members.add_member(db, shared, MEMBER, 1.0)
    members.add_member(db, shared, STRANGER, 1.0)
    assert [m.member_id for m in members.list_members(db, _creds(OWNER), shared)] == sorted(
        [MEMBER, STRANGER])
    # a member sees its own membership only, and nobody else's
    assert [m.member_id for m in members.list_members(db, _creds(MEMBER), shared)] == [MEMBER]
    with pytest.raises(NotFound):
        members.get_member(db, _creds(MEMBER), shared, STRANGER)


def test_member_limit(db: Session) -> None:
    shared = _image(db, "shared")
    for i in range(members.MAX_MEMBERS):
        members.add_member(db, shared, f"p{i}", 1.0)
    with pytest.raises(CheptelError) as exc:
        members.add_member(db, shared, "one-too-many", 1.0)
    assert exc.value.code == 413
