"""QoS specs as Cinder answers them: create (consumer, 409 on a name taken), list with
filters, show, set and unset keys, associate with types (one specs per type), the
associations, disassociate (one, all), delete (400 while associated unless forced), the
admin's only; and bad bodies that change nothing."""

from __future__ import annotations

from tests.unit.test_volume_api import Cinder, admin, demo

__all__ = ["admin", "demo"]


def _make(admin: Cinder, name: str = "gold", **specs: str) -> dict:
    r = admin("POST", "/qos-specs", {"qos_specs": {"name": name, **specs}})
    assert r.status_code == 200, r.text
    return r.json()


def _type(admin: Cinder, name: str) -> str:
    r = admin("POST", "/types", {"volume_type": {"name": name}})
    assert r.status_code == 200, r.text
    return str(r.json()["volume_type"]["id"])


def test_create_show_list_and_set_unset_keys(admin: Cinder) -> None:
    made = _make(admin, " gold ", consumer="front-end", read_bytes_sec="1048576")
    qos = made["qos_specs"]
    assert (qos["name"], qos["consumer"], qos["specs"]) == (
        "gold", "front-end", {"read_bytes_sec": "1048576"})
    assert [link["rel"] for link in made["links"]] == ["self", "bookmark"]
    assert made["links"][0]["href"].endswith(f"/qos-specs/{qos['id']}")
    assert _make(admin, "silver")["qos_specs"]["consumer"] == "back-end"  # the default
    assert admin("POST", "/qos-specs", {"qos_specs": {"name": "gold"}}).status_code == 409
    listed = admin("GET", "/qos-specs").json()["qos_specs"]
    assert sorted(q["name"] for q in listed) == ["gold", "silver"]
    assert qos in listed
    assert [q["name"] for q in admin("GET", "/qos-specs?consumer=front-end").json()[
        "qos_specs"]] == ["gold"]
    first = listed[0]["id"]
    assert admin("GET", f"/qos-specs?marker={first}").json()["qos_specs"] == listed[1:]
    assert admin("GET", "/qos-specs?limit=1").json()["qos_specs"] == listed[:1]
    assert admin("GET", "/qos-specs?limit=x").status_code == 400
    assert admin("GET", "/qos-specs/nope").status_code == 404

    r = admin("PUT", f"/qos-specs/{qos['id']}", {"qos_specs": {"iops_bytes": "500"}})
    assert r.status_code == 200 and r.json() == {"qos_specs": {"iops_bytes": "500"}}
    shown = admin("GET", f"/qos-specs/{qos['id']}").json()["qos_specs"]
    assert shown["specs"] == {"read_bytes_sec": "1048576", "iops_bytes": "500"}
    r = admin("PUT", f"/qos-specs/{qos['id']}", {"qos_specs": {"consumer": "both"}})
    assert r.status_code == 200
    assert admin("GET", f"/qos-specs/{qos['id']}").json()["qos_specs"]["consumer"] == "both"
    # unset: a key the specs lack is a 404 and nothing is removed
    r = admin("PUT", f"/qos-specs/{qos['id']}/delete_keys",
              {"keys": ["iops_bytes", "missing"]})
    assert r.status_code == 404, r.text
    assert "iops_bytes" in admin("GET", f"/qos-specs/{qos['id']}").json()["qos_specs"][
        "specs"]
    r = admin("PUT", f"/qos-specs/{qos['id']}/delete_keys", {"keys": ["iops_bytes"]})
    assert r.status_code == 202, r.text
    assert admin("GET", f"/qos-specs/{qos['id']}").json()["qos_specs"]["specs"] == {
        "read_bytes_sec": "1048576"}


def test_bad_bodies_are_400_and_change_nothing(admin: Cinder) -> None:
    qos = _make(admin)["qos_specs"]
    for body in ({"qos_specs": {}}, {"qos_specs": {"name": ""}}, {"qos_specs": {
            "name": "x", "consumer": "nobody"}}, {"qos_specs": {"name": "x", "k": 1}},
            {"qos_specs": {"name": "x", "k": "v" * 256}}, {"qos_specs": {"name": "x" * 256}},
            {"qos_specs": "x"}, {"nope": {}}, []):
        r = admin("POST", "/qos-specs", body)
        assert r.status_code == 400 and "badRequest" in r.json(), (body, r.text)
    for body in ({"qos_specs": {"bad key!": "1"}}, {"qos_specs": {"consumer": "x"}},
                 {"qos_specs": []}, {}):
        r = admin("PUT", f"/qos-specs/{qos['id']}", body)
        assert r.status_code == 400, (body, r.text)
    for body in ({"keys": "a"}, {"keys": [""]}, {"keys": ["a", "a"]}, {}):
        assert admin("PUT", f"/qos-specs/{qos['id']}/delete_keys", body).status_code == 400
    assert [q["name"] for q in admin("GET", "/qos-specs").json()["qos_specs"]] == ["gold"]
    assert admin("GET", f"/qos-specs/{qos['id']}").json()["qos_specs"] == qos


def test_associations_and_delete(admin: Cinder) -> None:
    qos = _make(admin)["qos_specs"]
    other = _make(admin, "bronze")["qos_specs"]
    types = [_type(admin, f"t{i}") for i in range(3)]
    for t in types:
        assert admin("GET", f"/qos-specs/{qos['id']}/associate?vol_type_id={t}"
                     ).status_code == 202
    assert admin("GET", f"/types/{types[0]}").json()["volume_type"]["qos_specs_id"] == qos[
        "id"]
    found = admin("GET", f"/qos-specs/{qos['id']}/associations").json()["qos_associations"]
    assert sorted(a["id"] for a in found) == sorted(types)
    assert {a["association_type"] for a in found} == {"volume_type"}
    # one specs per type; the same again is fine
    r = admin("GET", f"/qos-specs/{other['id']}/associate?vol_type_id={types[0]}")
    assert r.status_code == 400 and "already associated" in r.text
    assert admin("GET", f"/qos-specs/{qos['id']}/associate?vol_type_id={types[0]}"
                 ).status_code == 202
    assert admin("GET", f"/qos-specs/{qos['id']}/associate").status_code == 400
    assert admin("GET", f"/qos-specs/{qos['id']}/associate?vol_type_id=nope"
                 ).status_code == 404
    assert admin("DELETE", f"/qos-specs/{qos['id']}").status_code == 400  # in use

    assert admin("GET", f"/qos-specs/{qos['id']}/disassociate?vol_type_id={types[0]}"
                 ).status_code == 202
    assert admin("GET", f"/types/{types[0]}").json()["volume_type"]["qos_specs_id"] is None
    assert len(admin("GET", f"/qos-specs/{qos['id']}/associations").json()[
        "qos_associations"]) == 2
    assert admin("GET", f"/qos-specs/{qos['id']}/disassociate_all").status_code == 202
    assert admin("GET", f"/qos-specs/{qos['id']}/associations").json() == {
        "qos_associations": []}

    admin("GET", f"/qos-specs/{qos['id']}/associate?vol_type_id={types[1]}")
    assert admin("DELETE", f"/qos-specs/{qos['id']}?force=True").status_code == 202
    assert admin("GET", f"/qos-specs/{qos['id']}").status_code == 404
    assert admin("GET", f"/types/{types[1]}").json()["volume_type"]["qos_specs_id"] is None
    assert admin("DELETE", f"/qos-specs/{other['id']}").status_code == 202


def test_qos_specs_are_the_admins(admin: Cinder, demo: Cinder) -> None:
    qos = _make(admin)["qos_specs"]
    for method, path, body in (
            ("GET", "/qos-specs", None), ("POST", "/qos-specs", {"qos_specs": {"name": "x"}}),
            ("GET", f"/qos-specs/{qos['id']}", None),
            ("PUT", f"/qos-specs/{qos['id']}", {"qos_specs": {"a": "1"}}),
            ("DELETE", f"/qos-specs/{qos['id']}", None),
            ("GET", f"/qos-specs/{qos['id']}/associations", None),
            ("GET", f"/qos-specs/{qos['id']}/disassociate_all", None)):
        assert demo(method, path, body).status_code == 403, (method, path)
    assert admin("GET", f"/qos-specs/{qos['id']}").json()["qos_specs"] == qos


def test_a_connection_carries_the_front_end_specs(admin: Cinder, demo: Cinder) -> None:
    """os-initialize_connection's qos_specs: the specs a host applies (front-end or
    both), None for back-end specs or a type without any (Cinder's connection options)."""
    front = _make(admin, "front", consumer="front-end", read_iops_sec="300")["qos_specs"]
    back = _make(admin, "back", read_iops_sec="9")["qos_specs"]
    for q, name in ((front, "tf"), (back, "tb")):
        admin("GET", f"/qos-specs/{q['id']}/associate?vol_type_id={_type(admin, name)}")
    connector = {"os-initialize_connection": {"connector": {"host": "h"}}}
    seen = {}
    for name in ("tf", "tb", None):
        vid = demo.create(**({"volume_type": name} if name else {}))["id"]
        r = demo("POST", f"/volumes/{vid}/action", connector)
        assert r.status_code == 200, r.text
        seen[name] = r.json()["connection_info"]["data"]["qos_specs"]
    assert seen == {"tf": {"read_iops_sec": "300"}, "tb": None, None: None}


def test_type_encryption_is_none_and_cannot_be_made(admin: Cinder) -> None:
    """No encrypted volumes (no key manager): a type's encryption is `{}`; creating one is
    a 501 for a type that exists and Cinder's 404 for one that does not."""
    vt = _type(admin, "secret")
    assert admin("GET", f"/types/{vt}/encryption").json() == {}
    body = {"encryption": {"provider": "luks", "control_location": "front-end"}}
    r = admin("POST", f"/types/{vt}/encryption", body)
    assert r.status_code == 501 and "key manager" in r.text, r.text
    assert admin("POST", "/types/nope/encryption", body).status_code == 404
