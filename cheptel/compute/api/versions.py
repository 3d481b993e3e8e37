"""Discovery: GET /compute (versions) and GET /compute/v2.1 (this version)."""

from __future__ import annotations

from cheptel.compute import microversion
from cheptel.web import Ctx, Reply, Route

UPDATED = "2013-07-23T11:33:21Z"


def _v21(ctx: Ctx) -> dict:
    return {"id": "v2.1", "status": "CURRENT",
            "version": microversion.text(microversion.MAX),
            "min_version": microversion.text(microversion.MIN), "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{ctx.base_url}/compute/v2.1/"}]}


def _v20(ctx: Ctx) -> dict:
    return {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
            "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{ctx.base_url}/compute/v2/"}]}


def versions(ctx: Ctx) -> Reply:
    return Reply({"versions": [_v20(ctx), _v21(ctx)]}, status=200)


def _document(v: dict, media_version: str) -> dict:
    v["media-types"] = [{"base": "application/json",
                         "type": f"application/vnd.openstack.compute+json;version="
                                 f"{media_version}"}]
    v["links"].append({"rel": "describedby", "type": "text/html",
                       "href": "https://docs.openstack.org/"})
    return {"version": v}


def version(ctx: Ctx) -> dict:
    return _document(_v21(ctx), "2.1")


def version_v20(ctx: Ctx) -> dict:
    """The legacy endpoint's document: the versions list links it, Tempest follows it."""
    return _document(_v20(ctx), "2")


ROUTES = [
    Route("GET", "/", versions, "compute:discovery"),
    Route("GET", "/v2.1", version, "compute:discovery"),
    Route("GET", "/v2.1/", version, "compute:discovery"),
    Route("GET", "/v2", version_v20, "compute:discovery"),
    Route("GET", "/v2/", version_v20, "compute:discovery"),
]
