"""A wait condition on the real engine: a busybox server booted with the handle's curl_cli
in its user_data, the stack held CREATE_IN_PROGRESS until a signal arrives, then
complete with the signal's data; the handle's stack user gone with the stack.

The signal is sent from the host with the handle's own `curl_cli`: the test's cloud
listens on 127.0.0.1, which a server cannot reach (a server behind a router reaches the
host only at its external network's gateway address; see docs/orchestration.md)."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from pathlib import Path

from tests.integration.cloud import Cloud

TEMPLATE = """
heat_template_version: 2016-04-08
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: m1.tiny
      networks: [{network: private}]
      user_data_format: RAW
      user_data:
        str_replace:
          template: |
            #!/bin/sh
            wc_notify --data-binary '{"status": "SUCCESS", "data": "from the server"}'
          params:
            wc_notify: {get_attr: [handle, curl_cli]}
  wait:
    type: OS::Heat::WaitCondition
    depends_on: server
    properties:
      handle: {get_resource: handle}
      timeout: 600
outputs:
  curl:
    value: {get_attr: [handle, curl_cli]}
  data:
    value: {get_attr: [wait, data]}
"""


def _stack(c: Cloud, name: str) -> dict:
    return dict(c.cli("stack", "show", name, cloud="cheptel-demo"))


def test_a_signal_with_the_handles_token_completes_the_stack(heat_cloud: Cloud,
                                                             tmp_path: Path) -> None:
    c = heat_cloud
    template = tmp_path / "wait.yaml"
    template.write_text(TEMPLATE)
    c.cli("stack", "create", "-t", str(template), "waiting", cloud="cheptel-demo")
    curl = ""
    try:
        deadline = time.monotonic() + 300
        while True:  # the server ACTIVE, the stack waiting for its signal
            server = {r["resource_name"]: r for r in c.cli(
                "stack", "resource", "list", "waiting", cloud="cheptel-demo")}.get("server")
            if server and server["resource_status"] == "CREATE_COMPLETE":
                break
            assert time.monotonic() < deadline, server
            time.sleep(1)
        shown = _stack(c, "waiting")
        assert shown["stack_status"] == "CREATE_IN_PROGRESS", shown
        curl = c.cli("stack", "output", "show", "waiting", "curl",
                     cloud="cheptel-demo")["output_value"]
        assert curl.startswith("curl -i -X POST -H 'X-Auth-Token: ")
        sent = subprocess.run([*shlex.split(curl), "--data-binary",
                               json.dumps({"status": "SUCCESS", "data": "from the host"})],
                              capture_output=True, text=True, timeout=60)
        assert "HTTP/1.1 200" in sent.stdout, sent.stdout + sent.stderr
        deadline = time.monotonic() + 120
        while _stack(c, "waiting")["stack_status"] == "CREATE_IN_PROGRESS":
            assert time.monotonic() < deadline
            time.sleep(1)
        shown = _stack(c, "waiting")
        assert shown["stack_status"] == "CREATE_COMPLETE", shown
        data = c.cli("stack", "output", "show", "waiting", "data",
                     cloud="cheptel-demo")["output_value"]
        assert json.loads(data) == {"1": "from the host"}
    finally:
        c.cli("stack", "delete", "--wait", "--yes", "waiting", cloud="cheptel-demo",
              as_json=False)
    # the token went with the handle's stack user
    again = subprocess.run([*shlex.split(curl), "--data-binary", "{}"],
                           capture_output=True, text=True, timeout=60)
    assert "HTTP/1.1 401" in again.stdout, again.stdout
