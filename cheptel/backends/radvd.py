"""Router advertisements: one Debian radvd per router namespace that has IPv6 subnets in
slaac or dhcpv6-stateless mode (cheptel.backends.netlink calls it for each router). Its
files live in RADVD: <namespace>.conf, .pid and .log (under /run: gone with a reboot,
as the namespaces are)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
from pathlib import Path

from cheptel.backends.plumbing import NETNS, PlumbingError, RouterNamespace

log = logging.getLogger("cheptel.backends.radvd")

RADVD = Path("/run/cheptel/radvd")


def pid(name: str) -> int | None:
    """The pid of the namespace's radvd, if it runs (its pid file names a live radvd)."""
    try:
        found = int((RADVD / f"{name}.pid").read_text().split()[0])
        with open(f"/proc/{found}/comm") as fh:
            return found if fh.read().strip() == "radvd" else None
    except (OSError, ValueError, IndexError):
        return None


def stop(name: str) -> None:
    running = pid(name)
    if running is not None:
        try:
            os.kill(running, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for suffix in (".conf", ".pid", ".log"):
        (RADVD / f"{name}{suffix}").unlink(missing_ok=True)


def ensure(router: RouterNamespace) -> None:
    """One radvd in the router's namespace while it has advertisements to send: started
    with its configuration (written under RADVD), told of a new one by SIGHUP (radvd
    reads it again), stopped when there is none. It daemonizes: it outlives cheptel's
    process, as the namespace does, and is found again by its pid file."""
    if not router.radvd:
        stop(router.name)
        return
    if shutil.which("radvd") is None:  # scripts/setup.sh installs it
        log.warning("router %s: no radvd on this host: no router advertisements",
                    router.router_id)
        return
    conf = RADVD / f"{router.name}.conf"
    try:
        RADVD.mkdir(parents=True, exist_ok=True)
        changed = not conf.exists() or conf.read_text() != router.radvd
        if changed:
            conf.write_text(router.radvd)
        running = pid(router.name)
        if running is not None:
            if changed:
                os.kill(running, signal.SIGHUP)
            return
        proc = subprocess.run(
            ["nsenter", f"--net={NETNS}/{router.name}", "radvd", "-C", str(conf),
             "-p", str(RADVD / f"{router.name}.pid"), "-m", "logfile",
             "-l", str(RADVD / f"{router.name}.log")],
            capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise PlumbingError(f"router {router.router_id}: radvd: {exc}") from None
    if proc.returncode != 0:
        raise PlumbingError(f"router {router.router_id}: radvd: "
                            f"{(proc.stderr or proc.stdout).strip()[:300]}")
