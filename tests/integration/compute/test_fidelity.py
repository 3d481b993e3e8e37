"""Nova as clients expect it, through openstacksdk and the openstack CLI, on a cloud with the
in-memory engine (no container is needed): changes-before at Nova's precision, all_tenants
refused for a member, config_drive as asked, dashed server ids, and the APIs Nova answers
that clients call (os-migrations, server topology, os-floating-ip-pools, os-hosts)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import openstack.exceptions
import pytest

from tests.integration.cloud import Cloud
from tests.integration.compute import support

DASHED = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def fcloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    c = Cloud(tmp_path_factory.mktemp("fidelity-cloud"),
              extra_env={"CHEPTEL_CONTAINER_ENGINE": "fake"}).start()
    yield c
    c.close()


def boot(conn, **extra):  # type: ignore[no-untyped-def]
    server = conn.compute.create_server(
        name=f"fid-{uuid.uuid4().hex[:6]}", image_id=conn.image.find_image("busybox").id,
        flavor_id=conn.compute.find_flavor("m1.tiny").id, networks="none", **extra)
    return support.wait_status(conn, server.id, "ACTIVE")


def test_changes_before_finds_the_server_by_its_own_updated_time(fcloud: Cloud) -> None:
    conn = fcloud.sdk("cheptel-demo")
    server = boot(conn)
    assert server.updated_at.endswith("Z") and "." not in server.updated_at
    found = [s.id for s in conn.compute.servers(changes_before=server.updated_at)]
    assert server.id in found
    found = [s.id for s in conn.compute.servers(changes_since=server.updated_at)]
    assert server.id in found
    conn.compute.delete_server(server.id)


def test_all_tenants_is_forbidden_to_a_member(fcloud: Cloud) -> None:
    conn = fcloud.sdk("cheptel-demo")
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(conn.compute.servers(all_projects=True))
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(conn.compute.servers(details=False, all_projects=True))
    listed = fcloud.cli("server", "list", "--all-projects", cloud="cheptel-demo", check=False,
                        as_json=False)
    assert listed.returncode != 0 and "403" in listed.stderr
    assert isinstance(list(fcloud.sdk().compute.servers(all_projects=True)), list)


def test_config_drive_and_dashed_ids(fcloud: Cloud) -> None:
    conn = fcloud.sdk("cheptel-demo")
    plain, drive = boot(conn), boot(conn, config_drive=True)
    assert DASHED.match(plain.id) and DASHED.match(drive.id)
    assert not plain.has_config_drive and drive.has_config_drive
    shown = fcloud.cli("server", "show", drive.id.replace("-", ""), cloud="cheptel-demo")
    assert shown["id"] == drive.id and shown["config_drive"] == "True"
    for s in (plain, drive):
        conn.compute.delete_server(s.id)


def test_topology_migrations_hosts_and_pools(fcloud: Cloud) -> None:
    conn = fcloud.sdk("cheptel-demo")
    server = boot(conn)
    r = conn.compute.get(f"/servers/{server.id}/topology", microversion="2.78")
    assert r.status_code == 200 and r.json() == {"nodes": [], "pagesize_kb": None}
    shown = fcloud.cli("--os-compute-api-version", "2.78", "server", "show", "--topology",
                       server.id, cloud="cheptel-demo")
    assert shown["topology"] == {"nodes": [], "pagesize_kb": None}
    assert fcloud.cli("server", "migration", "list") == []
    assert list(fcloud.sdk().compute.migrations()) == []
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(conn.compute.migrations())
    hosts = fcloud.cli("host", "list")
    assert {h["Service"] for h in hosts} == {"compute", "scheduler", "conductor"}
    compute = next(h for h in hosts if h["Service"] == "compute")
    assert compute["Zone"] == "nova"
    usage = fcloud.cli("host", "show", compute["Host Name"])
    assert [u["Project"] for u in usage][:3] == ["(total)", "(used_now)", "(used_max)"]
    # what openstackclient's api.compute_v2.list_floating_ip_pools asks (nova-network mode)
    r = conn.compute.get("/os-floating-ip-pools", microversion="2.1")
    assert r.status_code == 200 and {"name": "public"} in r.json()["floating_ip_pools"]
    conn.compute.delete_server(server.id)
