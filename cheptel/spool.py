"""Spooling bulk data to disk: never a whole upload in memory.

A SpoolWriter writes chunks to a new file in a temp directory (on the same filesystem as
the data dir, so the owner can os.replace() it into place), counts the bytes against a
cap, and computes md5 and sha512 on the way. The route wrapper (cheptel.web, routes with
`stream=`) feeds it the request body; the image service also feeds it `docker save`
archives and the bootstrap image.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cheptel.errors import PayloadTooLarge

PREFIX = "upload-"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Spooled:
    """A complete body on disk: where it is, how big, and its digests (hex)."""

    path: Path
    size: int
    md5: str
    sha512: str

    def discard(self) -> None:
        """Delete the file unless its owner has moved it away already."""
        self.path.unlink(missing_ok=True)


class SpoolWriter:
    """Write chunks to a fresh file in `directory`; over `cap` bytes -> PayloadTooLarge.

    The file is deleted on any failure (the writer is also a context manager that
    discards on an exception); finish() fsyncs it and returns the Spooled result.
    """

    def __init__(self, directory: Path, cap: int):
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=PREFIX, dir=directory)
        self.path = Path(name)
        self.file = os.fdopen(fd, "wb")
        self.cap = cap
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha512 = hashlib.sha512()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.cap:
            self.discard()
            raise PayloadTooLarge(f"The incoming data is larger than the limit of "
                                  f"{self.cap} bytes.")
        self.md5.update(chunk)
        self.sha512.update(chunk)
        self.file.write(chunk)

    def finish(self) -> Spooled:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return Spooled(self.path, self.size, self.md5.hexdigest(), self.sha512.hexdigest())

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self.discard()


def spool_directory(data_dir: Path) -> Path:
    """Where spool files live: inside the data dir, so a rename moves them into place."""
    return data_dir / "tmp"


def spool_chunks(chunks: Iterable[bytes], directory: Path, cap: int) -> Spooled:
    """Spool an iterable of byte chunks (a generator, a file read in pieces)."""
    with SpoolWriter(directory, cap) as writer:
        for chunk in chunks:
            writer.write(chunk)
        return writer.finish()


def hash_file(path: Path) -> Spooled:
    """Describe a file already written in the spool directory (e.g. by `docker save`)."""
    md5, sha512, size = hashlib.md5(usedforsecurity=False), hashlib.sha512(), 0
    for chunk in file_chunks(path):
        md5.update(chunk)
        sha512.update(chunk)
        size += len(chunk)
    return Spooled(path, size, md5.hexdigest(), sha512.hexdigest())


def file_chunks(path: Path, size: int = CHUNK) -> Iterable[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def clean(directory: Path) -> int:
    """Remove spool files a crash left behind (at start, before serving); -> how many."""
    if not directory.is_dir():
        return 0
    gone = 0
    for leftover in directory.glob(PREFIX + "*"):
        leftover.unlink(missing_ok=True)
        gone += 1
    return gone
