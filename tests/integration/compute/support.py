"""Helpers for the server tests: a cloud on the real Docker Engine, waiting, docker."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import httpx
import pytest

from tests.integration.cloud import Cloud


def start_cloud(root: Path) -> Cloud:
    # a short reconcile interval: drift is repaired within seconds in tests
    return Cloud(root, extra_env={"CHEPTEL_RECONCILE_INTERVAL": "1"}).start()


def cloud_id(c: Cloud) -> str:
    return httpx.get(c.base_url + "/").json()["cheptel"]["cloud_id"]


def cloud_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = start_cloud(tmp_path_factory.mktemp("servers"))
    yield c
    c.close()


def engine() -> docker.DockerClient:
    return docker.from_env()


def container(server_id: str):  # type: ignore[no-untyped-def]
    return engine().containers.get(f"cheptel-{server_id}")


def no_container(**filters: str) -> bool:
    """No container (running or not) matches these filters: one listing, not docker-py's
    list-then-inspect each, which raises NotFound for one removed in between."""
    return not engine().api.containers(all=True, filters=filters)


def wait_for(predicate, timeout: float = 60, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll until predicate() is truthy; bounded, so a broken feature fails, never hangs."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def wait_status(conn, server_id: str, status: str, timeout: float = 60):  # type: ignore[no-untyped-def]
    def check():  # type: ignore[no-untyped-def]
        s = conn.compute.get_server(server_id)
        if s.status == "ERROR" and status != "ERROR":
            raise AssertionError(f"server went to ERROR: {s.fault}")
        return s if s.status == status else None
    return wait_for(check, timeout, f"server {server_id} {status}")


def user_data(script: str) -> str:
    return base64.b64encode(script.encode()).decode()


def member_of_new_project(cloud: Cloud, prefix: str):  # type: ignore[no-untyped-def]
    """A new project with one member user: (project, that user's openstacksdk connection)."""
    admin = cloud.sdk("cheptel")
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    project = admin.identity.create_project(name=name, domain_id="default")
    user = admin.identity.create_user(name=name, password="pw-" + name, domain_id="default",
                                      default_project_id=project.id)
    admin.identity.assign_project_role_to_user(project, user,
                                               admin.identity.find_role("member"))
    return project, cloud.sdk("cheptel-demo", username=name, password="pw-" + name,
                              project_name=name)
