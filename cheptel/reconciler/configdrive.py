"""The config drive: OpenStack's metadata files, read-only at /openstack in the server."""

from __future__ import annotations

import base64
import json

from cheptel.compute.models import Server


def files(server: Server, metadata: dict[str, str]) -> dict[str, bytes]:
    """Paths (relative to the drive's root, mounted at /openstack) -> contents."""
    keys = {}
    if server.key_name and server.public_key:
        keys[server.key_name] = server.public_key
    meta = {
        "uuid": server.id, "name": server.name, "hostname": server.hostname,
        "launch_index": server.launch_index, "availability_zone": server.availability_zone,
        "project_id": server.project_id, "meta": metadata, "public_keys": keys,
        "keys": [{"name": k, "type": "ssh", "data": v} for k, v in keys.items()],
        "devices": [],
    }
    network: dict[str, list[object]] = {"links": [], "networks": [], "services": []}
    out = {
        "latest/meta_data.json": json.dumps(meta, sort_keys=True).encode(),
        "latest/network_data.json": json.dumps(network).encode(),
        "latest/vendor_data.json": b"{}",
        "latest/vendor_data2.json": b"{}",
    }
    if server.user_data:
        out["latest/user_data"] = base64.b64decode(server.user_data)
    return out
