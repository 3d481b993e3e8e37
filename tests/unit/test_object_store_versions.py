"""Legacy object versioning: X-Versions-Location (stack) and X-History-Location."""

from __future__ import annotations

from tests.unit.conftest import Api
from tests.unit.objstore import admin


def test_stack_mode_archives_and_restores(api: Api) -> None:
    sw = admin(api)
    sw.ok("PUT", "/archive")
    sw.ok("PUT", "/c", X_Versions_Location="archive")
    assert sw.ok("HEAD", "/c").headers["X-Versions-Location"] == "archive"
    sw.ok("PUT", "/c/o", b"v1")
    api.clock.advance(1)
    sw.ok("PUT", "/c/o", b"v2")
    api.clock.advance(1)
    sw.ok("PUT", "/c/o", b"v3")
    assert sw.names("/archive") == [f"001o/{api.clock.now - 2:016.5f}",
                                    f"001o/{api.clock.now - 1:016.5f}"]
    sw.ok("DELETE", "/c/o")
    assert sw.ok("GET", "/c/o").content == b"v2"
    sw.ok("DELETE", "/c/o")
    assert sw.ok("GET", "/c/o").content == b"v1"
    assert sw.names("/archive") == []
    sw.ok("DELETE", "/c/o")
    assert sw.call("GET", "/c/o").status_code == 404


def test_history_mode_keeps_the_deleted_version(api: Api) -> None:
    sw = admin(api)
    sw.ok("PUT", "/hist")
    sw.ok("PUT", "/c", X_History_Location="hist")
    sw.ok("PUT", "/c/o", b"v1")
    sw.ok("DELETE", "/c/o")
    assert sw.call("GET", "/c/o").status_code == 404
    (name,) = sw.names("/hist")
    assert sw.ok("GET", f"/hist/{name}").content == b"v1"


def test_versioning_refusals(api: Api) -> None:
    sw = admin(api)
    sw.ok("PUT", "/a")
    r = sw.call("PUT", "/c", X_Versions_Location="a", X_History_Location="a")
    assert r.status_code == 400 and "Only one of" in r.text
    sw.ok("PUT", "/c", X_Versions_Location="missing")
    sw.ok("PUT", "/c/o", b"v1")
    assert sw.call("PUT", "/c/o", b"v2").status_code == 412  # no archive to keep v1 in
    assert sw.ok("GET", "/c/o").content == b"v1"
    sw.ok("POST", "/c", X_History_Location="a")  # one mode replaces the other
    h = sw.ok("HEAD", "/c").headers
    assert h["X-History-Location"] == "a" and "X-Versions-Location" not in h
    sw.ok("POST", "/c", X_Remove_History_Location="x")
    assert "X-History-Location" not in sw.ok("HEAD", "/c").headers
