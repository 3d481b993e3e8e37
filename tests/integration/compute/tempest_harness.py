"""Tempest's own compute service clients, sending over httpx with a fixed Keystone token.

Each client method sends exactly the request Tempest sends, picks the response schema for
the microversion with Tempest's `schema_versions_info` / `get_schema`, checks the
microversion echo, and validates status code and body with
`RestClient.validate_response` (jsonschema Draft 4 and Tempest's format checker). Only
the transport and the token source are ours: the test owns the tokens and the endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from tempest.lib.common import api_version_request
from tempest.lib.exceptions import InvalidHTTPResponseBody
from tempest.lib.services.compute import (
    aggregates_client,
    availability_zone_client,
    base_compute_client,
    flavors_client,
    hypervisor_client,
    images_client,
    keypairs_client,
    limits_client,
    quota_classes_client,
    quotas_client,
    server_external_events_client,
    server_groups_client,
    servers_client,
    services_client,
    versions_client,
)

from tests.integration.compute import support
from tests.integration.compute.nova_http import Nova

MIN, MAX = "2.1", "2.90"  # what cheptel advertises


@dataclass(frozen=True)
class Credentials:
    """What a RestClient reads from `auth_provider.credentials`."""

    user_id: str
    tenant_id: str

    @property
    def project_id(self) -> str:
        return self.tenant_id


class TokenAuth:
    """The part of tempest.lib.auth.AuthProvider a RestClient calls: a fixed token."""

    def __init__(self, endpoint: str, token: str, credentials: Credentials):
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.credentials = credentials

    def base_url(self, filters: dict, auth_data: object = None) -> str:
        if filters.get("skip_path"):
            parts = urlsplit(self.endpoint)
            return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return self.endpoint

    def get_token(self) -> str:
        return self.token

    def auth_request(self, method: str, url: str, headers: dict | None = None,
                     body: object = None, filters: dict | None = None
                     ) -> tuple[str, dict, object]:
        """As KeystoneAuthProvider._decorate_request: join to the endpoint, add the token."""
        base = self.base_url(filters or {})
        full = base if not url else "/".join([base, url])
        parts = urlsplit(full)
        path = re.sub("/{2,}", "/", parts.path)
        full = urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))
        out = dict(headers or {})
        out["X-Auth-Token"] = self.token
        return full, out, body


class Response(dict):
    """tempest.lib.common.http.ClosingHttp's response: lower-cased headers and .status."""

    def __init__(self, r: httpx.Response, url: str):
        super().__init__((k.lower(), v) for k, v in r.headers.items())
        self.status = r.status_code
        self["status"] = str(r.status_code)
        self.reason = r.reason_phrase
        self.version = 11
        self["content-location"] = url


class HttpxTransport:
    """Stands in for ClosingHttp (urllib3): `request(url, method, ...)` -> (resp, bytes)."""

    def __init__(self, client: httpx.Client):
        self.client = client

    def request(self, url: str, method: str, headers: dict | None = None,
                body: object = None, chunked: bool = False,
                preload_content: bool = True) -> tuple[Response, bytes]:
        content = body.encode() if isinstance(body, str) else body
        r = self.client.request(method, url, headers=headers, content=content)
        return Response(r, url), r.content


CLIENTS = {
    "servers": servers_client.ServersClient,
    "images": images_client.ImagesClient,
    "flavors": flavors_client.FlavorsClient,
    "keypairs": keypairs_client.KeyPairsClient,
    "limits": limits_client.LimitsClient,
    "quotas": quotas_client.QuotasClient,
    "quota_classes": quota_classes_client.QuotaClassesClient,
    "zones": availability_zone_client.AvailabilityZoneClient,
    "hypervisors": hypervisor_client.HypervisorClient,
    "services": services_client.ServicesClient,
    "server_groups": server_groups_client.ServerGroupsClient,
    "server_external_events": server_external_events_client.ServerExternalEventsClient,
    "aggregates": aggregates_client.AggregatesClient,
    "versions": versions_client.VersionsClient,
}


class Clients:
    """One Tempest client per compute resource, all as one user with one token."""

    def __init__(self, endpoint: str, token: str, credentials: Credentials,
                 http: httpx.Client):
        auth = TokenAuth(endpoint, token, credentials)
        transport = HttpxTransport(http)
        for name, cls in CLIENTS.items():
            client = cls(auth, "compute", "RegionOne")
            client.http_obj = transport
            setattr(self, name, client)

    servers: servers_client.ServersClient
    images: images_client.ImagesClient
    flavors: flavors_client.FlavorsClient
    keypairs: keypairs_client.KeyPairsClient
    limits: limits_client.LimitsClient
    quotas: quotas_client.QuotasClient
    quota_classes: quota_classes_client.QuotaClassesClient
    zones: availability_zone_client.AvailabilityZoneClient
    hypervisors: hypervisor_client.HypervisorClient
    services: services_client.ServicesClient
    server_groups: server_groups_client.ServerGroupsClient
    server_external_events: server_external_events_client.ServerExternalEventsClient
    aggregates: aggregates_client.AggregatesClient
    versions: versions_client.VersionsClient


@contextmanager
def microversion(version: str | None) -> Iterator[None]:
    """Tempest's api_microversion_fixture: the module-wide COMPUTE_MICROVERSION."""
    before = base_compute_client.COMPUTE_MICROVERSION
    base_compute_client.COMPUTE_MICROVERSION = version
    try:
        yield
    finally:
        base_compute_client.COMPUTE_MICROVERSION = before


def _v(text: str) -> api_version_request.APIVersionRequest:
    return api_version_request.APIVersionRequest(text)


def schema_changes(client: str) -> list[str]:
    """The microversions (within ours) where Tempest switches schema module for a client."""
    info = getattr(CLIENTS[client], "schema_versions_info", [])
    found = {MIN, MAX}
    for entry in info:
        low = entry["min"] or MIN
        if _v(MIN) <= _v(low) <= _v(MAX):
            found.add(low)
    return sorted(found, key=_v)


def schema_module(client: str, version: str) -> str:
    """The schema module Tempest uses for a client at a microversion (for the report)."""
    info = getattr(CLIENTS[client], "schema_versions_info", None)
    if not info:
        return "v2_1"
    with microversion(version):
        module = base_compute_client.BaseComputeClient.get_schema(None, info)  # type: ignore[arg-type]
    return module.__name__.split(".")[-2]


def in_range(version: str, since: str = MIN, until: str = MAX) -> bool:
    return _v(since) <= _v(version) <= _v(until)


def at_least(version: str, since: str) -> bool:
    return in_range(version, since)


# -- what the cases share, and how they are registered ---------------------------------------

@dataclass
class World:
    """The clients and the resources the cases act on (made once per module)."""

    base: str
    raw: Nova
    demo: Clients
    admin: Clients
    demo_project: str
    admin_project: str
    image: str
    flavor: str
    server: str  # demo's ACTIVE server: reads, metadata, tags, console, lock
    busy: str  # demo's server for rebuild and createImage
    private_flavor: str
    group: str  # demo's anti-affinity group, two members that could not be placed
    failed: str  # one of them: an ERROR server with a fault

    def settle(self, server_id: str) -> None:
        """Wait until the server is ACTIVE with no task (an action may then start)."""
        def done() -> bool:
            s = self.raw.ok("GET", f"/servers/{server_id}", who="demo")["server"]
            assert s["status"] != "ERROR", s
            return s["status"] == "ACTIVE" and s["OS-EXT-STS:task_state"] is None
        support.wait_for(done, 90, f"server {server_id} to settle")

    def keypair(self, name: str) -> str:
        if self.raw.call("GET", f"/os-keypairs/{name}", who="demo").status_code == 404:
            self.raw.ok("POST", "/os-keypairs", who="demo", json={"keypair": {"name": name}})
        return name


Run = Callable[[World, str], object]
Gap = tuple[str, str]  # (from microversion, why Tempest's schema cannot describe Nova's body)


@dataclass
class Registry:
    """Operations, each at the microversions where Tempest's schema for it changes."""

    ops: list[tuple[str, list[str], Run, Gap | None]] = field(default_factory=list)

    def op(self, client: str, *, since: str = MIN, until: str = MAX,
           also: tuple[str, ...] = (), only: tuple[str, ...] | None = None,
           gap: Gap | None = None) -> Callable[[Run], Run]:
        def register(fn: Run) -> Run:
            versions = list(only) if only else sorted(
                set(schema_changes(client)) | set(also), key=_v)
            self.ops.append((fn.__name__, [v for v in versions if in_range(v, since, until)],
                             fn, gap))
            return fn
        return register

    def cases(self) -> list:
        """One pytest param per (operation, microversion); a gap is a strict xfail."""
        return [pytest.param(run, v, id=f"{name}-{v}", marks=_marks(v, gap))
                for name, versions, run, gap in self.ops for v in versions]


def _marks(version: str, gap: Gap | None) -> list:
    if gap is None or not at_least(version, gap[0]):
        return []
    return [pytest.mark.xfail(strict=True, raises=InvalidHTTPResponseBody, reason=gap[1])]
