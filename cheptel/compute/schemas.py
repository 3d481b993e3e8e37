"""Request schemas for the compute resources other than servers (Nova's, per microversion).

Bodies are validated whole (the top-level key included), so unknown fields are a 400 as in
Nova. Query strings are validated as Nova does: each parameter is a list of values; before
2.75 unknown parameters are ignored, from 2.75 they are refused.
"""

from __future__ import annotations

import copy
from typing import Any

from cheptel.validation import obj

# -- parameter types (nova/api/validation/parameter_types.py) ------------------------------

# printable, no leading or trailing whitespace (Nova's "name" format)
NAME = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^(?!\s)[^\x00-\x1f\x7f-\x9f]*(?<!\s)$"}
# v2.0 names may have leading/trailing spaces
NAME_SPACES = {"type": "string", "minLength": 1, "maxLength": 255,
               "pattern": r"^\s*[^\x00-\x1f\x7f-\x9f]*\S[^\x00-\x1f\x7f-\x9f]*$"}
BOOLEAN = {"type": ["boolean", "string"],
           "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
                    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No",
                    "no"]}
MAX_INT = 0x7FFFFFFF
POSITIVE = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1,
            "maximum": MAX_INT}
NON_NEGATIVE = {**POSITIVE, "minimum": 0}
POSITIVE_INTEGER = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 1,
                    "minLength": 1}
NON_NEGATIVE_INTEGER = {"type": ["integer", "string"], "pattern": "^[0-9]*$", "minimum": 0,
                        "minLength": 1}
DESCRIPTION = {"type": ["string", "null"], "minLength": 0, "maxLength": 65535,
               "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}
SPEC_KEY = "^[a-zA-Z0-9-_:. ]{1,255}$"


def query(props: dict[str, dict], extra: bool, single: tuple[str, ...] = ()) -> dict:
    """A Nova query schema: each parameter a list of values of the given item schema."""
    properties: dict[str, Any] = {}
    for name, item in props.items():
        properties[name] = {"type": "array", "items": item}
        if name in single:
            properties[name]["maxItems"] = 1
    return {"type": "object", "properties": properties, "additionalProperties": extra}


STRING = {"type": "string"}
PAGING: dict[str, dict] = {"limit": NON_NEGATIVE_INTEGER, "marker": STRING}

# -- flavors (schemas/flavors.py) -----------------------------------------------------------

SORT_KEYS = ["created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
             "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap", "updated_at",
             "vcpu_weight", "vcpus"]

flavor_create = obj({"flavor": obj({
    "name": NAME,
    "id": {"type": ["string", "number", "null"], "minLength": 1, "maxLength": 255,
           "pattern": "^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
    "ram": POSITIVE,
    "vcpus": POSITIVE,
    "disk": NON_NEGATIVE,
    "OS-FLV-EXT-DATA:ephemeral": NON_NEGATIVE,
    "swap": NON_NEGATIVE,
    "rxtx_factor": {"type": ["number", "string"], "pattern": r"^[0-9]+(\.[0-9]+)?$",
                    "exclusiveMinimum": 0, "maximum": 3.40282e38},
    "os-flavor-access:is_public": BOOLEAN,
}, ("name", "ram", "vcpus", "disk"))}, ("flavor",))

flavor_create_v20 = copy.deepcopy(flavor_create)
flavor_create_v20["properties"]["flavor"]["properties"]["name"] = NAME_SPACES

flavor_create_v255 = copy.deepcopy(flavor_create)
flavor_create_v255["properties"]["flavor"]["properties"]["description"] = DESCRIPTION

flavor_update = obj({"flavor": obj({"description": DESCRIPTION}, ("description",))},
                    ("flavor",))

flavor_index_query = query({
    **PAGING, "is_public": STRING, "minRam": STRING, "minDisk": STRING,
    "sort_key": {"type": "string", "enum": SORT_KEYS},
    "sort_dir": {"type": "string", "enum": ["asc", "desc"]},
}, extra=True)
flavor_index_query_v275 = {**flavor_index_query, "additionalProperties": False}

_spec_value = {"type": ["string", "number"], "maxLength": 255}
_specs = {"type": "object", "patternProperties": {SPEC_KEY: _spec_value},
          "additionalProperties": False}
extra_specs_create = obj({"extra_specs": _specs}, ("extra_specs",))
extra_spec_update = {**_specs, "minProperties": 1, "maxProperties": 1}

_tenant = obj({"tenant": {"type": "string", "minLength": 1, "maxLength": 255}}, ("tenant",))
add_tenant_access = obj({"addTenantAccess": _tenant}, ("addTenantAccess",))
remove_tenant_access = obj({"removeTenantAccess": _tenant}, ("removeTenantAccess",))

# -- keypairs (schemas/keypairs.py) ---------------------------------------------------------

KEYPAIR_NAME = {"allOf": [NAME, {"type": "string", "pattern": r"^[_\- a-zA-Z0-9]+$"}]}
KEYPAIR_NAME_V292 = {"allOf": [NAME, {"type": "string", "pattern": r"^[_\-\@\. a-zA-Z0-9]+$"}]}
KEY_TYPE = {"type": "string", "enum": ["ssh", "x509"]}

keypair_create_v20 = obj({"keypair": obj({"name": NAME_SPACES, "public_key": STRING},
                                         ("name",))}, ("keypair",))
keypair_create = obj({"keypair": obj({"name": KEYPAIR_NAME, "public_key": STRING},
                                     ("name",))}, ("keypair",))
keypair_create_v22 = obj({"keypair": obj({"name": KEYPAIR_NAME, "type": KEY_TYPE,
                                          "public_key": STRING}, ("name",))}, ("keypair",))
keypair_create_v210 = obj({"keypair": obj({"name": KEYPAIR_NAME, "type": KEY_TYPE,
                                           "public_key": STRING, "user_id": STRING},
                                          ("name",))}, ("keypair",))
keypair_create_v292 = obj({"keypair": obj({"name": KEYPAIR_NAME_V292, "type": KEY_TYPE,
                                           "public_key": STRING, "user_id": STRING},
                                          ("name", "public_key"))}, ("keypair",))

keypair_query_v210 = query({"user_id": STRING}, extra=True)
keypair_query_v275 = query({"user_id": STRING}, extra=False)
keypair_index_query_v235 = query({"user_id": STRING, **PAGING}, extra=True)
keypair_index_query_v275 = query({"user_id": STRING, **PAGING}, extra=False)

# -- quotas (schemas/quota_sets.py, quota_classes.py) ---------------------------------------

QUOTA_VALUE = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
               "maximum": MAX_INT}
NETWORK_QUOTAS = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
FILE_QUOTAS = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")
QUOTA_RESOURCES = ("instances", "cores", "ram", "floating_ips", "fixed_ips", "metadata_items",
                   "key_pairs", "security_groups", "security_group_rules", "injected_files",
                   "injected_file_content_bytes", "injected_file_path_bytes",
                   "server_groups", "server_group_members")


def _quota_update(root: str, dropped: tuple[str, ...], force: bool) -> dict:
    props: dict[str, Any] = {r: QUOTA_VALUE for r in QUOTA_RESOURCES if r not in dropped}
    if force:
        props["force"] = BOOLEAN
    return obj({root: obj(props)}, (root,))


quota_update = _quota_update("quota_set", (), True)
quota_update_v236 = _quota_update("quota_set", NETWORK_QUOTAS, True)
quota_update_v257 = _quota_update("quota_set", NETWORK_QUOTAS + FILE_QUOTAS, True)
quota_class_update = _quota_update("quota_class_set", (), False)
quota_class_update_v250 = _quota_update("quota_class_set", NETWORK_QUOTAS, False)
quota_class_update_v257 = _quota_update("quota_class_set", NETWORK_QUOTAS + FILE_QUOTAS,
                                        False)
quota_query = query({"user_id": STRING}, extra=True)
quota_query_v275 = query({"user_id": STRING}, extra=False)

# -- os-services, os-hypervisors ------------------------------------------------------------

service_update_v253 = obj({
    "status": {"type": "string", "enum": ["enabled", "disabled"]},
    "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255},
    "forced_down": BOOLEAN,
})
service_update = obj({
    "host": {"type": "string", "minLength": 1, "maxLength": 255},
    "binary": {"type": "string", "minLength": 1, "maxLength": 255},
    "disabled_reason": {"type": "string", "minLength": 1, "maxLength": 255},
    "forced_down": BOOLEAN,
}, ("host", "binary"))
services_query = query({"host": STRING, "binary": STRING}, extra=True)
services_query_v275 = query({"host": STRING, "binary": STRING}, extra=False)

hypervisors_query_v233 = query(PAGING, extra=True)
# os-simple-tenant-usage (nova/api/openstack/compute/schemas/simple_tenant_usage.py)
usage_show = query({"start": STRING, "end": STRING}, extra=True)
usage_index = query({"start": STRING, "end": STRING, "detailed": STRING}, extra=True)
usage_show_v240 = query({"start": STRING, "end": STRING, **PAGING}, extra=True)
usage_index_v240 = query({"start": STRING, "end": STRING, "detailed": STRING, **PAGING},
                         extra=True)
usage_show_v275 = query({"start": STRING, "end": STRING, **PAGING}, extra=False)
usage_index_v275 = query({"start": STRING, "end": STRING, "detailed": STRING, **PAGING},
                         extra=False)
hypervisors_query_v253 = query({
    **PAGING,
    "hypervisor_hostname_pattern": {"type": "string", "minLength": 1, "maxLength": 255},
    "with_servers": BOOLEAN,
}, extra=False, single=("limit", "marker", "hypervisor_hostname_pattern", "with_servers"))
hypervisor_show_query_v253 = query({"with_servers": BOOLEAN}, extra=False,
                                   single=("with_servers",))

# -- os-server-groups (schemas/server_groups.py) --------------------------------------------

_policies = {"type": "array", "minItems": 1, "maxItems": 1, "uniqueItems": True,
             "items": {"type": "string", "enum": ["anti-affinity", "affinity"]}}
server_group_create = obj({"server_group": obj({"name": NAME, "policies": _policies},
                                               ("name", "policies"))}, ("server_group",))
server_group_create_v215 = copy.deepcopy(server_group_create)
server_group_create_v215["properties"]["server_group"]["properties"]["policies"]["items"][
    "enum"] += ["soft-anti-affinity", "soft-affinity"]
server_group_create_v264 = obj({"server_group": obj({
    "name": NAME,
    "policy": {"type": "string",
               "enum": ["anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"]},
    "rules": obj({"max_server_per_host": POSITIVE_INTEGER}),
}, ("name", "policy"))}, ("server_group",))
server_groups_query = query({"all_projects": STRING, "limit": NON_NEGATIVE_INTEGER,
                             "offset": NON_NEGATIVE_INTEGER}, extra=True)
server_groups_query_v275 = {**server_groups_query, "additionalProperties": False}

limits_query = query({"tenant_id": STRING}, extra=True)
limits_query_v275 = query({"tenant_id": STRING}, extra=False)


# -- os-server-external-events (nova/api/openstack/compute/schemas/server_external_events)

# event names by the microversion that accepts them (nova/objects/external_event.py)
EVENT_NAMES = (("2.1", "network-changed"), ("2.1", "network-vif-plugged"),
               ("2.1", "network-vif-unplugged"), ("2.1", "network-vif-deleted"),
               ("2.51", "volume-extended"), ("2.76", "power-update"),
               ("2.82", "accelerator-request-bound"))
EVENT_STATUSES = ["failed", "completed", "in-progress"]
# Nova's "uuid" format (oslo is_uuid_like): hex digits, dashes optional
UUID_LIKE = {"type": "string", "pattern": r"^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?"
                                          r"[0-9a-fA-F]{12}$"}


def _events(names: list[str]) -> dict:
    event = obj({"name": {"type": "string", "enum": names}, "server_uuid": UUID_LIKE,
                 "status": {"type": "string", "enum": EVENT_STATUSES},
                 "tag": {"type": "string", "maxLength": 255}}, ("name", "server_uuid"))
    return obj({"events": {"type": "array", "minItems": 1, "items": event}}, ("events",))


def events_for(version: Any) -> dict:
    """The schema at a microversion (a compute.microversion.Version)."""
    names = [name for since, name in EVENT_NAMES if version.at_least(since)]
    return EVENTS[len(names)]


# by the number of names a microversion accepts (4 until 2.50, then one more at each step)
EVENTS = {n: _events([name for _, name in EVENT_NAMES[:n]]) for n in range(4, 8)}


# -- os-volume_attachments (nova/api/openstack/compute/schemas/volume_attachments.py) -------

# the pattern of nova.block_device.match_device
DEVICE = {"type": ["string", "null"], "pattern": "(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$"}
ATTACHMENT_TAG = {"type": "string", "pattern": "^[^,/]*$", "minLength": 1, "maxLength": 60}

volume_attachments_query = query({"limit": NON_NEGATIVE_INTEGER,
                                  "offset": NON_NEGATIVE_INTEGER}, extra=True)
volume_attachments_query_v275 = query({"limit": NON_NEGATIVE_INTEGER,
                                       "offset": NON_NEGATIVE_INTEGER}, extra=False)

volume_attach = obj({"volumeAttachment": obj({"volumeId": UUID_LIKE, "device": DEVICE},
                                             ("volumeId",))}, ("volumeAttachment",))
volume_attach_v249 = copy.deepcopy(volume_attach)
volume_attach_v249["properties"]["volumeAttachment"]["properties"]["tag"] = ATTACHMENT_TAG
volume_attach_v279 = copy.deepcopy(volume_attach_v249)
volume_attach_v279["properties"]["volumeAttachment"]["properties"][
    "delete_on_termination"] = BOOLEAN

# before 2.85 a PUT swaps volumes: it names the new volume only
volume_update = obj({"volumeAttachment": obj({"volumeId": UUID_LIKE}, ("volumeId",))},
                    ("volumeAttachment",))
volume_update_v285 = obj({"volumeAttachment": obj({
    "volumeId": UUID_LIKE, "device": DEVICE, "tag": ATTACHMENT_TAG,
    "delete_on_termination": BOOLEAN, "serverId": UUID_LIKE, "id": UUID_LIKE},
    ("volumeId",))}, ("volumeAttachment",))

# -- os-volumes, a proxy API until 2.35 (nova/api/openstack/compute/schemas/volumes.py) -----

volumes_query = volume_attachments_query
# os-snapshots, the same (nova/api/openstack/compute/schemas/snapshots.py)
snapshots_create = obj({"snapshot": obj({
    "volume_id": STRING, "force": BOOLEAN, "display_name": STRING,
    "display_description": STRING}, ("volume_id",))}, ("snapshot",))
volumes_create = obj({"volume": obj({
    "volume_type": STRING, "metadata": {"type": "object"}, "snapshot_id": STRING,
    "size": {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1},
    "availability_zone": STRING, "display_name": STRING, "display_description": STRING},
    ("size",))}, ("volume",))
