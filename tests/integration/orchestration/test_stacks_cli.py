"""A stack of a network, a subnet, a port and a server, driven by the unmodified
`openstack stack ...` (python-heatclient) against a real cheptel on the real engine:
create --wait (heatclient polls the events with a marker), the output read back, the
server ACTIVE on the port the stack made, then delete --wait and nothing left."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.integration.cloud import Cloud

TEMPLATE = """
heat_template_version: 2018-08-31
parameters:
  cidr:
    type: string
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: heat-cli-net}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: {get_param: cidr}
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: m1.tiny
      networks: [{port: {get_resource: port}}]
outputs:
  address:
    value: {get_attr: [server, first_address]}
  port_ip:
    value: {get_attr: [port, fixed_ips, 0, ip_address]}
"""


def test_stack_create_output_delete_with_the_cli(heat_cloud: Cloud, tmp_path: Path) -> None:
    c = heat_cloud
    template = tmp_path / "stack.yaml"
    template.write_text(TEMPLATE)
    cidr = f"10.{c.block}.77.0/24"
    proc = c.cli("stack", "create", "--wait", "-t", str(template), "--parameter",
                 f"cidr={cidr}", "web", "-f", "json", cloud="cheptel-demo", as_json=False)
    # --wait prints the events it polled, then the stack
    log, shown = proc.stdout.split("\n{", 1)
    assert "[web]: CREATE_COMPLETE" in log and "[web.server]: CREATE_COMPLETE" in log, log
    made = json.loads("{" + shown)
    assert made["stack_status"] == "CREATE_COMPLETE", made
    address = c.cli("stack", "output", "show", "web", "address", cloud="cheptel-demo")
    port_ip = c.cli("stack", "output", "show", "web", "port_ip", cloud="cheptel-demo")
    assert address["output_value"] == port_ip["output_value"]
    assert address["output_value"].startswith(f"10.{c.block}.77.")
    resources = {r["resource_name"]: r for r in c.cli("stack", "resource", "list", "web",
                                                       cloud="cheptel-demo")}
    assert {r["resource_status"] for r in resources.values()} == {"CREATE_COMPLETE"}
    server = c.cli("server", "show", resources["server"]["physical_resource_id"],
                   cloud="cheptel-demo")
    assert server["status"] == "ACTIVE"
    events = c.cli("stack", "event", "list", "web", cloud="cheptel-demo")
    assert events, "the create left no events"
    # another project sees no such stack
    other = c.cli("stack", "show", "web", cloud="cheptel", check=False, as_json=False)
    assert other.returncode != 0 and "Stack not found: web" in other.stderr

    c.cli("stack", "delete", "--wait", "--yes", "web", cloud="cheptel-demo", as_json=False)
    assert c.cli("stack", "list", cloud="cheptel-demo") == []
    gone = c.cli("server", "show", server["id"], cloud="cheptel-demo", check=False,
                 as_json=False)
    assert gone.returncode != 0
    nets = [n["Name"] for n in c.cli("network", "list", cloud="cheptel-demo")]
    assert "heat-cli-net" not in nets


def test_a_stack_created_across_a_crash_completes(heat_cloud: Cloud, tmp_path: Path) -> None:
    """cheptel is killed (-9) right after accepting the stack, wherever its engine was;
    once restarted, the stack completes (resumed from its rows), each resource made once."""
    c = heat_cloud
    template = tmp_path / "stack.yaml"
    template.write_text(TEMPLATE.replace("heat-cli-net", "heat-crash-net"))
    c.cli("stack", "create", "-t", str(template), "--parameter",
          f"cidr=10.{c.block}.78.0/24", "crash", cloud="cheptel-demo")
    c.kill()
    c.start()
    deadline = time.monotonic() + 120
    while (shown := c.cli("stack", "show", "crash", cloud="cheptel-demo"))[
            "stack_status"] == "CREATE_IN_PROGRESS":
        assert time.monotonic() < deadline, shown
        time.sleep(1)
    assert shown["stack_status"] == "CREATE_COMPLETE", shown["stack_status_reason"]
    servers = [s for s in c.cli("server", "list", cloud="cheptel-demo")
               if s["Name"].startswith("crash-server-")]
    assert len(servers) == 1 and servers[0]["Status"] == "ACTIVE"
    c.cli("stack", "delete", "--wait", "--yes", "crash", cloud="cheptel-demo", as_json=False)
    assert c.cli("stack", "list", cloud="cheptel-demo") == []


VOLUME_TEMPLATE = """
heat_template_version: 2018-08-31
parameters:
  name: {type: string, default: data}
resources:
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: m1.tiny
      networks: [{network: private}]
  volume:
    type: OS::Cinder::Volume
    properties: {size: 1, name: {get_param: name}}
  attachment:
    type: OS::Cinder::VolumeAttachment
    properties: {instance_uuid: {get_resource: server}, volume_id: {get_resource: volume}}
outputs:
  server: {value: {get_resource: server}}
  volume: {value: {get_resource: volume}}
"""


def test_a_server_with_a_volume_is_made_updated_in_place_and_deleted(
        heat_cloud: Cloud, tmp_path: Path) -> None:
    """A real-world template (issue 13): a server with a volume attached, created, its
    volume renamed by `stack update --existing` (in place: the same volume, still
    attached), then deleted with nothing left."""
    c = heat_cloud
    template = tmp_path / "volume.yaml"
    template.write_text(VOLUME_TEMPLATE)
    c.cli("stack", "create", "--wait", "-t", str(template), "disk", cloud="cheptel-demo",
          as_json=False)

    def output(key: str) -> str:
        return str(c.cli("stack", "output", "show", "disk", key,
                         cloud="cheptel-demo")["output_value"])
    server, volume = output("server"), output("volume")
    shown = c.cli("volume", "show", volume, cloud="cheptel-demo")
    assert shown["status"] == "in-use" and shown["name"] == "data"
    assert [a["server_id"] for a in shown["attachments"]] == [server]
    c.cli("stack", "update", "--existing", "--wait", "--parameter", "name=renamed", "disk",
          cloud="cheptel-demo", as_json=False)
    assert (output("server"), output("volume")) == (server, volume)
    shown = c.cli("volume", "show", volume, cloud="cheptel-demo")
    assert shown["name"] == "renamed" and shown["status"] == "in-use"
    assert c.cli("stack", "show", "disk", cloud="cheptel-demo")["stack_status"] == \
        "UPDATE_COMPLETE"
    c.cli("stack", "delete", "--wait", "--yes", "disk", cloud="cheptel-demo", as_json=False)
    for kind, ident in (("server", server), ("volume", volume)):
        gone = c.cli(kind, "show", ident, cloud="cheptel-demo", check=False, as_json=False)
        assert gone.returncode != 0, f"the {kind} {ident} is left"


ROLLING_BACK = """
heat_template_version: 2018-08-31
parameters:
  value: {type: string, default: v1}
  fail: {type: boolean, default: false}
  wait: {type: number, default: 0}
resources:
  kept:
    type: OS::Heat::TestResource
    properties: {value: {get_param: value}, action_wait_secs: {update: {get_param: wait}}}
  checked:
    type: OS::Heat::TestResource
    depends_on: kept
    properties: {fail: {get_param: fail}}
outputs:
  value:
    value: {get_attr: [kept, output]}
"""


def test_an_update_rolls_back_on_failure_and_on_cancel(heat_cloud: Cloud,
                                                        tmp_path: Path) -> None:
    """`openstack stack update --rollback enabled --wait` of an update that fails: the CLI
    reports UPDATE_FAILED, and the stack rolls back to its old value; `openstack stack
    cancel` of an update under way rolls it back too (heatclient's cancel_update)."""
    c = heat_cloud
    template = tmp_path / "roll.yaml"
    template.write_text(ROLLING_BACK)
    c.cli("stack", "create", "--wait", "-t", str(template), "roll", cloud="cheptel-demo",
          as_json=False)

    def settled() -> dict:  # type: ignore[type-arg]
        deadline = time.monotonic() + 60
        while (shown := c.cli("stack", "show", "roll", cloud="cheptel-demo"))[
                "stack_status"].endswith("IN_PROGRESS"):
            assert time.monotonic() < deadline, shown
            time.sleep(0.5)
        return dict(shown)

    def value() -> str:
        return str(c.cli("stack", "output", "show", "roll", "value",
                         cloud="cheptel-demo")["output_value"])

    failed = c.cli("stack", "update", "--existing", "--wait", "--rollback", "enabled",
                   "--parameter", "value=v2", "--parameter", "fail=true", "roll",
                   cloud="cheptel-demo", as_json=False, check=False)
    assert failed.returncode != 0 and "UPDATE_FAILED" in failed.stdout + failed.stderr
    assert settled()["stack_status"] == "ROLLBACK_COMPLETE"
    assert value() == "v1"
    c.cli("stack", "update", "--existing", "--parameter", "value=v3", "--parameter",
          "fail=false", "--parameter", "wait=3", "roll", cloud="cheptel-demo",
          as_json=False)
    c.cli("stack", "cancel", "roll", cloud="cheptel-demo", as_json=False)
    shown = settled()
    assert shown["stack_status"] == "ROLLBACK_COMPLETE", shown
    assert value() == "v1"
    c.cli("stack", "delete", "--wait", "--yes", "roll", cloud="cheptel-demo", as_json=False)
