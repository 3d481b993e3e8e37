"""Backups on local disk: a volume's file as zlib-compressed chunks plus a JSON manifest.

A backup is the directory DATA_DIR/backups/<id>/ holding `manifest.json` and one file
`<index>.zz` per chunk (CHUNK bytes of the volume, zlib level 1) that this backup wrote.
The manifest maps every chunk index that holds data to its sha256 and to the backup
whose directory holds it: a full backup owns all its chunks; an incremental one
(`parent`) writes only the chunks whose sha256 differs from its parent's map and names
the parent's for the others, so a restore reads each chunk where the map says (the
chain walked once, at backup time). Chunks that hold only zeros are in no map: a holey
(sparse) region is found with SEEK_DATA and never read, a region of written zeros is
read and skipped; a restore leaves both as holes.

A backup is written under `<id>.part/` and renamed into place once its manifest is
written, so a directory without the suffix is always complete; sweep() removes the
rest. A restore writes a new sparse file under the volume's temporary name, checks
every chunk's sha256 (a mismatch or a missing chunk fails it, naming which), and only
then replaces the volume's file. The idea is Cinder's chunked driver (posix backend:
cinder/backup/drivers/chunkeddriver.py); the format is cheptel's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 32 * 1024**2
PART = ".part"
MANIFEST = "manifest.json"
FORMAT = "cheptel-backup-1"


class BackupFileError(Exception):
    pass


def _has_data(fd: int, offset: int, length: int) -> bool:
    """Whether [offset, offset+length) of the file holds any allocated data."""
    try:
        found = os.lseek(fd, offset, os.SEEK_DATA)
    except OSError:  # ENXIO: no data at or after offset
        return False
    return found < offset + length


def manifest(directory: Path, backup_id: str) -> dict[str, Any]:
    path = directory / backup_id / MANIFEST
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupFileError(f"backup {backup_id} has no readable manifest") from exc
    return doc


def write(source: Path, directory: Path, backup_id: str, parent_id: str | None,
          volume_id: str, chunk: int = CHUNK) -> int:
    """Back `source` up into directory/<backup_id>/ (incremental over `parent_id`);
    returns the number of chunk files written. Idempotent: a complete backup is kept."""
    final = directory / backup_id
    if (final / MANIFEST).exists():
        return int(manifest(directory, backup_id).get("objects", 0))
    parent = manifest(directory, parent_id)["chunks"] if parent_id else {}
    part = directory / (backup_id + PART)
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    chunks: dict[str, dict[str, str]] = {}
    written = 0
    zero = bytes(chunk)
    try:
        size = source.stat().st_size
        with open(source, "rb") as f:
            fd = f.fileno()
            for index in range((size + chunk - 1) // chunk):
                offset = index * chunk
                if not _has_data(fd, offset, chunk):
                    continue
                f.seek(offset)
                data = f.read(chunk)
                if data == zero[:len(data)]:
                    continue
                digest = hashlib.sha256(data).hexdigest()
                key = str(index)
                if parent.get(key, {}).get("sha256") == digest:
                    chunks[key] = parent[key]
                    continue
                (part / f"{index:08d}.zz").write_bytes(zlib.compress(data, 1))
                chunks[key] = {"sha256": digest, "backup": backup_id}
                written += 1
        doc = {"format": FORMAT, "backup_id": backup_id, "volume_id": volume_id,
               "parent": parent_id, "size": size, "chunk": chunk, "objects": written,
               "chunks": chunks}
        (part / MANIFEST).write_text(json.dumps(doc, sort_keys=True))
        os.replace(part, final)
    except OSError as exc:
        shutil.rmtree(part, ignore_errors=True)
        raise BackupFileError(f"cannot write backup {backup_id}: {exc.strerror or exc}"
                              ) from exc
    return written


BLOCK = 64 * 1024
_ZERO_BLOCK = bytes(BLOCK)


def _write_sparse(out: BinaryIO, offset: int, data: bytes) -> None:
    """Write `data` at `offset`, leaving its all-zero blocks as holes (the file was
    made empty: a hole reads as zeros)."""
    view = memoryview(data)
    for start in range(0, len(data), BLOCK):
        piece = view[start:start + BLOCK]
        if piece != _ZERO_BLOCK[:len(piece)]:
            out.seek(offset + start)
            out.write(piece)


def restore(directory: Path, backup_id: str, target: Path) -> None:
    """Write the backup into a new sparse file at `target` (replaced only once every
    chunk has been read back and checked)."""
    doc = manifest(directory, backup_id)
    chunk, size = int(doc["chunk"]), int(doc["size"])
    part = target.with_name(target.name + PART)
    try:
        with open(part, "wb") as out:
            out.truncate(size)
            for key, entry in sorted(doc["chunks"].items(), key=lambda kv: int(kv[0])):
                index = int(key)
                path = directory / entry["backup"] / f"{index:08d}.zz"
                try:
                    data = zlib.decompress(path.read_bytes())
                except FileNotFoundError:
                    raise BackupFileError(
                        f"backup {backup_id}: chunk {index} is missing (in backup "
                        f"{entry['backup']})") from None
                except zlib.error:
                    raise BackupFileError(
                        f"backup {backup_id}: chunk {index} is corrupt") from None
                if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                    raise BackupFileError(
                        f"backup {backup_id}: chunk {index} is corrupt (sha256 mismatch)")
                _write_sparse(out, index * chunk, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
    except BackupFileError:
        part.unlink(missing_ok=True)
        raise
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise BackupFileError(f"cannot restore backup {backup_id}: "
                              f"{exc.strerror or exc}") from exc


def link(directory: Path, source_id: str, backup_id: str) -> int:
    """A second backup of the same data (an imported record): the source's own chunk
    files hard-linked under the new id, its manifest naming the new id as their owner.
    Returns the chunk files it owns. Idempotent."""
    final = directory / backup_id
    if (final / MANIFEST).exists():
        return int(manifest(directory, backup_id).get("objects", 0))
    doc = manifest(directory, source_id)
    part = directory / (backup_id + PART)
    shutil.rmtree(part, ignore_errors=True)
    try:
        part.mkdir(parents=True)
        for key, entry in doc["chunks"].items():
            if entry["backup"] == source_id:
                name = f"{int(key):08d}.zz"
                os.link(directory / source_id / name, part / name)
                entry["backup"] = backup_id
        doc["backup_id"] = backup_id
        (part / MANIFEST).write_text(json.dumps(doc, sort_keys=True))
        os.replace(part, final)
    except OSError as exc:
        shutil.rmtree(part, ignore_errors=True)
        raise BackupFileError(f"cannot import backup {source_id} as {backup_id}: "
                              f"{exc.strerror or exc}") from exc
    return int(doc.get("objects", 0))


def delete(directory: Path, backup_id: str) -> None:
    try:
        shutil.rmtree(directory / (backup_id + PART), ignore_errors=True)
        if (directory / backup_id).exists():
            shutil.rmtree(directory / backup_id)
    except OSError as exc:
        raise BackupFileError(f"cannot remove backup {backup_id}: {exc.strerror}") from exc


def ids(directory: Path) -> set[str]:
    if not directory.is_dir():
        return set()
    return {p.name for p in directory.iterdir() if not p.name.endswith(PART)}


def sweep(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    gone = []
    for p in directory.iterdir():
        if p.name.endswith(PART):
            shutil.rmtree(p, ignore_errors=True)
            gone.append(p.name)
    return gone
