"""Who reaches what in the object store, as keystoneauth decides: the account's owner,
reseller admins, container ACLs (projects, users, `.r:*`, `.rlistings`), temp URLs,
quotas, bulk delete. A listing never shows another project's containers."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from tests.unit.conftest import Api
from tests.unit.objstore import Swift, admin, demo, user_with_role


@pytest.fixture
def owner(api: Api) -> Swift:
    s = demo(api)
    s.ok("PUT", "/c")
    s.ok("PUT", "/c/o", b"secret", X_Object_Meta_Public_Tag="t", X_Object_Meta_Private="p")
    return s


def _as(other: Swift, owner: Swift) -> Swift:
    """`other`'s token on `owner`'s account."""
    return Swift(other.api, other.token, owner.project)


def test_another_project_is_refused_everywhere(api: Api, owner: Swift) -> None:
    stranger = _as(admin_free_member(api), owner)
    for method, path in (("HEAD", ""), ("GET", ""), ("POST", ""), ("GET", "/c"),
                         ("PUT", "/c2"), ("POST", "/c"), ("DELETE", "/c"),
                         ("GET", "/c/o"), ("PUT", "/c/o"), ("DELETE", "/c/o"),
                         ("COPY", "/c/o")):
        r = stranger.call(method, path, b"x" if method == "PUT" else None,
                          Destination="c/o2")
        assert r.status_code == 403, (method, path, r.status_code, r.text)
    assert owner.ok("GET", "/c/o").content == b"secret"
    assert owner.names() == ["c"]


def admin_free_member(api: Api) -> Swift:
    return user_with_role(api, "stranger", "member", project="admin")


def test_no_token_is_401(owner: Swift) -> None:
    for method, path in (("GET", ""), ("GET", "/c"), ("GET", "/c/o"), ("PUT", "/c/x")):
        r = owner.call(method, path, token=None)
        assert r.status_code == 401, (method, path)
        assert "Unauthorized" in r.text


def test_reader_is_no_operator(api: Api, owner: Swift) -> None:
    reader = _as(user_with_role(api, "a-reader", "reader"), owner)
    assert reader.call("GET", "").status_code == 403
    assert reader.call("GET", "/c/o").status_code == 403
    owner.ok("POST", "/c", X_Container_Read="demo:a-reader")
    assert reader.call("GET", "/c/o").content == b"secret"
    assert reader.call("PUT", "/c/o", b"no").status_code == 403


def test_swiftoperator_and_reseller_admin(api: Api, owner: Swift) -> None:
    operator = _as(user_with_role(api, "op", "swiftoperator"), owner)
    assert operator.call("GET", "/c/o").status_code == 200
    reseller = _as(user_with_role(api, "reseller", "ResellerAdmin", project="admin"), owner)
    assert reseller.call("GET", "/c/o").status_code == 200
    assert reseller.call("POST", "", X_Account_Meta_Quota_Bytes="100").status_code == 204
    assert owner.call("POST", "", X_Account_Meta_Quota_Bytes="1000").status_code == 403


def test_acl_by_project_and_user_ids(api: Api, owner: Swift) -> None:
    assert _as(admin(api), owner).call("GET", "/c/o").status_code == 200  # cloud admin
    member = user_with_role(api, "acl-user", "member", project="admin")
    as_member = _as(member, owner)
    assert as_member.call("GET", "/c").status_code == 403
    owner.ok("POST", "/c", X_Container_Read=f"{member.project}:*")
    assert as_member.call("GET", "/c/o").content == b"secret"
    assert as_member.names("/c") == ["o"]  # an ACL user may list
    assert "X-Container-Read" not in as_member.ok("HEAD", "/c").headers  # owners only
    assert as_member.call("PUT", "/c/new", b"x").status_code == 403
    owner.ok("POST", "/c", X_Container_Write=f"{member.project}:*")
    assert as_member.call("PUT", "/c/new", b"x").status_code == 201
    assert as_member.call("DELETE", "/c/new").status_code == 204
    assert as_member.call("POST", "/c", X_Container_Meta_X="y").status_code == 403
    assert as_member.call("DELETE", "/c").status_code == 403


def test_public_container_and_rlistings(owner: Swift) -> None:
    owner.ok("POST", "/c", X_Container_Read=".r:*")
    assert owner.call("GET", "/c/o", token=None).content == b"secret"
    assert owner.call("GET", "/c", token=None).status_code == 401  # no .rlistings
    assert owner.call("PUT", "/c/o", b"x", token=None).status_code == 401
    owner.ok("POST", "/c", X_Container_Read=".r:*,.rlistings")
    assert owner.call("GET", "/c?format=json", token=None).json()[0]["name"] == "o"
    assert owner.call("GET", "", token=None).status_code == 401


def test_bad_acl_is_400(owner: Swift) -> None:
    r = owner.call("POST", "/c", X_Container_Read=".r:")
    assert r.status_code == 400
    assert owner.call("POST", "/c", X_Container_Read=".bogus").status_code == 400


def _sign(key: str, method: str, expires: int, path: str, digest=hashlib.sha256) -> str:
    return hmac.new(key.encode(), f"{method}\n{expires}\n{path}".encode(), digest).hexdigest()


@pytest.mark.parametrize("signed_prefix", ["", "/object-store"])
@pytest.mark.parametrize("digest", [hashlib.sha1, hashlib.sha256, hashlib.sha512])
def test_temp_url_get(owner: Swift, signed_prefix: str, digest) -> None:  # type: ignore[no-untyped-def]
    owner.ok("POST", "", X_Account_Meta_Temp_URL_Key="k1")
    expires = int(owner.api.clock.now) + 60
    path = f"/v1/AUTH_{owner.project}/c/o"
    sig = _sign("k1", "GET", expires, signed_prefix + path, digest)
    url = f"/c/o?temp_url_sig={sig}&temp_url_expires={expires}"
    r = owner.call("GET", url, token=None)
    assert r.status_code == 200 and r.content == b"secret"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="o"')
    assert "X-Object-Meta-Private" not in r.headers
    assert r.headers["X-Object-Meta-Public-Tag"] == "t"
    assert owner.call("HEAD", url, token=None).status_code == 200
    assert owner.call("PUT", url, b"x", token=None).status_code == 401  # signed for GET
    assert owner.call("GET", f"/c/o?temp_url_sig={sig}&temp_url_expires={expires + 1}",
                      token=None).status_code == 401
    owner.api.clock.advance(61)
    assert owner.call("GET", url, token=None).status_code == 401


def test_temp_url_container_key_put_and_prefix(owner: Swift) -> None:  # noqa: PLR0915
    owner.ok("POST", "/c", X_Container_Meta_Temp_URL_Key="ck")
    expires = int(owner.api.clock.now) + 60
    path = f"/v1/AUTH_{owner.project}/c/up"
    sig = _sign("ck", "PUT", expires, path)
    r = owner.call("PUT", f"/c/up?temp_url_sig={sig}&temp_url_expires={expires}", b"new",
                   token=None)
    assert r.status_code == 201
    assert owner.ok("GET", "/c/up").content == b"new"
    psig = _sign("ck", "GET", expires, f"prefix:/v1/AUTH_{owner.project}/c/u")
    q = f"temp_url_sig={psig}&temp_url_expires={expires}&temp_url_prefix=u"
    assert owner.call("GET", f"/c/up?{q}", token=None).content == b"new"
    assert owner.call("GET", f"/c/o?{q}", token=None).status_code == 401
    assert owner.call("GET", "/c/o?temp_url_sig=zz&temp_url_expires=x",
                      token=None).status_code == 401
    # a container key is hidden from the container's readers
    assert "X-Container-Meta-Temp-Url-Key" in owner.ok("HEAD", "/c").headers
    owner.ok("POST", "/c", X_Container_Read=".r:*,.rlistings")
    public = owner.call("HEAD", "/c", token=None)
    assert public.status_code == 204 and "X-Container-Meta-Temp-Url-Key" not in public.headers


def test_container_quotas(owner: Swift) -> None:
    assert owner.call("POST", "/c", X_Container_Meta_Quota_Bytes="x").status_code == 400
    owner.ok("POST", "/c", X_Container_Meta_Quota_Bytes="10", X_Container_Meta_Quota_Count="2")
    r = owner.call("PUT", "/c/big", b"0123456789")
    assert r.status_code == 413 and "Upload exceeds quota." in r.text
    assert owner.call("PUT", "/c/small", b"1").status_code == 201
    assert owner.call("PUT", "/c/third", b"1").status_code == 413  # count: o, small
    assert owner.call("PUT", "/c/o", b"12345678").status_code == 201  # replaces 6 bytes


def test_bulk_delete(owner: Swift) -> None:
    owner.ok("PUT", "/d")
    owner.ok("PUT", "/d/x", b"1")
    body = b"/d/x\n/d\n/c/missing\n/c\n"
    r = owner.call("POST", "?bulk-delete", body, Accept="application/json",
                   Content_Type="text/plain")
    doc = r.json()
    assert r.status_code == 200
    assert doc["Number Deleted"] == 2 and doc["Number Not Found"] == 1
    assert doc["Errors"] == [["/c", "409 Conflict"]]
    assert owner.names() == ["c"]
    r = owner.call("DELETE", "?bulk-delete", b"/c/o\n/c\n")
    assert r.status_code == 200 and "Number Deleted: 2" in r.text
    assert owner.names() == []


def test_listing_never_shows_another_projects_containers(api: Api, owner: Swift) -> None:
    other = admin(api)
    other.ok("PUT", "/admins-only")
    assert owner.names() == ["c"]
    assert "admins-only" not in json.dumps(owner.ok("GET", "?format=json").json())


def _tar(files: dict[str, bytes], mode: str = "w") -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_extract_archive_into_the_account_and_a_container(owner: Swift) -> None:
    archive = _tar({"x/a.txt": b"aa", "x/d/b.txt": b"bbb", "top.txt": b"no container"})
    r = owner.call("PUT", "/?extract-archive=tar", archive, Accept="application/json")
    doc = r.json()
    assert r.status_code == 200 and doc["Number Files Created"] == 2
    assert doc["Errors"] == [["top.txt", "400 Bad Request"]]
    assert owner.names("/x") == ["a.txt", "d/b.txt"]
    gz = _tar({"one": b"1"}, "w:gz")
    r = owner.call("PUT", "/c/pre?extract-archive=tar.gz", gz, Accept="application/json")
    assert r.json()["Number Files Created"] == 1
    assert owner.ok("GET", "/c/pre/one").content == b"1"
    bad = owner.call("PUT", "/?extract-archive=tar", b"not a tar", Accept="application/json")
    assert bad.status_code == 200 and bad.json()["Response Status"] == "400 Bad Request"
    assert owner.call("PUT", "/?extract-archive=zip", archive).status_code == 400
    assert owner.call("PUT", "", b"").status_code == 405


def test_account_object_count_quota(api: Api, owner: Swift) -> None:
    reseller = _as(user_with_role(api, "quota-admin", "ResellerAdmin", project="admin"), owner)
    assert reseller.call("POST", "", X_Account_Quota_Count="1").status_code == 204
    assert owner.ok("HEAD").headers["X-Account-Quota-Count"] == "1"
    assert owner.call("PUT", "/c/another", b"").status_code == 413  # c/o exists
    assert owner.call("POST", "", X_Account_Quota_Count="5").status_code == 403
    assert reseller.call("POST", "", X_Account_Quota_Count="x").status_code == 400


def test_healthcheck(api: Api) -> None:
    r = api.client.get("/object-store/healthcheck")
    assert r.status_code == 200 and r.text == "OK"


def _form(path: str, key: str, expires: int, files: dict[str, bytes],
          redirect: str = "", max_size: int = 1024, max_count: int = 2) -> tuple[bytes, str]:
    sig = hmac.new(key.encode(), f"{path}\n{redirect}\n{max_size}\n{max_count}\n{expires}"
                   .encode(), hashlib.sha1).hexdigest()
    fields = {"redirect": redirect, "max_file_size": str(max_size),
              "max_file_count": str(max_count), "expires": str(expires), "signature": sig}
    lines = []
    for k, v in fields.items():
        lines += ["--B", f'Content-Disposition: form-data; name="{k}"', "", v]
    for name, data in files.items():
        lines += ["--B", f'Content-Disposition: form-data; name="f"; filename="{name}"',
                  "Content-Type: text/plain", "", data.decode()]
    lines += ["--B--", ""]
    return "\r\n".join(lines).encode(), "multipart/form-data; boundary=B"


def test_form_post(owner: Swift) -> None:
    owner.ok("POST", "", X_Account_Meta_Temp_URL_Key="fk")
    expires = int(owner.api.clock.now) + 60
    path = f"/object-store/v1/AUTH_{owner.project}/c/up-"
    body, ctype = _form(path, "fk", expires, {"a.txt": b"hello", "b.txt": b"world"})
    r = owner.call("POST", "/c/up-", body, token=None, Content_Type=ctype)
    assert r.status_code == 201, r.text
    assert owner.ok("GET", "/c/up-a.txt").content == b"hello"
    assert owner.ok("GET", "/c/up-b.txt").headers["Content-Type"].startswith("text/plain")
    body, ctype = _form(path, "fk", expires, {"r.txt": b"x"}, redirect="http://x/done")
    r = owner.call("POST", "/c/up-", body, Content_Type=ctype)  # a token changes nothing
    assert r.status_code == 303 and r.headers["Location"].startswith("http://x/done?status=201")
    body, ctype = _form(path, "wrong", expires, {"z.txt": b"x"})
    assert owner.call("POST", "/c/up-", body, token=None, Content_Type=ctype
                      ).status_code == 401
    body, ctype = _form(path, "fk", expires, {"1": b"1", "2": b"2", "3": b"3"})
    r = owner.call("POST", "/c/up-", body, token=None, Content_Type=ctype)
    assert r.status_code == 400 and "max_file_count" in r.text
    body, ctype = _form(path, "fk", expires, {"big": b"x" * 2000})
    assert owner.call("POST", "/c/up-", body, token=None, Content_Type=ctype
                      ).status_code == 400
    owner.api.clock.advance(61)
    body, ctype = _form(path, "fk", expires, {"late.txt": b"x"})
    r = owner.call("POST", "/c/up-", body, token=None, Content_Type=ctype)
    assert r.status_code == 401 and "Expired" in r.text
    assert owner.names("/c", prefix="up-") == ["up-a.txt", "up-b.txt", "up-r.txt"]
    empty = owner.call("POST", "/c", b"--B--\r\n", token=None,
                       Content_Type="multipart/form-data; boundary=B")
    assert empty.status_code in (400, 401)  # no signature: refused, nothing stored


def test_static_web(owner: Swift) -> None:
    owner.ok("PUT", "/c/index.html", b"<p>home</p>")
    owner.ok("PUT", "/c/docs/index.html", b"<p>docs</p>")
    owner.ok("PUT", "/c/404error.html", b"<p>lost</p>")
    owner.ok("POST", "/c", X_Container_Read=".r:*", X_Container_Meta_Web_Index="index.html",
             X_Container_Meta_Web_Error="error.html")
    assert owner.call("GET", "/c", token=None).status_code == 301
    assert owner.call("GET", "/c/", token=None).content == b"<p>home</p>"
    assert owner.call("GET", "/c/docs/", token=None).content == b"<p>docs</p>"
    assert owner.call("GET", "/c/docs", token=None).status_code == 301
    lost = owner.call("GET", "/c/nowhere", token=None)
    assert lost.status_code == 404 and lost.content == b"<p>lost</p>"
    assert owner.call("GET", "/c?format=json").json()  # the owner still gets the API
    owner.ok("POST", "/c", X_Container_Meta_Web_Index="", X_Container_Meta_Web_Listings="true",
             X_Container_Meta_Web_Listings_CSS="style.css")
    assert owner.call("GET", "/c/", token=None).status_code == 401  # no .rlistings
    owner.ok("POST", "/c", X_Container_Read=".r:*,.rlistings")
    page = owner.call("GET", "/c/", token=None)
    assert page.status_code == 200 and 'href="docs/"' in page.text
    assert '<link rel="stylesheet" type="text/css" href="style.css" />' in page.text
    sub = owner.call("GET", "/c/docs/", token=None).text
    assert 'href="index.html"' in sub and 'href="../style.css"' in sub


def test_crossdomain(api: Api) -> None:
    r = api.client.get("/object-store/crossdomain.xml")
    assert r.status_code == 200 and r.text.endswith("</cross-domain-policy>")
