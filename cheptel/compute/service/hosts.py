"""The compute host(s): one hypervisor (the Docker Engine's host), Nova's services, zones.

There is one compute host today: the machine whose Docker Engine runs the servers. Its
capacity comes from the engine (`host_info()`), its usage from the live servers in the
database (each server's flavor copy). The control services (scheduler, conductor) run in
this process, in the "internal" zone, and are up whenever the API answers.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.compute.models import Server

ZONE = "nova"
INTERNAL_ZONE = "internal"
HYPERVISOR_TYPE = "docker"
NAMESPACE = uuid.UUID("6c0c2a5e-4f2b-5d3e-9a59-63686570746c")  # cheptel's uuid5 namespace
BINARIES = (("nova-scheduler", INTERNAL_ZONE), ("nova-conductor", INTERNAL_ZONE),
            ("nova-compute", ZONE))


@dataclass(frozen=True)
class Host:
    """What the engine says about the compute host (zeros when it cannot be reached)."""

    hostname: str
    up: bool
    vcpus: int = 0
    memory_mb: int = 0
    version: str = ""
    disk_gb: int = 0
    disk_free_gb: int = 0
    host_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class ComputeService:
    binary: str
    host: str
    zone: str
    legacy_id: int
    uuid: str
    up: bool


@dataclass
class Usage:
    vcpus: int = 0
    memory_mb: int = 0
    disk_gb: int = 0
    running: int = 0
    workload: int = 0
    servers: list[tuple[str, str]] = field(default_factory=list)  # (name, id)


def compute_host(containers: Any, data_dir: Path, host_ip: str) -> Host:
    """The compute host as the engine reports it; `containers` may be None (unit tests)."""
    disk_gb = disk_free_gb = 0
    try:
        total, _, free = shutil.disk_usage(data_dir if data_dir.exists() else "/")
        disk_gb, disk_free_gb = total // 2**30, free // 2**30
    except OSError:
        pass
    info: dict = {}
    up = False
    if containers is not None:
        try:
            info = containers.host_info() or {}
            up = True
        except Exception:  # noqa: BLE001 - an unreachable engine is a "down" compute host
            info = {}
    return Host(hostname=str(info.get("hostname") or "localhost"), up=up,
                vcpus=int(info.get("vcpus") or 0), memory_mb=int(info.get("memory_mb") or 0),
                version=str(info.get("version") or ""), disk_gb=disk_gb,
                disk_free_gb=disk_free_gb, host_ip=host_ip)


def hypervisor_uuid(hostname: str) -> str:
    """A stable id for the hypervisor: it survives restarts and database moves."""
    return str(uuid.uuid5(NAMESPACE, f"hypervisor:{hostname}"))


def version_number(text: str) -> int:
    """Nova shows hypervisor_version as an integer: 28.2.2 -> 28002002."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if match is None:
        return 0
    major, minor, patch = (int(g or 0) for g in match.groups())
    return major * 1_000_000 + minor * 1_000 + patch


def services(h: Host) -> list[ComputeService]:
    return [ComputeService(binary=b, host=h.hostname, zone=z, legacy_id=i + 1,
                           uuid=str(uuid.uuid5(NAMESPACE, f"service:{h.hostname}:{b}")),
                           up=h.up if b == "nova-compute" else True)
            for i, (b, z) in enumerate(BINARIES)]


def usage(db: Session, hostname: str) -> Usage:
    """What the live servers placed on the host take, from their flavor copies."""
    rows = db.scalars(select(Server).where(Server.deleted.is_(False), Server.host == hostname)
                      .order_by(Server.created_at))
    used = Usage()
    for s in rows:
        flavor = s.flavor or {}
        used.vcpus += int(flavor.get("vcpus", 0))
        used.memory_mb += int(flavor.get("ram", 0))
        used.disk_gb += int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0))
        used.running += 1
        used.workload += 1 if s.task_state else 0
        used.servers.append((s.name, s.id))
    return used


def uptime(now: float | None = None) -> str | None:
    """The host's `uptime` line (Nova's format), or None where /proc cannot tell."""
    try:
        seconds = float(Path("/proc/uptime").read_text().split()[0])
        loads = os.getloadavg()
    except (OSError, ValueError, IndexError):
        return None
    clock = time.strftime("%H:%M:%S", time.localtime(now))
    days, rest = divmod(int(seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    up = f"{hours:2d}:{minutes:02d}"
    if days:
        up = f"{days} day{'s' if days != 1 else ''}, {up}"
    load = ", ".join(f"{x:.2f}" for x in loads)
    return f" {clock} up {up},  0 users,  load average: {load}"
