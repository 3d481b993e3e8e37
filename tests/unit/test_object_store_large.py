"""Large objects in process: DLO (X-Object-Manifest) and SLO (multipart-manifest)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.unit.conftest import Api
from tests.unit.objstore import Swift, admin


@pytest.fixture
def sw(api: Api) -> Swift:
    s = admin(api)
    s.ok("PUT", "/c")
    s.ok("PUT", "/c_segments")
    for i, part in enumerate((b"aaa", b"bbbb", b"cc")):
        s.ok("PUT", f"/c_segments/big/{i:08d}", part)
    return s


def _etag(*parts: bytes) -> str:
    return hashlib.md5("".join(hashlib.md5(p).hexdigest() for p in parts).encode()
                       ).hexdigest()


def test_dlo_reads_its_segments_in_order(sw: Swift) -> None:
    sw.ok("PUT", "/c/big", b"", X_Object_Manifest="c_segments/big/")
    r = sw.ok("GET", "/c/big")
    assert r.content == b"aaabbbbcc"
    assert r.headers["ETag"] == f'"{_etag(b"aaa", b"bbbb", b"cc")}"'
    assert r.headers["X-Object-Manifest"] == "c_segments/big/"
    assert sw.call("GET", "/c/big", Range="bytes=2-5").content == b"abbb"
    assert sw.ok("GET", "/c/big?multipart-manifest=get").content == b""


def _manifest(sw: Swift, **over: object) -> bytes:
    entries = []
    for i, part in enumerate((b"aaa", b"bbbb", b"cc")):
        entries.append({"path": f"/c_segments/big/{i:08d}",
                        "etag": hashlib.md5(part).hexdigest(), "size_bytes": len(part)})
    entries[0].update(over)
    return json.dumps(entries).encode()


def test_slo_put_get_and_manifest(sw: Swift) -> None:
    r = sw.call("PUT", "/c/slo?multipart-manifest=put", _manifest(sw))
    assert r.status_code == 201, r.text
    whole = _etag(b"aaa", b"bbbb", b"cc")
    assert r.headers["ETag"] == f'"{whole}"'
    got = sw.ok("GET", "/c/slo")
    assert got.content == b"aaabbbbcc" and got.headers["X-Static-Large-Object"] == "True"
    assert got.headers["Content-Length"] == "9"
    assert sw.call("GET", "/c/slo", Range="bytes=-4").content == b"bbcc"
    listed = sw.ok("GET", "/c?format=json").json()
    assert listed[0]["bytes"] == 9 and listed[0]["hash"] == whole
    manifest = sw.ok("GET", "/c/slo?multipart-manifest=get").json()
    assert [m["name"] for m in manifest][0] == "/c_segments/big/00000000"
    raw = sw.ok("GET", "/c/slo?multipart-manifest=get&format=raw").json()
    assert raw[1] == {"path": "/c_segments/big/00000001",
                      "etag": hashlib.md5(b"bbbb").hexdigest(), "size_bytes": 4}


def test_slo_copy_flattens(sw: Swift) -> None:
    sw.ok("PUT", "/c/slo?multipart-manifest=put", _manifest(sw))
    sw.ok("COPY", "/c/slo", Destination="c/flat")
    flat = sw.ok("GET", "/c/flat")
    assert flat.content == b"aaabbbbcc" and "X-Static-Large-Object" not in flat.headers


def test_slo_delete_with_its_segments(sw: Swift) -> None:
    sw.ok("PUT", "/c/slo?multipart-manifest=put", _manifest(sw))
    r = sw.ok("DELETE", "/c/slo?multipart-manifest=delete", Accept="application/json")
    assert r.json()["Number Deleted"] == 4
    assert sw.names("/c_segments") == []


@pytest.mark.parametrize(("body", "why"), [
    (b"not json", "valid JSON"), (b"{}", "list"), (b"[]", "at least one"),
    (b'[{"etag": null}]', "path"), (b'[{"path": 3}]', "path"),
    (b'[{"path": "/c_segments/big/00000000", "range": "1-2"}]', "extraneous"),
    (b'[{"path": "/c_segments/big/00000000", "size_bytes": -1}]', "size_bytes"),
    (b'[{"path": "/c_segments/nope"}]', "404 Not Found"),
    (b'[{"path": "nocontainer"}]', "Invalid"),
])
def test_slo_bad_manifests_are_400(sw: Swift, body: bytes, why: str) -> None:
    r = sw.call("PUT", "/c/slo?multipart-manifest=put", body)
    assert r.status_code == 400 and why in r.text, r.text
    assert sw.call("HEAD", "/c/slo").status_code == 404


def test_slo_mismatches(sw: Swift) -> None:
    r = sw.call("PUT", "/c/slo?multipart-manifest=put", _manifest(sw, etag="0" * 32))
    assert r.status_code == 400 and "Etag Mismatch" in r.text
    r = sw.call("PUT", "/c/slo?multipart-manifest=put", _manifest(sw, size_bytes=1))
    assert r.status_code == 400 and "Size Mismatch" in r.text
    r = sw.call("PUT", "/c/slo?multipart-manifest=put", _manifest(sw), ETag="1" * 32)
    assert r.status_code == 422


def test_slo_segment_changed_is_409(sw: Swift) -> None:
    sw.ok("PUT", "/c/slo?multipart-manifest=put", _manifest(sw))
    sw.ok("PUT", "/c_segments/big/00000001", b"changed")
    assert sw.call("GET", "/c/slo").status_code == 409


def test_temp_url_reaches_an_slos_segments_with_an_account_key(sw: Swift) -> None:
    import hmac

    sw.ok("PUT", "/c/slo?multipart-manifest=put", _manifest(sw))
    expires = int(sw.api.clock.now) + 60
    path = f"/v1/AUTH_{sw.project}/c/slo"
    sig = hmac.new(b"k", f"GET\n{expires}\n{path}".encode(), hashlib.sha256).hexdigest()
    url = f"/c/slo?temp_url_sig={sig}&temp_url_expires={expires}"
    sw.ok("POST", "/c", X_Container_Meta_Temp_URL_Key="k")
    # a container key reaches its own container only: the segments are elsewhere
    assert sw.call("GET", url, token=None).status_code == 401
    sw.ok("POST", "/c", X_Remove_Container_Meta_Temp_URL_Key="x")
    sw.ok("POST", "", X_Account_Meta_Temp_URL_Key="k")
    r = sw.call("GET", url, token=None)
    assert r.status_code == 200 and r.content == b"aaabbbbcc"
