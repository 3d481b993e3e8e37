"""An idle HTTP connection outlives the clients' poll interval."""

from __future__ import annotations

import http.client
import time

from tests.integration.cloud import Cloud


def test_an_idle_connection_outlives_a_clients_poll_interval(net_cloud: Cloud) -> None:
    """`openstack server create --wait` polls every 5 s on a pooled connection: a server
    closing idle connections after exactly 5 s (uvicorn's default) raced the next poll,
    which failed as a reset connection (CI saw it twice)."""
    conn = http.client.HTTPConnection("127.0.0.1", net_cloud.port, timeout=10)
    try:
        for pause in (0.0, 6.0):
            time.sleep(pause)
            conn.request("GET", "/network/")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
    finally:
        conn.close()
