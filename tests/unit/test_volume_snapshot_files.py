"""The real snapshot storage (cheptel.backends.file_blocks.FileBlockStore) over real files:
`cp --reflink=auto --sparse=always`, mkfs.ext4, e2fsck, resize2fs, and fsfreeze around
the copy (a stand-in on PATH records it: freezing needs a mounted filesystem)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cheptel.backends.blockstore import GIB, BlockStoreError
from cheptel.backends.file_blocks import FileBlockStore

MARK = b"cheptel snapshot marker"
AT = GIB - 4096  # the last block of a 1 GiB volume: free space, never ext4's metadata


def _store(tmp_path: Path) -> FileBlockStore:
    return FileBlockStore(tmp_path / "volumes")


def _mark(path: Path, data: bytes = MARK) -> None:
    with open(path, "r+b") as f:
        f.seek(AT)
        f.write(data)


def _read(path: Path) -> bytes:
    with open(path, "rb") as f:
        f.seek(AT)
        return f.read(len(MARK))


def _fsck_clean(path: Path) -> bool:
    return subprocess.run(["e2fsck", "-fn", str(path)], capture_output=True).returncode == 0


def test_a_snapshot_is_a_sparse_consistent_copy(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.create("v", 1)
    _mark(store.path("v"))
    store.snapshot("v", "s")
    copy = tmp_path / "snapshots" / "s.img"
    assert copy.stat().st_size == GIB and _read(copy) == MARK
    assert copy.stat().st_blocks * 512 < 64 * 1024**2  # sparse
    assert _fsck_clean(copy)
    assert store.snapshot_ids() == {"s"} and store.ids() == {"v"}
    _mark(store.path("v"), b"changed after the snapshot")
    store.snapshot("v", "s")  # idempotent: the complete copy is kept as it is
    assert _read(copy) == MARK
    store.delete_snapshot("s")
    store.delete_snapshot("s")
    assert store.snapshot_ids() == set() and not copy.exists()


def test_volumes_from_a_snapshot_and_from_a_volume(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.create("v", 1)
    _mark(store.path("v"))
    store.snapshot("v", "s")
    store.create_from("from-snap", "snapshot", "s", 2)
    grown = store.path("from-snap")
    assert grown.stat().st_size == 2 * GIB and _read(grown) == MARK and _fsck_clean(grown)
    store.create_from("clone", "volume", "v", 1)
    assert store.path("clone").stat().st_size == GIB and _read(store.path("clone")) == MARK
    assert store.ids() == {"v", "from-snap", "clone"}
    with pytest.raises(BlockStoreError, match="missing"):
        store.create_from("x", "snapshot", "nope", 1)
    with pytest.raises(BlockStoreError, match="unknown source kind"):
        store.create_from("x", "image", "v", 1)
    assert store.ids() == {"v", "from-snap", "clone"}
    assert not list((tmp_path / "volumes").glob("*.part"))


def test_a_crash_leaves_only_what_the_sweep_removes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "s.img.part").write_bytes(b"half")
    assert store.snapshot_ids() == set()
    assert store.sweep_snapshots() == ["s.img.part"]
    assert list((tmp_path / "snapshots").iterdir()) == []


def _tools(tmp_path: Path, cp_fails: bool = False) -> Path:
    """fsfreeze and (optionally failing) cp stand-ins, first on PATH; the log of calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    (bin_dir / "fsfreeze").write_text(f'#!/bin/sh\necho "fsfreeze $*" >> {log}\n')
    cp = f'echo "cp" >> {log}\n' + ("echo 'no space' >&2; exit 1\n" if cp_fails
                                    else 'exec /bin/cp "$@"\n')
    (bin_dir / "cp").write_text("#!/bin/sh\n" + cp)
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return log


def test_an_attached_volume_is_frozen_around_the_copy(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path)
    store.create("v", 1)
    log = _tools(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    store.snapshot("v", "s", frozen_at=Path("/mnt/x/vdb"))
    store.create_from("clone", "volume", "v", 1, frozen_at=Path("/mnt/x/vdb"))
    assert log.read_text().splitlines() == [
        "fsfreeze -f /mnt/x/vdb", "cp", "fsfreeze -u /mnt/x/vdb"] * 2
    assert store.snapshot_ids() == {"s"}


def test_a_failed_copy_is_thawed_and_leaves_no_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path)
    store.create("v", 1)
    log = _tools(tmp_path, cp_fails=True)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(BlockStoreError, match="cp failed: no space"):
        store.snapshot("v", "s", frozen_at=Path("/mnt/x/vdb"))
    assert log.read_text().splitlines() == [
        "fsfreeze -f /mnt/x/vdb", "cp", "fsfreeze -u /mnt/x/vdb"]
    assert list((tmp_path / "snapshots").iterdir()) == []
    with pytest.raises(BlockStoreError, match="cp failed"):
        store.create_from("clone", "volume", "v", 1)
    assert store.ids() == {"v"} and not list((tmp_path / "volumes").glob("*.part"))
