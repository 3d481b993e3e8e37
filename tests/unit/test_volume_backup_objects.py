"""Volume backups kept as objects of the built-in object store (CHEPTEL_BACKUP_STORE=
object-store), in process over the real volume files: where the objects go, what a
restore reads back, incremental chains, deletion, a chunk removed by hand, and backups
made before the setting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cheptel.backends import backup_files
from cheptel.backends.file_blocks import FileBlockStore
from cheptel.config import from_env
from tests.unit.conftest import DEMO_PASSWORD, Api, MakeApi
from tests.unit.test_volume_api import Cinder

CHUNK = 1024**2
MIB = 1024**2


class UnmountedFiles(FileBlockStore):
    """The real volume files, without the shared mount root (nothing is attached here)."""

    def prepare(self) -> None:
        pass


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_files, "CHUNK", CHUNK)


def _api(make_api: MakeApi, data_dir: Path, store: str = "object-store") -> Api:
    # fresh: the session's templates are prepared over the fake volume backend
    return make_api(fresh=not data_dir.exists(), blocks=UnmountedFiles(data_dir / "volumes"),
                    backup_store=store)


@pytest.fixture
def oapi(make_api: MakeApi, data_dir: Path) -> Api:
    return _api(make_api, data_dir)


def _demo(api: Api) -> Cinder:
    return Cinder(api, api.token("demo", DEMO_PASSWORD, "demo"))


def _write(api: Api, vid: str, offset: int, data: bytes) -> None:
    with open(api.deps.settings.data_dir / "volumes" / f"{vid}.img", "r+b") as f:
        f.seek(offset)
        f.write(data)


def _read(api: Api, vid: str, offset: int, size: int) -> bytes:
    with open(api.deps.settings.data_dir / "volumes" / f"{vid}.img", "rb") as f:
        f.seek(offset)
        return f.read(size)


def _volume(c: Cinder) -> str:
    v = c.create(1)
    assert c("GET", f"/volumes/{v['id']}").json()["volume"]["status"] == "available"
    return str(v["id"])


def _backup(c: Cinder, vid: str, **fields: object) -> dict:
    r = c("POST", "/backups", {"backup": {"volume_id": vid, **fields}})
    assert r.status_code == 202, r.text
    doc = c("GET", f"/backups/{r.json()['backup']['id']}").json()["backup"]
    assert doc["status"] == "available", doc
    return dict(doc)


def _restore(c: Cinder, bid: str) -> dict:
    r = c("POST", f"/backups/{bid}/restore", {"restore": {"name": "back"}})
    assert r.status_code == 202, r.text
    return dict(c("GET", f"/volumes/{r.json()['restore']['volume_id']}").json()["volume"])


def _objects(api: Api, c: Cinder, container: str = "volumebackups") -> list[str]:
    r = api.client.get(f"/object-store/v1/AUTH_{c.project}/{container}?format=json",
                       headers={"X-Auth-Token": c.token})
    if r.status_code == 404:
        return []
    assert r.status_code == 200, r.text
    return [o["name"] for o in r.json()]


def _local(api: Api) -> list[str]:
    directory = api.deps.settings.data_dir / "backups"
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


def test_a_backup_is_objects_of_its_projects_volumebackups(oapi: Api) -> None:
    demo = _demo(oapi)
    vid = _volume(demo)
    data = os.urandom(3 * MIB // 2)
    _write(oapi, vid, 5 * MIB, data)
    b = _backup(demo, vid)
    assert b["container"] == "volumebackups"
    names = _objects(oapi, demo)
    prefix = f"volume_{vid}/backup_{b['id']}/"
    assert f"{prefix}manifest.json" in names and all(n.startswith(prefix) for n in names)
    assert len(names) == b["object_count"] + 1  # the chunks and the manifest
    assert _local(oapi) == []  # nothing left beside the objects
    restored = _restore(demo, b["id"])
    assert restored["status"] == "available"
    assert _read(oapi, restored["id"], 5 * MIB, len(data)) == data
    assert _read(oapi, restored["id"], 0, MIB) == _read(oapi, vid, 0, MIB)
    assert _local(oapi) == []  # the staged copy is gone after the restore
    # the admin's account holds none of it
    admin = Cinder(oapi, oapi.admin())
    assert _objects(oapi, admin) == []


def test_a_named_container_and_an_incremental_chain(oapi: Api) -> None:
    demo = _demo(oapi)
    vid = _volume(demo)
    first, second = os.urandom(MIB), os.urandom(MIB)
    _write(oapi, vid, 8 * MIB, first)
    full = _backup(demo, vid, container="mine")
    _write(oapi, vid, 8 * MIB, second)
    incr = _backup(demo, vid, container="mine", incremental=True)
    assert incr["is_incremental"] is True and incr["object_count"] == 1
    names = _objects(oapi, demo, "mine")
    assert len([n for n in names if f"backup_{incr['id']}/" in n]) == 2
    assert _objects(oapi, demo) == []  # nothing in volumebackups
    assert _read(oapi, _restore(demo, incr["id"])["id"], 8 * MIB, MIB) == second
    assert _read(oapi, _restore(demo, full["id"])["id"], 8 * MIB, MIB) == first
    assert _local(oapi) == []
    # delete the child, then the parent: their objects and files go with them
    objects_dir = oapi.deps.settings.data_dir / "objects"
    before = sum(1 for _ in objects_dir.rglob("*") if _.is_file())
    assert demo("DELETE", f"/backups/{incr['id']}").status_code == 202
    assert not [n for n in _objects(oapi, demo, "mine") if f"backup_{incr['id']}/" in n]
    assert sum(1 for _ in objects_dir.rglob("*") if _.is_file()) == before - 2
    assert demo("DELETE", f"/backups/{full['id']}").status_code == 202
    assert _objects(oapi, demo, "mine") == []


def test_a_chunk_deleted_by_hand_fails_the_restore_and_says_which(oapi: Api) -> None:
    demo = _demo(oapi)
    vid = _volume(demo)
    _write(oapi, vid, 3 * MIB, os.urandom(MIB))
    b = _backup(demo, vid)
    chunk = f"volume_{vid}/backup_{b['id']}/00000003.zz"
    assert chunk in _objects(oapi, demo)
    r = oapi.client.delete(f"/object-store/v1/AUTH_{demo.project}/volumebackups/{chunk}",
                           headers={"X-Auth-Token": demo.token})
    assert r.status_code == 204
    restored = _restore(demo, b["id"])
    assert restored["status"] == "error_restoring"
    assert _local(oapi) == []
    doc = demo("GET", f"/backups/{b['id']}").json()["backup"]
    assert doc["status"] == "available"  # the backup itself is as it was


def test_backups_made_before_the_setting_stay_readable(make_api: MakeApi,
                                                       data_dir: Path) -> None:
    files = _api(make_api, data_dir, store="files")
    demo = _demo(files)
    vid = _volume(demo)
    data = os.urandom(MIB)
    _write(files, vid, 2 * MIB, data)
    old = _backup(demo, vid)
    assert old["container"] == "backups" and _local(files) == [old["id"]]
    objects = _api(make_api, data_dir)
    demo = _demo(objects)
    incr = _backup(demo, vid, incremental=True)  # over the local parent
    assert _local(objects) == [old["id"]]
    assert _read(objects, _restore(demo, incr["id"])["id"], 2 * MIB, MIB) == data
    assert _read(objects, _restore(demo, old["id"])["id"], 2 * MIB, MIB) == data
    assert demo("DELETE", f"/backups/{incr['id']}").status_code == 202
    assert demo("DELETE", f"/backups/{old['id']}").status_code == 202
    assert _local(objects) == [] and _objects(objects, demo) == []


def test_the_fake_volume_backend_cannot_keep_backups_as_objects(make_api: MakeApi) -> None:
    with pytest.raises(ValueError, match="file volume backend"):
        make_api(backup_store="object-store")


@pytest.mark.parametrize(("env", "message"), [
    ({"CHEPTEL_BACKUP_STORE": "s3"}, "files or object-store"),
    ({"CHEPTEL_BACKUP_STORE": "object-store",
      "CHEPTEL_OBJECT_STORE_URL": "http://swift/v1/AUTH_%(project_id)s"}, "not both")])
def test_bad_settings_are_refused(env: dict[str, str], message: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        from_env(data_dir=tmp_path)
