"""Policy documents and OAuth1 consumers through the unmodified `openstack` CLI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests.integration.cloud import ADMIN_PASSWORD, Cloud


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_policy_documents_are_stored_and_served(cloud: Cloud, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"compute:start": "rule:admin"}))
    made = cloud.cli("policy", "create", "--type", "application/json", str(rules))
    assert made["type"] == "application/json"
    assert json.loads(made["rules"]) == {"compute:start": "rule:admin"}
    rules.write_text(json.dumps({"compute:stop": ""}))
    out = cloud.cli("policy", "set", made["id"], "--type", "text/json", "--rules", str(rules),
                    as_json=False)
    assert out.returncode == 0, out.stderr
    shown = cloud.cli("policy", "show", made["id"])
    assert shown["type"] == "text/json" and json.loads(shown["rules"]) == {"compute:stop": ""}
    assert made["id"] in [p["ID"] for p in cloud.cli("policy", "list")]
    assert cloud.cli("policy", "delete", made["id"], as_json=False).returncode == 0
    assert cloud.cli("policy", "show", made["id"], check=False, as_json=False).returncode != 0


def test_oauth1_consumers_show_their_secret_once(cloud: Cloud) -> None:
    # (the CLI's consumer commands need oauthlib, which is not a dependency: plain HTTP)
    token = cloud.token("admin", ADMIN_PASSWORD, "admin")
    h = {"X-Auth-Token": token}
    base = "/identity/v3/OS-OAUTH1/consumers"
    with cloud.http() as http:
        r = http.post(base, json={"consumer": {"description": "first"}}, headers=h)
        assert r.status_code == 201, r.text
        made = r.json()["consumer"]
        assert made["description"] == "first" and len(made["secret"]) == 32
        r = http.patch(f"{base}/{made['id']}", json={"consumer": {"description": "second"}},
                       headers=h)
        assert r.status_code == 200 and r.json()["consumer"]["description"] == "second"
        shown = http.get(f"{base}/{made['id']}", headers=h).json()["consumer"]
        assert shown["description"] == "second" and "secret" not in shown
        assert made["id"] in [c["id"] for c in http.get(base, headers=h).json()["consumers"]]
        r = http.patch(f"{base}/{made['id']}", json={"consumer": {"secret": "mine"}},
                       headers=h)
        assert r.status_code == 400 and r.json()["error"]["code"] == 400
        # the OAuth1 flow itself is not implemented: a clear 501 in Keystone's format
        r = http.post("/identity/v3/OS-OAUTH1/request_token", headers=h)
        assert r.status_code == 501 and r.json()["error"]["code"] == 501
        assert http.delete(f"{base}/{made['id']}", headers=h).status_code == 204
        assert http.get(f"{base}/{made['id']}", headers=h).status_code == 404
