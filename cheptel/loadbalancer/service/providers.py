"""The provider drivers cheptel enables and what their flavors and availability zones
may say (Octavia's enabled_provider_drivers and a driver's supported metadata).

Both names Octavia enables by default are served, by the same engine: "amphora" and its
deprecated alias "octavia". There are no amphorae: each load balancer is one HAProxy in
a network namespace on the host, so the only topology is SINGLE, and the only compute
zone is the one cheptel's servers live in."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import best_match

from cheptel.errors import BadRequest
from cheptel.loadbalancer.faults import NotImplementedFeature

_ENGINE = "cheptel runs one HAProxy per load balancer in a network namespace on the host."
PROVIDERS: dict[str, str] = {
    "amphora": f"The Octavia Amphora driver: {_ENGINE}",
    "octavia": f"Deprecated alias of the Octavia Amphora driver: {_ENGINE}",
}
DEFAULT = "amphora"

FLAVOR_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "properties": {
        "loadbalancer_topology": {
            "type": "string", "enum": ["SINGLE"],
            "description": "The load balancer topology. One of: SINGLE - One HAProxy "
                           "per load balancer (cheptel has no ACTIVE_STANDBY)."},
    }}
AVAILABILITY_ZONE_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "properties": {
        "compute_zone": {
            "type": "string", "enum": ["nova"],
            "description": "The compute availability zone (cheptel has one: nova)."},
    }}
_VALIDATORS = {id(s): Draft7Validator(s) for s in (FLAVOR_SCHEMA, AVAILABILITY_ZONE_SCHEMA)}


def enabled(name: str) -> str:
    """The provider, if enabled; Octavia's ProviderNotEnabled (400) otherwise."""
    if name not in PROVIDERS:
        raise BadRequest(f"Provider '{name}' is not enabled.")
    return name


def capabilities(schema: dict[str, Any]) -> list[dict[str, str]]:
    return [{"name": k, "description": v.get("description", "")}
            for k, v in schema["properties"].items()]


def parse(text: str, option: str) -> Any:
    """A profile's data: JSON text, else Octavia's InvalidOption (400)."""
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequest(f"{text} is not a valid option for {option}") from None


def validate(provider: str, data: Any, schema: dict[str, Any]) -> None:
    """The data against what the provider supports: a key it does not know or a value it
    cannot honour is Octavia's ProviderUnsupportedOptionError (501)."""
    error = best_match(_VALIDATORS[id(schema)].iter_errors(data))
    if error is not None:
        where = f"{error.relative_path[0]} " if error.relative_path else ""
        raise NotImplementedFeature(
            f"Provider '{provider}' does not support a requested option: "
            f"{where}{error.message[:300]}")
