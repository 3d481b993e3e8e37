"""OS::Heat::ScalingPolicy: how a signal scales an AutoScalingGroup
(heat/engine/resources/openstack/heat/scaling_policy.py, heat/scaling/scalingutil.py).

The policy itself makes nothing; a signal to it (service/scaling.py) adjusts its group.
`signal_url` is Heat's native route (POST with a token); `alarm_url` is a capability
URL served by cheptel (POST, no token: its secret is the credential), so any webhook
sender (an Aodh alarm, an Alertmanager receiver, a cron job) can scale the group.
"""

from __future__ import annotations

import math
import secrets
from typing import Any
from urllib.parse import quote

from cheptel.orchestration.errors import InvalidTemplate
from cheptel.orchestration.resources.base import (
    Prop,
    Record,
    ResourceType,
    orchestration_url,
)
from cheptel.orchestration.service.cloud import Cloud

POLICY = "OS::Heat::ScalingPolicy"
ADJUSTMENTS = ("change_in_capacity", "exact_capacity", "percent_change_in_capacity")


def new_capacity(current: int, adjustment: float, kind: str, min_step: int | None,
                 low: int, high: int) -> int:
    """Heat's calculate_new_capacity: the size after one adjustment, within bounds."""
    if kind == "change_in_capacity":
        size = current + int(adjustment)
    elif kind == "exact_capacity":
        size = int(adjustment)
    else:
        delta = current * adjustment / 100.0
        if math.fabs(delta) < 1.0:
            rounded = int(math.ceil(delta) if delta > 0.0 else math.floor(delta))
        else:
            rounded = int(math.floor(delta) if delta > 0.0 else math.ceil(delta))
        if min_step and min_step > abs(rounded):
            rounded = min_step if rounded > 0 else -min_step
        size = current + rounded
    return max(low, min(high, size))


def _validate(name: str, p: dict[str, Any]) -> None:
    for key in ("scaling_adjustment", "cooldown"):  # YAML's .nan and .inf are floats
        value = p.get(key)
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}: "
                                  f"{value} is not a finite number")
    kind = p.get("adjustment_type")
    if kind is not None and kind not in ADJUSTMENTS:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.adjustment_type"
                              f": \"{kind}\" is not an allowed value [{', '.join(ADJUSTMENTS)}]")
    if p.get("min_adjustment_step") is not None:
        if kind not in (None, "percent_change_in_capacity"):
            raise InvalidTemplate("min_adjustment_step property should only be specified "
                                  "for adjustment_type with value "
                                  "percent_change_in_capacity.")
        if p["min_adjustment_step"] < 0:
            raise InvalidTemplate(f"Property error: resources.{name}.properties."
                                  f"min_adjustment_step: {p['min_adjustment_step']} is out "
                                  "of range (min: 0, max: None)")


def _create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    r.physical_id = r.name
    r.data = {"secret": secrets.token_urlsafe(32)}


def _read(cloud: Cloud, r: Record, attribute: str, path: list[Any]) -> Any:
    if attribute == "signal_url":
        assert r.stack is not None
        return (f"{orchestration_url(cloud)}/stacks/{quote(r.stack.name, safe='')}/{r.stack.id}"
                f"/resources/{quote(r.resource, safe='')}/signal")
    if attribute == "alarm_url":
        return f"{orchestration_url(cloud)}/webhooks/{r.data.get('secret', '')}"
    if attribute == "show":
        return {}
    raise InvalidTemplate(f"The Referenced Attribute ({r.resource} {attribute}) is "
                          "incorrect.")


SCALING_POLICY = ResourceType(
    name=POLICY, description="A resource to manage scaling of OS::Heat::AutoScalingGroup.",
    properties={
        "auto_scaling_group_id": Prop("string", "AutoScaling group ID to apply policy to.",
                                      required=True),
        "scaling_adjustment": Prop("number", "Size of adjustment.", required=True,
                                   update_allowed=True),
        "adjustment_type": Prop("string", "Type of adjustment (absolute or percentage): "
                                + ", ".join(ADJUSTMENTS) + ".", required=True,
                                update_allowed=True),
        "cooldown": Prop("number", "Cooldown period, in seconds.", update_allowed=True),
        "min_adjustment_step": Prop("integer", "Minimum number of resources that are "
                                    "added or removed when the AutoScaling group scales "
                                    "up or down (percent_change_in_capacity only).",
                                    update_allowed=True)},
    attributes={"alarm_url": "A url to handle the alarm (a secret URL: POST, no token).",
                "signal_url": "A url to handle the alarm using native API."},
    create=_create, delete=lambda cloud, r: None, show=lambda cloud, r: {},
    update=lambda cloud, changed, r: None, validate=_validate, read=_read)

TYPES = [SCALING_POLICY]
