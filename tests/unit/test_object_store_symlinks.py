"""Symlinks: made with X-Symlink-Target, followed by GET/HEAD with the caller's rights."""

from __future__ import annotations

import pytest

from tests.unit.conftest import Api
from tests.unit.objstore import Swift, admin, demo


@pytest.fixture
def sw(api: Api) -> Swift:
    s = admin(api)
    s.ok("PUT", "/c")
    s.ok("PUT", "/d")
    s.ok("PUT", "/c/file.txt", b"target data")
    return s


def test_symlink_follows_and_lists(sw: Swift) -> None:
    r = sw.call("PUT", "/d/link", b"", X_Symlink_Target="c/file.txt")
    assert r.status_code == 201
    got = sw.ok("GET", "/d/link")
    assert got.content == b"target data"
    assert got.headers["Content-Location"].endswith("/c/file.txt")
    entry = sw.ok("GET", "/d?format=json").json()[0]
    assert entry["content_type"] == "application/symlink"
    assert entry["symlink_path"] == f"/v1/AUTH_{sw.project}/c/file.txt"
    itself = sw.ok("HEAD", "/d/link?symlink=get")
    assert itself.headers["X-Symlink-Target"] == "c/file.txt"
    assert itself.headers["Content-Length"] == "0"
    sw.ok("COPY", "/d/link", Destination="d/copied")
    assert sw.ok("GET", "/d/copied?symlink=get").content == b"target data"


def test_broken_loops_and_bad_links(sw: Swift) -> None:
    sw.ok("PUT", "/d/broken", b"", X_Symlink_Target="c/missing")
    assert sw.call("GET", "/d/broken").status_code == 404
    sw.ok("PUT", "/d/a", b"", X_Symlink_Target="d/b")
    sw.ok("PUT", "/d/b", b"", X_Symlink_Target="d/a")
    assert sw.call("GET", "/d/a").status_code == 409
    assert sw.call("PUT", "/d/x", b"data", X_Symlink_Target="c/file.txt").status_code == 400
    assert sw.call("PUT", "/d/x", b"", X_Symlink_Target="nocontainer").status_code == 400
    assert sw.call("PUT", "/d/x", b"", X_Symlink_Target="c/file.txt",
                   X_Symlink_Target_Account="AUTH_other").status_code == 400
    assert sw.call("POST", "/d/a", X_Symlink_Target="c/file.txt").status_code == 400
    sw.ok("PUT", "/d/static", b"", X_Symlink_Target="c/file.txt",
          X_Symlink_Target_Etag="0" * 32)
    assert sw.call("GET", "/d/static").status_code == 409


def test_a_link_gives_no_rights_on_its_target(api: Api, sw: Swift) -> None:
    owner = demo(api)
    owner.ok("PUT", "/pub", X_Container_Read=".r:*")
    owner.ok("PUT", "/pub/link", b"", X_Symlink_Target="private/secret")
    owner.ok("PUT", "/private")
    owner.ok("PUT", "/private/secret", b"s")
    assert owner.call("GET", "/pub/link", token=None).status_code == 401
    assert owner.ok("GET", "/pub/link").content == b"s"
