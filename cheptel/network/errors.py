"""Neutron's typed errors: the cheptel error tree with Neutron's exception names.

Neutron's fault body names the exception class: {"NeutronError": {"type":
"NetworkNotFound", "message": ..., "detail": ""}}. Every error below carries that name in
`neutron_type`; an error without one (raised by cheptel.web, the policy table, ...) is
named after its HTTP class as WebOb names it (HTTPBadRequest, HTTPNotFound, ...).

    BadRequest 400  HTTPBadRequest (attribute validation), InvalidInput, BadRequest,
                    InvalidIpForNetwork, InvalidIpForSubnet, OutOfBoundsAllocationPool, ...
    Forbidden 403   PolicyNotAuthorized, AdminRequired
    NotFound 404    NetworkNotFound, SubnetNotFound, PortNotFound, RouterNotFound,
                    FloatingIPNotFound, SecurityGroupNotFound, SecurityGroupRuleNotFound,
                    ExternalGatewayForFloatingIPNotFound, RouterInterfaceNotFound..., HTTPNotFound
    Conflict 409    NetworkInUse, SubnetInUse, RouterInUse, PortInUse, IpAddressAlreadyAllocated,
                    IpAddressGenerationFailure, MacAddressInUse, OverQuota,
                    SecurityGroupRuleExists, SecurityGroupInUse,
                    SecurityGroupCannotRemoveDefault, ...
"""

from __future__ import annotations

from cheptel.errors import BadRequest, CheptelError, Conflict, Forbidden, NotFound


def _typed(error: CheptelError, kind: str) -> CheptelError:
    error.neutron_type = kind  # type: ignore[attr-defined]
    return error


def bad_request(message: str, kind: str = "HTTPBadRequest") -> CheptelError:
    return _typed(BadRequest(message), kind)


def invalid_input(message: str) -> CheptelError:
    """neutron_lib's InvalidInput: "Invalid input for operation: <message>."."""
    return _typed(BadRequest(f"Invalid input for operation: {message}."), "InvalidInput")


def bad_resource_request(resource: str, message: str) -> CheptelError:
    """neutron_lib's BadRequest: "Bad <resource> request: <message>."."""
    return _typed(BadRequest(f"Bad {resource} request: {message}."), "BadRequest")


def forbidden(message: str, kind: str = "PolicyNotAuthorized") -> CheptelError:
    return _typed(Forbidden(message), kind)


def policy_denied(action: str, attribute: str | None = None) -> CheptelError:
    rule = f"(rule:{action} and rule:{action}:{attribute})" if attribute else f"rule:{action}"
    return forbidden(f"{rule} is disallowed by policy")


def not_found(kind: str, message: str) -> CheptelError:
    return _typed(NotFound(message), kind)


def conflict(kind: str, message: str) -> CheptelError:
    return _typed(Conflict(message), kind)


NOT_FOUND = {
    "network": ("NetworkNotFound", "Network {} could not be found."),
    "subnet": ("SubnetNotFound", "Subnet {} could not be found."),
    "port": ("PortNotFound", "Port {} could not be found."),
    "router": ("RouterNotFound", "Router {} could not be found"),
    "floatingip": ("FloatingIPNotFound", "Floating IP {} could not be found"),
    "security_group": ("SecurityGroupNotFound", "Security group {} does not exist"),
    "security_group_rule": ("SecurityGroupRuleNotFound", "Security group rule {} does not exist"),
}


def missing(resource: str, resource_id: str) -> CheptelError:
    """The 404 of a resource that does not exist or that the caller may not see."""
    kind, message = NOT_FOUND[resource]
    return not_found(kind, message.format(resource_id))


def over_quota(resources: list[str]) -> CheptelError:
    return conflict("OverQuota", f"Quota exceeded for resources: {resources}.")
