"""Identity request schemas (Keystone's, with unknown fields refused)."""

from cheptel.errors import ValidationError
from cheptel.validation import BOOLEAN, DESCRIPTION, ID, NAME, NULLABLE_ID, obj

# Keystone's names: at least one non-blank character; projects and domains up to 64.
IDENTITY_NAME = {**NAME, "pattern": r"[\S]+"}
RESOURCE_NAME = {**IDENTITY_NAME, "maxLength": 64}
TAG = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/]*$"}
TAGS = {"type": "array", "items": TAG, "maxItems": 80}
PASSWORD = {"type": ["string", "null"], "maxLength": 4096}
OPTIONS = {"type": "object"}

domain_create = obj({"name": RESOURCE_NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
                     "id": ID, "options": OPTIONS, "explicit_domain_id": ID, "tags": TAGS},
                    ("name",), extra=True)
domain_update = obj({"id": ID, "name": RESOURCE_NAME, "description": DESCRIPTION,
                     "enabled": BOOLEAN, "options": OPTIONS, "tags": TAGS},
                    min_props=1, extra=True)

project_create = obj({"name": RESOURCE_NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
                      "domain_id": NULLABLE_ID, "parent_id": NULLABLE_ID, "is_domain": BOOLEAN,
                      "tags": TAGS, "options": OPTIONS}, ("name",), extra=True)
project_update = obj({"id": ID, "name": RESOURCE_NAME, "description": DESCRIPTION,
                      "enabled": BOOLEAN, "domain_id": ID, "parent_id": NULLABLE_ID,
                      "is_domain": BOOLEAN, "tags": TAGS, "options": OPTIONS},
                     min_props=1, extra=True)
tags_put = obj({"tags": TAGS}, ("tags",))

user_create = obj({"name": IDENTITY_NAME, "domain_id": NULLABLE_ID, "password": PASSWORD,
                   "enabled": BOOLEAN, "email": {"type": ["string", "null"], "maxLength": 255},
                   "description": DESCRIPTION, "default_project_id": NULLABLE_ID,
                   "options": OPTIONS, "federated": {"type": "array", "maxItems": 0}}, ("name",),
                  extra=True)
user_update = obj({"id": ID, "name": IDENTITY_NAME, "domain_id": ID, "password": PASSWORD,
                   "enabled": BOOLEAN,
                   "email": {"type": ["string", "null"], "maxLength": 255},
                   "description": DESCRIPTION, "default_project_id": NULLABLE_ID,
                   "options": OPTIONS}, min_props=1, extra=True)
password_change = obj({"password": {"type": "string", "minLength": 1, "maxLength": 4096},
                       "original_password": {"type": "string", "maxLength": 4096}},
                      ("password", "original_password"))

group_create = obj({"name": IDENTITY_NAME, "domain_id": NULLABLE_ID,
                    "description": DESCRIPTION}, ("name",), extra=True)
group_update = obj({"id": ID, "name": IDENTITY_NAME, "description": DESCRIPTION},
                   min_props=1, extra=True)

role_create = obj({"name": NAME, "description": DESCRIPTION, "domain_id": NULLABLE_ID,
                   "options": OPTIONS}, ("name",), extra=True)
role_update = obj({"id": ID, "name": NAME, "description": DESCRIPTION, "options": OPTIONS},
                  min_props=1, extra=True)

ROLE_REF = obj({"id": ID, "name": NAME, "domain_id": NULLABLE_ID}, min_props=1)
app_cred_create = obj({
    "name": NAME,
    "description": DESCRIPTION,
    "secret": {"type": ["string", "null"], "minLength": 1, "maxLength": 4096},
    "expires_at": {"type": ["string", "null"], "maxLength": 64},
    "roles": {"type": "array", "items": ROLE_REF, "maxItems": 100},
    "unrestricted": {"type": ["boolean", "null"]},
    "access_rules": {"type": "array", "maxItems": 0},
}, ("name",))

service_create = obj({"type": NAME, "name": {"type": "string", "maxLength": 255},
                      "description": DESCRIPTION, "enabled": BOOLEAN}, ("type",), extra=True)
service_update = obj({"id": ID, "type": NAME, "name": {"type": "string", "maxLength": 255},
                      "description": DESCRIPTION, "enabled": BOOLEAN}, min_props=1,
                     extra=True)
URL = {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[a-zA-Z0-9+.-]+://"}
INTERFACE = {"type": "string", "enum": ["public", "internal", "admin"]}
REGION_REF = {"type": ["string", "null"], "maxLength": 255}
endpoint_create = obj({"service_id": ID, "interface": INTERFACE, "region_id": REGION_REF,
                       "region": REGION_REF, "url": URL, "enabled": BOOLEAN},
                      ("service_id", "interface", "url"), extra=True)
endpoint_update = obj({"id": ID, "service_id": ID, "interface": INTERFACE,
                       "region_id": REGION_REF, "region": REGION_REF, "url": URL,
                       "enabled": BOOLEAN}, min_props=1,
                      extra=True)
region_create = obj({"id": NAME, "description": DESCRIPTION, "parent_region_id": REGION_REF},
                    extra=True)
region_update = obj({"id": NAME, "description": DESCRIPTION, "parent_region_id": REGION_REF},
                    min_props=1, extra=True)


BLOB = {"type": "string", "maxLength": 65535}
CRED_TYPE = {"type": "string", "minLength": 1, "maxLength": 255}
credential_create = obj({"id": {"type": "string", "maxLength": 64}, "blob": BLOB,
                         "project_id": NULLABLE_ID, "type": CRED_TYPE, "user_id": ID},
                        ("blob", "type", "user_id"), extra=True)
credential_update = obj({"id": {"type": "string", "maxLength": 64}, "blob": BLOB,
                         "project_id": NULLABLE_ID, "type": CRED_TYPE, "user_id": ID},
                        min_props=1, extra=True)
ec2_create = obj({"tenant_id": ID}, ("tenant_id",), extra=True)
policy_create = obj({"id": {"type": "string", "maxLength": 64}, "blob": {"type": "string"},
                     "type": CRED_TYPE}, ("blob", "type"), extra=True)
policy_update = obj({"id": {"type": "string", "maxLength": 64}, "blob": {"type": "string"},
                     "type": CRED_TYPE}, min_props=1, extra=True)
# a consumer's secret is made by the server and never changes
consumer_create = obj({"id": {"type": "string", "maxLength": 64}, "description": DESCRIPTION,
                       "secret": {}}, extra=True)
consumer_update = obj({"id": ID, "description": DESCRIPTION}, min_props=1, extra=True)
_EP_FILTERS = obj({"interface": INTERFACE, "service_id": ID, "region_id": REGION_REF},
                 extra=True)  # other keys: a 400 naming the valid ones (ep_filter)
endpoint_group_create = obj({"name": NAME, "description": DESCRIPTION,
                             "filters": _EP_FILTERS}, ("name", "filters"))
endpoint_group_update = obj({"name": NAME, "description": DESCRIPTION,
                             "filters": _EP_FILTERS}, min_props=1)


def extra_of(schema: dict, body: dict) -> dict:
    """What Keystone keeps as "extra": the body's attributes the schema does not name (an
    "id" is never one: Keystone assigns ids)."""
    return {k: v for k, v in body.items() if k not in schema["properties"] and k != "id"}


def check_same_id(body: dict, current_id: str) -> None:
    """Keystone's _require_matching_id: an update may repeat the id, never change it."""
    if body.get("id") is not None and body["id"] != current_id:
        raise ValidationError("id", "Cannot change ID")


_DOMAIN_REF = obj({"id": ID, "name": NAME}, min_props=1)
_USER_REF = obj({"id": ID, "name": NAME, "domain": _DOMAIN_REF,
                 "password": {"type": "string", "maxLength": 4096}})
_SCOPE = {
    "oneOf": [
        {"type": "string", "enum": ["unscoped"]},
        obj({"project": obj({"id": ID, "name": NAME, "domain": _DOMAIN_REF}, min_props=1),
             "domain": _DOMAIN_REF,
             "system": obj({"all": {"type": "boolean"}}, ("all",)),
             "OS-TRUST:trust": {"type": "object"}}, min_props=1),
    ]
}
auth = obj({
    "identity": obj({
        "methods": {"type": "array", "minItems": 1, "maxItems": 4,
                    "items": {"type": "string", "maxLength": 64}},
        "password": obj({"user": _USER_REF}, ("user",)),
        "token": obj({"id": {"type": "string", "maxLength": 1024}}, ("id",)),
        "application_credential": obj({"id": ID, "name": NAME, "user": _USER_REF,
                                       "secret": {"type": "string", "maxLength": 4096}},
                                      ("secret",)),
    }, ("methods",), extra=True),
    "scope": _SCOPE,
}, ("identity",))
