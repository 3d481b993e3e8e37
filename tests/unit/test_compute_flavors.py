"""Nova's flavor rules without HTTP: who sees a private flavor, its access list, listing
filters and pages, and what a server keeps of a deleted flavor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from cheptel.compute.service import flavors
from cheptel.errors import BadRequest, Conflict, NotFound
from tests.unit.conftest import Api

ALL = flavors.ListQuery(is_public=None)


@pytest.fixture
def db(api: Api) -> Iterator[Session]:
    with api.deps.sessions() as session, session.begin():
        yield session


def _names(found: tuple[list, bool]) -> set[str]:
    return {f.name for f in found[0]}


def test_a_private_flavor_is_seen_by_admins_and_granted_projects_only(db: Session) -> None:
    secret = flavors.create(db, 5.0, name=" secret ", flavor_id="s1", ram=64, vcpus=1,
                            disk=0, is_public=False)
    assert secret.name == "secret"  # names are stripped
    assert "secret" not in _names(flavors.list_flavors(db, "p", False, ALL))
    with pytest.raises(NotFound):
        flavors.get(db, "s1", "p", False)
    with pytest.raises(BadRequest, match="Flavor s1 could not be found"):
        flavors.get_for_boot(db, "s1", "p", False)  # booting with it: a 400, as Nova
    assert flavors.get(db, "s1", None, True).id == "s1"
    flavors.add_access(db, secret, "p", refuse_public=True)
    assert "secret" in _names(flavors.list_flavors(db, "p", False, ALL))
    assert flavors.get_for_boot(db, "http://x/compute/flavors/s1", "p", False).id == "s1"
    assert "secret" not in _names(flavors.list_flavors(db, "q", False, ALL))
    flavors.remove_access(db, secret, "p")
    with pytest.raises(NotFound):
        flavors.get(db, "s1", "p", False)


def test_access_lists_belong_to_private_flavors(db: Session) -> None:
    public = flavors.get(db, "1", None, True)
    with pytest.raises(NotFound, match="public flavors"):
        flavors.public_access_list(db, public)
    with pytest.raises(Conflict, match="public flavor"):
        flavors.add_access(db, public, "p", refuse_public=True)
    private = flavors.create(db, 5.0, name="priv", flavor_id=None, ram=64, vcpus=1, disk=0,
                             is_public=False)
    for project in ("b", "a"):
        flavors.add_access(db, private, project, refuse_public=True)
    with pytest.raises(Conflict, match="already exists"):
        flavors.add_access(db, private, "a", refuse_public=True)
    assert flavors.public_access_list(db, private) == ["a", "b"]
    with pytest.raises(NotFound):
        flavors.remove_access(db, private, "c")
    flavors.delete_flavor(db, private.id)
    assert flavors.access_list(db, private) == []  # the grants went with it


def test_names_and_ids_are_unique(db: Session) -> None:
    with pytest.raises(Conflict, match="name m1.tiny"):
        flavors.create(db, 5.0, name="m1.tiny", flavor_id=None, ram=1, vcpus=1, disk=0)
    with pytest.raises(Conflict, match="ID 1 "):
        flavors.create(db, 5.0, name="new", flavor_id="1", ram=1, vcpus=1, disk=0)


def test_listing_filters_sorts_and_pages(db: Session) -> None:
    q = flavors.ListQuery(min_ram=2048, sort_key="memory_mb", sort_dir="desc", limit=2)
    page, more = flavors.list_flavors(db, "p", False, q)
    assert [f.ram for f in page] == sorted([f.ram for f in page], reverse=True)
    assert all(f.ram >= 2048 for f in page) and more
    rest, _ = flavors.list_flavors(db, "p", False, flavors.ListQuery(
        min_ram=2048, sort_key="memory_mb", sort_dir="desc", marker=page[-1].id))
    assert not {f.id for f in rest} & {f.id for f in page}
    assert all(f.ram <= page[-1].ram for f in rest)
    with pytest.raises(BadRequest, match="marker"):
        flavors.list_flavors(db, "p", False, flavors.ListQuery(marker="nope"))


def test_a_server_keeps_its_flavor_when_the_flavor_goes(db: Session) -> None:
    made = flavors.create(db, 5.0, name="short-lived", flavor_id="x1", ram=96, vcpus=2,
                          disk=1)
    flavors.set_extra_specs(db, made, {"hw:cpu_policy": "dedicated", "quota:n": 5})
    kept = flavors.flavor_dict(db, made)
    flavors.delete_flavor(db, "x1")
    assert kept == {"id": "x1", "name": "short-lived", "ram": 96, "vcpus": 2, "disk": 1,
                    "ephemeral": 0, "swap": 0,
                    "extra_specs": {"hw:cpu_policy": "dedicated", "quota:n": "5"}}
    with pytest.raises(NotFound):
        flavors.delete_flavor(db, "x1")
