"""Request bodies of Octavia's admin and catalog side, as its wsme types declare them
(octavia/api/v2/types/{quotas,flavors,flavor_profile,availability_zones,
availability_zone_profile}.py): an attribute the type lacks is a 400, as wsme's."""

from __future__ import annotations

from typing import Any

from cheptel.validation import obj

# wtypes.IntegerType(minimum=MIN_QUOTA, maximum=MAX_QUOTA); null: the default
QUOTA = {"type": ["integer", "null"], "minimum": -1, "maximum": 2000000000}
# the current names and those deprecated in Rocky (load_balancer, health_monitor)
QUOTA_NAMES = ("loadbalancer", "load_balancer", "listener", "member", "pool",
               "healthmonitor", "health_monitor", "l7policy", "l7rule")
quota_put = obj({"quota": obj({k: QUOTA for k in QUOTA_NAMES})}, ("quota",))

NAME = {"type": "string", "maxLength": 255}
# a PUT may send null, which the service refuses with Octavia's own words
NULLABLE_NAME = {"type": ["string", "null"], "maxLength": 255}
DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
BOOL = {"type": "boolean"}
# wtypes.UuidType: 32 hex digits, the dashes optional
UUID = {"type": "string", "pattern": "^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$"}
DATA = {"type": "string", "maxLength": 4096}
NULLABLE_DATA = {"type": ["string", "null"], "maxLength": 4096}

flavor_post = obj({"flavor": obj({
    "name": NAME, "description": DESCRIPTION, "enabled": BOOL, "flavor_profile_id": UUID,
}, ("name", "flavor_profile_id"))}, ("flavor",))
flavor_put = obj({"flavor": obj({
    "name": NAME, "description": DESCRIPTION, "enabled": BOOL})}, ("flavor",))

availability_zone_post = obj({"availability_zone": obj({
    "name": NAME, "description": DESCRIPTION, "enabled": BOOL,
    "availability_zone_profile_id": UUID,
}, ("name", "availability_zone_profile_id"))}, ("availability_zone",))
availability_zone_put = obj({"availability_zone": obj({
    "description": DESCRIPTION, "enabled": BOOL})}, ("availability_zone",))


def _profile_post(root: str, data: str) -> dict[str, Any]:
    return obj({root: obj({"name": NAME, "provider_name": NAME, data: DATA},
                          ("name", "provider_name", data))}, (root,))


def _profile_put(root: str, data: str) -> dict[str, Any]:
    return obj({root: obj({"name": NULLABLE_NAME, "provider_name": NULLABLE_NAME,
                           data: NULLABLE_DATA})}, (root,))


flavor_profile_post = _profile_post("flavorprofile", "flavor_data")
flavor_profile_put = _profile_put("flavorprofile", "flavor_data")
availability_zone_profile_post = _profile_post("availability_zone_profile",
                                              "availability_zone_data")
availability_zone_profile_put = _profile_put("availability_zone_profile",
                                             "availability_zone_data")
