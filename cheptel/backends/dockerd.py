"""Restart the host's Docker daemon as scripts/setup.sh runs it: a `dockerd
--live-restore` started in the background, its output in /var/log/cheptel-dockerd.log.

The daemon named by its pid file is stopped with SIGTERM (what `systemctl stop` sends:
with live restore, its containers keep running), and once it is gone it is started
again with its own command line (read from /proc before the stop), detached, in a
session of its own, its output appended to the log. A daemon systemd runs is restarted
by systemd instead. Used by `cheptel chaos --faults dockerd` and the tests that restart
the engine; root only. Whoever calls it checks first that the daemon has live restore
(its `docker info`): without it, every container on the host would stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

PIDFILE = Path("/var/run/docker.pid")
LOG = Path("/var/log/cheptel-dockerd.log")
SOCKET = "unix:///var/run/docker.sock"  # a dockerd's without -H, a client's by default


class RestartError(Exception):
    """The daemon could not be found, stopped or started again."""


def daemon(pidfile: Path = PIDFILE, url: str | None = None) -> tuple[int, list[str]]:
    """The dockerd of `pidfile`: its pid and command line; with `url` (a client's engine
    URL, "" for the default socket), refused unless it is a socket that daemon serves."""
    try:
        pid = int(pidfile.read_text().split()[0])
        cmdline = [c.decode() for c in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                   if c]
    except (OSError, ValueError, IndexError) as exc:
        raise RestartError(f"no running dockerd in {pidfile}: {exc}") from exc
    if not cmdline or Path(cmdline[0]).name != "dockerd":
        raise RestartError(f"process {pid} of {pidfile} is not a dockerd: {cmdline[:1]}")
    if url is not None and _socket(url or SOCKET) not in {_socket(h) for h in _hosts(cmdline)}:
        raise RestartError(f"the dockerd of {pidfile} does not serve {url or SOCKET}")
    return pid, cmdline


def _hosts(cmdline: list[str]) -> list[str]:
    found = [cmdline[i + 1] for i, a in enumerate(cmdline[:-1]) if a in ("-H", "--host")]
    found += [a.split("=", 1)[1] for a in cmdline if a.startswith(("-H=", "--host="))]
    return found or [SOCKET]


def _socket(url: str) -> str:
    """A unix socket's real path (/var/run is often /run), or the URL itself."""
    return os.path.realpath(url[len("unix://"):]) if url.startswith("unix://") else url


def restart(pidfile: Path = PIDFILE, log: Path = LOG, timeout: float = 60.0,
            url: str | None = None) -> int:
    """Stop the daemon of `pidfile` (only if it serves `url`, when given) and start it
    again; the old process's pid."""
    pid, cmdline = daemon(pidfile, url)
    try:
        cgroup = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError as exc:
        raise RestartError(f"dockerd {pid} is gone: {exc}") from exc
    if "docker.service" in cgroup:  # systemd's: it starts it again its own way
        subprocess.run(["systemctl", "restart", "docker"], check=True, timeout=timeout,
                       capture_output=True)
        return pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and not _zombie(pid):
        if time.monotonic() > deadline:
            raise RestartError(f"dockerd {pid} did not stop in {timeout:.0f} s")
        time.sleep(0.1)
    with open(log, "ab") as out:
        subprocess.Popen(cmdline, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                         start_new_session=True, close_fds=True)
    return pid


def _zombie(pid: int) -> bool:
    """Ended, its parent (maybe this process) not having reaped it yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
