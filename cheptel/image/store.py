"""Image files on disk: DATA_DIR/images/<image id>, nothing else, written only by rename.

A file appears at its final path in one os.replace() of a fully written, fsynced spool
file (cheptel.spool), so a reader never sees a partial image; a crash leaves either the
whole file or none. Files with no database row (a crash between commit and unlink) are
swept at start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cheptel.spool import spool_directory

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
READ_CHUNK = 256 * 1024


def images_dir(data_dir: Path) -> Path:
    return data_dir / "images"


def spool_dir(data_dir: Path) -> Path:
    """Where uploads are spooled before they are renamed into images_dir (same filesystem)."""
    return spool_directory(data_dir)


def path(data_dir: Path, image_id: str) -> Path:
    """The file of an image (it may not exist). Ids are checked: no path tricks."""
    if not _UUID.match(image_id):
        raise ValueError(f"not an image id: {image_id!r}")
    return images_dir(data_dir) / image_id


def adopt(data_dir: Path, image_id: str, source: Path) -> Path:
    """Move a complete file (e.g. a spooled upload) into place as the image's data."""
    final = path(data_dir, image_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(source, 0o600)  # tenants' data: for cheptel's eyes only
    os.replace(source, final)
    fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself survives a crash
    finally:
        os.close(fd)
    return final


def remove(data_dir: Path, image_id: str) -> None:
    path(data_dir, image_id).unlink(missing_ok=True)


def open_data(data_dir: Path, image_id: str) -> BinaryIO | None:
    """Open the image's file for reading, or None if it has no data.

    Readers keep the open file even if the image is deleted meanwhile (POSIX unlink).
    """
    try:
        return open(path(data_dir, image_id), "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        return None


def iter_file(fh: BinaryIO) -> Iterator[bytes]:
    """Read an open file in chunks, closing it at the end (or when the reader stops)."""
    try:
        while chunk := fh.read(READ_CHUNK):
            yield chunk
    finally:
        fh.close()


def stored_ids(data_dir: Path) -> set[str]:
    folder = images_dir(data_dir)
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if _UUID.match(p.name)}
