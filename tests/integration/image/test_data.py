"""Image data over raw HTTP: the cap, cut-short uploads, media types, status rules."""

from __future__ import annotations

import hashlib
import socket
import time

import httpx

from tests.integration.cloud import Cloud
from tests.integration.image.conftest import CAP
from tests.integration.image.support import (
    admin_token,
    create,
    glance,
    image_files,
    spool_files,
)

OCTETS = {"Content-Type": "application/octet-stream"}


def _status(cloud: Cloud, token: str, image_id: str) -> dict:
    r = glance(cloud, "GET", f"/v2/images/{image_id}", token)
    assert r.status_code == 200, r.text
    return r.json()


def _wait_queued(cloud: Cloud, token: str, image_id: str) -> dict:
    deadline = time.monotonic() + 10
    while True:
        image = _status(cloud, token, image_id)
        if image["status"] == "queued" or time.monotonic() > deadline:
            return image
        time.sleep(0.05)


def _assert_untouched(cloud: Cloud, token: str, image_id: str) -> None:
    image = _wait_queued(cloud, token, image_id)
    assert image["status"] == "queued"
    assert image["size"] is None and image["checksum"] is None
    assert image_id not in image_files(cloud)
    assert spool_files(cloud) == []


def test_upload_over_the_cap_leaves_the_image_queued(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)

    def chunks():  # no Content-Length: the cap is checked while the bytes arrive
        for _ in range(CAP // 65536 + 8):
            yield b"\xab" * 65536

    try:
        r = glance(image_cloud, "PUT", f"/v2/images/{image['id']}/file", token,
                   headers=OCTETS, content=chunks())
        assert r.status_code == 413
    except httpx.HTTPError:  # the server may close before the client finished sending
        pass
    _assert_untouched(image_cloud, token, image["id"])
    # announced sizes over the cap are refused before any byte is read
    r = glance(image_cloud, "PUT", f"/v2/images/{image['id']}/file", token,
               headers={**OCTETS, "X-OpenStack-Image-Size": str(CAP + 1)}, content=b"x")
    assert r.status_code == 413
    _assert_untouched(image_cloud, token, image["id"])
    # and the image still takes an upload under the cap
    data = b"\x01" * (CAP - 1)
    r = glance(image_cloud, "PUT", f"/v2/images/{image['id']}/file", token, headers=OCTETS,
               content=data)
    assert r.status_code == 204
    done = _status(image_cloud, token, image["id"])
    assert done["status"] == "active" and done["size"] == len(data)
    assert done["checksum"] == hashlib.md5(data).hexdigest()


def test_cut_short_upload_leaves_the_image_queued(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)
    head = (f"PUT /image/v2/images/{image['id']}/file HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{image_cloud.port}\r\nX-Auth-Token: {token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: 2000000\r\n\r\n")
    with socket.create_connection(("127.0.0.1", image_cloud.port)) as s:
        s.sendall(head.encode() + b"\x00" * 300_000)
        deadline = time.monotonic() + 10  # wait until the server has the upload under way
        while (_status(image_cloud, token, image["id"])["status"] != "saving"
               and time.monotonic() < deadline):
            time.sleep(0.02)
        assert _status(image_cloud, token, image["id"])["status"] == "saving"
    _assert_untouched(image_cloud, token, image["id"])


def test_upload_needs_octet_stream_and_a_queued_image(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)
    url = f"/v2/images/{image['id']}/file"
    r = glance(image_cloud, "PUT", url, token, headers={"Content-Type": "application/json"},
               content=b"{}")
    assert r.status_code == 415
    assert glance(image_cloud, "GET", url, token).status_code == 204  # no data yet
    assert glance(image_cloud, "PUT", url, token, headers=OCTETS, content=b"1").status_code \
        == 204
    again = glance(image_cloud, "PUT", url, token, headers=OCTETS, content=b"2")
    assert again.status_code == 409
    got = glance(image_cloud, "GET", url, token)
    assert got.content == b"1"
    assert got.headers["Content-MD5"] == hashlib.md5(b"1").hexdigest()
    no_formats = create(image_cloud, token, disk_format=None, container_format=None)
    r = glance(image_cloud, "PUT", f"/v2/images/{no_formats['id']}/file", token,
               headers=OCTETS, content=b"x")
    assert r.status_code == 400
    assert _status(image_cloud, token, no_formats["id"])["status"] == "queued"


def test_upload_needs_a_token_and_the_owner(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token, visibility="public")
    url = f"/v2/images/{image['id']}/file"
    assert glance(image_cloud, "PUT", url, None, headers=OCTETS, content=b"x").status_code \
        == 401
    demo = image_cloud.token("demo", "demo-secret-for-tests", "demo")
    assert glance(image_cloud, "PUT", url, demo, headers=OCTETS, content=b"x").status_code \
        == 403
    _assert_untouched(image_cloud, token, image["id"])


def test_deleted_image_file_is_gone_and_download_is_404(image_cloud: Cloud) -> None:
    token = admin_token(image_cloud)
    image = create(image_cloud, token)
    url = f"/v2/images/{image['id']}/file"
    assert glance(image_cloud, "PUT", url, token, headers=OCTETS, content=b"d").status_code \
        == 204
    assert glance(image_cloud, "DELETE", f"/v2/images/{image['id']}", token).status_code == 204
    assert glance(image_cloud, "GET", url, token).status_code == 404
    assert image["id"] not in image_files(image_cloud)
