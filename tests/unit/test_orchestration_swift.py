"""OS::Swift::Container over the in-process cloud: made through the object store's
routes with its read ACL and metadata, its attributes (counters after an upload), a
non-empty container's delete failing with Swift's 409 unless PurgeOnDelete."""

from __future__ import annotations

from typing import Any

from tests.unit.orchestration import heat, project_of, quiet
from tests.unit.reconcile import Cloud
from tests.unit.test_orchestration_test_resource import outputs, path, stack


def template(purge: bool) -> dict[str, Any]:
    return {"heat_template_version": "2016-04-08", "resources": {"box": {
        "type": "OS::Swift::Container", "properties": {
            "X-Container-Read": ".r:*", "X-Container-Meta": {"Colour": "blue"},
            "PurgeOnDelete": purge}}},
        "outputs": {k: {"value": {"get_attr": ["box", k]}} for k in (
            "DomainName", "WebsiteURL", "RootURL", "ObjectCount", "BytesUsed",
            "HeadContainer")} | {"name": {"value": {"get_resource": "box"}}}}


def swift(cloud: Cloud, method: str, tail: str, content: bytes | None = None) -> Any:
    account = f"/object-store/v1/AUTH_{project_of(cloud, cloud.token)}"
    return cloud.api.client.request(method, account + tail, content=content,
                                    headers={"X-Auth-Token": cloud.token})


def test_container_attributes_and_delete(rcloud: Cloud) -> None:
    quiet(rcloud)
    for name, purge in (("kept", False), ("purged", True)):
        r = heat(rcloud, "POST", "/stacks", {"stack_name": name, "template": template(
            purge)})
        assert r.status_code == 201, r.text
        rcloud.settle()
        out = outputs(stack(rcloud, name))
        container = out["name"]
        assert container.startswith(f"{name}-box-")
        assert out["ObjectCount"] == 0 and out["BytesUsed"] == 0
        assert out["DomainName"] == "127.0.0.1"
        assert out["WebsiteURL"] == out["RootURL"] + container
        head = swift(rcloud, "HEAD", f"/{container}")
        assert head.headers["X-Container-Read"] == ".r:*"
        assert head.headers["X-Container-Meta-Colour"] == "blue"
        assert swift(rcloud, "PUT", f"/{container}/a.txt", b"hello").status_code == 201
        out = outputs(stack(rcloud, name))
        assert out["ObjectCount"] == 1 and out["BytesUsed"] == 5
        assert out["HeadContainer"]["x-container-object-count"] == "1"
        heat(rcloud, "DELETE", path(rcloud, name))
        rcloud.settle()
        if purge:
            assert heat(rcloud, "GET", f"/stacks/{name}").status_code == 404
            assert swift(rcloud, "HEAD", f"/{container}").status_code == 404
        else:
            s = stack(rcloud, name)
            assert s["stack_status"] == "DELETE_FAILED"
            assert "Conflict" in s["stack_status_reason"]
