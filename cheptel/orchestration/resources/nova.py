"""OS::Nova::Server and OS::Nova::KeyPair, through Nova's routes (compute service);
images are found through Glance's and networks through Neutron's."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from cheptel.errors import NotFound
from cheptel.orchestration.errors import InvalidTemplate, ResourceFailure
from cheptel.orchestration.resources.base import (
    UUID,
    Prop,
    Record,
    ResourceType,
    gone_when_missing,
    ignore_missing,
)
from cheptel.orchestration.resources.neutron import _id as neutron_id
from cheptel.orchestration.resources.software import config_text
from cheptel.orchestration.service.cloud import Cloud

C = "compute"


def image_id(cloud: Cloud, ref: str) -> str:
    if not isinstance(ref, str) or not ref:
        raise InvalidTemplate(f"The image reference {ref!r} must be a name or an id.")
    if UUID.match(ref):
        return ref
    images = [i for i in cloud.call("image", "GET", "/v2/images", query={"name": ref})
              ["images"] if i.get("name") == ref]
    if len(images) != 1:
        raise NotFound(f"The Image ({ref}) could not be found." if not images else
                       f"Multiple images match {ref}, use an ID to be more specific.")
    return str(images[0]["id"])


def _flavor(cloud: Cloud, ref: str) -> str:
    flavors = cloud.call(C, "GET", "/v2.1/flavors/detail")["flavors"]
    for f in flavors:
        if ref in (f["id"], f["name"]):
            return str(f["id"])
    raise NotFound(f"The Flavor ({ref}) could not be found.")


def _networks(cloud: Cloud, nets: list[Any]) -> list[dict[str, Any]]:
    out = []
    for n in nets:
        if not isinstance(n, dict):
            continue
        if n.get("port"):
            out.append({"port": neutron_id(cloud, "port", n["port"])})
            continue
        entry: dict[str, Any] = {}
        ref = n.get("network") or n.get("uuid")
        if ref:
            entry["uuid"] = neutron_id(cloud, "network", ref)
        if n.get("fixed_ip"):
            entry["fixed_ip"] = n["fixed_ip"]
        if entry:
            out.append(entry)
    return out


def _user_data(cloud: Cloud, p: dict[str, Any]) -> str:
    """RAW or SOFTWARE_CONFIG user_data naming a software config (an OS::Heat::
    SoftwareConfig, CloudConfig or MultipartMime) boots with the config's text, as Heat's;
    SOFTWARE_CONFIG adds none of Heat's own agent parts (os-collect-config)."""
    text = str(p["user_data"])
    if p.get("user_data_format") in ("RAW", "SOFTWARE_CONFIG"):
        found = config_text(cloud, text)
        return text if found is None else found
    return text


def _create_server(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    body: dict[str, Any] = {"name": p.get("name") or r.name,
                            "imageRef": image_id(cloud, p["image"]),
                            "flavorRef": _flavor(cloud, p["flavor"])}
    if p.get("networks") is not None:
        body["networks"] = _networks(cloud, p["networks"])
    for key in ("key_name", "metadata", "config_drive", "availability_zone"):
        if p.get(key) is not None:
            body[key] = p[key]
    if p.get("user_data"):
        body["user_data"] = base64.b64encode(_user_data(cloud, p).encode()).decode()
    if p.get("security_groups"):
        body["security_groups"] = [{"name": g} for g in p["security_groups"]]
    r.physical_id = cloud.call(C, "POST", "/v2.1/servers", {"server": body})["server"]["id"]


def _show_server(cloud: Cloud, r: Record) -> dict[str, Any]:
    return dict(cloud.call(C, "GET", f"/v2.1/servers/{r.physical_id}")["server"])


def _server_ready(cloud: Cloud, r: Record) -> bool:
    server = _show_server(cloud, r)
    if server["status"] == "ERROR":
        fault = server.get("fault") or {}
        raise ResourceFailure(f"Went to status ERROR due to \"Message: "
                              f"{fault.get('message', 'Unknown')}, Code: "
                              f"{fault.get('code', 500)}\"")
    return bool(server["status"] == "ACTIVE")


def _server_action(action: str) -> Callable[[Cloud, Record], None]:
    def start(cloud: Cloud, r: Record) -> None:
        cloud.call(C, "POST", f"/v2.1/servers/{r.physical_id}/action", {action: None})
    return start


def _server_in(status: str) -> Callable[[Cloud, Record], bool]:
    def poll(cloud: Cloud, r: Record) -> bool:
        now = _show_server(cloud, r)["status"]
        if now == "ERROR":
            raise ResourceFailure("Went to status ERROR")
        return bool(now == status)
    return poll


def _check_server(cloud: Cloud, r: Record) -> bool:
    status = _show_server(cloud, r)["status"]
    if status != "ACTIVE":
        raise ResourceFailure(f"Server {r.physical_id} is in status {status}, not ACTIVE")
    return True


def _nothing(cloud: Cloud, r: Record) -> None:
    return None


def _delete_server(cloud: Cloud, r: Record) -> None:
    if r.physical_id:
        ignore_missing(lambda: cloud.call(C, "DELETE", f"/v2.1/servers/{r.physical_id}"))


def _server_gone(cloud: Cloud, r: Record) -> bool:
    return not r.physical_id or gone_when_missing(lambda: _show_server(cloud, r))


def _addresses(doc: dict[str, Any]) -> dict[str, list[str]]:
    return {net: [a["addr"] for a in addrs]
            for net, addrs in (doc.get("addresses") or {}).items()}


def _first_address(doc: dict[str, Any], r: Record) -> str:
    for addrs in _addresses(doc).values():
        if addrs:
            return addrs[0]
    return ""


def _update_server(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
    if "name" in changed:
        cloud.call(C, "PUT", f"/v2.1/servers/{r.physical_id}",
                   {"server": {"name": changed["name"] or r.name}})
    if "metadata" in changed:
        cloud.call(C, "PUT", f"/v2.1/servers/{r.physical_id}/metadata",
                   {"metadata": changed["metadata"] or {}})


SERVER = ResourceType(
    name="OS::Nova::Server", description="A resource for managing Nova instances.",
    properties={
        "name": Prop("string", "Server name.", update_allowed=True),
        "image": Prop("string", "The ID or name of the image to boot with.", required=True),
        "flavor": Prop("string", "The ID or name of the flavor to boot onto.",
                       required=True),
        "networks": Prop("list", "An ordered list of nics to be added to this server: "
                         "network, port, fixed_ip."),
        "key_name": Prop("string", "Name of keypair to inject into the server."),
        "user_data": Prop("string", "User data script to be executed by cloud-init."),
        "user_data_format": Prop("string", "How the user_data should be formatted for the "
                                 "server: RAW or SOFTWARE_CONFIG take a software config's "
                                 "id for its text; else sent as it is.",
                                 default="HEAT_CFNTOOLS"),
        "metadata": Prop("map", "Arbitrary key/value metadata to store for this server.",
                         update_allowed=True),
        "security_groups": Prop("list", "List of security group names or IDs."),
        "config_drive": Prop("boolean", "Use a config drive."),
        "availability_zone": Prop("string", "Name of the availability zone."),
    },
    attributes={"first_address": "Convenience attribute to fetch the first assigned "
                "network address.", "networks": "A dict of assigned network addresses: "
                "{network_name: [ip, ...]}.", "addresses": "A dict of all network "
                "addresses with corresponding port_id.", "name": "Name of the server.",
                "accessIPv4": "The manually assigned alternative public IPv4 address.",
                "instance_name": "AWS compatible instance name."},
    create=_create_server, delete=_delete_server, show=_show_server, ready=_server_ready,
    gone=_server_gone, update=_update_server,
    actions={"SUSPEND": (_server_action("suspend"), _server_in("SUSPENDED")),
             "RESUME": (_server_action("resume"), _server_in("ACTIVE")),
             "CHECK": (_nothing, _check_server)},
    readers={"networks": lambda d, r: _addresses(d), "first_address": _first_address,
             "instance_name": lambda d, r: d.get("OS-EXT-SRV-ATTR:instance_name",
                                                 d.get("name"))})


def _create_keypair(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    body = {"name": p["name"]}
    if p.get("public_key"):
        body["public_key"] = p["public_key"]
    made = cloud.call(C, "POST", "/v2.1/os-keypairs", {"keypair": body})["keypair"]
    r.physical_id = made["name"]
    if p.get("save_private_key") and made.get("private_key"):
        r.data = {"private_key": made["private_key"]}


def _show_keypair(cloud: Cloud, r: Record) -> dict[str, Any]:
    return dict(cloud.call(C, "GET", f"/v2.1/os-keypairs/{r.physical_id}")["keypair"])


KEYPAIR = ResourceType(
    name="OS::Nova::KeyPair", description="A resource for creating Nova key pairs.",
    properties={"name": Prop("string", "The name of the key pair.", required=True),
                "public_key": Prop("string", "The optional public key: without it, a "
                                   "new key pair is generated."),
                "save_private_key": Prop("boolean", "True if the system should remember "
                                         "a generated private key; False otherwise.",
                                         default=False)},
    attributes={"public_key": "The public key.", "private_key": "The private key if it "
                "has been saved."},
    create=_create_keypair, show=_show_keypair,
    delete=lambda cloud, r: ignore_missing(lambda: cloud.call(
        C, "DELETE", f"/v2.1/os-keypairs/{r.physical_id}")) if r.physical_id else None,
    readers={"private_key": lambda d, r: r.data.get("private_key", "")})



def _create_flavor(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    body: dict[str, Any] = {"name": p.get("name") or r.name, "ram": p["ram"],
                            "vcpus": p["vcpus"], "disk": p["disk"], "swap": p["swap"],
                            "rxtx_factor": p["rxtx_factor"],
                            "OS-FLV-EXT-DATA:ephemeral": p["ephemeral"],
                            "os-flavor-access:is_public": p["is_public"]}
    if p.get("flavorid"):
        body["id"] = p["flavorid"]
    fid = cloud.call(C, "POST", "/v2.1/flavors", {"flavor": body})["flavor"]["id"]
    r.physical_id = str(fid)
    _flavor_extras(cloud, r, p.get("extra_specs") or {}, {}, p.get("tenants") or [], [],
                   p["is_public"])


def _flavor_extras(cloud: Cloud, r: Record, specs: dict[str, Any], old_specs: dict[str, Any],
                   tenants: list[Any], old_tenants: list[Any], public: bool) -> None:
    path = f"/v2.1/flavors/{r.physical_id}"
    for key in set(old_specs) - set(specs):
        try:
            cloud.call(C, "DELETE", f"{path}/os-extra_specs/{key}")
        except NotFound:
            pass
    if specs:
        cloud.call(C, "POST", f"{path}/os-extra_specs",
                   {"extra_specs": {k: str(v) for k, v in specs.items()}})
    if public:
        return  # a public flavor has no access list (Nova's 409)
    for t in set(old_tenants) - set(tenants):
        cloud.call(C, "POST", f"{path}/action", {"removeTenantAccess": {"tenant": t}})
    for t in set(tenants) - set(old_tenants):
        cloud.call(C, "POST", f"{path}/action", {"addTenantAccess": {"tenant": t}})


def _update_flavor(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
    p = {**r.properties, **changed}
    _flavor_extras(cloud, r, p.get("extra_specs") or {},
                   r.properties.get("extra_specs") or {}, p.get("tenants") or [],
                   r.properties.get("tenants") or [], bool(p.get("is_public", True)))


def _show_flavor(cloud: Cloud, r: Record) -> dict[str, Any]:
    doc = dict(cloud.call(C, "GET", f"/v2.1/flavors/{r.physical_id}")["flavor"])
    doc["extra_specs"] = cloud.call(C, "GET", f"/v2.1/flavors/{r.physical_id}/os-extra_specs"
                                    )["extra_specs"]
    return doc


def _validate_flavor(name: str, p: dict[str, Any]) -> None:
    for key, low in (("ram", 1), ("vcpus", 1), ("disk", 0), ("swap", 0), ("ephemeral", 0)):
        value = p.get(key)
        if value is not None and value < low:
            raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}: "
                                  f"{value} is out of range (min: {low}, max: None)")
    if p.get("tenants") and p.get("is_public", True):
        raise InvalidTemplate("Cannot assign tenants to a public flavor: set is_public to "
                              "false.")


FLAVOR = ResourceType(
    name="OS::Nova::Flavor", description="A resource for creating OpenStack virtual "
    "hardware templates (admin only, by Nova's default policy).",
    properties={
        "name": Prop("string", "Name of the flavor."),
        "ram": Prop("integer", "Memory in MB for the flavor.", required=True),
        "vcpus": Prop("integer", "Number of VCPUs for the flavor.", default=1),
        "disk": Prop("integer", "Size of local disk in GB.", default=0),
        "swap": Prop("integer", "Swap space in MB.", default=0),
        "rxtx_factor": Prop("number", "RX/TX factor.", default=1.0),
        "ephemeral": Prop("integer", "Size of a secondary ephemeral data disk in GB.",
                          default=0),
        "is_public": Prop("boolean", "Scope of flavor accessibility: public or private.",
                          default=True),
        "flavorid": Prop("string", "Unique ID of the flavor; a UUID is made if absent."),
        "extra_specs": Prop("map", "Key/Value pairs to extend the capabilities of the "
                            "flavor.", update_allowed=True),
        "tenants": Prop("list", "List of tenants with access to a private flavor.",
                        update_allowed=True),
    },
    attributes={"is_public": "Whether the flavor is shared across all projects.",
                "extra_specs": "Extra specs of the flavor in key-value pairs."},
    create=_create_flavor, show=_show_flavor, update=_update_flavor,
    validate=_validate_flavor,
    readers={"is_public": lambda d, r: d.get("os-flavor-access:is_public")},
    delete=lambda cloud, r: ignore_missing(lambda: cloud.call(
        C, "DELETE", f"/v2.1/flavors/{r.physical_id}")) if r.physical_id else None,
    gone=lambda cloud, r: not r.physical_id or gone_when_missing(lambda: cloud.call(
        C, "GET", f"/v2.1/flavors/{r.physical_id}")))

GROUP_POLICIES = ("anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity")


def _validate_group(name: str, p: dict[str, Any]) -> None:
    for policy in p.get("policies") or []:
        if policy not in GROUP_POLICIES:
            raise InvalidTemplate(f"Property error: resources.{name}.properties.policies: "
                                  f"\"{policy}\" is not an allowed value "
                                  f"[{', '.join(GROUP_POLICIES)}]")
    if len(p.get("policies") or []) > 1:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.policies: "
                              "only one policy may be given.")


def _create_group(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    body = {"name": p.get("name") or r.name, "policies": p["policies"]}
    r.physical_id = cloud.call(C, "POST", "/v2.1/os-server-groups",
                               {"server_group": body})["server_group"]["id"]


SERVER_GROUP = ResourceType(
    name="OS::Nova::ServerGroup", description="A resource for managing a Nova server "
    "group (scheduler hint: group).",
    properties={"name": Prop("string", "Server Group name."),
                "policies": Prop("list", "A list of exactly one policy to apply: "
                                 + ", ".join(GROUP_POLICIES) + ".",
                                 default=["anti-affinity"])},
    attributes={}, create=_create_group, validate=_validate_group,
    show=lambda cloud, r: dict(cloud.call(
        C, "GET", f"/v2.1/os-server-groups/{r.physical_id}")["server_group"]),
    delete=lambda cloud, r: ignore_missing(lambda: cloud.call(
        C, "DELETE", f"/v2.1/os-server-groups/{r.physical_id}")) if r.physical_id else None)

TYPES = [SERVER, KEYPAIR, FLAVOR, SERVER_GROUP]
