"""The load balancers' engine on the host (see cheptel.backends.balancer): one HAProxy
master-worker per load balancer, inside the network namespace holding its VIP.

Files, in DATA_DIR/lb/<load balancer id>/ (haproxy_config.Paths): haproxy.cfg, the
master's pid file, the stats socket (`show stat`, `show servers state`), the master
socket (`show proc`), the server-state file, and haproxy.log (what HAProxy printed).

- Start: `nsenter --net=/run/netns/<ns> haproxy -W -D -p <pid> -S <master socket> -f
  <cfg>` (nsenter, not `ip netns exec`, which remounts /sys), detached (a session of its
  own): it outlives cheptel. A file HAProxy refuses fails the start with its message
  (no `haproxy -c` first: there is nothing to keep serving, and it doubled the time).
- Members' weights or admin states only: told to the running HAProxy (`set server
  <backend>/<member> weight N`, `state maint|ready`), the file rewritten, no reload.
- Any other change: `haproxy -c`; the servers' state saved (`show servers state`: a DOWN member
  stays DOWN, not UP until checked); SIGUSR2 to the master, which re-executes itself
  and hands the listening sockets to the new worker (no connection refused); done when
  the master answers again with one more reload. A file HAProxy refuses raises
  BalancerError with its message, and the running one keeps serving the old file.
- Adopt: a process is this balancer's if the pid file names a live process whose command
  line is haproxy's with this balancer's file (the cloud's lb directory is the scope);
  one whose network namespace is not the one now at /run/netns/<ns> (the namespace was
  made again) is stopped and started anew.
Only haproxy and nsenter are run as processes; the sockets are spoken to directly.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cheptel.backends.balancer import (
    Balancer,
    BalancerBusy,
    BalancerError,
    Health,
    ListenerStats,
)
from cheptel.backends.haproxy_config import Paths, render
from cheptel.backends.plumbing import NETNS

log = logging.getLogger("cheptel.backends.haproxy")


def ask(path: Path, command: str, timeout: float = 5.0) -> str:
    """One command on an HAProxy socket (stats or master), its whole answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        sock.sendall(command.encode() + b"\n")
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def alive(pid: int) -> bool:
    """A process that runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def master_reloads(text: str) -> tuple[int, list[int]]:
    """`show proc` on the master socket: (the master's reloads, the workers' pids)."""
    reloads, workers = -1, []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0].isdigit() and words[1] == "master":
            reloads = int(words[2])
        elif len(words) >= 3 and words[0].isdigit() and words[1] == "worker":
            workers.append(int(words[0]))
    return reloads, workers


def _without_weight(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if out and out[-1] == "weight":
            out[-1] = "weight?"
        elif word != "disabled":
            out.append(word)
    return out


def runtime_changes(old: str, new: str) -> list[str] | None:
    """The runtime API commands (`set server`) taking a HAProxy that runs file `old` to
    file `new`, when the two differ only in servers' weights and `disabled`; else None."""
    before, after = old.splitlines(), new.splitlines()
    if len(before) != len(after) or not old:
        return None
    backend, commands = "", []
    for line, wanted in zip(before, after, strict=True):
        if line.startswith("backend "):
            backend = line.split()[1]
        if line == wanted:
            continue
        words, new_words = line.split(), wanted.split()
        if not backend or words[:1] != ["server"] or new_words[:2] != words[:2] or (
                _without_weight(words) != _without_weight(new_words)):
            return None
        server = f"{backend}/{words[1]}"
        weight = new_words[new_words.index("weight") + 1] if "weight" in new_words else "1"
        if "weight" not in words or words[words.index("weight") + 1] != weight:
            commands.append(f"set server {server} weight {weight}")
        if ("disabled" in words) != ("disabled" in new_words):
            state = "maint" if "disabled" in new_words else "ready"
            commands.append(f"set server {server} state {state}")
    return commands


SERVER = {"UP": "UP", "DOWN": "DOWN", "NOLB": "DRAIN", "DRAIN": "DRAIN", "MAINT": "MAINT",
          "no": "NO_CHECK"}  # the first word of `show stat`'s status ("UP 1/3", "no check")


def without_maintenance(state: str) -> str:
    """`show servers state` without the servers in maintenance (a disabled member): a
    server restored STOPPED with no check stays DOWN once enabled, where the new file's
    server starts as the file says (UP, or "no check")."""
    lines = state.splitlines()
    header = next((ln.lstrip("# ").split() for ln in lines if ln.startswith("# ")), [])
    if "srv_admin_state" not in header:
        return state
    at = header.index("srv_admin_state")
    kept = [ln for ln in lines if ln.startswith("#") or len(ln.split()) <= at
            or ln.split()[at] == "0"]
    return "\n".join(kept) + "\n"


def parse_stat(text: str) -> Health:
    """`show stat` as the contract's Health (backend names are <pool>:<listener>)."""
    health = Health()
    rows = csv.DictReader(text.lstrip("# ").splitlines())
    for row in rows:
        proxy, name, status = row.get("pxname", ""), row.get("svname", ""), row.get(
            "status", "") or ""
        if not proxy or not name:
            continue
        if name == "FRONTEND":
            health.listeners[proxy] = status
            health.stats[proxy] = ListenerStats(
                int(row["bin"] or 0), int(row["bout"] or 0), int(row["scur"] or 0),
                int(row["stot"] or 0), int(row["ereq"] or 0))
        elif name == "BACKEND":
            pool = proxy.partition(":")[0]
            up = "UP" if status == "UP" else "DOWN"
            health.pools[pool] = "UP" if health.pools.get(pool) == "UP" else up
        else:
            state = SERVER.get(status.split(" ")[0], "DOWN")
            if state in ("UP", "NO_CHECK") and row.get("weight") == "0":
                state = "DRAIN"  # weight 0: no new connection
            health.members.setdefault(name, state)
    return health


class HaproxyBalancers:
    """One HAProxy per load balancer, its files under `directory` (DATA_DIR/lb)."""

    def __init__(self, directory: Path, binary: str = "haproxy",
                 netns: Path = Path(NETNS), timeout: float = 10.0) -> None:
        self.directory = directory
        self.binary = binary
        self.netns = netns
        self.timeout = timeout
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, balancer_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(balancer_id, threading.Lock())

    def paths(self, balancer_id: str) -> Paths:
        if not balancer_id or "/" in balancer_id or balancer_id.startswith("."):
            raise BalancerError(f"not a load balancer id: {balancer_id!r}")
        return Paths(self.directory.absolute() / balancer_id)

    def pid(self, paths: Paths) -> int | None:
        """The master's pid, if it runs this balancer's file."""
        try:
            pid = int(paths.pid.read_text().split()[0])
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            return None
        if not alive(pid) or not os.path.basename(argv[0]).startswith(b"haproxy") or (
                str(paths.config).encode() not in argv):
            return None
        return pid

    # -- the contract ----------------------------------------------------------------

    def ensure(self, balancer: Balancer) -> None:
        paths = self.paths(balancer.id)
        with self._lock(balancer.id):
            text = render(balancer, paths)
            namespace = self.netns / balancer.namespace
            try:
                inode = namespace.stat().st_ino
            except OSError:
                raise BalancerBusy(f"no network namespace {balancer.namespace}") from None
            pid = self.pid(paths)
            if pid is not None and _netns_inode(pid) != inode:
                log.info("load balancer %s: its namespace was made again: restarted",
                         balancer.id)
                self._stop(paths, pid)
                pid = None
            try:
                current = paths.config.read_text()
            except OSError:
                current = None
            if pid is not None and current == text:
                return
            paths.directory.mkdir(parents=True, exist_ok=True)
            paths.sockets.mkdir(parents=True, exist_ok=True)
            if pid is None:  # nothing to keep serving: the start itself checks the file
                paths.config.write_text(text)
                self._start(paths, namespace)
            elif not self._at_runtime(paths, current, text):
                self._check(paths, text)
                self._reload(paths, pid, namespace)

    def _at_runtime(self, paths: Paths, current: str | None, text: str) -> bool:
        """Only members' weights or admin states changed: told to the running HAProxy
        (no reload), the file rewritten so the next reload agrees. False: reload."""
        commands = runtime_changes(current or "", text)
        if not commands:
            return False
        try:
            for command in commands:
                answer = ask(paths.stats, command).strip()
                if answer:  # HAProxy said no (a weight out of range...): reloaded
                    log.info("%s: %s: reloading instead", command, answer)
                    return False
        except OSError:
            return False
        new = paths.config.with_suffix(".new")
        new.write_text(text)
        new.replace(paths.config)
        return True

    def remove(self, balancer_id: str) -> None:
        paths = self.paths(balancer_id)
        with self._lock(balancer_id):
            pid = self.pid(paths)
            if pid is not None:
                self._stop(paths, pid)
            shutil.rmtree(paths.directory, ignore_errors=True)
            shutil.rmtree(paths.sockets, ignore_errors=True)

    def running(self) -> set[str]:
        try:
            return {entry.name for entry in self.directory.iterdir() if entry.is_dir()}
        except OSError:
            return set()

    def health(self, balancer_id: str) -> Health | None:
        paths = self.paths(balancer_id)
        if self.pid(paths) is None:
            return None
        try:
            return parse_stat(ask(paths.stats, "show stat"))
        except OSError as exc:
            log.info("load balancer %s: no answer on its stats socket: %s", balancer_id, exc)
            return None

    # -- the process -----------------------------------------------------------------

    def _check(self, paths: Paths, text: str) -> None:
        """The new file, checked by HAProxy, in place; else BalancerError, old file kept."""
        new = paths.config.with_suffix(".new")
        new.write_text(text)
        proc = subprocess.run([self.binary, "-c", "-q", "-f", str(new)], capture_output=True,
                              text=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            new.unlink(missing_ok=True)
            message = (proc.stderr or proc.stdout).strip().replace(str(new), "haproxy.cfg")
            raise BalancerError(f"HAProxy refused the configuration: {message[-1500:]}")
        new.replace(paths.config)

    def _start(self, paths: Paths, namespace: Path) -> None:
        for stale in (paths.pid, paths.master, paths.stats):
            stale.unlink(missing_ok=True)
        logfile = paths.directory / "haproxy.log"
        with logfile.open("wb") as out:  # what this process prints (a start empties it)
            proc = subprocess.run(
                ["nsenter", f"--net={namespace}", self.binary, "-W", "-D",
                 "-p", str(paths.pid), "-S", str(paths.master), "-f", str(paths.config)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=out,
                timeout=self.timeout, start_new_session=True)
        if proc.returncode != 0:
            lines = logfile.read_text(errors="replace").strip().splitlines()
            message = "\n".join([x for x in lines if "ALERT" in x] or lines)
            raise BalancerError(f"HAProxy did not start: {message[-1500:]}")
        self._wait(lambda: self.pid(paths) is not None and _answers(paths.stats)
                   and _answers(paths.master, "show proc"),
                   "HAProxy started but does not answer on its sockets")

    def _reload(self, paths: Paths, pid: int, namespace: Path) -> None:
        try:
            before, _ = master_reloads(ask(paths.master, "show proc"))
            state = ask(paths.stats, "show servers state")
        except OSError as exc:  # a master that does not answer: started anew
            log.warning("HAProxy %s does not answer (%s): restarted", pid, exc)
            self._stop(paths, pid)
            self._start(paths, namespace)
            return
        saved = paths.state.with_suffix(".new")
        saved.write_text(without_maintenance(state))
        saved.replace(paths.state)
        os.kill(pid, signal.SIGUSR2)

        def reloaded() -> bool:
            try:
                return master_reloads(ask(paths.master, "show proc", 1.0))[0] > before
            except OSError:
                return False
        self._wait(reloaded, "HAProxy did not reload")

    def _stop(self, paths: Paths, pid: int) -> None:
        try:
            _, workers = master_reloads(ask(paths.master, "show proc", 1.0))
        except OSError:
            workers = []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for process in [pid, *workers]:
                try:
                    os.kill(process, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + self.timeout / 2
            while any(alive(p) for p in (pid, *workers)) and time.monotonic() < deadline:
                time.sleep(0.02)
            if not any(alive(p) for p in (pid, *workers)):
                return

    def _wait(self, done: Callable[[], bool], message: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not done():
            if time.monotonic() > deadline:
                raise BalancerBusy(message)
            time.sleep(0.01)


def _answers(path: Path, command: str = "show info") -> bool:
    try:
        ask(path, command, 1.0)
        return True
    except OSError:
        return False


def _netns_inode(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None
