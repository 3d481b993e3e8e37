"""The real volume store (the promises are cheptel.backends.blockstore's): sparse files
holding ext4 under DATA_DIR/volumes, loop devices mounted under DATA_DIR/mnt, snapshots
as file copies, backups as compressed chunks (cheptel.backends.backup_files)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from cheptel.backends import backup_files
from cheptel.backends.blockstore import (
    GIB,
    PARTIAL,
    SOURCE_KINDS,
    SUFFIX,
    BlockStoreError,
    Busy,
)


def _run(*argv: str) -> str:
    try:
        return subprocess.run(argv, check=True, capture_output=True, text=True,
                              timeout=300).stdout
    except FileNotFoundError as exc:
        raise BlockStoreError(f"{argv[0]} is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise BlockStoreError(f"{argv[0]} failed: {(exc.stderr or exc.stdout).strip()[:300]}"
                              ) from exc
    except subprocess.TimeoutExpired as exc:
        raise BlockStoreError(f"{argv[0]} timed out") from exc


class FileBlockStore:
    """Sparse files with ext4, under one directory; attached by loop devices under MNT."""

    def __init__(self, directory: Path, mnt: Path | None = None):
        self.directory = directory
        self.mnt = mnt if mnt is not None else directory.parent / "mnt"

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
        fills = self.directory / ".fill"
        for p in fills.iterdir() if fills.is_dir() else ():  # a fill a crash cut short
            source = _mountinfo().get(str(p.resolve()))
            if source is not None:
                _run("umount", "-l", str(p))
                _loop_free(source)
            _rmdir(p)
            gone.append(f"the unfinished fill of {p.name}")
        return gone

    # -- attaching -------------------------------------------------------------------------

    def prepare(self) -> None:
        """MNT bound onto itself and made shared (once per boot of the host; idempotent),
        so that Docker accepts `rslave` binds of its directories and mounts made under it
        later propagate into the containers."""
        self.mnt.mkdir(parents=True, exist_ok=True)
        if str(self.mnt.resolve()) not in _mountinfo():
            _run("mount", "--bind", str(self.mnt), str(self.mnt))
        _run("mount", "--make-shared", str(self.mnt))

    def server_dir(self, server_id: str) -> Path:
        path = self.mnt / server_id
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BlockStoreError(f"cannot make {path}: {exc.strerror}") from exc
        return path

    def remove_server_dir(self, server_id: str) -> None:
        path = self.mnt / server_id
        for child in path.iterdir() if path.is_dir() else ():
            if str(child.resolve()) not in _mountinfo():
                _rmdir(child)
        _rmdir(path)

    def attach(self, volume_id: str, server_id: str, device: str, readonly: bool) -> None:
        target = self.mnt / server_id / device
        source = self.path(volume_id)
        if self.mounts().get((server_id, device)) == volume_id:
            return
        if not source.exists():
            raise BlockStoreError(f"volume {volume_id} has no file")
        self.free_loops(volume_id)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BlockStoreError(f"cannot make {target}: {exc.strerror}") from exc
        loop = _run("losetup", "-f", "--show", *(["-r"] if readonly else []),
                    str(source)).strip()
        try:
            _run("mount", "-t", "ext4", *(["-o", "ro,noload"] if readonly else []),
                 loop, str(target))
        except BlockStoreError:
            _loop_free(loop)
            raise

    def detach(self, server_id: str, device: str, lazy: bool = False) -> None:
        target = self.mnt / server_id / device
        source = _mountinfo().get(str(target.resolve()))
        if source is not None:
            try:
                _run("umount", *(["-l"] if lazy else []), str(target))
            except BlockStoreError as exc:
                if "busy" in str(exc):
                    raise Busy(f"{target} is in use by a process of the server") from exc
                raise
            if source.startswith("/dev/loop"):
                _loop_free(source)  # a lazy umount: freed when its last user goes
        _rmdir(target)

    def fill(self, volume_id: str, writer: Callable[[Path], None]) -> None:
        """Mount the volume privately (DATA_DIR/volumes/.fill/<id>), let `writer` write
        into it, then unmount: the files are on the volume."""
        source, target = self.path(volume_id), self.directory / ".fill" / volume_id
        if not source.exists():
            raise BlockStoreError(f"volume {volume_id} has no file")
        target.mkdir(parents=True, exist_ok=True)
        loop = _run("losetup", "-f", "--show", str(source)).strip()
        try:
            _run("mount", "-t", "ext4", loop, str(target))
            try:
                writer(target)
            finally:
                _run("umount", str(target))
        finally:
            _loop_free(loop)
            _rmdir(target)

    def read(self, volume_id: str, reader: Callable[[Path], None]) -> None:
        """Mount a detached volume read-only and privately (DATA_DIR/volumes/.fill/
        read-<id>; `noload`: its journal is not replayed), let `reader` read it, then
        unmount. A crash leaves the mount to sweep(), as a fill's."""
        source = self.path(volume_id)
        target = self.directory / ".fill" / f"read-{volume_id}"
        if not source.exists():
            raise BlockStoreError(f"volume {volume_id} has no file")
        target.mkdir(parents=True, exist_ok=True)
        loop = _run("losetup", "-f", "--show", "-r", str(source)).strip()
        try:
            _run("mount", "-t", "ext4", "-o", "ro,noload", loop, str(target))
            try:
                reader(target)
            finally:
                _run("umount", str(target))
        finally:
            _loop_free(loop)
            _rmdir(target)

    def free_loops(self, volume_id: str) -> list[str]:
        path = str(self.path(volume_id))
        mounted = set(_mountinfo().values())
        freed = []
        for backing in Path("/sys/block").glob("loop*/loop/backing_file"):
            loop = f"/dev/{backing.parts[-3]}"
            try:
                held = backing.read_text().strip()
            except OSError:
                continue
            if held in (path, path + " (deleted)") and loop not in mounted:
                _loop_free(loop)
                freed.append(loop)
        return freed

    def mounts(self) -> dict[tuple[str, str], str]:
        root = str(self.mnt.resolve()) + "/"
        found = {}
        for point, source in _mountinfo().items():
            if not point.startswith(root) or not source.startswith("/dev/loop"):
                continue
            parts = point[len(root):].split("/")
            backing = _backing_file(source)
            if len(parts) == 2 and backing and backing.endswith(SUFFIX):
                found[(parts[0], parts[1])] = Path(backing).name[:-len(SUFFIX)]
        return found

    def device_of(self, server_id: str, device: str) -> str | None:
        return _mountinfo().get(str((self.mnt / server_id / device).resolve()))

    def release(self) -> list[str]:
        done = []
        for server_id, device in self.mounts():
            self.detach(server_id, device, lazy=True)
            done.append(f"detached {server_id}/{device}")
        if self.mnt.exists() and str(self.mnt.resolve()) in _mountinfo():
            _run("umount", "-l", str(self.mnt))
            done.append(f"unmounted {self.mnt}")
        return done

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

    # --- backups (cheptel.backends.backup_files) ------------------------------------

    @property
    def backup_directory(self) -> Path:
        return self.directory.parent / "backups"

    def backup(self, source_kind: str, source_id: str, backup_id: str,
               parent_id: str | None, frozen_at: Path | None = None) -> int:
        if source_kind not in SOURCE_KINDS:
            raise BlockStoreError(f"unknown source kind {source_kind[:32]!r}")
        source = (self.snapshot_path(source_id) if source_kind == "snapshot"
                  else self.path(source_id))
        if not source.exists():
            raise BlockStoreError(f"the source file {source.name} is missing")
        frozen = False
        try:
            if frozen_at is not None:
                _run("fsfreeze", "-f", str(frozen_at))
                frozen = True
            return backup_files.write(source, self.backup_directory, backup_id,
                                      parent_id, source_id, backup_files.CHUNK)
        except backup_files.BackupFileError as exc:
            raise BlockStoreError(str(exc)) from exc
        finally:
            if frozen:
                assert frozen_at is not None
                _run("fsfreeze", "-u", str(frozen_at))

    def restore_backup(self, backup_id: str, volume_id: str, size_gib: int) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            backup_files.restore(self.backup_directory, backup_id, self.path(volume_id))
        except backup_files.BackupFileError as exc:
            raise BlockStoreError(str(exc)) from exc
        self.extend(volume_id, size_gib)  # a larger volume: its filesystem grown

    def delete_backup(self, backup_id: str) -> None:
        try:
            backup_files.delete(self.backup_directory, backup_id)
        except backup_files.BackupFileError as exc:
            raise BlockStoreError(str(exc)) from exc

    def import_backup(self, source_id: str, backup_id: str) -> int:
        try:
            return backup_files.link(self.backup_directory, source_id, backup_id)
        except backup_files.BackupFileError as exc:
            raise BlockStoreError(str(exc)) from exc

    def backup_ids(self) -> set[str]:
        return backup_files.ids(self.backup_directory)

    def sweep_backups(self) -> list[str]:
        return backup_files.sweep(self.backup_directory)


def _mountinfo() -> dict[str, str]:
    """Mount point -> source, from this process's mount table."""
    found: dict[str, str] = {}
    try:
        text = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        after = line.split(" - ", 1)[1].split()
        point = fields[4].replace("\\040", " ")
        found[point] = after[1] if len(after) > 1 else ""
    return found


def _backing_file(loop: str) -> str | None:
    try:
        return Path(f"/sys/block/{Path(loop).name}/loop/backing_file").read_text().strip()
    except OSError:
        return None


def _loop_free(loop: str) -> None:
    try:
        _run("losetup", "-d", loop)
    except BlockStoreError:
        pass  # already gone, or autoclear set by a lazy umount


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass



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
