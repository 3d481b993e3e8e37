"""Identity request schemas (Keystone's, with unknown fields refused)."""

from cheptel.validation import BOOLEAN, DESCRIPTION, ID, NAME, NULLABLE_ID, obj

TAG = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/]*$"}
TAGS = {"type": "array", "items": TAG, "maxItems": 80}
PASSWORD = {"type": ["string", "null"], "maxLength": 4096}
OPTIONS = {"type": "object"}

domain_create = obj({"name": NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
                     "id": ID, "options": OPTIONS, "explicit_domain_id": ID}, ("name",))
domain_update = obj({"name": NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
                     "options": OPTIONS}, min_props=1)

project_create = obj({"name": NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
                      "domain_id": NULLABLE_ID, "parent_id": NULLABLE_ID, "is_domain": BOOLEAN,
                      "tags": TAGS, "options": OPTIONS}, ("name",))
project_update = obj({"name": NAME, "description": DESCRIPTION, "enabled": BOOLEAN,
                      "domain_id": ID, "parent_id": NULLABLE_ID, "is_domain": BOOLEAN,
                      "tags": TAGS, "options": OPTIONS}, min_props=1)
tags_put = obj({"tags": TAGS}, ("tags",))

user_create = obj({"name": NAME, "domain_id": NULLABLE_ID, "password": PASSWORD,
                   "enabled": BOOLEAN, "email": {"type": ["string", "null"], "maxLength": 255},
                   "description": DESCRIPTION, "default_project_id": NULLABLE_ID,
                   "options": OPTIONS, "federated": {"type": "array", "maxItems": 0}}, ("name",))
user_update = obj({"name": NAME, "domain_id": ID, "password": PASSWORD, "enabled": BOOLEAN,
                   "email": {"type": ["string", "null"], "maxLength": 255},
                   "description": DESCRIPTION, "default_project_id": NULLABLE_ID,
                   "options": OPTIONS}, min_props=1)
password_change = obj({"password": {"type": "string", "minLength": 1, "maxLength": 4096},
                       "original_password": {"type": "string", "maxLength": 4096}},
                      ("password", "original_password"))

group_create = obj({"name": NAME, "domain_id": NULLABLE_ID, "description": DESCRIPTION},
                   ("name",))
group_update = obj({"name": NAME, "description": DESCRIPTION}, min_props=1)

role_create = obj({"name": NAME, "description": DESCRIPTION, "domain_id": NULLABLE_ID,
                   "options": OPTIONS}, ("name",))
role_update = obj({"name": NAME, "description": DESCRIPTION, "options": OPTIONS},
                  min_props=1)

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
                      "description": DESCRIPTION, "enabled": BOOLEAN}, ("type",))
service_update = obj({"type": NAME, "name": {"type": "string", "maxLength": 255},
                      "description": DESCRIPTION, "enabled": BOOLEAN}, min_props=1)
URL = {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[a-zA-Z0-9+.-]+://"}
INTERFACE = {"type": "string", "enum": ["public", "internal", "admin"]}
endpoint_create = obj({"service_id": ID, "interface": INTERFACE, "region_id": NULLABLE_ID,
                       "region": NULLABLE_ID, "url": URL, "enabled": BOOLEAN},
                      ("service_id", "interface", "url"))
endpoint_update = obj({"service_id": ID, "interface": INTERFACE, "region_id": NULLABLE_ID,
                       "region": NULLABLE_ID, "url": URL, "enabled": BOOLEAN}, min_props=1)
region_create = obj({"id": NAME, "description": DESCRIPTION,
                     "parent_region_id": {"type": ["string", "null"], "maxLength": 255}})
region_update = obj({"description": DESCRIPTION,
                     "parent_region_id": {"type": ["string", "null"], "maxLength": 255}},
                    min_props=1)

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
