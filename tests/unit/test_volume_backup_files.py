"""The real backup storage (cheptel.backends.backup_files through FileBlockStore) over
real files: chunks, sparse regions skipped, incremental chains, sha256 checks."""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from cheptel.backends import backup_files
from cheptel.backends.blockstore import GIB, BlockStoreError
from cheptel.backends.file_blocks import FileBlockStore

CHUNK = 1024**2


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileBlockStore:
    monkeypatch.setattr(backup_files, "CHUNK", CHUNK)
    s = FileBlockStore(tmp_path / "volumes")
    (tmp_path / "volumes").mkdir()
    return s


def _raw(store: FileBlockStore, vid: str, size: int = 8 * CHUNK) -> Path:
    """A volume file without a filesystem (the store copies bytes, not files)."""
    path = store.path(vid)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def _write(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def test_full_backup_skips_holes_and_zeros_and_restores(store: FileBlockStore,
                                                         tmp_path: Path) -> None:
    src = _raw(store, "v")
    _write(src, 0, b"a" * 100)
    _write(src, 3 * CHUNK + 5, os.urandom(CHUNK))  # spans chunks 3 and 4
    _write(src, 6 * CHUNK, bytes(CHUNK))  # written zeros: skipped
    assert store.backup("volume", "v", "b1", None) == 3
    doc = json.loads((tmp_path / "backups" / "b1" / "manifest.json").read_text())
    assert sorted(doc["chunks"], key=int) == ["0", "3", "4"] and doc["size"] == 8 * CHUNK
    _raw(store, "w", 8 * CHUNK)
    store.restore_backup("b1", "w", 0)
    assert store.path("w").read_bytes() == src.read_bytes()
    assert store.path("w").stat().st_blocks * 512 <= 4 * CHUNK  # sparse
    assert store.backup_ids() == {"b1"}


def test_incremental_writes_changed_chunks_only(store: FileBlockStore,
                                                tmp_path: Path) -> None:
    src = _raw(store, "v")
    _write(src, 0, b"x" * CHUNK * 3)
    assert store.backup("volume", "v", "full", None) == 3
    _write(src, CHUNK, b"changed")
    _write(src, 0, bytes(CHUNK))  # chunk 0 zeroed: gone from the map
    assert store.backup("volume", "v", "inc", "full") == 1
    files = sorted(p.name for p in (tmp_path / "backups" / "inc").iterdir())
    assert files == ["00000001.zz", "manifest.json"]
    store.restore_backup("inc", "v2", 0)
    assert store.path("v2").read_bytes() == src.read_bytes()
    store.restore_backup("full", "v3", 0)
    assert store.path("v3").read_bytes()[:CHUNK * 3] == b"x" * CHUNK * 3


def test_a_corrupt_chunk_fails_the_restore_and_keeps_the_volume(
        store: FileBlockStore, tmp_path: Path) -> None:
    src = _raw(store, "v")
    _write(src, 0, b"data" * 1000)
    store.backup("volume", "v", "b", None)
    chunk = tmp_path / "backups" / "b" / "00000000.zz"
    chunk.write_bytes(zlib.compress(b"evil" * 1000))
    target = _raw(store, "t")
    _write(target, 0, b"keep")
    with pytest.raises(BlockStoreError, match="chunk 0 is corrupt"):
        store.restore_backup("b", "t", 0)
    assert target.read_bytes()[:4] == b"keep"
    assert not target.with_name(target.name + ".part").exists()
    chunk.unlink()
    with pytest.raises(BlockStoreError, match="chunk 0 is missing"):
        store.restore_backup("b", "t", 0)


def test_sweep_import_and_delete(store: FileBlockStore, tmp_path: Path) -> None:
    src = _raw(store, "v")
    _write(src, 0, b"z" * 10)
    store.backup("volume", "v", "b", None)
    (tmp_path / "backups" / "cut.part").mkdir()
    assert store.sweep_backups() == ["cut.part"]
    assert store.import_backup("b", "copy") == 1
    store.delete_backup("b")
    store.restore_backup("copy", "r", 0)
    assert store.path("r").read_bytes() == src.read_bytes()
    store.delete_backup("copy")
    store.delete_backup("copy")
    assert store.backup_ids() == set()


def test_a_real_volume_round_trip_with_files(store: FileBlockStore) -> None:
    """mkfs.ext4 volume, files written through fill(), backed up, changed, backed up
    incrementally, both restored to new volumes and read back (needs loop mounts)."""
    if os.geteuid() != 0:
        pytest.skip("loop mounts need root")
    store.create("v", 1)

    def writer(text: str) -> Callable[[Path], None]:
        def write(root: Path) -> None:
            (root / "hello.txt").write_text(text)
        return write

    store.fill("v", writer("first"))
    store.backup("volume", "v", "b1", None)
    store.fill("v", writer("second"))
    store.backup("volume", "v", "b2", "b1")
    got: dict[str, str] = {}
    for bid, vid in (("b1", "r1"), ("b2", "r2")):
        store.restore_backup(bid, vid, 2)
        assert store.path(vid).stat().st_size == 2 * GIB

        def reader(root: Path, vid: str = vid) -> None:
            got[vid] = (root / "hello.txt").read_text()
        store.read(vid, reader)
    assert got == {"r1": "first", "r2": "second"}
