"""Helpers for the image tests: tokens, raw Glance calls, files on disk."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.integration.cloud import ADMIN_PASSWORD, DEMO_PASSWORD, Cloud

PATCH = "application/openstack-images-v2.1-json-patch"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def admin_token(cloud: Cloud) -> str:
    return cloud.token("admin", ADMIN_PASSWORD, "admin")


def demo_token(cloud: Cloud) -> str:
    return cloud.token("demo", DEMO_PASSWORD, "demo")


def glance(cloud: Cloud, method: str, path: str, token: str | None,
           headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """A raw call under /image (path starts with /v2...)."""
    headers = dict(headers or {})
    if token:
        headers["X-Auth-Token"] = token
    with cloud.http() as client:
        return client.request(method, "/image" + path, headers=headers, **kwargs)


def create(cloud: Cloud, token: str, **body: object) -> dict:
    body.setdefault("name", unique("img"))
    body.setdefault("disk_format", "raw")
    body.setdefault("container_format", "bare")
    r = glance(cloud, "POST", "/v2/images", token, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def image_files(cloud: Cloud) -> set[str]:
    folder = cloud.data_dir / "images"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def spool_files(cloud: Cloud) -> list[Path]:
    folder = cloud.data_dir / "tmp"
    return list(folder.iterdir()) if folder.is_dir() else []
