"""Request bodies (heat/api/openstack/v1/stacks.py's InstantiationData): JSON Schema."""

from __future__ import annotations

from cheptel.validation import obj

NAME_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$"
TEMPLATE = {"type": ["object", "string"]}
MAP_OR_TEXT = {"type": ["object", "string", "null"]}
COMMON = {
    "template": TEMPLATE,
    "template_url": {"type": ["string", "null"]},
    "parameters": {"type": ["object", "null"]},
    "environment": MAP_OR_TEXT,
    "environment_files": {"type": ["array", "null"], "items": {"type": "string"}},
    "files": {"type": ["object", "null"],
              "additionalProperties": {"type": ["string", "object"]}},
    "disable_rollback": {"type": ["boolean", "string"]},
    "timeout_mins": {"type": ["integer", "string", "null"]},
    "tags": {"type": ["string", "array", "null"], "items": {"type": "string"}},
    "adopt_stack_data": {"type": ["object", "string", "null"]},
}
CREATE = obj({**COMMON, "stack_name": {"type": "string", "pattern": NAME_PATTERN}},
             ("stack_name",))
UPDATE = obj({**COMMON, "template": {"type": ["object", "string", "null"]},  # PATCH: kept
              "existing": {"type": ["boolean", "string"]},
              # heat-tempest-plugin's update sends it; Heat ignores it (the URL names it)
              "stack_name": {"type": "string"},
              "clear_parameters": {"type": ["array", "null"], "items": {"type": "string"}},
              "converge": {"type": ["boolean", "string"]}})
VALIDATE = obj({"template": TEMPLATE, "template_url": {"type": ["string", "null"]},
                "environment": MAP_OR_TEXT, "files": COMMON["files"],
                "parameters": {"type": ["object", "null"]},
                "environment_files": COMMON["environment_files"]})
SOFTWARE_CONFIG = obj({"name": {"type": ["string", "null"], "maxLength": 255},
                       "group": {"type": ["string", "null"], "maxLength": 255},
                       "config": {"type": ["string", "null"]},
                       "inputs": {"type": ["array", "null"], "items": {"type": "object"}},
                       "outputs": {"type": ["array", "null"], "items": {"type": "object"}},
                       "options": {"type": ["object", "null"]}})
_DEPLOYMENT = {"config_id": {"type": "string", "maxLength": 36},
               "input_values": {"type": ["object", "null"]},
               "action": {"type": ["string", "null"], "maxLength": 255},
               "status": {"type": ["string", "null"], "maxLength": 255},
               "status_reason": {"type": ["string", "null"], "maxLength": 65535}}
DEPLOYMENT_CREATE = obj({**_DEPLOYMENT, "server_id": {"type": "string", "minLength": 1,
                                                      "maxLength": 255},
                         "stack_user_project_id": {"type": ["string", "null"]}},
                        ("config_id", "server_id"))
DEPLOYMENT_UPDATE = obj({**_DEPLOYMENT, "output_values": {"type": ["object", "null"]}})
