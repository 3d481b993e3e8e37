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
