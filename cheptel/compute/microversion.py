"""Nova microversions: what the client asked for, checked against what cheptel implements."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from starlette.requests import Request

from cheptel.errors import BadRequest, NotAcceptable

MIN = (2, 1)
MAX = (2, 90)  # the highest microversion whose behaviour cheptel implements
HEADERS = ("OpenStack-API-Version", "X-OpenStack-Nova-API-Version")
VARY = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int

    def at_least(self, text: str) -> bool:
        return (self.major, self.minor) >= parse(text)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@lru_cache(maxsize=512)  # at_least() asks it a dozen times a server body
def parse(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    if not (major.isdigit() and minor.isdigit()) or len(text) > 16:
        raise BadRequest(f"Invalid microversion: {text!r}.")
    return int(major), int(minor)


def text(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def requested(request: Request) -> str | None:
    header = request.headers.get("openstack-api-version")
    if header:
        service, _, value = header.strip().partition(" ")
        if service.lower() == "compute" and value:
            return value.strip()
    return request.headers.get("x-openstack-nova-api-version")


def negotiate(request: Request) -> tuple[Version, dict[str, str]]:
    """The version for this request and the headers that echo it (every v2.1 response)."""
    raw = requested(request)
    path = request.url.path.rstrip("/")
    if path.endswith("/compute") or path.endswith("/v2"):
        # the unversioned root and the legacy v2.0 endpoint carry no microversion
        return Version(*MIN), {}
    if raw is None:
        version = MIN
    elif raw.strip().lower() == "latest":
        version = MAX
    else:
        version = parse(raw)
        if not MIN <= version <= MAX:
            headers = {"OpenStack-API-Version": f"compute {text(version)}",
                       "X-OpenStack-Nova-API-Version": text(version), "Vary": VARY}
            raise NotAcceptable(f"Version {text(version)} is not supported by the API. "
                                f"Minimum is {text(MIN)} and maximum is {text(MAX)}.",
                                headers=headers)
    headers = {"OpenStack-API-Version": f"compute {text(version)}",
               "X-OpenStack-Nova-API-Version": text(version), "Vary": VARY}
    return Version(*version), headers
