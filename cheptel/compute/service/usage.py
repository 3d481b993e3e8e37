"""Usage (os-simple-tenant-usage): what each project's servers consumed over a period,
from their lifetimes as the database keeps them (launched_at, terminated_at, and the copy
of the flavor each server keeps), deleted servers included.

As Nova (nova/api/openstack/compute/simple_tenant_usage.py and the DB's
instance_get_active_by_window_joined): the servers still running at `start` or launched
after it and before `stop`, ordered by (project, id) for paging; each server's hours are
its lifetime clipped to the period, its usage those hours times its vcpus, memory and
disk; a project's totals are the sums over its servers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cheptel.compute.models import Server
from cheptel.errors import BadRequest

FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def parse_time(text: str | None, now: float) -> float:
    """A period bound as Nova reads it (naive: UTC); absent or empty: now."""
    if not text:
        return now
    for fmt in FORMATS:
        try:
            value = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return value.replace(tzinfo=datetime.UTC).timestamp()
    raise BadRequest("Invalid datetime string: Datetime is in invalid format")


def naive(ts: float) -> str:
    """A time as Nova's JSON prints its naive UTC datetimes (microseconds when any)."""
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).replace(
        tzinfo=None).isoformat()


@dataclass
class Period:
    start: float
    stop: float


def period(query: dict[str, str], now: float) -> Period:
    # an absent bound is "now", read by Nova twice: the end a moment after the start
    start, stop = parse_time(query.get("start"), now), parse_time(query.get("end"),
                                                                  now + 1e-6)
    if not start < stop:
        raise BadRequest("Invalid start time. The start time cannot occur after the end "
                         "time.")
    return Period(start, min(stop, now))  # Nova: never past now


def _hours(server: Server, p: Period) -> float:
    launched, ended = server.launched_at, server.terminated_at
    if launched is None or (ended is not None and ended < p.start) or launched > p.stop:
        return 0.0
    stop = min(p.stop, ended) if ended is not None else p.stop
    return (stop - max(launched, p.start)) / 3600.0


def usages(db: Session, p: Period, project_id: str | None, detailed: bool,
           limit: int, marker: str | None, now: float
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the projects' usage summaries, every server's usage) over the period."""
    q = select(Server).where(
        or_(Server.terminated_at.is_(None), Server.terminated_at > p.start),
        Server.launched_at < p.stop).order_by(Server.project_id, Server.id)
    if project_id is not None:
        q = q.where(Server.project_id == project_id)
    if marker is not None:
        after = db.get(Server, marker)
        if after is None:
            raise BadRequest(f"Marker {marker} could not be found.")
        q = q.where(or_(Server.project_id > after.project_id, and_(
            Server.project_id == after.project_id, Server.id > after.id)))
    projects: dict[str, dict[str, Any]] = {}
    servers = []
    for s in db.scalars(q.limit(limit)):
        flavor = s.flavor or {}
        hours = _hours(s, p)
        ended = s.terminated_at
        info = {
            "hours": hours, "flavor": flavor.get("name", ""), "instance_id": s.id,
            "name": s.name, "tenant_id": s.project_id,
            "memory_mb": int(flavor.get("ram", 0)),
            "local_gb": int(flavor.get("disk", 0)) + int(flavor.get("ephemeral", 0)),
            "vcpus": int(flavor.get("vcpus", 0)),
            "started_at": naive(s.launched_at or s.created_at),
            "ended_at": naive(ended) if ended is not None else None,
            "state": "terminated" if ended is not None else s.vm_state,
            "uptime": int((ended if ended is not None else now)
                          - (s.launched_at or s.created_at)),
        }
        summary = projects.get(s.project_id)
        if summary is None:
            summary = projects[s.project_id] = {
                "tenant_id": s.project_id, **({"server_usages": []} if detailed else {}),
                "total_local_gb_usage": 0, "total_vcpus_usage": 0,
                "total_memory_mb_usage": 0, "total_hours": 0,
                "start": naive(p.start), "stop": naive(p.stop)}
        summary["total_local_gb_usage"] += info["local_gb"] * hours
        summary["total_vcpus_usage"] += info["vcpus"] * hours
        summary["total_memory_mb_usage"] += info["memory_mb"] * hours
        summary["total_hours"] += hours
        servers.append(info)
        if detailed:
            summary["server_usages"].append(info)
    return list(projects.values()), servers
