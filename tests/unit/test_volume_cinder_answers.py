"""Answers Tempest checks against Cinder's: extra specs, empty ids, sizes, sources,
the volume summary, force-delete while attaching, pagination links."""

from __future__ import annotations

from cheptel.image.service.bootstrap import BUSYBOX_ID
from tests.unit.conftest import Api
from tests.unit.test_volume_api import Cinder, admin, blocks, demo

__all__ = ["admin", "demo"]  # the fixtures, shared with test_volume_api

MISSING = "00000000-0000-0000-0000-000000000000"


def test_extra_specs_create_merges_and_answers_with_the_body(admin: Cinder) -> None:
    vt = admin("POST", "/types", {"volume_type": {"name": "t",
                                                  "extra_specs": {"a": "1"}}}).json()
    tid = vt["volume_type"]["id"]
    r = admin("POST", f"/types/{tid}/extra_specs", {"extra_specs": {"b": "2"}})
    assert r.status_code == 200 and r.json() == {"extra_specs": {"b": "2"}}
    assert admin("GET", f"/types/{tid}/extra_specs").json()["extra_specs"] == {
        "a": "1", "b": "2"}


def test_an_empty_volume_id_is_a_404(demo: Cinder) -> None:
    demo.create()
    for method in ("GET", "PUT", "DELETE"):
        r = demo(method, "/volumes/", {"volume": {"name": "x"}} if method == "PUT" else None)
        assert r.status_code == 404 and r.json()["itemNotFound"]["code"] == 404, method


def test_size_zero_is_a_400_as_an_integer_or_a_string(api: Api, demo: Cinder) -> None:
    for size in (0, "0", "00", "-1"):
        r = demo("POST", "/volumes", {"volume": {"size": size}})
        assert r.status_code == 400 and "badRequest" in r.json(), size
    assert demo("GET", "/volumes").json()["volumes"] == [] and blocks(api).volumes == {}
    assert demo.create("01")["size"] == 1


def test_sources_are_looked_up_first(demo: Cinder) -> None:
    def create(**source: str) -> tuple[int, str]:
        r = demo("POST", "/volumes", {"volume": {"size": 1, **source}})
        return r.status_code, next(iter(r.json().values()))["message"]

    assert create(snapshot_id=MISSING) == (404, f"Snapshot {MISSING} could not be found.")
    assert create(backup_id=MISSING) == (404, f"Backup {MISSING} could not be found.")
    assert create(source_volid=MISSING) == (404, f"Volume {MISSING} could not be found.")
    source = demo.create()["id"]
    assert create(source_volid=source, imageRef=BUSYBOX_ID) == (
        400, "Invalid input received: May specify only one of backup, imageRef, "
             "snapshot, source volume")
    assert create(imageRef=MISSING) == (
        400, "Invalid image identifier or unable to access requested image.")
    r = demo("POST", "/volumes", {"volume": {"size": 1, "imageRef": BUSYBOX_ID}})
    assert r.status_code == 202  # made by the volume converger (from_image)
    # the type is looked up before the sources, as Cinder does
    assert create(volume_type="nope", snapshot_id=MISSING)[0] == 404
    assert "Volume type" in create(volume_type="nope", snapshot_id=MISSING)[1]


def test_volume_summary(admin: Cinder, demo: Cinder) -> None:
    demo.create(2, metadata={"k": "a"})
    demo.create(3, metadata={"k": "b"})
    admin.create(5)
    r = demo("GET", "/volumes/summary")
    assert r.json() == {"volume-summary": {"total_size": 5, "total_count": 2,
                                           "metadata": {"k": ["a", "b"]}}}
    r = demo("GET", "/volumes/summary", **{"OpenStack-API-Version": "volume 3.12"})
    assert r.json() == {"volume-summary": {"total_size": 5, "total_count": 2}}
    r = demo("GET", "/volumes/summary", **{"OpenStack-API-Version": "volume 3.11"})
    assert r.status_code == 404
    everyone = admin("GET", "/volumes/summary?all_tenants=1").json()["volume-summary"]
    assert (everyone["total_count"], everyone["total_size"]) == (3, 10)
    assert demo("GET", "/volumes/summary?all_tenants=1").json()[
        "volume-summary"]["total_count"] == 2


def test_force_delete_takes_an_attaching_volume_not_an_in_use_one(api: Api,
                                                                   admin: Cinder) -> None:
    for status, code in (("attaching", 202), ("reserved", 202), ("in-use", 400)):
        v = admin.create()
        if status == "in-use":  # reset-state refuses in-use without an attachment
            admin("POST", f"/volumes/{v['id']}/action", {"os-attach": {
                "host_name": "h", "mountpoint": "/dev/vdb"}})
        else:
            admin("POST", f"/volumes/{v['id']}/action",
                  {"os-reset_status": {"status": status}})
        r = admin("POST", f"/volumes/{v['id']}/action", {"os-force_delete": {}})
        assert r.status_code == code, (status, r.text)
    assert len(blocks(api).volumes) == 1


def test_a_full_page_links_to_the_next_with_the_listings_own_path(demo: Cinder) -> None:
    ids = {demo.create()["id"] for _ in range(2)}
    for path in ("/volumes", "/volumes/detail"):
        seen: set[str] = set()
        query = "limit=1"
        for _ in range(3):
            page = demo("GET", f"{path}?{query}").json()
            seen |= {v["id"] for v in page["volumes"]}
            if "volumes_links" not in page:
                break
            href = page["volumes_links"][0]["href"]
            assert href.split("?")[0].endswith(f"/v3/{demo.project}{path}")
            query = href.split("?", 1)[1]
        assert seen == ids and page["volumes"] == []
