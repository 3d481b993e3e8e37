"""Keypairs through the unmodified `openstack` CLI, openstacksdk and raw Nova calls."""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.integration.cloud import Cloud
from tests.integration.compute.nova_http import Nova, fault


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def md5_fingerprint(public_line: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_line.split()[1]),
                         usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def new_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return line.decode() + " test@cheptel"


def test_cli_generate_show_list_delete(compute_cloud: Cloud, tmp_path: Path) -> None:
    name = unique("gen")
    proc = compute_cloud.cli("keypair", "create", name, as_json=False)
    assert "PRIVATE KEY" in proc.stdout  # the CLI generated it locally and imported it
    private = serialization.load_ssh_private_key(proc.stdout.encode(), password=None)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
    shown = compute_cloud.cli("keypair", "show", name)
    assert shown["fingerprint"] == md5_fingerprint(public)
    assert shown["type"] == "ssh"
    pub = compute_cloud.cli("keypair", "show", "--public-key", name, as_json=False).stdout
    assert pub.split()[:2] == public.split()[:2]
    assert name in [k["Name"] for k in compute_cloud.cli("keypair", "list")]
    compute_cloud.cli("keypair", "delete", name, as_json=False)
    assert name not in [k["Name"] for k in compute_cloud.cli("keypair", "list")]


def test_cli_import_public_key_file(compute_cloud: Cloud, tmp_path: Path) -> None:
    line = new_public_key()
    path = tmp_path / "id.pub"
    path.write_text(line + "\n")
    name = unique("imp")
    made = compute_cloud.cli("keypair", "create", "--public-key", str(path), name)
    assert made["fingerprint"] == md5_fingerprint(line)
    listed = {k["Name"]: k for k in compute_cloud.cli("keypair", "list")}
    assert listed[name]["Fingerprint"] == md5_fingerprint(line)
    compute_cloud.cli("keypair", "delete", name, as_json=False)


def test_other_users_never_see_keypairs(compute_cloud: Cloud, nova: Nova) -> None:
    name = unique("mine")
    nova.ok("POST", "/os-keypairs", json={"keypair": {"name": name,
                                                      "public_key": new_public_key()}})
    assert name not in [k["Name"] for k in compute_cloud.cli("keypair", "list",
                                                             cloud="cheptel-demo")]
    assert compute_cloud.cli("keypair", "show", name, cloud="cheptel-demo",
                             check=False).returncode != 0
    fault(nova.call("GET", f"/os-keypairs/{name}", who="demo"), 404)
    fault(nova.call("DELETE", f"/os-keypairs/{name}", who="demo"), 404)
    # the owner is named only by an admin (2.10): demo asking for admin's is a 403
    admin_id = nova.user_id("admin")
    fault(nova.call("GET", f"/os-keypairs?user_id={admin_id}", who="demo", version="2.10"), 403)
    fault(nova.call("GET", f"/os-keypairs/{name}?user_id={admin_id}", who="demo",
                    version="2.10"), 403)
    nova.ok("DELETE", f"/os-keypairs/{name}", 202)


def test_admin_manages_another_users_keypairs(nova: Nova) -> None:
    demo_id = nova.user_id("demo")
    name = unique("for-demo")
    made = nova.ok("POST", "/os-keypairs", 201, version="2.10", json={"keypair": {
        "name": name, "user_id": demo_id, "public_key": new_public_key()}})["keypair"]
    assert made["user_id"] == demo_id
    assert name in [k["keypair"]["name"] for k in nova.ok("GET", "/os-keypairs",
                                                          who="demo")["keypairs"]]
    listed = nova.ok("GET", f"/os-keypairs?user_id={demo_id}", version="2.10")["keypairs"]
    assert name in [k["keypair"]["name"] for k in listed]
    assert nova.call("DELETE", f"/os-keypairs/{name}?user_id={demo_id}",
                     version="2.10").status_code == 204


def test_server_side_generation_and_status_per_microversion(nova: Nova) -> None:
    name = unique("srv")
    made = nova.ok("POST", "/os-keypairs", 200, json={"keypair": {"name": name}})["keypair"]
    assert set(made) == {"name", "public_key", "fingerprint", "user_id", "private_key"}
    assert "RSA PRIVATE KEY" in made["private_key"]
    assert made["fingerprint"] == md5_fingerprint(made["public_key"])
    shown = nova.ok("GET", f"/os-keypairs/{name}")["keypair"]
    assert set(shown) == {"name", "public_key", "fingerprint", "user_id", "id", "created_at",
                          "updated_at", "deleted", "deleted_at"}
    assert nova.call("DELETE", f"/os-keypairs/{name}").status_code == 202
    made = nova.ok("POST", "/os-keypairs", 201, version="2.2",
                   json={"keypair": {"name": name, "type": "x509"}})["keypair"]
    assert made["type"] == "x509" and "BEGIN CERTIFICATE" in made["public_key"]
    assert len(made["fingerprint"].split(":")) == 20  # SHA-1
    listed = nova.ok("GET", "/os-keypairs", version="2.2")["keypairs"]
    assert {"name", "public_key", "fingerprint", "type"} == set(listed[0]["keypair"])
    assert nova.call("DELETE", f"/os-keypairs/{name}", version="2.2").status_code == 204
    fault(nova.call("DELETE", f"/os-keypairs/{name}", version="2.2"), 404)


@pytest.mark.parametrize(("version", "keypair"), [
    ("2.1", {"name": "bad/name"}),
    ("2.1", {"name": "with.dot"}),
    ("2.1", {"name": ""}),
    ("2.1", {"name": " lead"}),
    ("2.1", {"name": "ok", "type": "ssh"}),  # type only from 2.2
    ("2.2", {"name": "ok", "type": "pgp"}),
    ("2.2", {"name": "ok", "user_id": "x"}),  # user_id only from 2.10
    ("2.10", {"name": "ok", "public_key": "ssh-rsa not-a-key"}),
    ("2.10", {"name": "ok", "public_key": 42}),
    ("2.10", {"name": "ok", "bogus": True}),
    ("2.2", {"name": "ok", "type": "x509", "public_key": "not a certificate"}),
])
def test_bad_input_is_a_400(nova: Nova, version: str, keypair: dict) -> None:
    fault(nova.call("POST", "/os-keypairs", version=version, json={"keypair": keypair}), 400)


def test_duplicate_is_a_409(nova: Nova) -> None:
    name = unique("dup")
    body = {"keypair": {"name": name, "public_key": new_public_key()}}
    nova.ok("POST", "/os-keypairs", json=body)
    assert "already exists" in fault(nova.call("POST", "/os-keypairs", json=body), 409)
    nova.ok("DELETE", f"/os-keypairs/{name}", 202)


def test_paging_from_2_35(nova: Nova) -> None:
    names = sorted(unique("page") for _ in range(3))
    for n in names:
        nova.ok("POST", "/os-keypairs", json={"keypair": {"name": n,
                                                          "public_key": new_public_key()}})
    mine = [k["keypair"]["name"] for k in nova.ok("GET", "/os-keypairs")["keypairs"]]
    start = mine.index(names[0])
    page = nova.ok("GET", f"/os-keypairs?limit=1&marker={mine[start]}", version="2.35")
    assert [k["keypair"]["name"] for k in page["keypairs"]] == [mine[start + 1]]
    assert page["keypairs_links"][0]["rel"] == "next"
    fault(nova.call("GET", "/os-keypairs?marker=nope", version="2.35"), 400)
    fault(nova.call("GET", "/os-keypairs?bogus=1", version="2.75"), 400)
    for n in names:
        nova.ok("DELETE", f"/os-keypairs/{n}", 202)


def test_keypair_quota(compute_cloud: Cloud, nova: Nova) -> None:
    project, user = unique("kpq"), unique("kpq-user")
    compute_cloud.cli("project", "create", "--domain", "default", project)
    compute_cloud.cli("user", "create", "--domain", "default", "--project", project,
                      "--password", "pw-kpq", user)
    compute_cloud.cli("role", "add", "--project", project, "--user", user, "member",
                      as_json=False)
    compute_cloud.cli("quota", "set", "--key-pairs", "1", project, as_json=False)
    token = compute_cloud.token(user, "pw-kpq", project)

    def create(n: str):  # noqa: ANN202
        return nova.call("POST", "/os-keypairs", token=token,
                         json={"keypair": {"name": n, "public_key": new_public_key()}})

    assert create("first").status_code == 200
    assert fault(create("second"), 403) == "Quota exceeded, too many key pairs."
    assert nova.call("DELETE", "/os-keypairs/first", token=token).status_code == 202
    assert create("second").status_code == 200


def test_sdk_keypairs(compute_cloud: Cloud) -> None:
    conn = compute_cloud.sdk("cheptel-demo")
    name = unique("sdk")
    line = new_public_key()
    made = conn.compute.create_keypair(name=name, public_key=line)
    assert made.fingerprint == md5_fingerprint(line)
    assert conn.compute.get_keypair(name).public_key == line
    assert name in [k.name for k in conn.compute.keypairs()]
    conn.compute.delete_keypair(name)
    assert conn.compute.find_keypair(name) is None
