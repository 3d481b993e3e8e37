"""Keypair bodies as Nova renders them (nova/api/openstack/compute/views/keypairs.py)."""

from __future__ import annotations

from cheptel.compute.microversion import Version
from cheptel.compute.models import KeyPair
from cheptel.compute.views_common import naive_time


def brief(kp: KeyPair, version: Version) -> dict:
    body = {"name": kp.name, "public_key": kp.public_key, "fingerprint": kp.fingerprint}
    if version.at_least("2.2"):
        body["type"] = kp.type
    return body


def created(kp: KeyPair, version: Version, private_key: str | None) -> dict:
    body = {**brief(kp, version), "user_id": kp.user_id}
    if private_key is not None:
        body["private_key"] = private_key
    return {"keypair": body}


def show(kp: KeyPair, version: Version) -> dict:
    body = {**brief(kp, version), "user_id": kp.user_id, "id": kp.id,
            "created_at": naive_time(kp.created_at), "updated_at": None, "deleted": False,
            "deleted_at": None}
    return {"keypair": body}
