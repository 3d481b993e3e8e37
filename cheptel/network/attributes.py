"""Neutron's attribute maps, as a small declarative machine.

A resource is a dict of `Attr` (what may be POSTed or PUT, its default, how a value is
converted and checked, whether it may filter or sort a listing, who may set it). A
request body is checked the way neutron.api.v2.base.prepare_request_body does, with the
same messages: unknown keys, attributes not allowed in POST or PUT, required ones, then
each value through its converter ("Invalid input for X. Reason: ...").
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cheptel.network.errors import bad_request, policy_denied
from cheptel.policy import Creds


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Sentinel("REQUIRED")  # no default: a POST without it is a 400
UNSET = _Sentinel("UNSET")  # optional, left out of the parsed body when absent


class Invalid(Exception):
    """A converter's refusal; the reason is shown as Neutron shows it."""


Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class Attr:
    post: bool = True
    put: bool = True
    default: Any = UNSET
    convert: Convert | None = None
    filter: str | None = "str"  # str | bool | int | None (not a filter)
    sort: bool = True
    who: str | None = None  # "admin" | "network_owner": who may set it (else anyone)


def ro(filter: str | None = "str", sort: bool = True) -> Attr:
    """A read-only attribute."""
    return Attr(post=False, put=False, filter=filter, sort=sort)


# -- converters (neutron_lib.api.converters and validators, same reasons) ------------------

TRUE = ("1", "t", "true", "on", "y", "yes")
FALSE = ("0", "f", "false", "off", "n", "no")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise Invalid(f"'{value}' cannot be converted to boolean")


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid(f"'{value}' is not an integer")
    try:
        return int(str(value).strip())
    except ValueError:
        raise Invalid(f"'{value}' is not an integer") from None


def int_range(low: int, high: int) -> Convert:
    def convert(value: Any) -> int:
        number = to_int(value)
        if number < low:
            raise Invalid(f"'{number}' is too small - must be at least '{low}'")
        if number > high:
            raise Invalid(f"'{number}' is too large - must be no larger than '{high}'")
        return number
    return convert


def string(max_len: int) -> Convert:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"'{value}' is not a valid string")
        if len(value) > max_len:
            raise Invalid(f"'{value}' exceeds maximum length of {max_len}")
        return value
    return convert


NAME = string(255)
DESCRIPTION = string(255)
PROJECT = string(255)


def nullable(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def one_of(*values: Any) -> Convert:
    def convert(value: Any) -> Any:
        if value not in values:
            raise Invalid(f"{value} is not in {list(values)}")
        return value
    return convert


def to_uuid(value: Any) -> str:
    try:
        if not isinstance(value, str):
            raise ValueError
        uuid.UUID(value)
    except ValueError:
        raise Invalid(f"'{value}' is not a valid UUID") from None
    return value


def ip_address(value: Any) -> str:
    try:
        if not isinstance(value, str) or value != value.strip():
            raise ValueError
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise Invalid(f"'{value}' is not a valid IP address") from None


def subnet_cidr(value: Any) -> str:
    """neutron-lib's validate_subnet (a prefix is required; an IPv4 one written as netaddr
    writes it back), then the network address, as NeutronDbPluginV2._create_subnet_precommit
    turns the CIDR into a proper subnet: 10.99.99.0/16 is 10.99.0.0/16."""
    if not isinstance(value, str) or "/" not in value or value != value.strip():
        raise Invalid(f"'{value}' is not a valid IP subnet")
    try:
        given = ipaddress.ip_interface(value)
    except ValueError:
        raise Invalid(f"'{value}' is not a valid IP subnet") from None
    if given.version == 4 and str(given) != value:
        raise Invalid(f"'{value}' is not a valid IP subnet")
    return str(given.network)


def cidr_or_ip(value: Any) -> str:
    """An IP prefix (an address alone means /32 or /128), host bits cleared."""
    try:
        if not isinstance(value, str):
            raise ValueError
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise Invalid(f"'{value}' is neither a valid IP address, nor is it a valid IP "
                      "subnet") from None


MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


INVALID_MACS = ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff")  # neutron_lib.constants


def mac_address(value: Any) -> str:
    """neutron-lib's validate_mac_address: any well-formed MAC but the two it lists as
    invalid (all zeros, broadcast); multicast MACs are accepted, as Neutron accepts them."""
    if not isinstance(value, str) or not MAC.match(value):
        raise Invalid(f"'{value}' is not a valid MAC address")
    mac = value.lower().replace("-", ":")
    if mac in INVALID_MACS:
        raise Invalid(f"'{value}' is not a valid MAC address")
    return mac


def list_of(item: Convert, unique: bool = True, none_empty: bool = True) -> Convert:
    def convert(value: Any) -> list:
        if value is None and none_empty:
            return []
        if not isinstance(value, list):
            raise Invalid(f"'{value}' is not a list")
        items = [item(v) for v in value]
        if unique:
            seen: list = []
            dups: list[str] = []
            for v in items:
                if v in seen:
                    dups.append(str(v))
                else:
                    seen.append(v)
            if dups:
                raise Invalid(f"Duplicate items in the list: '{', '.join(dups)}'")
        return items
    return convert


def dict_of(spec: dict[str, tuple[Convert, bool]], what: str) -> Convert:
    """A dict with known keys: {key: (converter, required)}."""
    def convert(value: Any) -> dict:
        if not isinstance(value, dict):
            raise Invalid(f"Invalid data format for {what}: '{value}'")
        unknown = sorted(set(value) - set(spec))
        if unknown:
            raise Invalid(f"Unexpected keys supplied: {', '.join(unknown)}")
        out = {}
        for key, (conv, required) in spec.items():
            if key in value:
                out[key] = conv(value[key])
            elif required:
                raise Invalid(f"Validation of dictionary's keys failed. Expected keys: "
                              f"{{'{key}'}} Provided keys: {set(value)}")
        return out
    return convert


# -- request bodies ---------------------------------------------------------------------------

Resource = dict[str, Attr]


def with_project(attrs: Resource) -> Resource:
    """Every resource takes tenant_id and project_id (both filters, set once)."""
    owner = Attr(put=False, convert=PROJECT)
    return {**attrs, "tenant_id": owner, "project_id": owner}


def _unwrap(body: Any, resource: str) -> dict:
    if not body:
        raise bad_request("Resource body required")
    if not isinstance(body, dict):
        raise bad_request("Body contains invalid data")
    if resource not in body:
        raise bad_request(f"Unable to find '{resource}' in request body")
    item = body[resource]
    if not isinstance(item, dict):
        raise bad_request(f"Object '{resource}' contains invalid data")
    return item


def parse(body: Any, resource: str, attrs: Resource, create: bool,
          creds: Creds | None = None) -> dict:
    """The checked and converted attributes of a POST (defaults filled) or a PUT."""
    item = dict(_unwrap(body, resource))
    unknown = [k for k in item if k not in attrs]
    if unknown:
        raise bad_request(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    if "tenant_id" in attrs:
        _owner(item, create, creds)
    for name, attr in attrs.items():
        if create:
            if name in item and not attr.post:
                raise bad_request(f"Attribute '{name}' not allowed in POST")
            if name not in item and attr.post and attr.default is REQUIRED:
                raise bad_request(f"Failed to parse request. Required attribute '{name}' "
                                  "not specified")
        elif name in item and not attr.put:
            raise bad_request(f"Cannot update read-only attribute {name}")
    out: dict = {}
    for name, attr in attrs.items():
        if name in item:
            try:
                out[name] = attr.convert(item[name]) if attr.convert else item[name]
            except Invalid as exc:
                raise bad_request(f"Invalid input for {name}. Reason: {exc}.") from None
        elif create and attr.post and attr.default not in (UNSET, REQUIRED):
            out[name] = attr.default() if callable(attr.default) else attr.default
    return out


def _owner(item: dict, create: bool, creds: Creds | None) -> None:
    """tenant_id and project_id agree; only an admin names another project."""
    tenant, project = item.get("tenant_id"), item.get("project_id")
    if "tenant_id" in item and "project_id" in item and tenant != project:
        raise bad_request("'project_id' and 'tenant_id' do not match")
    owner = project if "project_id" in item else tenant
    if owner is not None:
        item["tenant_id"] = item["project_id"] = owner
    if (create and owner is not None and creds is not None and not creds.is_admin
            and owner != creds.project_id):
        raise bad_request("Specifying 'project_id' other than the authenticated project in "
                          "request is not allowed for the current user.")


def project_of(values: dict, creds: Creds) -> str:
    return values.pop("project_id", None) or values.pop("tenant_id", None) or (
        creds.project_id or "")


def explicitly_set(attrs: Resource, values: dict, name: str, create: bool) -> bool:
    """Neutron's rule: on POST an attribute set to its default is not "set"."""
    if name not in values:
        return False
    return not create or values[name] != attrs[name].default


def enforce_attributes(action: str, attrs: Resource, values: dict, create: bool,
                       creds: Creds, network_owner: bool = False) -> None:
    """Attributes only an admin (or the network's owner) may set: a 403 as Neutron's."""
    if creds.is_admin:
        return
    for name, attr in attrs.items():
        if attr.who is None or not explicitly_set(attrs, values, name, create):
            continue
        if attr.who == "admin" or (attr.who == "network_owner" and not network_owner):
            raise policy_denied(action, name)
