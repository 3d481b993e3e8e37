"""What a server's container may take of the host beyond its flavor's memory and CPU:
processes, open files (ulimits) and its console log.

A flavor may say its own ulimits in extra specs `cheptel:nofile` and `cheptel:nproc`
("N", or "SOFT:HARD"); otherwise the defaults below. A hard limit above dockerd's own
cannot be set (the container's init is refused: the server goes to ERROR saying so), so
the defaults stay within what any dockerd has: the kernel's own defaults for open files
(soft 1024, hard 4096). RLIMIT_NPROC counts the processes of one user id: without user
namespace remapping a container's non-root users are host users shared by every
container (root is not counted at all), so a tight nproc would let one tenant's
processes stop another's forks; each server's processes are bounded by its pids cgroup
limit instead, and nproc is a host-wide backstop. With remapping every container counts
its own, and nproc is the pids limit.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("cheptel.reconciler.limits")

NOFILE = (1024, 4096)  # the kernel's defaults (INR_OPEN_CUR, INR_OPEN_MAX)
NPROC_SHARED = 4096  # without remapping: a backstop above any pids limit of a flavor
# (up to 32 vCPUs), under the kernel's own default on a host of 1 GiB and up
SPEC_NOFILE, SPEC_NPROC = "cheptel:nofile", "cheptel:nproc"


def pids_limit(flavor: dict[str, Any]) -> int:
    return max(256, 128 * int(flavor["vcpus"]))


def _ulimit(flavor: dict[str, Any], key: str, default: tuple[int, int]) -> tuple[int, int]:
    raw = (flavor.get("extra_specs") or {}).get(key)
    if raw is None:
        return default
    soft, _, hard = str(raw).partition(":")
    try:
        values = int(soft), int(hard or soft)
    except ValueError:
        values = (0, 0)
    if not 0 < values[0] <= values[1]:
        log.warning("flavor %s: %s=%r is not N or SOFT:HARD; using %s", flavor.get("id"),
                    key, raw, default)
        return default
    return values


def container_limits(flavor: dict[str, Any], remapped: bool, log_max_bytes: int,
                     log_max_files: int) -> dict[str, Any]:
    """The ContainerSpec fields for these limits."""
    pids = pids_limit(flavor)
    nproc = (pids, pids) if remapped else (NPROC_SHARED, NPROC_SHARED)
    return {"pids_limit": pids, "nofile": _ulimit(flavor, SPEC_NOFILE, NOFILE),
            "nproc": _ulimit(flavor, SPEC_NPROC, nproc),
            "log_max_bytes": max(4096, log_max_bytes), "log_max_files": max(1, log_max_files)}
