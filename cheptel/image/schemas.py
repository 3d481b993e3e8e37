"""Image request schemas, and the schema documents Glance serves at /v2/schemas/*.

Glance's image schema is "permissive": besides its base attributes an image takes any
extra property whose value is a string (`owner_specified.openstack.md5`, `os_distro`...).
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

from cheptel.errors import BadRequest
from cheptel.validation import obj

CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
                "ploop"]
VISIBILITIES = ["community", "public", "private", "shared"]
STATUSES = ["queued", "saving", "active", "killed", "deleted", "uploading", "importing",
            "pending_delete", "deactivated"]
MEMBER_STATUSES = ["pending", "accepted", "rejected"]
UUID_PATTERN = ("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}"
                "-([0-9a-fA-F]){12}$")
MAX_INT = 2**31 - 1
MAX_PROPERTY_VALUE = 65535

# Attributes a client may never write, and what Glance answers (403) when it tries.
DISALLOWED = ("direct_url", "self", "file", "schema", "stores")
READ_ONLY = ("created_at", "updated_at", "status", "checksum", "size", "virtual_size",
             "direct_url", "self", "file", "schema", "id", "os_hash_algo", "os_hash_value")
RESERVED = ("location", "deleted", "deleted_at")
RESERVED_PREFIX = "os_glance"
# Glance's base attributes a client may set; every other key is an extra property.
WRITABLE = ("name", "visibility", "protected", "os_hidden", "owner", "container_format",
            "disk_format", "min_ram", "min_disk", "tags")

_STR = {"type": "string"}
_NULL_STR = {"type": ["null", "string"]}


def _base_properties() -> dict:
    """The base attributes of an image, as the JSON schema Glance publishes."""
    return {
        "id": {**_STR, "description": "An identifier for the image", "pattern": UUID_PATTERN},
        "name": {**_NULL_STR, "description": "Descriptive name for the image",
                 "maxLength": 255},
        "status": {**_STR, "readOnly": True, "description": "Status of the image",
                   "enum": STATUSES},
        "visibility": {**_STR, "description": "Scope of image accessibility",
                       "enum": VISIBILITIES},
        "protected": {"type": "boolean",
                      "description": "If true, image will not be deletable."},
        "os_hidden": {"type": "boolean", "description": "If true, image will not appear in "
                      "default image list response."},
        "checksum": {**_NULL_STR, "readOnly": True, "maxLength": 32,
                     "description": "md5 hash of image contents."},
        "os_hash_algo": {**_NULL_STR, "readOnly": True, "maxLength": 64,
                         "description": "Algorithm to calculate the os_hash_value"},
        "os_hash_value": {**_NULL_STR, "readOnly": True, "maxLength": 128,
                          "description": "Hexdigest of the image contents using the "
                          "algorithm specified by the os_hash_algo"},
        "owner": {**_NULL_STR, "description": "Owner of the image", "maxLength": 255},
        "size": {"type": ["null", "integer"], "readOnly": True,
                 "description": "Size of image file in bytes"},
        "virtual_size": {"type": ["null", "integer"], "readOnly": True,
                         "description": "Virtual size of image in bytes"},
        "container_format": {**_NULL_STR, "description": "Format of the container",
                             "enum": [None, *CONTAINER_FORMATS]},
        "disk_format": {**_NULL_STR, "description": "Format of the disk",
                        "enum": [None, *DISK_FORMATS]},
        "created_at": {**_STR, "readOnly": True,
                       "description": "Date and time of image registration"},
        "updated_at": {**_STR, "readOnly": True,
                       "description": "Date and time of the last image modification"},
        "tags": {"type": "array", "description": "List of strings related to the image",
                 "items": {**_STR, "maxLength": 255}},
        "direct_url": {**_STR, "readOnly": True, "description": "URL to access the image "
                       "file kept in external store"},
        "min_ram": {"type": "integer", "minimum": 0, "maximum": MAX_INT,
                    "description": "Amount of ram (in MB) required to boot image."},
        "min_disk": {"type": "integer", "minimum": 0, "maximum": MAX_INT,
                     "description": "Amount of disk space (in GB) required to boot image."},
        "self": {**_STR, "readOnly": True, "description": "An image self url"},
        "file": {**_STR, "readOnly": True, "description": "An image file url"},
        "schema": {**_STR, "readOnly": True, "description": "An image schema url"},
    }


BASE_PROPERTIES = _base_properties()
EXTRA_PROPERTY = {"type": "string", "maxLength": MAX_PROPERTY_VALUE}

# POST /v2/images: base attributes checked, extra properties must be strings.
image_create = {"type": "object", "properties": BASE_PROPERTIES,
                "additionalProperties": EXTRA_PROPERTY}

# Glance reads one key of a member body and ignores the rest (openstacksdk sends more).
member_create = obj({"member": {"type": "string", "minLength": 1, "maxLength": 255}},
                    ("member",), extra=True)
member_update = obj({"status": {"type": "string", "enum": MEMBER_STATUSES}}, ("status",),
                    extra=True)


_image_validator = Draft7Validator(image_create)


def validate_image(value: Any) -> None:
    """Check a (partial) image against Glance's schema; 400 in Glance's words."""
    error = best_match(_image_validator.iter_errors(value))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        detail = f"{where}: {error.message}" if where else error.message
        raise BadRequest(f"Provided object does not match schema 'image': {detail[:400]}")


# -- the documents served at /v2/schemas/* ---------------------------------------------------

def image_document() -> dict:
    return {
        "name": "image",
        "properties": copy.deepcopy(BASE_PROPERTIES),
        "additionalProperties": {"type": "string"},
        "links": [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }


def images_document() -> dict:
    return {
        "name": "images",
        "properties": {"images": {"type": "array", "items": image_document()},
                       "first": _STR, "next": _STR, "schema": _STR},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }


def member_document() -> dict:
    return {
        "name": "member",
        "properties": {
            "created_at": {**_STR, "description": "Date and time of image member creation"},
            "image_id": {**_STR, "description": "An identifier for the image",
                         "pattern": UUID_PATTERN},
            "member_id": {**_STR, "description": "An identifier for the image member "
                          "(tenantId)"},
            "status": {**_STR, "description": "The status of this image member",
                       "enum": MEMBER_STATUSES},
            "updated_at": {**_STR, "description": "Date and time of last modification of "
                           "image member"},
            "schema": {**_STR, "readOnly": True},
        },
    }


def members_document() -> dict:
    return {
        "name": "members",
        "properties": {"members": {"type": "array", "items": member_document()},
                       "schema": _STR},
        "links": [{"rel": "describedby", "href": "{schema}"}],
    }
