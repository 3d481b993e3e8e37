"""A server's metadata, as Nova's metadata API serves it at http://169.254.169.254/: the
OpenStack tree (`/openstack/<version>/meta_data.json`, `user_data`, `network_data.json`,
`vendor_data.json`, `vendor_data2.json`) and the EC2 tree (`/<version>/meta-data/...`,
`/<version>/user-data`). The config drive holds the same OpenStack files.

Pure: the documents are built from the server's rows; cheptel.compute.metadata_service
finds which server asks and serves them.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Union

from cheptel.compute.models import Server

OPENSTACK_VERSIONS = ("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
                      "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest")
EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
                "2008-02-01", "2008-09-01", "2009-04-04", "latest")

Tree = dict[str, Union["Tree", bytes]]


@dataclass(frozen=True)
class Nic:
    """One port of the server, as network_data.json and the EC2 tree show it."""

    port_id: str
    network_id: str
    mac: str
    mtu: int
    address: str  # its first IPv4 address
    cidr: str  # its subnet's
    gateway: str | None
    dns: tuple[str, ...] = ()
    floating: str | None = None


@dataclass(frozen=True)
class Facts:
    server: Server
    metadata: dict[str, str] = field(default_factory=dict)
    nics: tuple[Nic, ...] = ()
    security_groups: tuple[str, ...] = ()


def network_data(nics: tuple[Nic, ...]) -> dict:
    """network_data.json: a link per port, its IPv4 network, the DNS servers."""
    links, networks, services = [], [], []
    for index, nic in enumerate(nics):
        link = f"tap{nic.port_id[:11]}"
        links.append({"id": link, "vif_id": nic.port_id, "type": "ovs",
                      "ethernet_mac_address": nic.mac, "mtu": nic.mtu})
        net = ipaddress.ip_network(nic.cidr)
        routes = [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": nic.gateway}
                  ] if nic.gateway and index == 0 else []
        networks.append({"id": f"network{index}", "type": "ipv4", "link": link,
                         "ip_address": nic.address, "netmask": str(net.netmask),
                         "routes": routes, "network_id": nic.network_id,
                         "services": [{"type": "dns", "address": a} for a in nic.dns]})
        services += [{"type": "dns", "address": a} for a in nic.dns
                     if {"type": "dns", "address": a} not in services]
    return {"links": links, "networks": networks, "services": services}


def openstack_files(facts: Facts) -> dict[str, bytes]:
    """The files of one version of the OpenStack tree (the config drive's `latest/`)."""
    server = facts.server
    keys = {server.key_name: server.public_key} if server.key_name and server.public_key \
        else {}
    meta = {
        "uuid": server.id, "name": server.name, "hostname": server.hostname,
        "launch_index": server.launch_index, "availability_zone": server.availability_zone,
        "project_id": server.project_id, "meta": facts.metadata, "public_keys": keys,
        "keys": [{"name": k, "type": "ssh", "data": v} for k, v in keys.items()],
        "devices": [],
    }
    out = {
        "meta_data.json": json.dumps(meta, sort_keys=True).encode(),
        "network_data.json": json.dumps(network_data(facts.nics)).encode(),
        "vendor_data.json": b"{}",
        "vendor_data2.json": b"{}",
    }
    if server.user_data:
        out["user_data"] = base64.b64decode(server.user_data)
    return out


def _ec2_id(kind: str, uuid: str) -> str:
    return f"{kind}-{uuid.replace('-', '')[:8]}"


def ec2_meta_data(facts: Facts) -> Tree:
    server = facts.server
    first = facts.nics[0] if facts.nics else None
    flavor = server.flavor or {}
    tree: Tree = {
        "ami-id": _ec2_id("ami", server.image_id or "0" * 8).encode(),
        "ami-launch-index": str(server.launch_index).encode(),
        "ami-manifest-path": b"FIXME",
        "block-device-mapping": {"ami": b"/dev/vda", "root": b"/dev/vda"},
        "hostname": server.hostname.encode(),
        "instance-action": b"none",
        "instance-id": _ec2_id("i", server.id).encode(),
        "instance-type": str(flavor.get("original_name") or flavor.get("name") or "").encode(),
        "local-hostname": server.hostname.encode(),
        "local-ipv4": (first.address if first else "").encode(),
        "placement": {"availability-zone": server.availability_zone.encode()},
        "public-hostname": server.hostname.encode(),
        "public-ipv4": (first.floating or "" if first else "").encode(),
        "reservation-id": (server.reservation_id or "").encode(),
        "security-groups": "\n".join(facts.security_groups).encode(),
    }
    if server.key_name and server.public_key:
        tree["public-keys"] = {"0": {"openssh-key": server.public_key.encode()},
                               "": f"0={server.key_name}".encode()}  # its listing
    return tree


def tree(facts: Facts) -> Tree:
    """The whole tree the metadata service serves to this server."""
    files = openstack_files(facts)
    ec2: Tree = {"meta-data": ec2_meta_data(facts)}
    if "user_data" in files:
        ec2["user-data"] = files["user_data"]
    root: Tree = {version: ec2 for version in EC2_VERSIONS}
    root["openstack"] = {version: dict(files) for version in OPENSTACK_VERSIONS}
    # the version listings, as Nova's: the names alone
    root["openstack"][""] = "\n".join(OPENSTACK_VERSIONS).encode()  # type: ignore[index]
    root[""] = "\n".join(EC2_VERSIONS).encode()
    return root


def lookup(root: Tree, path: str) -> bytes | None:
    """The body for a GET of `path`: a file's content, a directory's listing (one entry a
    line, a sub-directory with a trailing slash; a directory's "" entry is its listing
    when it is not that, as `public-keys/`'s `0=<key name>`), or None (404)."""
    node: Tree | bytes = root
    for part in [p for p in path.split("/") if p]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, bytes):
        return node
    listing = node.get("")
    if isinstance(listing, bytes):
        return listing
    return "\n".join(name + ("/" if isinstance(child, dict) else "")
                     for name, child in node.items() if name).encode()
