"""Request bodies, declared as Cinder's own schemas declare them (cinder/api/schemas/)."""

from __future__ import annotations

from cheptel.validation import obj

NAME = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
# a string size is held to the minimum too, as Cinder's validator does ("0": 400)
SIZE = {"type": ["integer", "string"], "pattern": "^0*[1-9][0-9]*$", "minimum": 1,
        "maximum": 2147483647, "maxLength": 10}
NULLABLE_SIZE = {**SIZE, "type": ["integer", "string", "null"]}
METADATA = {"type": "object", "maxProperties": 128, "patternProperties": {
    "^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False}
NULLABLE_METADATA = {**METADATA, "type": ["object", "null"]}
ID = {"type": ["string", "null"], "maxLength": 36}
BOOL = {"type": ["boolean", "string"], "enum": [True, False, "true", "false", "True",
                                                "False", "1", "0", "yes", "no", "on", "off"]}

create = obj({"volume": obj({
    "name": NAME, "display_name": NAME, "description": DESCRIPTION,
    "display_description": DESCRIPTION, "size": NULLABLE_SIZE,
    "volume_type": NAME, "availability_zone": NAME, "metadata": NULLABLE_METADATA,
    "snapshot_id": ID, "source_volid": ID, "imageRef": ID, "backup_id": ID,
    "multiattach": {"type": "boolean"}, "consistencygroup_id": ID, "group_id": ID,
})}, ("volume",), extra=False)
# Cinder lets scheduler hints sit beside "volume"
create["properties"]["OS-SCH-HNT:scheduler_hints"] = {"type": ["object", "null"]}

update = obj({"volume": obj({
    "name": NAME, "display_name": NAME, "description": DESCRIPTION,
    "display_description": DESCRIPTION, "metadata": NULLABLE_METADATA,
})}, ("volume",))

metadata = obj({"metadata": METADATA}, ("metadata",))
meta_item = obj({"meta": {**METADATA, "minProperties": 1}}, ("meta",))

extend = obj({"new_size": SIZE}, ("new_size",))
reset_status = obj({
    "status": {"type": "string", "enum": [
        "creating", "available", "deleting", "error", "error_deleting", "error_managing",
        "managing", "attaching", "in-use", "detaching", "maintenance", "reserved",
        "error_extending", "extending", "error_restoring", "restoring-backup",
        "backing-up", "downloading", "uploading", "retyping"]},
    "attach_status": {"type": "string", "enum": ["attached", "detached"]},
    "migration_status": {"type": ["string", "null"], "maxLength": 255},
}, min_props=1)
retype = obj({"new_type": {"type": "string", "minLength": 1, "maxLength": 255},
              "migration_policy": {"type": ["string", "null"],
                                   "enum": ["never", "on-demand", None]}}, ("new_type",))
no_argument = {"type": ["object", "null"], "maxProperties": 0}  # os-force_delete
set_bootable = obj({"bootable": BOOL}, ("bootable",))
readonly = obj({"readonly": BOOL}, ("readonly",))

TYPE_NAME = {"type": "string", "minLength": 1, "maxLength": 255,
             "pattern": "^(?! )[^\\x00-\\x1f]*(?<! )$"}
EXTRA_SPECS = {"type": "object", "maxProperties": 128, "patternProperties": {
    "^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False}
type_create = obj({"volume_type": obj({
    "name": TYPE_NAME, "description": DESCRIPTION,
    "os-volume-type-access:is_public": BOOL, "extra_specs": EXTRA_SPECS,
}, ("name",))}, ("volume_type",))
type_update = obj({"volume_type": obj({
    "name": {**TYPE_NAME, "type": ["string", "null"]}, "description": DESCRIPTION,
    "is_public": BOOL,
}, min_props=1)}, ("volume_type",))
extra_specs = obj({"extra_specs": EXTRA_SPECS}, ("extra_specs",))

QUOTA = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$", "minimum": -1,
         "maximum": 2147483647, "maxLength": 11}
QUOTA_RESOURCES = ("volumes", "snapshots", "gigabytes", "backups", "backup_gigabytes",
                   "groups", "per_volume_gigabytes")
quota_update = obj({"quota_set": {
    "type": "object", "properties": {r: QUOTA for r in QUOTA_RESOURCES},
    "patternProperties": {"^(volumes|snapshots|gigabytes)_.{1,255}$": QUOTA},
    "additionalProperties": False}}, ("quota_set",))
quota_class_update = obj({"quota_class_set": quota_update["properties"]["quota_set"]},
                         ("quota_class_set",))

# os-services (cinder/api/schemas/services.py)
HOST = {"type": "string", "minLength": 1, "maxLength": 255}
service_switch = obj({"host": HOST, "binary": NAME, "service": NAME}, ("host",))
service_reason = obj({"host": HOST, "binary": NAME, "service": NAME, "disabled_reason": {
    "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^(?!\\s*$).+"}},
    ("host", "disabled_reason"))
service_host = obj({"host": HOST}, ("host",))

# os-volume-type-access (cinder/api/schemas/volume_type_access.py): one action a request
PROJECT = {"type": "object", "properties": {"project": {
    "type": "string", "minLength": 1, "maxLength": 255}}, "required": ["project"],
    "additionalProperties": False}
type_access = {"type": "object", "oneOf": [
    obj({"addProjectAccess": PROJECT}, ("addProjectAccess",)),
    obj({"removeProjectAccess": PROJECT}, ("removeProjectAccess",))]}

# snapshots (cinder/api/schemas/snapshots.py, snapshot_actions.py, admin_actions.py)
snapshot_create = obj({"snapshot": obj({
    "name": NAME, "display_name": NAME, "description": DESCRIPTION,
    "volume_id": {"type": ["string", "null"], "maxLength": 36}, "force": BOOL,
    "metadata": NULLABLE_METADATA,
}, ("volume_id",))}, ("snapshot",))
snapshot_update = obj({"snapshot": {**obj({
    "name": NAME, "display_name": NAME, "description": DESCRIPTION,
    "display_description": DESCRIPTION,
}), "anyOf": [{"required": [k]} for k in ("name", "description", "display_name",
                                          "display_description")]}}, ("snapshot",))
snapshot_reset_status = obj({"status": {"type": "string", "minLength": 1,
                                        "maxLength": 32}}, ("status",))
snapshot_update_status = obj({
    "status": {"type": "string", "maxLength": 32},
    "progress": {"type": ["string", "null"], "maxLength": 5},
}, ("status",))
# attaching: volume actions (cinder/api/schemas/volume_actions.py, admin_actions.py) and
# the attachments API (cinder/api/schemas/attachments.py). Cinder's "uuid" format is
# oslo's is_uuid_like: hex digits, dashes optional.
UUID = {"type": "string", "pattern": r"^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$"}
NULLABLE_UUID = {**UUID, "type": ["string", "null"]}
MODE = {"type": "string", "enum": ["rw", "ro"]}
attach = {**obj({"instance_uuid": UUID,
                 "mountpoint": {"type": "string", "minLength": 1, "maxLength": 255},
                 "host_name": {"type": "string", "maxLength": 255}, "mode": MODE},
                ("mountpoint",)),
          "anyOf": [{"required": ["instance_uuid"]}, {"required": ["host_name"]}]}
detach = {**obj({"attachment_id": NULLABLE_UUID}), "type": ["object", "null"]}
initialize_connection = obj({"connector": {"type": ["object", "string"]}}, ("connector",))
terminate_connection = obj({"connector": {"type": ["string", "object", "null"]}},
                           ("connector",))
force_detach = obj({"connector": {"type": ["string", "object", "null"]},
                    "attachment_id": {"type": ["string", "null"], "maxLength": 255}})
attachment_create = obj({"attachment": obj({
    "instance_uuid": UUID, "connector": {"type": ["object", "null"]}, "volume_uuid": UUID,
}, ("volume_uuid",))}, ("attachment",))
attachment_create_354 = obj({"attachment": obj({
    **attachment_create["properties"]["attachment"]["properties"], "mode": MODE,
}, ("volume_uuid",))}, ("attachment",))
attachment_update = obj({"attachment": obj({
    "connector": {"type": "object", "minProperties": 1}}, ("connector",))}, ("attachment",))

# generic volume groups (cinder/api/schemas/group_types.py, group_specs.py, groups.py,
# group_snapshots.py)
GROUP_NAME = {"type": ["string", "null"], "minLength": 0, "maxLength": 255}
GROUP_SPECS = {"type": "object", "patternProperties": {
    "^[a-zA-Z0-9-_:.]{1,255}$": {"type": ["string", "null"], "maxLength": 255}},
    "additionalProperties": False}
group_type_create = obj({"group_type": obj({
    "name": {**TYPE_NAME, "pattern": "^(?! )[^\\x00-\\x1f]*(?<! )$"},
    "description": DESCRIPTION, "is_public": BOOL,
    "group_specs": {**METADATA, "type": ["object", "null"]},
}, ("name",))}, ("group_type",))
group_type_update = obj({"group_type": obj({
    "name": GROUP_NAME, "description": DESCRIPTION, "is_public": BOOL,
})}, ("group_type",))
group_specs_create = obj({"group_specs": GROUP_SPECS}, ("group_specs",))
group_spec_update = {**GROUP_SPECS, "minProperties": 1, "maxProperties": 1}
GROUP_TYPE_REF = {"type": "string", "minLength": 1, "maxLength": 255,
                  "pattern": "^(?!\\s*$).+"}
group_create = obj({"group": obj({
    "description": DESCRIPTION, "group_type": GROUP_TYPE_REF, "name": GROUP_NAME,
    "volume_types": {"type": "array", "minItems": 1, "uniqueItems": True,
                     "items": {"type": "string", "maxLength": 255}},
    "availability_zone": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
}, ("group_type", "volume_types"))}, ("group",))
group_create_from_source = obj({"create-from-src": {**obj({
    "description": DESCRIPTION, "name": GROUP_NAME,
    "source_group_id": UUID, "group_snapshot_id": UUID,
}), "oneOf": [{"required": ["group_snapshot_id"]}, {"required": ["source_group_id"]}]}},
    ("create-from-src",))
group_update = obj({"group": {**obj({
    "description": DESCRIPTION, "name": GROUP_NAME, "add_volumes": DESCRIPTION,
    "remove_volumes": DESCRIPTION,
}), "anyOf": [{"required": [k]} for k in ("name", "description", "add_volumes",
                                          "remove_volumes")]}}, ("group",))
group_delete = obj({"delete-volumes": BOOL})
group_reset_status = obj({"status": {"type": "string", "maxLength": 32}}, ("status",))
group_snapshot_create = obj({"group_snapshot": obj({
    "group_id": UUID, "name": GROUP_NAME, "description": DESCRIPTION,
}, ("group_id",))}, ("group_snapshot",))
# os-volume_upload_image (cinder/api/schemas/volume_actions.py; 3.1 adds visibility and
# protected). Formats other than bare/raw pass the schema and are refused after it.
volume_upload_image = obj({
    "image_name": {"type": "string", "minLength": 1, "maxLength": 255},
    "force": BOOL,
    "disk_format": {"type": "string",
                    "enum": ["raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop"]},
    "container_format": {"type": ["string", "null"], "maxLength": 255},
}, ("image_name",))
volume_upload_image_v31 = obj({
    **volume_upload_image["properties"],
    "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
    "protected": BOOL,
}, ("image_name",))

# transfers (cinder/api/schemas/volume_transfer.py): a name blank once stripped is
# refused ("name_skip_leading_trailing_spaces"); no_snapshots from 3.55
TRANSFER_NAME = {"type": ["string", "null"], "pattern": r"^(?=[\s\S]*\S)[\s\S]*$",
                 "maxLength": 1024}
transfer_create = obj({"transfer": obj({"volume_id": UUID, "name": TRANSFER_NAME},
                                       ("volume_id",))}, ("transfer",))
transfer_create_355 = obj({"transfer": obj({
    **transfer_create["properties"]["transfer"]["properties"], "no_snapshots": BOOL},
    ("volume_id",))}, ("transfer",))
transfer_accept = obj({"accept": obj({"auth_key": {
    "type": ["string", "integer"], "maxLength": 255}}, ("auth_key",))}, ("accept",))

# image metadata actions (cinder/api/schemas/volume_image_metadata.py)
IMAGE_METADATA = {"type": "object", "patternProperties": {
    "^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 65535}},
    "additionalProperties": False}
set_image_metadata = obj({"metadata": IMAGE_METADATA}, ("metadata",))
unset_image_metadata = obj({"key": {"type": "string", "minLength": 1, "maxLength": 255}},
                           ("key",))

NULLABLE_BOOL = {"type": ["boolean", "string", "null"], "enum": [
    True, False, "true", "false", "True", "False", "1", "0", "yes", "no", "on", "off", None]}
# backups (cinder/api/schemas/backups.py, admin_actions.py): metadata from 3.43 and
# availability_zone from 3.51 are accepted at any version (read from those on)
backup_create = obj({"backup": obj({
    "volume_id": UUID, "container": {"type": ["string", "null"], "maxLength": 255},
    "name": NAME, "description": DESCRIPTION, "incremental": NULLABLE_BOOL,
    "force": NULLABLE_BOOL,
    "snapshot_id": NULLABLE_UUID, "metadata": NULLABLE_METADATA,
    "availability_zone": {"type": ["string", "null"], "maxLength": 255},
}, ("volume_id",))}, ("backup",))
backup_update = obj({"backup": obj({
    "name": NAME, "description": DESCRIPTION, "metadata": NULLABLE_METADATA,
})}, ("backup",))
backup_restore = obj({"restore": {**obj({"volume_id": NULLABLE_UUID, "name": NAME}),
                                  "type": ["object", "null"]}}, ("restore",))
backup_reset_status = obj({"status": {"type": "string", "enum": ["available", "error"]}},
                          ("status",))
backup_import = obj({"backup-record": obj({
    "backup_service": {"type": "string", "minLength": 1, "maxLength": 255},
    "backup_url": {"type": "string", "minLength": 1, "maxLength": 65535},
}, ("backup_service", "backup_url"))}, ("backup-record",))

# QoS specs (cinder/api/schemas/qos_specs.py; the specs' keys and values are strings
# of at most 255, as utils.validate_dictionary_string_length holds them)
QOS_VALUE = {"type": "string", "maxLength": 255}
# format name_skip_leading_trailing_spaces: not blank, at most 255 once stripped
TRIMMED_NAME = {"type": "string", "pattern": r"^\s*\S(.{0,253}\S)?\s*$"}
qos_create = obj({"qos_specs": {
    "type": "object", "properties": {"name": TRIMMED_NAME},
    "propertyNames": {"minLength": 1, "maxLength": 255},
    "additionalProperties": QOS_VALUE, "required": ["name"]}}, ("qos_specs",))
qos_set = obj({"qos_specs": {**EXTRA_SPECS, "patternProperties": {
    "^[a-zA-Z0-9-_:. /]{1,255}$": {"type": ["string", "null"], "maxLength": 255}}}},
    ("qos_specs",))
qos_unset = obj({"keys": {"type": "array", "uniqueItems": True, "items": {
    "type": "string", "minLength": 1, "maxLength": 255}}}, ("keys",))
