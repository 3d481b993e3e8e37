"""Volumes' storage: the interface, and the real one (sparse files holding ext4).

A volume is DATA_DIR/volumes/<id>.img, a sparse file of the volume's size with an ext4
filesystem in it, made by `truncate` and `mkfs.ext4` (docs/volume.md; the measurements
are in the storage design notes). Attaching it (a loop device mounted under a server's
directory) comes later and goes behind this same interface.

What every BlockStore guarantees (FakeBlockStore keeps the same promises in memory):
- create(id, size) either leaves a complete volume or nothing: the file is made under a
  temporary name and renamed into place only once its filesystem is written; it is
  idempotent (an existing complete volume is kept as it is).
- delete(id) is idempotent: no volume, nothing to do.
- extend(id, size) grows a detached volume's file and filesystem; never shrinks.
- ids() lists the complete volumes; sweep() removes what a crash left half-made.
- snapshot(volume_id, snapshot_id, frozen_at) copies a volume's file whole to
  DATA_DIR/snapshots/<id>.img (`cp --reflink=auto --sparse=always`: a reflink where the
  filesystem has them, a sparse copy elsewhere), under a temporary name renamed once
  complete; with `frozen_at` (the mount point of an attached volume) the filesystem is
  frozen (`fsfreeze -f`) around the copy and always thawed after. Idempotent.
- create_from(volume_id, "snapshot" | "volume", source_id, size) makes a volume as a
  copy of a snapshot or of another volume (the same copy), then grows it to `size` if
  that is larger (as extend). Idempotent; a crash leaves at most a temporary file.
- delete_snapshot(id) is idempotent; snapshot_ids() lists the complete snapshots;
  sweep_snapshots() removes the temporary files of interrupted snapshots.
Failures raise BlockStoreError with a message fit for an operator.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Protocol

GIB = 1024**3
SUFFIX = ".img"
PARTIAL = ".part"


class BlockStoreError(Exception):
    """A backend operation failed; the message says what the host answered."""


class BlockStore(Protocol):
    def create(self, volume_id: str, size_gib: int) -> None: ...
    def delete(self, volume_id: str) -> None: ...
    def extend(self, volume_id: str, size_gib: int) -> None: ...
    def ids(self) -> set[str]: ...
    def sweep(self) -> list[str]: ...
    # snapshots and volumes made from a source (see the end of this module)
    def snapshot(self, volume_id: str, snapshot_id: str,
                 frozen_at: Path | None = None) -> None: ...
    def delete_snapshot(self, snapshot_id: str) -> None: ...
    def snapshot_ids(self) -> set[str]: ...
    def sweep_snapshots(self) -> list[str]: ...
    def create_from(self, volume_id: str, source_kind: str, source_id: str,
                    size_gib: int, frozen_at: Path | None = None) -> None: ...


def _run(*argv: str) -> None:
    try:
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=300)
    except FileNotFoundError as exc:
        raise BlockStoreError(f"{argv[0]} is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise BlockStoreError(f"{argv[0]} failed: {(exc.stderr or exc.stdout).strip()[:300]}"
                              ) from exc
    except subprocess.TimeoutExpired as exc:
        raise BlockStoreError(f"{argv[0]} timed out") from exc


class FileBlockStore:
    """Sparse files with ext4, under one directory."""

    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, volume_id: str) -> Path:
        return self.directory / f"{volume_id}{SUFFIX}"

    def create(self, volume_id: str, size_gib: int) -> None:
        final = self.path(volume_id)
        part = final.with_name(final.name + PARTIAL)
        try:
            if final.exists():
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(part, "wb") as f:
                f.truncate(size_gib * GIB)
            _run("mkfs.ext4", "-q", "-F", "-m", "0",
                 "-E", "lazy_itable_init=1,lazy_journal_init=1", str(part))
            os.replace(part, final)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise BlockStoreError(f"cannot make the volume file: {exc.strerror}") from exc
        except BlockStoreError:
            part.unlink(missing_ok=True)
            raise

    def delete(self, volume_id: str) -> None:
        final = self.path(volume_id)
        try:
            final.with_name(final.name + PARTIAL).unlink(missing_ok=True)
            final.unlink(missing_ok=True)
        except OSError as exc:
            raise BlockStoreError(f"cannot remove the volume file: {exc.strerror}") from exc

    def extend(self, volume_id: str, size_gib: int) -> None:
        path = self.path(volume_id)
        try:
            if not path.exists():
                raise BlockStoreError(f"volume {volume_id} has no file")
            if path.stat().st_size >= size_gib * GIB:
                return
            with open(path, "r+b") as f:
                f.truncate(size_gib * GIB)
        except OSError as exc:
            raise BlockStoreError(f"cannot grow the volume file: {exc.strerror}") from exc
        _run("e2fsck", "-f", "-p", str(path))
        _run("resize2fs", str(path))

    def ids(self) -> set[str]:
        if not self.directory.is_dir():
            return set()
        return {p.name[:-len(SUFFIX)] for p in self.directory.iterdir()
                if p.name.endswith(SUFFIX)}

    def sweep(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        gone = []
        for p in self.directory.iterdir():
            if p.name.endswith(PARTIAL):
                p.unlink(missing_ok=True)
                gone.append(p.name)
        return gone

    # --- snapshots, and volumes made from a snapshot or a volume --------------------

    @property
    def snapshot_directory(self) -> Path:
        return self.directory.parent / "snapshots"

    def snapshot_path(self, snapshot_id: str) -> Path:
        return self.snapshot_directory / f"{snapshot_id}{SUFFIX}"

    def snapshot(self, volume_id: str, snapshot_id: str,
                 frozen_at: Path | None = None) -> None:
        final = self.snapshot_path(snapshot_id)
        if final.exists():
            return
        _copy(self.path(volume_id), final, frozen_at)

    def delete_snapshot(self, snapshot_id: str) -> None:
        final = self.snapshot_path(snapshot_id)
        try:
            final.with_name(final.name + PARTIAL).unlink(missing_ok=True)
            final.unlink(missing_ok=True)
        except OSError as exc:
            raise BlockStoreError(f"cannot remove the snapshot file: {exc.strerror}"
                                  ) from exc

    def snapshot_ids(self) -> set[str]:
        where = self.snapshot_directory
        if not where.is_dir():
            return set()
        return {p.name[:-len(SUFFIX)] for p in where.iterdir() if p.name.endswith(SUFFIX)}

    def sweep_snapshots(self) -> list[str]:
        where = self.snapshot_directory
        if not where.is_dir():
            return []
        gone = []
        for p in where.iterdir():
            if p.name.endswith(PARTIAL):
                p.unlink(missing_ok=True)
                gone.append(p.name)
        return gone

    def create_from(self, volume_id: str, source_kind: str, source_id: str,
                    size_gib: int, frozen_at: Path | None = None) -> None:
        if source_kind not in SOURCE_KINDS:
            raise BlockStoreError(f"unknown source kind {source_kind[:32]!r}")
        final = self.path(volume_id)
        if not final.exists():
            source = (self.snapshot_path(source_id) if source_kind == "snapshot"
                      else self.path(source_id))
            _copy(source, final, frozen_at)
        self.extend(volume_id, size_gib)  # nothing to do unless larger


SOURCE_KINDS = ("snapshot", "volume")


def _copy(source: Path, final: Path, frozen_at: Path | None) -> None:
    """`cp --reflink=auto --sparse=always` of `source` under a temporary name, renamed to
    `final` once complete; with `frozen_at`, that filesystem is frozen around the copy
    and always thawed after. On any failure nothing is left under either name."""
    part = final.with_name(final.name + PARTIAL)
    if not source.exists():
        raise BlockStoreError(f"the source file {source.name} is missing")
    frozen = False
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if frozen_at is not None:
            _run("fsfreeze", "-f", str(frozen_at))
            frozen = True
        _run("cp", "--reflink=auto", "--sparse=always", str(source), str(part))
        os.replace(part, final)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise BlockStoreError(f"cannot copy {source.name}: {exc.strerror}") from exc
    except BlockStoreError:
        part.unlink(missing_ok=True)
        raise
    finally:
        if frozen:  # a frozen filesystem blocks its every writer: thaw, whatever happened
            assert frozen_at is not None
            _run("fsfreeze", "-u", str(frozen_at))
