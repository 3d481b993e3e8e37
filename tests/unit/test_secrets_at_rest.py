"""What is written to disk: bcrypt password hashes, token digests, a private clouds.yaml."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import yaml
from sqlalchemy import text

from cheptel.config import Settings
from tests.unit.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, Api, MakeApi


def _rows(api: Api, sql: str) -> list[tuple]:
    with api.deps.db_engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _db_bytes(data_dir: Path) -> bytes:
    """Every byte of the SQLite database, write-ahead log included."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("cheptel.db*")))


def test_default_bcrypt_cost_is_12(api: Api, make_api: MakeApi, data_dir: Path) -> None:
    assert Settings(data_dir=data_dir).bcrypt_rounds == 12
    # Same data dir, already bootstrapped, default rounds: only the new user's hash is slow.
    default = make_api(bcrypt_rounds=Settings(data_dir=data_dir).bcrypt_rounds)
    password = "a long and secret passphrase"
    r = default.call("POST", "/users", default.admin(),
                     json={"user": {"name": "cost12", "password": password}})
    assert r.status_code == 201, r.text
    assert password not in r.text
    [(stored,)] = _rows(api, "SELECT password_hash FROM users WHERE name = 'cost12'")
    assert stored.startswith("$2b$12$")


def test_passwords_are_bcrypt_hashes_never_clear(api: Api, data_dir: Path) -> None:
    rows = dict(_rows(api, "SELECT name, password_hash FROM users"))
    assert rows["admin"].startswith("$2b$04$") and rows["demo"].startswith("$2b$04$")
    password = "clear-text-must-not-be-stored"
    r = api.call("POST", "/users", api.admin(),
                 json={"user": {"name": "alice", "password": password}})
    assert r.status_code == 201, r.text
    user_id = r.json()["user"]["id"]
    r = api.call("PATCH", f"/users/{user_id}", api.admin(),
                 json={"user": {"password": password + "-2"}})
    assert r.status_code == 200, r.text
    every_value = [v for row in _rows(api, "SELECT * FROM users") for v in row]
    for secret in (password, password + "-2", ADMIN_PASSWORD, DEMO_PASSWORD):
        assert not any(isinstance(v, str) and secret in v for v in every_value)
        assert secret.encode() not in _db_bytes(data_dir)


def test_tokens_are_stored_as_sha256_only(api: Api, data_dir: Path) -> None:
    token = api.token("demo", DEMO_PASSWORD, "demo")
    hashes = [h for (h,) in _rows(api, "SELECT id_hash FROM tokens")]
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    every_value = [v for row in _rows(api, "SELECT * FROM tokens") for v in row]
    assert not any(isinstance(v, str) and token in v for v in every_value)
    assert token.encode() not in _db_bytes(data_dir)


def test_app_credential_secrets_are_hashed(api: Api, data_dir: Path) -> None:
    token = api.token("demo", DEMO_PASSWORD, "demo")
    me = api.validate(token).json()["token"]["user"]["id"]
    r = api.call("POST", f"/users/{me}/application_credentials", token,
                 json={"application_credential": {"name": "ci"}})
    assert r.status_code == 201, r.text
    secret = r.json()["application_credential"]["secret"]
    [(stored,)] = _rows(api, "SELECT secret_hash FROM application_credentials")
    assert stored.startswith("$2b$") and secret not in stored
    assert secret.encode() not in _db_bytes(data_dir)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_clouds_yaml_is_0600(api: Api, data_dir: Path) -> None:
    clouds = data_dir / "clouds.yaml"
    assert _mode(clouds) == 0o600
    doc = yaml.safe_load(clouds.read_text())["clouds"]
    assert doc["cheptel"]["auth"]["password"] == ADMIN_PASSWORD
    assert doc["cheptel-demo"]["auth"]["password"] == DEMO_PASSWORD


def test_clouds_yaml_stays_0600_when_refreshed(api: Api, make_api: MakeApi,
                                               data_dir: Path) -> None:
    clouds = data_dir / "clouds.yaml"
    before = clouds.read_text()
    os.chmod(clouds, 0o644)  # an operator loosened it; the next start tightens it again
    make_api()
    assert _mode(clouds) == 0o600
    assert clouds.read_text() == before
    make_api(public_url="http://cloud.example:5000")
    assert _mode(clouds) == 0o600
    auth = yaml.safe_load(clouds.read_text())["clouds"]["cheptel"]["auth"]
    assert auth["auth_url"] == "http://cloud.example:5000/identity/v3"
    assert auth["password"] == ADMIN_PASSWORD


def test_clouds_yaml_is_0600_under_a_permissive_umask(tmp_path: Path, make_api: MakeApi,
                                                      data_dir: Path) -> None:
    old = os.umask(0)
    try:
        make_api(fresh=True)  # bootstrap writes it here, not a copy of a template
    finally:
        os.umask(old)
    assert _mode(data_dir / "clouds.yaml") == 0o600


def test_credential_blobs_are_encrypted_with_a_key_outside_the_database(
        api: Api, data_dir: Path) -> None:
    token = api.admin()
    me = api.validate(token).json()["token"]["user"]["id"]
    project = api.validate(token).json()["token"]["project"]["id"]
    blob = '{"access": "clear-access-key", "secret": "clear-ec2-secret-never-stored"}'
    r = api.call("POST", "/credentials", token, json={"credential": {
        "user_id": me, "project_id": project, "type": "ec2", "blob": blob}})
    assert r.status_code == 201, r.text
    assert r.json()["credential"]["blob"] == blob
    assert r.json()["credential"]["id"] == hashlib.sha256(b"clear-access-key").hexdigest()
    r = api.call("POST", f"/users/{me}/credentials/OS-EC2", token, json={"tenant_id": project})
    assert r.status_code == 201, r.text
    ec2_secret = r.json()["credential"]["secret"]
    [(sealed, _), (sealed2, _)] = _rows(api, "SELECT encrypted_blob, key_hash FROM credentials")
    for secret in ("clear-ec2-secret-never-stored", ec2_secret):
        assert secret not in sealed + sealed2
        assert secret.encode() not in _db_bytes(data_dir)
    key = data_dir / "credential.key"
    assert _mode(key) == 0o600 and key.read_bytes() not in _db_bytes(data_dir)
    listed = api.call("GET", "/credentials", token).json()["credentials"]
    assert blob in [c["blob"] for c in listed]
