"""A second dockerd of a test's own (its own socket, data root, exec root and pid file, its
own small bridge and no iptables, so the host's dockerd is never touched), for the tests
that need an engine configured otherwise (user namespaces remapped) or that restart it
(chaos's dockerd fault)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import pytest
from pyroute2 import IPRoute


def _up(client: docker.DockerClient) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def _stop(pid: int, timeout: float = 60) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)


@contextmanager
def _bridge() -> Iterator[str]:
    """A bridge of the daemon's own, with a /30 of the documentation range TEST-NET-3 (one per
    pid). Not `--bridge=none`: a daemon without a bridge deletes the host's docker0 when it
    starts (moby's removeDefaultBridgeInterface), breaking the host's own dockerd."""
    name = f"ckd{os.getpid()}"
    address = f"203.0.113.{4 * (os.getpid() % 64) + 1}"
    with IPRoute() as ipr:
        ipr.link("add", ifname=name, kind="bridge")
        index = ipr.link_lookup(ifname=name)[0]
        try:
            ipr.addr("add", index=index, address=address, prefixlen=30)
            ipr.link("set", index=index, state="up")
            yield name
        finally:
            ipr.link("del", index=index)


@contextmanager
def second_dockerd(name: str, *flags: str) -> Iterator[tuple[str, Path]]:
    """Start a dockerd with `flags`; its socket URL and pid file. At the end the daemon
    of that pid file is stopped (a test may have restarted it: another process)."""
    binary = shutil.which("dockerd")
    if os.geteuid() != 0 or binary is None:
        pytest.skip("needs root and dockerd")
    docker0 = Path("/sys/class/net/docker0")
    had_docker0 = docker0.exists()
    with _bridge() as bridge, _dockerd(binary, name, bridge, *flags) as started:
        assert docker0.exists() or not had_docker0, "the second dockerd deleted docker0"
        yield started


@contextmanager
def _dockerd(binary: str, name: str, bridge: str, *flags: str) -> Iterator[tuple[str, Path]]:
    root = Path(tempfile.mkdtemp(prefix=f"cheptel-{name}-"))
    root.chmod(0o711)  # a remapped root must traverse to its data root
    run = Path(f"/run/cheptel-{name}-{os.getpid()}")  # short: a unix socket path
    run.mkdir(mode=0o711)
    (root / "daemon.json").write_text("{}")  # not the host's /etc/docker/daemon.json
    url, pidfile = f"unix://{run}/docker.sock", run / "docker.pid"
    log = open(root / "dockerd.log", "ab")  # noqa: SIM115 - the daemon's
    proc = subprocess.Popen(
        [binary, "-H", url, "--data-root", str(root / "data"), "--exec-root",
         str(run / "exec"), "--pidfile", str(pidfile), "--config-file",
         str(root / "daemon.json"), f"--bridge={bridge}", "--iptables=false", "--ip-masq=false",
         *flags], stdout=log, stderr=log, start_new_session=True)
    client = docker.DockerClient(base_url=url, version="1.41")
    try:
        deadline = time.monotonic() + 60
        while not _up(client):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the second dockerd ({name}) did not start: " + (
                    root / "dockerd.log").read_text()[-2000:])
            time.sleep(0.2)
        yield url, pidfile
    finally:
        try:
            current = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            current = proc.pid
        if current != proc.pid:  # restarted: the one running now, then ours if alive
            _stop(current)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        client.close()
        # a daemon with live restore leaves its data root mounted on itself when it stops
        for mount in sorted((line.split()[1] for line in Path("/proc/mounts").read_text()
                             .splitlines() if line.split()[1].startswith(f"{root}/")),
                            reverse=True):
            subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)
