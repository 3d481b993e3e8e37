"""Placement microversions (OpenStack-API-Version: placement 1.x), negotiated as Placement
does: none asked is 1.0, `latest` the newest, outside the range a 406."""

from __future__ import annotations

from starlette.requests import Request

from cheptel.errors import BadRequest, NotAcceptable

MIN = (1, 0)
MAX = (1, 39)
VARY = "openstack-api-version"


def text(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def parse(raw: str) -> tuple[int, int]:
    major, _, minor = raw.strip().partition(".")
    if len(raw) > 16 or not (major.isdigit() and minor.isdigit()):
        raise BadRequest(f"invalid version string: {raw[:16]}")
    return int(major), int(minor)


def negotiate(request: Request) -> tuple[tuple[int, int], dict[str, str]]:
    if request.url.path.rstrip("/").endswith("/placement"):  # the version document
        return MIN, {}
    version = MIN
    header = request.headers.get("openstack-api-version")
    if header:
        service, _, value = header.strip().partition(" ")
        if service.lower() == "placement" and value.strip():
            raw = value.strip()
            version = MAX if raw.lower() == "latest" else parse(raw)
    headers = {"OpenStack-API-Version": f"placement {text(version)}", "Vary": VARY}
    if not MIN <= version <= MAX:
        raise NotAcceptable(f"Unacceptable version header: {text(version)}", headers=headers)
    return version, headers
