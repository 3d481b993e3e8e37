"""Credentials and EC2 keys through the unmodified `openstack` CLI and openstacksdk."""

from __future__ import annotations

import hashlib
import json
import uuid

from tests.integration.cloud import Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_credentials_lifecycle_with_the_cli(cloud: Cloud) -> None:
    conn = cloud.sdk()
    user = conn.identity.create_user(name=uniq("cred-user"), password="pw", domain_id="default")
    project = conn.identity.create_project(name=uniq("cred-proj"), domain_id="default")
    blob = json.dumps({"access": uniq("access"), "secret": uniq("secret")})
    cred = cloud.cli("credential", "create", user.id, blob, "--type", "ec2",
                     "--project", project.id)
    # an ec2 credential's id is the SHA-256 of its access key, as Keystone's
    assert cred["id"] == hashlib.sha256(json.loads(blob)["access"].encode()).hexdigest()
    assert (cred["blob"], cred["type"], cred["user_id"], cred["project_id"]) == (
        blob, "ec2", user.id, project.id)
    new_blob = json.dumps({"access": uniq("access2"), "secret": uniq("secret2")})
    out = cloud.cli("credential", "set", cred["id"], "--user", user.id, "--type", "ec2",
                    "--data", new_blob, "--project", project.id, as_json=False)
    assert out.returncode == 0, out.stderr
    shown = cloud.cli("credential", "show", cred["id"])
    assert json.loads(shown["blob"]) == json.loads(new_blob) and shown["id"] == cred["id"]
    listed = cloud.cli("credential", "list", "--user", user.id)
    assert [c["ID"] for c in listed] == [cred["id"]]
    # a malformed ec2 blob is refused in Keystone's format
    bad = cloud.cli("credential", "create", user.id, "not json", "--type", "ec2",
                    "--project", project.id, check=False, as_json=False)
    assert bad.returncode != 0 and "400" in bad.stderr
    totp = conn.identity.create_credential(user_id=user.id, type="totp", blob="seed-1")
    assert totp.blob == "seed-1" and len(totp.id) == 32
    assert cloud.cli("credential", "delete", cred["id"], as_json=False).returncode == 0
    assert cloud.cli("credential", "show", cred["id"], check=False,
                     as_json=False).returncode != 0
    # the user's credentials go with the user
    conn.identity.delete_user(user)
    assert conn.identity.find_credential(totp.id) is None
    conn.identity.delete_project(project)


def test_ec2_credentials_as_their_owner(cloud: Cloud) -> None:
    conn = cloud.sdk()
    user = conn.identity.create_user(name=uniq("ec2-user"), password="pw-ec2",
                                     domain_id="default")
    other = conn.identity.create_user(name=uniq("ec2-other"), password="pw-ec2",
                                      domain_id="default")
    project = conn.identity.create_project(name=uniq("ec2-proj"), domain_id="default")
    member = conn.identity.find_role("member")
    for u in (user, other):
        conn.identity.assign_project_role_to_user(project, u, member)
    me = cloud.sdk(username=user.name, password="pw-ec2", project_name=project.name,
                   user_domain_id="default", project_domain_id="default")
    http = cloud.http()
    token = me.authorize()
    base = f"/identity/v3/users/{user.id}/credentials/OS-EC2"
    h = {"X-Auth-Token": token}
    r = http.post(base, json={"tenant_id": project.id}, headers=h)
    assert r.status_code == 201, r.text
    made = r.json()["credential"]
    assert (made["user_id"], made["tenant_id"], made["trust_id"]) == (user.id, project.id, None)
    assert made["links"]["self"].endswith(f"{base}/{made['access']}")
    r = http.get(f"{base}/{made['access']}", headers=h)
    assert r.status_code == 200 and r.json()["credential"]["secret"] == made["secret"]
    assert [c["access"] for c in http.get(base, headers=h).json()["credentials"]] == [
        made["access"]]
    # the same key through /v3/credentials, owned by the user
    r = http.get(f"/identity/v3/credentials?user_id={user.id}", headers=h)
    assert [json.loads(c["blob"])["access"] for c in r.json()["credentials"]] == [
        made["access"]]
    # somebody else's keys stay out of reach
    them = cloud.token(other.name, "pw-ec2", project.name)
    assert http.get(f"{base}/{made['access']}", headers={"X-Auth-Token": them}
                    ).status_code == 403
    assert http.get(base, headers={"X-Auth-Token": them}).status_code == 403
    assert http.post(base, json={"tenant_id": project.id},
                     headers={"X-Auth-Token": them}).status_code == 403
    assert http.get("/identity/v3/credentials", headers={"X-Auth-Token": them}
                    ).json()["credentials"] == []
    # the CLI sees and deletes them too
    listed = cloud.cli("ec2", "credentials", "list", "--user", user.id)
    assert [c["Access"] for c in listed] == [made["access"]]
    assert http.delete(f"{base}/{made['access']}", headers=h).status_code == 204
    r = http.get(f"{base}/{made['access']}", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
    r = http.post(base, json={"tenant_id": "no-such-project"}, headers=h)
    assert r.status_code == 404, r.text
    http.close()
    for u in (user, other):
        conn.identity.delete_user(u)
    conn.identity.delete_project(project)
