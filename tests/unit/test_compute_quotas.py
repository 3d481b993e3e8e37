"""Nova's quota rules without HTTP: class, project and user limits layered, how many
servers of a multi-create fit, and the bounds a new limit must respect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from cheptel.compute.models import Server
from cheptel.compute.service import quotas
from cheptel.errors import BadRequest, Forbidden
from tests.unit.conftest import Api


@pytest.fixture
def db(api: Api) -> Iterator[Session]:
    with api.deps.sessions() as session, session.begin():
        yield session


def _server(db: Session, sid: str, project: str = "p", user: str = "u", vcpus: int = 1,
            ram: int = 512, deleted: bool = False) -> None:
    db.add(Server(id=sid, name=sid, hostname=sid, project_id=project, user_id=user,
                  image_id="i", flavor_id="1", flavor={"vcpus": vcpus, "ram": ram, "disk": 1},
                  vm_state="active", created_at=0.0, updated_at=0.0, deleted=deleted,
                  networks=[], security_groups=[], config_drive=False,
                  availability_zone="nova", power_state=1, progress=0, locked=False,
                  launch_index=0, reservation_id=""))
    db.flush()


def test_limits_layer_class_then_project_then_user(db: Session) -> None:
    assert quotas.limits(db, "p")["instances"] == 10  # Nova's default
    quotas.set_class_limits(db, "default", {"instances": 7, "cores": 9})
    quotas.set_limits(db, "p", {"instances": 5})
    quotas.set_user_limits(db, "p", "u", {"instances": 2})
    assert (quotas.limits(db, "p")["instances"], quotas.limits(db, "p")["cores"]) == (5, 9)
    assert quotas.limits(db, "other")["instances"] == 7
    assert quotas.user_limits(db, "p", "u")["instances"] == 2
    assert quotas.user_limits(db, "p", "someone")["instances"] == 5
    quotas.reset(db, "p")  # the project's overrides and its users' go
    assert quotas.limits(db, "p")["instances"] == 7
    assert quotas.user_limits(db, "p", "u")["instances"] == 7


def test_usage_counts_live_servers_of_the_project_or_the_user(db: Session) -> None:
    _server(db, "a", vcpus=2, ram=1024)
    _server(db, "b", user="v", vcpus=4, ram=2048)
    _server(db, "c", deleted=True, vcpus=8)
    _server(db, "d", project="q")
    assert quotas.server_usage(db, "p") == {"instances": 2, "cores": 6, "ram": 3072}
    assert quotas.server_usage(db, "p", "u") == {"instances": 1, "cores": 2, "ram": 1024}
    detail = quotas.detail(db, "p")
    assert detail["cores"] == {"limit": 20, "in_use": 6, "reserved": 0}


def test_as_many_as_fit_between_min_and_max_count(db: Session) -> None:
    quotas.set_limits(db, "p", {"instances": 5, "cores": 8})
    _server(db, "a", vcpus=2)
    # 4 more instances fit, but only 3 more of 2 cores
    assert quotas.how_many_servers_fit(db, "p", 2, 512, 1, 10) == 3
    with pytest.raises(Forbidden, match="Quota exceeded for cores: Requested 8, but already "
                                        "used 2 of 8 cores"):
        quotas.how_many_servers_fit(db, "p", 2, 512, 4, 10)


def test_a_users_own_limit_binds_too(db: Session) -> None:
    quotas.set_user_limits(db, "p", "u", {"instances": 1})
    _server(db, "a")
    assert quotas.how_many_servers_fit(db, "p", 1, 512, 1, 3, user_id="v") == 3
    with pytest.raises(Forbidden, match="instances"):
        quotas.how_many_servers_fit(db, "p", 1, 512, 1, 3, user_id="u")


def test_unlimited_is_minus_one(db: Session) -> None:
    quotas.set_limits(db, "p", {"instances": -1, "cores": -1, "ram": -1})
    assert quotas.how_many_servers_fit(db, "p", 64, 10**6, 1, 1000) == 1000


def test_a_new_limit_is_bounded_by_usage_and_by_the_project(db: Session) -> None:
    _server(db, "a", vcpus=4)
    _server(db, "b", vcpus=4)
    with pytest.raises(BadRequest, match="greater than or equal to already used and "
                                         "reserved 8"):
        quotas.check_settable(db, "p", {"cores": 7})
    quotas.check_settable(db, "p", {"cores": 8, "instances": -1})
    quotas.set_limits(db, "p", {"instances": 4})
    with pytest.raises(BadRequest, match="less than or equal to 4"):
        quotas.check_user_settable(db, "p", "u", {"instances": 5})
    with pytest.raises(BadRequest, match="less than or equal to 4"):
        quotas.check_user_settable(db, "p", "u", {"instances": -1})
    quotas.check_user_settable(db, "p", "u", {"instances": 2})
