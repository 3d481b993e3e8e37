"""The object store (Swift v1) in process: accounts, containers, objects, listings, the
headers and codes Swift answers, and its refusals (never a 500)."""

from __future__ import annotations

import hashlib
import json

import pytest

from cheptel.objectstore.schemas import MAX_CONTAINER_NAME_LENGTH, MAX_OBJECT_NAME_LENGTH
from tests.unit.conftest import Api
from tests.unit.objstore import Swift, admin


@pytest.fixture
def sw(api: Api) -> Swift:
    return admin(api)


def test_info_lists_swift_limits_and_only_working_middleware(api: Api) -> None:
    r = api.client.get("/object-store/info")
    assert r.status_code == 200
    info = r.json()
    assert info["swift"]["max_file_size"] == 5368709122
    assert info["swift"]["container_listing_limit"] == 10000
    assert info["swift"]["max_object_name_length"] == MAX_OBJECT_NAME_LENGTH
    assert "tempurl" in info and "sha256" in info["tempurl"]["allowed_digests"]
    for middleware in ("slo", "dlo", "bulk_delete", "bulk_upload", "container_quotas",
                       "account_quotas", "versioned_writes", "formpost", "staticweb",
                       "crossdomain", "symlink"):
        assert middleware in info
    for missing in ("container_sync", "s3api"):
        assert missing not in info  # listed only once it works: clients act on it


def test_account_counts_follow_the_rows(sw: Swift) -> None:
    r = sw.ok("HEAD")
    assert r.status_code == 204
    assert r.headers["X-Account-Container-Count"] == "0"
    assert r.headers["X-Trans-Id"].startswith("tx")
    assert r.headers["X-Openstack-Request-Id"] == r.headers["X-Trans-Id"]
    sw.ok("PUT", "/a")
    sw.ok("PUT", "/a/o1", b"12345")
    sw.ok("PUT", "/a/o2", b"123")
    h = sw.ok("HEAD").headers
    assert (h["X-Account-Container-Count"], h["X-Account-Object-Count"],
            h["X-Account-Bytes-Used"]) == ("1", "2", "8")
    listing = sw.ok("GET", "?format=json").json()
    assert listing[0]["name"] == "a" and listing[0]["count"] == 2 and listing[0]["bytes"] == 8


def test_account_metadata_set_and_removed(sw: Swift) -> None:
    assert sw.ok("POST", "", X_Account_Meta_Color="blue").status_code == 204
    assert sw.ok("HEAD").headers["X-Account-Meta-Color"] == "blue"
    sw.ok("POST", "", X_Remove_Account_Meta_Color="x")
    assert "X-Account-Meta-Color" not in sw.ok("HEAD").headers


def test_container_create_is_201_then_202_and_delete_needs_empty(sw: Swift) -> None:
    assert sw.call("PUT", "/c").status_code == 201
    assert sw.call("PUT", "/c").status_code == 202
    sw.ok("PUT", "/c/o", b"x")
    r = sw.call("DELETE", "/c")
    assert r.status_code == 409 and "<h1>Conflict</h1>" in r.text
    sw.ok("DELETE", "/c/o")
    assert sw.call("DELETE", "/c").status_code == 204
    assert sw.call("HEAD", "/c").status_code == 404
    assert sw.call("DELETE", "/c").status_code == 404


def test_container_metadata_and_counts(sw: Swift) -> None:
    sw.ok("PUT", "/c", X_Container_Meta_Owner="me")
    sw.ok("POST", "/c", X_Container_Meta_Color="red")
    sw.ok("PUT", "/c/o", b"abc")
    h = sw.ok("HEAD", "/c").headers
    assert h["X-Container-Meta-Owner"] == "me" and h["X-Container-Meta-Color"] == "red"
    assert h["X-Container-Object-Count"] == "1" and h["X-Container-Bytes-Used"] == "3"
    sw.ok("POST", "/c", X_Remove_Container_Meta_Owner="x")
    assert "X-Container-Meta-Owner" not in sw.ok("HEAD", "/c").headers


def test_object_roundtrip_etag_type_and_metadata(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    body = b"hello object store"
    r = sw.ok("PUT", "/c/dir/page.html", body, X_Object_Meta_Kind="page")
    assert r.status_code == 201 and r.headers["ETag"] == hashlib.md5(body).hexdigest()
    got = sw.ok("GET", "/c/dir/page.html")
    assert got.content == body
    assert got.headers["Content-Type"].startswith("text/html")  # guessed from the name
    assert got.headers["X-Object-Meta-Kind"] == "page"
    assert got.headers["Content-Length"] == str(len(body))
    assert got.headers["Accept-Ranges"] == "bytes" and "X-Timestamp" in got.headers
    head = sw.ok("HEAD", "/c/dir/page.html")
    assert head.headers["ETag"] == got.headers["ETag"] and head.content == b""
    sw.ok("POST", "/c/dir/page.html", X_Object_Meta_Other="1", Content_Type="text/plain")
    h = sw.ok("HEAD", "/c/dir/page.html").headers
    assert "X-Object-Meta-Kind" not in h and h["X-Object-Meta-Other"] == "1"  # replaced
    assert h["Content-Type"].startswith("text/plain")


def test_overwrite_replaces_the_file(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    sw.ok("PUT", "/c/o", b"first")
    sw.ok("PUT", "/c/o", b"second version")
    assert sw.ok("GET", "/c/o").content == b"second version"
    files = [p for p in (sw.api.deps.settings.data_dir / "objects").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == b"second version"


def test_wrong_etag_is_422_and_stores_nothing(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    r = sw.call("PUT", "/c/o", b"data", ETag="0" * 32)
    assert r.status_code == 422
    assert sw.call("HEAD", "/c/o").status_code == 404
    tmp = sw.api.deps.settings.data_dir / "tmp"
    assert not list(tmp.glob("*")) if tmp.exists() else True
    assert sw.ok("PUT", "/c/o", b"data", ETag=hashlib.md5(b"data").hexdigest())


def test_if_none_match_star_refuses_an_overwrite(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    assert sw.call("PUT", "/c/o", b"1", If_None_Match="*").status_code == 201
    assert sw.call("PUT", "/c/o", b"2", If_None_Match="*").status_code == 412
    assert sw.call("PUT", "/c/o", b"2", If_None_Match="abc").status_code == 400
    assert sw.ok("GET", "/c/o").content == b"1"


def test_conditional_gets(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    etag = sw.ok("PUT", "/c/o", b"body").headers["ETag"]
    assert sw.call("GET", "/c/o", If_Match=etag).status_code == 200
    assert sw.call("GET", "/c/o", If_Match="nope").status_code == 412
    assert sw.call("GET", "/c/o", If_None_Match=etag).status_code == 304
    assert sw.call("GET", "/c/o", If_None_Match="other").status_code == 200


def test_ranges(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    sw.ok("PUT", "/c/o", b"0123456789")
    r = sw.call("GET", "/c/o", Range="bytes=2-4")
    assert r.status_code == 206 and r.content == b"234"
    assert r.headers["Content-Range"] == "bytes 2-4/10"
    assert sw.call("GET", "/c/o", Range="bytes=-3").content == b"789"
    assert sw.call("GET", "/c/o", Range="bytes=7-").content == b"789"
    multi = sw.call("GET", "/c/o", Range="bytes=0-1,8-9")
    assert multi.status_code == 206
    assert multi.headers["Content-Type"].startswith("multipart/byteranges")
    assert b"01" in multi.content and b"89" in multi.content
    assert int(multi.headers["Content-Length"]) == len(multi.content)
    bad = sw.call("GET", "/c/o", Range="bytes=20-30")
    assert bad.status_code == 416 and bad.headers["Content-Range"] == "bytes */10"
    assert sw.call("GET", "/c/o", Range="bytes=x-y").status_code == 200  # ignored


def test_copy_and_x_copy_from(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    sw.ok("PUT", "/d")
    sw.ok("PUT", "/c/src", b"copied", X_Object_Meta_A="1")
    r = sw.ok("PUT", "/d/dst", b"", X_Copy_From="/c/src", X_Object_Meta_B="2")
    assert r.status_code == 201 and r.headers["X-Copied-From"] == "c/src"
    got = sw.ok("GET", "/d/dst")
    assert got.content == b"copied"
    assert got.headers["X-Object-Meta-A"] == "1" and got.headers["X-Object-Meta-B"] == "2"
    assert sw.call("COPY", "/c/src", Destination="d/other").status_code == 201
    assert sw.ok("GET", "/d/other").content == b"copied"
    assert sw.call("COPY", "/c/src").status_code == 412
    assert sw.call("COPY", "/c/missing", Destination="d/x").status_code == 404
    assert sw.call("PUT", "/d/x", b"", X_Copy_From="nocontainer").status_code == 412
    assert sw.call("PUT", "/d/x", b"abc", X_Copy_From="c/src").status_code == 400


def test_listing_parameters(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    for name in ("a", "b/1", "b/2", "c/x/1", "d"):
        sw.ok("PUT", f"/c/{name}", b"x")
    assert sw.names("/c") == ["a", "b/1", "b/2", "c/x/1", "d"]
    assert sw.names("/c", delimiter="/") == ["a", "b/", "c/", "d"]
    assert sw.names("/c", delimiter="/", prefix="c/") == ["c/x/"]
    assert sw.names("/c", marker="b/1") == ["b/2", "c/x/1", "d"]
    assert sw.names("/c", end_marker="b/2") == ["a", "b/1"]
    assert sw.names("/c", limit=2) == ["a", "b/1"]
    assert sw.names("/c", reverse="true") == ["d", "c/x/1", "b/2", "b/1", "a"]
    assert sw.names("/c", reverse="true", delimiter="/") == ["d", "c/", "b/", "a"]
    assert sw.names("/c", reverse="true", marker="c") == ["b/2", "b/1", "a"]
    assert sw.names("/c", prefix="b/") == ["b/1", "b/2"]
    plain = sw.ok("GET", "/c?limit=2")
    assert plain.text == "a\nb/1\n" and plain.headers["Content-Type"].startswith("text/plain")
    xml = sw.ok("GET", "/c?format=xml&limit=1")
    assert xml.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<name>a</name>" in xml.text
    assert sw.ok("GET", "/c", Accept="application/json").json()[0]["name"] == "a"
    assert sw.call("GET", "/c", Accept="image/png").status_code == 406


def test_empty_listings(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    assert sw.call("GET", "/c").status_code == 204
    r = sw.call("GET", "/c?format=json")
    assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize("query", ["limit=-1", "limit=x", "limit=10001", "delimiter=ab",
                                   "marker=" + "m" * 2000])
def test_bad_listing_parameters_are_412(sw: Swift, query: str) -> None:
    sw.ok("PUT", "/c")
    r = sw.call("GET", f"/c?{query}")
    assert r.status_code == 412, r.text
    assert sw.call("GET", f"?{query}").status_code == 412


def test_name_limits(sw: Swift) -> None:
    long_c = "c" * (MAX_CONTAINER_NAME_LENGTH + 1)
    r = sw.call("PUT", f"/{long_c}")
    assert r.status_code == 400 and "Container name length of 257 longer than 256" in r.text
    assert r.headers["Content-Type"].startswith("text/plain")
    sw.ok("PUT", "/c")
    r = sw.call("PUT", "/c/" + "o" * (MAX_OBJECT_NAME_LENGTH + 1), b"x")
    assert r.status_code == 400 and "Object name length" in r.text
    assert sw.ok("GET", "/c?format=json").json() == []


def test_metadata_limits(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    r = sw.call("POST", "/c", **{"X-Container-Meta-" + "k" * 129: "v"})
    assert r.status_code == 400 and "Metadata name too long" in r.text
    r = sw.call("PUT", "/c/o", b"x", X_Object_Meta_K="v" * 257)
    assert r.status_code == 400 and "Metadata value longer than 256" in r.text
    many = {f"X-Container-Meta-K{i}": "v" for i in range(91)}
    assert sw.call("POST", "/c", **many).status_code == 400
    assert sw.call("HEAD", "/c/o").status_code == 404


def test_length_required_and_bad_length(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    r = sw.api.client.put(sw.base + "/c/o", headers={"X-Auth-Token": sw.token or ""})
    assert r.status_code in (201, 411)  # httpx sends Content-Length: 0 on an empty PUT
    too_big = sw.call("PUT", "/c/o", b"x", Content_Length="99999999999")
    assert too_big.status_code in (400, 413)


def test_chunked_upload(sw: Swift) -> None:
    sw.ok("PUT", "/c")

    def gen():  # type: ignore[no-untyped-def]
        yield b"abc"
        yield b"def"

    r = sw.api.client.put(sw.base + "/c/chunked", content=gen(),
                          headers={"X-Auth-Token": sw.token or ""})
    assert r.status_code == 201
    assert sw.ok("GET", "/c/chunked").content == b"abcdef"


def test_delete_at_and_after(sw: Swift) -> None:
    sw.ok("PUT", "/c")
    now = int(sw.api.clock.now)
    sw.ok("PUT", "/c/soon", b"x", X_Delete_After="10")
    assert sw.ok("HEAD", "/c/soon").headers["X-Delete-At"] == str(now + 10)
    assert sw.call("PUT", "/c/o", b"x", X_Delete_At=str(now - 5)).status_code == 400
    assert sw.call("PUT", "/c/o", b"x", X_Delete_After="soon").status_code == 400
    assert sw.call("PUT", "/c/o", b"x", X_Delete_At="abc").status_code == 400
    assert sw.call("PUT", "/c/o", b"x", X_Delete_After="9" * 30).status_code == 400
    sw.api.clock.advance(11)
    assert sw.call("GET", "/c/soon").status_code == 404
    assert sw.names("/c") == []
    assert sw.ok("HEAD", "/c").headers["X-Container-Object-Count"] == "0"
    assert sw.call("DELETE", "/c").status_code == 204  # expired objects do not count


def test_unknown_container_and_object_are_swift_404s(sw: Swift) -> None:
    r = sw.call("GET", "/nope")
    assert r.status_code == 404
    assert r.text == "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"
    sw.ok("PUT", "/c")
    assert sw.call("GET", "/c/nope").status_code == 404
    assert sw.call("POST", "/c/nope").status_code == 404
    assert sw.call("DELETE", "/c/nope").status_code == 404


def test_trailing_slash_is_the_container(sw: Swift) -> None:
    sw.ok("PUT", "/c/")
    sw.ok("PUT", "/c/o", b"x")
    assert json.loads(sw.ok("GET", "/c/?format=json").text)[0]["name"] == "o"


def test_unicode_names_and_metadata(sw: Swift) -> None:
    sw.ok("PUT", "/caf%C3%A9")
    sw.ok("PUT", "/caf%C3%A9/%E2%98%83", b"snow")
    assert sw.names("/caf%C3%A9") == ["\u2603"]
    assert sw.names() == ["caf\u00e9"]
