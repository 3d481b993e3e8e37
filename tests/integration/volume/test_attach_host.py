"""The real host side of attachments: loop devices, mounts under a shared root, a busy
filesystem, read-only attach, and teardown's release (root, as CI runs)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cheptel.backends.blockstore import Busy
from cheptel.backends.file_blocks import FileBlockStore

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="loop devices and mounts need root")


def _loops_of(path: Path) -> str:
    return subprocess.run(["losetup", "-j", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def _propagation(path: Path) -> str:
    return subprocess.run(["findmnt", "-n", "-o", "PROPAGATION", "--mountpoint", str(path)],
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FileBlockStore]:
    s = FileBlockStore(tmp_path / "volumes", tmp_path / "mnt")
    s.prepare()
    yield s
    s.release()


def test_prepare_makes_the_root_a_shared_mount_once(store: FileBlockStore) -> None:
    assert _propagation(store.mnt) == "shared"
    store.prepare()  # a restart: not bound a second time
    lines = Path("/proc/self/mountinfo").read_text().count(f" {store.mnt.resolve()} ")
    assert lines == 1


def test_attach_write_detach_and_attach_elsewhere(store: FileBlockStore) -> None:
    store.create("v1", 1)
    store.server_dir("s1")
    store.attach("v1", "s1", "vdb", readonly=False)
    store.attach("v1", "s1", "vdb", readonly=False)  # idempotent
    assert store.mounts() == {("s1", "vdb"): "v1"}
    (store.mnt / "s1" / "vdb" / "hello").write_text("kept")
    # a real size limit: the filesystem is the volume's size
    st = os.statvfs(store.mnt / "s1" / "vdb")
    assert 0.9 * 1024**3 < st.f_blocks * st.f_frsize <= 1024**3
    store.detach("s1", "vdb")
    assert store.mounts() == {} and _loops_of(store.path("v1")) == ""
    assert not (store.mnt / "s1" / "vdb").exists()
    store.attach("v1", "s2", "vdc", readonly=False)
    assert (store.mnt / "s2" / "vdc" / "hello").read_text() == "kept"
    store.detach("s2", "vdc")
    store.remove_server_dir("s1")
    assert not (store.mnt / "s1").exists()


def test_read_only_attach_refuses_writes(store: FileBlockStore) -> None:
    store.create("ro", 1)
    store.attach("ro", "s1", "vdb", readonly=True)
    with pytest.raises(OSError, match="Read-only"):
        (store.mnt / "s1" / "vdb" / "x").write_text("no")
    store.detach("s1", "vdb")


def test_a_busy_filesystem_refuses_detach_until_lazy(store: FileBlockStore) -> None:
    store.create("busy", 1)
    store.attach("busy", "s1", "vdb", readonly=False)
    holder = subprocess.Popen(["sleep", "60"], cwd=store.mnt / "s1" / "vdb")
    try:
        with pytest.raises(Busy):
            store.detach("s1", "vdb")
        assert store.mounts() == {("s1", "vdb"): "busy"}
        store.detach("s1", "vdb", lazy=True)
        assert store.mounts() == {}  # gone for everyone at once ...
        assert _loops_of(store.path("busy")) != ""  # ... the kernel keeps it for sleep
    finally:
        holder.kill()
        holder.wait()
    for _ in range(50):  # autoclear: the loop device goes with its last user
        if _loops_of(store.path("busy")) == "":
            break
        subprocess.run(["sleep", "0.1"])
    assert _loops_of(store.path("busy")) == ""


def test_release_detaches_everything_and_unmounts_the_root(tmp_path: Path) -> None:
    store = FileBlockStore(tmp_path / "volumes", tmp_path / "mnt")
    store.prepare()
    store.create("a", 1)
    store.attach("a", "s1", "vdb", readonly=False)
    done = store.release()
    assert done == ["detached s1/vdb", f"unmounted {store.mnt}"]
    assert store.mounts() == {} and _loops_of(store.path("a")) == ""
    assert _propagation(store.mnt) == ""
    assert store.release() == []  # idempotent


def test_a_loop_device_a_crash_left_unmounted_is_freed(store: FileBlockStore) -> None:
    store.create("left", 1)
    stray = subprocess.run(["losetup", "-f", "--show", str(store.path("left"))],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert stray in _loops_of(store.path("left"))
    store.attach("left", "s1", "vdb", readonly=False)  # the stray one first goes
    assert len(_loops_of(store.path("left")).splitlines()) == 1  # only the mounted one
    store.detach("s1", "vdb")
    again = subprocess.run(["losetup", "-f", "--show", str(store.path("left"))],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert store.free_loops("left") == [again]  # as after a crash before losetup -d
    assert _loops_of(store.path("left")) == ""
