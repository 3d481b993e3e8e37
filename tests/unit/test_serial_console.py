"""The serial console over the fake engine: remote-consoles (2.6+) and the
os-getSerialConsole action give a websocket URL with a one-time token; the proxy opens
the server's terminal, carries bytes both ways and refuses a used, unknown or expired
token; other console types are unavailable; another project's server is a 404."""

from __future__ import annotations

import time

import pytest
from starlette.websockets import WebSocketDisconnect

from cheptel.backends.fake import FakeConsole
from cheptel.compute.service.consoles import TOKEN_TTL
from tests.unit.reconcile import Cloud

V26 = {"OpenStack-API-Version": "compute 2.6", "X-OpenStack-Nova-API-Version": "2.6"}


def _url(rcloud: Cloud, sid: str) -> str:
    r = rcloud.api.client.post(f"/compute/v2.1/servers/{sid}/remote-consoles", json={
        "remote_console": {"protocol": "serial", "type": "serial"}},
        headers={"X-Auth-Token": rcloud.token, **V26})
    assert r.status_code == 200, r.text
    doc = r.json()["remote_console"]
    assert (doc["protocol"], doc["type"]) == ("serial", "serial")
    assert doc["url"].startswith("ws://") and "/compute/console/serial?token=" in doc["url"]
    return str(doc["url"])


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_a_console_session_and_its_token(rcloud: Cloud) -> None:
    sid = rcloud.active()
    path = _path(_url(rcloud, sid))
    client = rcloud.api.client
    with client.websocket_connect(path, subprotocols=["binary", "base64"]) as ws:
        assert ws.accepted_subprotocol == "binary"
        assert ws.receive_bytes() == b"/ # "
        ws.send_bytes(b"echo hello\r")
        seen = b""
        while b"hello\r\n" not in seen.split(b"echo hello", 1)[-1]:
            seen += ws.receive_bytes()
    (console,) = rcloud.engine.consoles
    assert isinstance(console, FakeConsole) and console.container == f"cheptel-{sid}"
    deadline = time.monotonic() + 5  # the proxy runs in the test client's thread
    while not console.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert console.closed  # the client went: the terminal is closed
    with pytest.raises(WebSocketDisconnect):  # one time only
        with client.websocket_connect(path):
            pass
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/compute/console/serial?token=made-up"):
            pass
    late = _path(_url(rcloud, sid))
    rcloud.api.deps.clock.advance(TOKEN_TTL + 1)
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(late):
            pass


def test_the_action_other_types_and_other_projects(rcloud: Cloud) -> None:
    sid = rcloud.active()
    client = rcloud.api.client
    h = {"X-Auth-Token": rcloud.token}
    r = client.post(f"/compute/v2.1/servers/{sid}/action", headers=h,
                    json={"os-getSerialConsole": {"type": "serial"}})
    assert r.status_code == 200 and r.json()["console"]["type"] == "serial", r.text
    with client.websocket_connect(_path(r.json()["console"]["url"])) as ws:
        assert ws.receive_bytes() == b"/ # "
    r = client.post(f"/compute/v2.1/servers/{sid}/action", headers=h,
                    json={"os-getVNCConsole": {"type": "novnc"}})
    assert r.status_code == 400 and "Unavailable console type novnc." in r.text
    r = client.post(f"/compute/v2.1/servers/{sid}/action", headers={**h, **V26},
                    json={"os-getSerialConsole": {"type": "serial"}})
    assert r.status_code == 400  # gone from 2.6: remote-consoles
    for body, code in (({"remote_console": {"protocol": "vnc", "type": "novnc"}}, 400),
                       ({"remote_console": {"protocol": "serial", "type": "novnc"}}, 400),
                       ({"remote_console": {"protocol": "serial"}}, 400),
                       ({"remote_console": {"protocol": "telnet", "type": "serial"}}, 400)):
        r = client.post(f"/compute/v2.1/servers/{sid}/remote-consoles", json=body,
                        headers={**h, **V26})
        assert r.status_code == code and "badRequest" in r.json(), (body, r.text)
    r = client.post(f"/compute/v2.1/servers/{sid}/remote-consoles", headers=h, json={
        "remote_console": {"protocol": "serial", "type": "serial"}})
    assert r.status_code == 404  # before 2.6
    # another project's server: not found; a stopped one: not ready
    admin = rcloud.api.admin()
    other = client.post("/compute/v2.1/servers", headers={"X-Auth-Token": admin}, json={
        "server": {"name": "o", "imageRef": rcloud.show(sid)["image"]["id"],
                   "flavorRef": "1", "networks": "none"}}).json()["server"]["id"]
    rcloud.settle()
    r = client.post(f"/compute/v2.1/servers/{other}/remote-consoles", headers={**h, **V26},
                    json={"remote_console": {"protocol": "serial", "type": "serial"}})
    assert r.status_code == 404
    rcloud.act(sid, "os-stop")
    rcloud.settle()
    r = client.post(f"/compute/v2.1/servers/{sid}/remote-consoles", headers={**h, **V26},
                    json={"remote_console": {"protocol": "serial", "type": "serial"}})
    assert r.status_code == 409 and "is not ready" in r.text
