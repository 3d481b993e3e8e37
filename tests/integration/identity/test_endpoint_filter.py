"""OS-EP-FILTER: endpoint groups and project endpoints shape a project's catalog."""

from __future__ import annotations

import uuid

from tests.integration.cloud import ADMIN_PASSWORD, Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_project_with_associations_sees_only_its_endpoints(cloud: Cloud) -> None:
    conn = cloud.sdk()
    project = conn.identity.create_project(name=uniq("epf"), domain_id="default")
    user = conn.identity.create_user(name=uniq("epf-user"), password="pw-epf",
                                     domain_id="default")
    conn.identity.assign_project_role_to_user(project, user, conn.identity.find_role("member"))
    admin = cloud.token("admin", ADMIN_PASSWORD, "admin")
    h = {"X-Auth-Token": admin}
    http = cloud.http()
    svc = http.post("/identity/v3/services", headers=h,
                    json={"service": {"type": uniq("epf-type")}}).json()["service"]["id"]
    eps = {i: http.post("/identity/v3/endpoints", headers=h, json={"endpoint": {
        "service_id": svc, "interface": i, "url": f"http://{i}.invalid/"}}).json()["endpoint"]
        for i in ("public", "internal")}

    def catalog() -> set[str]:
        token = cloud.token(user.name, "pw-epf", project.name)
        r = http.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})
        return {e["id"] for s in r.json()["catalog"] for e in s["endpoints"]}

    everything = catalog()
    assert {eps["public"]["id"], eps["internal"]["id"]} <= everything
    r = http.post("/identity/v3/OS-EP-FILTER/endpoint_groups", headers=h, json={
        "endpoint_group": {"name": uniq("eg"), "filters": {"service_id": svc,
                                                             "interface": "internal"}}})
    assert r.status_code == 201, r.text
    group = r.json()["endpoint_group"]
    base = f"/identity/v3/OS-EP-FILTER/endpoint_groups/{group['id']}"
    assert [e["id"] for e in http.get(base + "/endpoints", headers=h).json()["endpoints"]] == [
        eps["internal"]["id"]]
    assert http.put(f"{base}/projects/{project.id}", headers=h).status_code == 204
    assert http.put(f"{base}/projects/{project.id}", headers=h).status_code == 409
    assert catalog() == {eps["internal"]["id"]}
    # an endpoint given directly adds to the group's
    out = cloud.cli("endpoint", "add", "project", eps["public"]["id"], project.id,
                    as_json=False)
    assert out.returncode == 0, out.stderr
    assert catalog() == {eps["internal"]["id"], eps["public"]["id"]}
    listed = cloud.cli("endpoint", "list", "--project", project.id)
    assert {e["ID"] for e in listed} == {eps["internal"]["id"], eps["public"]["id"]}
    r = http.get(f"/identity/v3/OS-EP-FILTER/projects/{project.id}/endpoint_groups",
                 headers=h)
    assert [g["id"] for g in r.json()["endpoint_groups"]] == [group["id"]]
    r = http.patch(base, headers=h, json={"endpoint_group": {"filters": {"bogus": 1}}})
    assert r.status_code == 400 and r.json()["error"]["code"] == 400
    # without any association the project sees every endpoint again
    assert http.delete(f"{base}/projects/{project.id}", headers=h).status_code == 204
    assert http.delete(f"/identity/v3/OS-EP-FILTER/projects/{project.id}/endpoints/"
                       f"{eps['public']['id']}", headers=h).status_code == 204
    assert catalog() == everything
    assert http.delete(base, headers=h).status_code == 204
    assert http.get(base, headers=h).status_code == 404
    http.delete(f"/identity/v3/services/{svc}", headers=h)
    http.close()
    conn.identity.delete_user(user)
    conn.identity.delete_project(project)
