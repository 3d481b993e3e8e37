"""What a crash leaves (a row mid-way, a half-made or orphaned volume) is finished at
start by volumes.recover, over the fake storage."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cheptel.backends.blockstore import BlockStoreError
from cheptel.backends.fake_blocks import FakeBlockStore
from cheptel.backends.file_blocks import FileBlockStore
from cheptel.volume.models import Volume
from cheptel.volume.service import types, volumes
from tests.unit.conftest import Api


def _row(api: Api, vid: str, status: str, size: int = 1) -> None:
    with api.deps.sessions() as db, db.begin():
        db.add(Volume(id=vid, project_id="p", user_id="u", name=vid, description=None,
                      size=size, status=status, availability_zone="nova",
                      volume_type_id=types.default(db).id, bootable=False, readonly=None,
                      meta={}, created_at=1.0, updated_at=None))


def _statuses(api: Api) -> dict[str, str]:
    with api.deps.sessions() as db:
        return {v.id: v.status for v in db.scalars(select(Volume))}


def test_recover_finishes_every_interrupted_write(api: Api) -> None:
    blocks = FakeBlockStore()
    _row(api, "was-creating", "creating", 2)
    _row(api, "was-deleting", "deleting")
    _row(api, "was-extending", "extending", 5)
    _row(api, "fine", "available")
    blocks.volumes.update({"was-deleting": 1, "was-extending": 1, "fine": 1, "orphan": 1})
    blocks.partial.add("half")
    with api.deps.sessions() as db, db.begin():
        notes = volumes.recover(db, blocks, 2.0)
    assert _statuses(api) == {"was-creating": "available", "was-extending": "available",
                              "fine": "available"}
    assert blocks.volumes == {"was-creating": 2, "was-extending": 5, "fine": 1}
    assert blocks.partial == set()
    assert any("orphan" in n for n in notes) and any("half" in n for n in notes)


def test_recover_marks_what_the_storage_refuses(api: Api) -> None:
    blocks = FakeBlockStore()
    blocks.fail["create"] = "mkfs.ext4 is not installed"
    _row(api, "cannot", "creating")
    with api.deps.sessions() as db, db.begin():
        volumes.recover(db, blocks, 2.0)
    assert _statuses(api) == {"cannot": "error"}
    with api.deps.sessions() as db:
        row = db.get(Volume, "cannot")
        assert row is not None and row.error_message == "mkfs.ext4 is not installed"


def test_a_failed_mkfs_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FileBlockStore(tmp_path / "volumes")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # no mkfs.ext4 to be found
    with pytest.raises(BlockStoreError, match="mkfs.ext4 is not installed"):
        store.create("v1", 1)
    assert list((tmp_path / "volumes").iterdir()) == [] and store.ids() == set()
    (tmp_path / "volumes" / "v2.img.part").write_bytes(b"half")
    assert store.sweep() == ["v2.img.part"] and store.ids() == set()
