"""Object bytes on disk: what a crash leaves is gone at the next start, expired objects
are really removed by the sweep, overwrites and deletes leave no file behind."""

from __future__ import annotations

from pathlib import Path

from cheptel.objectstore.service.expiry import Expirer, sweep
from tests.unit.conftest import Api, MakeApi
from tests.unit.objstore import admin


def _object_files(data_dir: Path) -> list[Path]:
    root = data_dir / "objects"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_restart_removes_spool_leftovers_and_unreferenced_files(make_api: MakeApi) -> None:
    api = make_api()
    sw = admin(api)
    sw.ok("PUT", "/c")
    sw.ok("PUT", "/c/kept", b"kept")
    data = api.deps.settings.data_dir
    (data / "tmp").mkdir(exist_ok=True)
    (data / "tmp" / "upload-cut-short").write_bytes(b"half an upl")  # a crash mid-upload
    orphan = data / "objects" / "ab" / "ab0000000000000000000000000000ff"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"renamed, never committed")  # a crash between rename and commit
    api2 = make_api()
    assert not (data / "tmp" / "upload-cut-short").exists()
    assert not orphan.exists()
    assert admin(api2).ok("GET", "/c/kept").content == b"kept"
    assert len(_object_files(data)) == 1


def test_overwrite_and_delete_leave_no_file(api: Api) -> None:
    sw = admin(api)
    sw.ok("PUT", "/c")
    for body in (b"one", b"two", b"three"):
        sw.ok("PUT", "/c/o", body)
    data = api.deps.settings.data_dir
    assert [p.read_bytes() for p in _object_files(data)] == [b"three"]
    sw.ok("DELETE", "/c/o")
    assert _object_files(data) == []


def test_the_sweep_removes_expired_objects(api: Api) -> None:
    sw = admin(api)
    sw.ok("PUT", "/c")
    sw.ok("PUT", "/c/short", b"x", X_Delete_After="5")
    sw.ok("PUT", "/c/long", b"y", X_Delete_After="500")
    data = api.deps.settings.data_dir
    assert sweep(api.deps) == 0 and len(_object_files(data)) == 2
    api.clock.advance(6)
    assert Expirer(api.deps, api.deps.reconciler).scan(first=False) == []
    assert [p.read_bytes() for p in _object_files(data)] == [b"y"]
    assert sw.names("/c") == ["long"]
    assert sweep(api.deps) == 0


def test_post_can_set_and_remove_expiry(api: Api) -> None:
    sw = admin(api)
    sw.ok("PUT", "/c")
    sw.ok("PUT", "/c/o", b"x")
    sw.ok("POST", "/c/o", X_Delete_After="5")
    assert "X-Delete-At" in sw.ok("HEAD", "/c/o").headers
    sw.ok("POST", "/c/o", X_Remove_Delete_At="1")
    assert "X-Delete-At" not in sw.ok("HEAD", "/c/o").headers
    api.clock.advance(10)
    assert sw.ok("GET", "/c/o").content == b"x"
