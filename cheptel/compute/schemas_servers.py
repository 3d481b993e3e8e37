"""Request schemas for servers and their actions (Nova's, unknown fields refused)."""

from cheptel.validation import obj

NAME = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": r"^(?![\s])[\S\s]*(?<![\s])$"}
REF = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255}
META = {"type": "object", "maxProperties": 1000,
        "patternProperties": {"^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string",
                                                               "maxLength": 255}},
        "additionalProperties": False}
COUNT = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
TAG = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"}
HOSTNAME = {"type": "string", "minLength": 1, "maxLength": 63,
            "pattern": "^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"}
ACCESS_V4 = {"type": "string", "format": "ipv4"}
ACCESS_V6 = {"type": "string", "format": "ipv6"}
DISK_CONFIG = {"type": "string", "enum": ["AUTO", "MANUAL"]}
NETWORK = obj({"uuid": {"type": "string"}, "port": {"type": ["string", "null"]},
               "fixed_ip": {"type": "string"}, "tag": {"type": "string"}})
BDM = obj({
    "uuid": {"type": "string"}, "boot_index": {"type": ["integer", "string", "null"]},
    "source_type": {"type": "string", "enum": ["image", "volume", "snapshot", "blank"]},
    "destination_type": {"type": "string", "enum": ["local", "volume"]},
    "delete_on_termination": {"type": ["boolean", "string"]},
    "volume_size": {"type": ["integer", "string", "null"]},
    "device_name": {"type": ["string", "null"]}, "device_type": {"type": ["string", "null"]},
    "disk_bus": {"type": ["string", "null"]}, "guest_format": {"type": ["string", "null"]},
    "tag": {"type": "string"}, "no_device": {}, "volume_type": {"type": ["string", "null"]},
})

server_create = obj({
    "server": obj({
        "name": NAME, "imageRef": {"type": ["string", "null"], "maxLength": 255},
        "flavorRef": REF,
        "networks": {"oneOf": [{"type": "string", "enum": ["auto", "none"]},
                               {"type": "array", "items": NETWORK}]},
        "key_name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "user_data": {"type": ["string", "null"], "maxLength": 90000},
        "metadata": META,
        "security_groups": {"type": "array", "items": obj({"name": {"type": "string",
                                                                     "maxLength": 255}})},
        "availability_zone": {"type": ["string", "null"], "maxLength": 255},
        "config_drive": {"type": ["boolean", "string", "null"]},
        "min_count": COUNT, "max_count": COUNT,
        "return_reservation_id": {"type": ["boolean", "string"]},
        "block_device_mapping_v2": {"type": "array", "items": BDM},
        "block_device_mapping": {"type": "array"},
        "description": DESCRIPTION, "tags": {"type": "array", "items": TAG, "maxItems": 50},
        "hostname": HOSTNAME, "adminPass": {"type": "string"},
        "accessIPv4": ACCESS_V4, "accessIPv6": ACCESS_V6, "OS-DCF:diskConfig": DISK_CONFIG,
        "personality": {"type": "array", "maxItems": 0},
        "trusted_image_certificates": {"type": ["array", "null"], "maxItems": 0},
        "host": {"type": "string"}, "hypervisor_hostname": {"type": "string"},
    }, ("name", "flavorRef")),
    "os:scheduler_hints": {"type": "object"},
    "OS-SCH-HNT:scheduler_hints": {"type": "object"},
}, ("server",))

server_update = obj({"server": obj({
    "name": NAME, "description": DESCRIPTION, "hostname": HOSTNAME,
    "accessIPv4": ACCESS_V4, "accessIPv6": ACCESS_V6, "OS-DCF:diskConfig": DISK_CONFIG},
    min_props=0)}, ("server",))

metadata_all = obj({"metadata": META}, ("metadata",))
metadata_one = obj({"meta": {**META, "minProperties": 1, "maxProperties": 1}}, ("meta",))
tags_all = obj({"tags": {"type": "array", "items": TAG, "maxItems": 50}}, ("tags",))

reboot = obj({"type": {"type": "string", "enum": ["HARD", "Hard", "hard", "SOFT", "Soft",
                                                  "soft"]}}, ("type",))
rebuild = obj({
    "imageRef": {"type": "string", "minLength": 1, "maxLength": 255}, "name": NAME,
    "metadata": META, "adminPass": {"type": "string"}, "description": DESCRIPTION,
    "user_data": {"type": ["string", "null"], "maxLength": 90000},
    "key_name": {"type": ["string", "null"]}, "preserve_ephemeral": {"type": "boolean"},
    "accessIPv4": ACCESS_V4, "accessIPv6": ACCESS_V6, "OS-DCF:diskConfig": DISK_CONFIG,
    "hostname": HOSTNAME,
    "trusted_image_certificates": {"type": ["array", "null"], "maxItems": 0},
    "personality": {"type": "array", "maxItems": 0},
}, ("imageRef",))
resize = obj({"flavorRef": REF, "OS-DCF:diskConfig": DISK_CONFIG}, ("flavorRef",))
create_image = obj({"name": NAME, "metadata": META}, ("name",))
create_backup = obj({"name": NAME, "backup_type": {"type": "string"},
                     "rotation": {"type": ["integer", "string"], "pattern": "^[0-9]*$",
                                  "minimum": 0, "minLength": 1},
                     "metadata": META}, ("name", "backup_type", "rotation"))
security_group_action = obj({"name": {"type": "string", "minLength": 1}}, ("name",))
console_output = obj({"length": {"type": ["integer", "string", "null"],
                                 "pattern": "^-?[0-9]+$"}})
lock = {"oneOf": [{"type": "null"}, obj({"locked_reason": {"type": "string",
                                                            "maxLength": 255}})]}
EMPTY = {"type": ["null", "object"], "maxProperties": 0}
