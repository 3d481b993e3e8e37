"""Cinder v3 microversions (OpenStack-API-Version: volume 3.x), negotiated as Cinder does."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from cheptel.errors import BadRequest, NotAcceptable

MIN = (3, 0)
MAX = (3, 71)
VARY = "OpenStack-API-Version"


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int

    def at_least(self, text: str) -> bool:
        return (self.major, self.minor) >= parse(text)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def parse(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    if len(text) > 16 or not (major.isdigit() and minor.isdigit()):
        raise BadRequest(f"Invalid API version request: {text[:16]!r}.")
    return int(major), int(minor)


def text(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def requested(request: Request) -> str | None:
    header = request.headers.get("openstack-api-version")
    if header:
        service, _, value = header.strip().partition(" ")
        if service.lower() == "volume" and value.strip():
            return value.strip()
    return None


def negotiate(request: Request) -> tuple[Version, dict[str, str]]:
    """The version for this request and the headers that echo it (every v3 answer)."""
    path = request.url.path.rstrip("/")
    if path.endswith("/volume"):  # the version list carries no microversion
        return Version(*MIN), {}
    raw = requested(request)
    if raw is None:
        version = MIN
    elif raw.lower() == "latest":
        version = MAX
    else:
        version = parse(raw)
        if not MIN <= version <= MAX:
            raise NotAcceptable(f"Version {text(version)} is not supported by the API. "
                                f"Minimum is {text(MIN)} and maximum is {text(MAX)}.",
                                headers={"OpenStack-API-Version": f"volume {text(version)}",
                                         "Vary": VARY})
    return Version(*version), {"OpenStack-API-Version": f"volume {text(version)}",
                               "Vary": VARY}
