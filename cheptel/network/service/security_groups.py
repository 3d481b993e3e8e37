"""Security groups and their rules, and each project's `default` group (made on first use
with Neutron's default rules: ingress from the group itself and egress anywhere, IPv4 and
IPv6). Rules are intent only: the dataplane turns them into iptables rules."""

from __future__ import annotations

import ipaddress

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from cheptel.network.errors import bad_request, conflict, missing
from cheptel.network.models import (
    DefaultSecurityGroup,
    PortSecurityGroup,
    SecurityGroup,
    SecurityGroupRule,
)
from cheptel.network.schemas import IP_PROTOCOLS
from cheptel.network.service import quotas
from cheptel.network.service.common import apply, check_owner, insert, new_id, owned, stamp, touch
from cheptel.policy import Creds

DEFAULT_NAME = "default"
DEFAULT_DESCRIPTION = "Default security group"
PORT_PROTOCOLS = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
ICMP_PROTOCOLS = {"icmp", "ipv6-icmp", "icmpv6", "1", "58"}
IPV6_ONLY = {"ipv6-encap", "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts",
             "ipv6-route", "41", "44", "58", "59", "60", "43"}


def _rule(now: float, group: SecurityGroup, direction: str, ethertype: str,
          remote_group_id: str | None = None) -> SecurityGroupRule:
    return SecurityGroupRule(id=new_id(), project_id=group.project_id,
                             security_group_id=group.id, direction=direction,
                             ethertype=ethertype, remote_group_id=remote_group_id,
                             description="", **stamp(now))


def _new_group(now: float, project_id: str, name: str, description: str,
               default: bool) -> SecurityGroup:
    group = SecurityGroup(id=new_id(), project_id=project_id, name=name,
                          description=description, tags=[], **stamp(now))
    rules = [_rule(now, group, "egress", e) for e in ("IPv4", "IPv6")]
    if default:
        rules = [_rule(now, group, "ingress", e, group.id) for e in ("IPv4", "IPv6")] + rules
    group.rules = rules
    return group


def ensure_default(db: Session, now: float, project_id: str) -> SecurityGroup:
    """The project's default group, made now if it has none (safe against a race)."""
    row = db.get(DefaultSecurityGroup, project_id)
    if row is not None:
        group = db.get(SecurityGroup, row.security_group_id)
        assert group is not None
        return group
    group = _new_group(now, project_id, DEFAULT_NAME, DEFAULT_DESCRIPTION, default=True)
    db.add(group)
    db.flush()
    if not insert(db, DefaultSecurityGroup(project_id=project_id, security_group_id=group.id)):
        db.delete(group)  # another request made it first
        db.flush()
        return ensure_default(db, now, project_id)
    return group


def is_default(db: Session, group: SecurityGroup) -> bool:
    row = db.get(DefaultSecurityGroup, group.project_id)
    return row is not None and row.security_group_id == group.id


def visible(creds: Creds) -> Select:
    return owned(SecurityGroup, creds)


def list_visible(db: Session, now: float, creds: Creds,
                 projects: list[str] | None = None) -> list[SecurityGroup]:
    """The groups the caller sees, after making the default group of the caller's project
    (and of the projects a listing asks for, when the caller may see them) as Neutron."""
    for project_id in {creds.project_id, *(projects or [])}:
        if project_id and (creds.is_admin or project_id == creds.project_id):
            ensure_default(db, now, project_id)
    return list(db.scalars(visible(creds)))


def get_visible(db: Session, creds: Creds, group_id: str) -> SecurityGroup:
    group = db.scalar(visible(creds).where(SecurityGroup.id == group_id))
    if group is None:
        raise missing("security_group", group_id)
    return group


def get_for_project(db: Session, project_id: str, group_id: str) -> SecurityGroup:
    group = db.get(SecurityGroup, group_id)
    if group is None or group.project_id != project_id:
        raise missing("security_group", group_id)
    return group


def _refuse_default_name(name: str | None) -> None:
    if name is not None and name.lower() == DEFAULT_NAME:
        raise conflict("SecurityGroupDefaultAlreadyExists",
                       "Default security group already exists.")


def create(db: Session, now: float, project_id: str, values: dict) -> SecurityGroup:
    _refuse_default_name(values.get("name"))
    ensure_default(db, now, project_id)
    quotas.check(db, project_id, "security_group")
    group = _new_group(now, project_id, values.get("name", ""), values.get("description", ""),
                       default=False)
    db.add(group)
    db.flush()
    return group


def update(db: Session, now: float, creds: Creds, group: SecurityGroup,
           values: dict) -> SecurityGroup:
    check_owner(creds, group.project_id, "update_security_group")
    if "name" in values and values["name"] != group.name:
        if is_default(db, group):
            raise conflict("SecurityGroupCannotUpdateDefault",
                           "Updating default security group not allowed.")
        _refuse_default_name(values["name"])
    if apply(group, values, ("name", "description")):
        touch(group, now)
    db.flush()
    return group


def delete(db: Session, creds: Creds, group: SecurityGroup) -> None:
    if is_default(db, group) and not creds.is_admin:
        raise conflict("SecurityGroupCannotRemoveDefault",
                       "Insufficient rights for removing default security group.")
    if db.scalar(select(PortSecurityGroup.port_id).where(
            PortSecurityGroup.security_group_id == group.id).limit(1)) is not None:
        raise conflict("SecurityGroupInUse", f"Security Group {group.id} in use.")
    db.delete(group)
    db.flush()


# -- rules -------------------------------------------------------------------------------------

def rules_visible(creds: Creds):  # type: ignore[no-untyped-def]
    query = select(SecurityGroupRule)
    if not creds.is_admin:
        query = query.join(SecurityGroup, SecurityGroup.id ==
                           SecurityGroupRule.security_group_id).where(or_(
                               SecurityGroupRule.project_id == creds.project_id,
                               SecurityGroup.project_id == creds.project_id))
    return query


def list_rules(db: Session, creds: Creds) -> list[SecurityGroupRule]:
    return list(db.scalars(rules_visible(creds)))


def get_rule(db: Session, creds: Creds, rule_id: str) -> SecurityGroupRule:
    rule = db.scalar(rules_visible(creds).where(SecurityGroupRule.id == rule_id))
    if rule is None:
        raise missing("security_group_rule", rule_id)
    return rule


def _protocol_key(protocol: str | None, ethertype: str) -> str:
    if protocol is None:
        return "+"
    if ethertype == "IPv6" and protocol in ("icmp", "icmpv6", "1"):
        protocol = "ipv6-icmp"
    number = IP_PROTOCOLS.get(protocol, protocol)
    return str(number)


def rule_key(r: dict) -> tuple:
    """neutron's _rule_to_key: two rules with the same key are the same rule."""
    prefix = r.get("remote_ip_prefix")
    if prefix in ("0.0.0.0/0", "::/0"):
        prefix = None
    return (r["direction"], r["ethertype"], r.get("port_range_max"), r.get("port_range_min"),
            _protocol_key(r.get("protocol"), r["ethertype"]), r.get("remote_group_id"),
            prefix, r["security_group_id"])


def _canonical(r: dict) -> None:
    """neutron's _validate_base_security_group_rule_attributes, same errors."""
    if r["ethertype"] == "IPv6" and r["protocol"] in ("icmp", "icmpv6"):
        r["protocol"] = "ipv6-icmp"
    elif r["ethertype"] == "IPv6" and r["protocol"] == "1":
        r["protocol"] = "58"
    if r["port_range_min"] == 1 and r["port_range_max"] == 65535:
        r["port_range_min"] = r["port_range_max"] = None
    low, high, protocol = r["port_range_min"], r["port_range_max"], r["protocol"]
    if low is not None or high is not None:
        if not protocol:
            raise bad_request("Must also specify protocol if port range is given.",
                              "SecurityGroupProtocolRequiredWithPorts")
        if protocol in PORT_PROTOCOLS:
            if low == 0 or high == 0:
                raise bad_request("Invalid value for port 0", "SecurityGroupInvalidPortValue")
            if low is None or high is None or low > high:
                raise bad_request("For TCP/UDP protocols, port_range_min must be <= "
                                  "port_range_max", "SecurityGroupInvalidPortRange")
        elif protocol in ICMP_PROTOCOLS:
            for value, field, attr in ((low, "type", "port_range_min"),
                                       (high, "code", "port_range_max")):
                if value is not None and not 0 <= value <= 255:
                    raise bad_request(f"Invalid value for ICMP {field} ({attr}) {value}. It "
                                      "must be 0 to 255.", "SecurityGroupInvalidIcmpValue")
            if low is None and high is not None:
                raise bad_request(f"ICMP code (port-range-max) {high} is provided but ICMP "
                                  "type (port-range-min) is missing.",
                                  "SecurityGroupMissingIcmpType")
        else:
            raise bad_request(f"Ports cannot be specified for protocol {protocol}. Only "
                              "TCP, UDP, SCTP, DCCP, UDPLITE are supported.",
                              "SecurityGroupInvalidProtocolForPort")
    prefix = r["remote_ip_prefix"]
    if prefix and r["ethertype"] != f"IPv{ipaddress.ip_network(prefix).version}":
        raise bad_request(f"Conflicting value ethertype {r['ethertype']} for CIDR {prefix}",
                          "SecurityGroupRuleParameterConflict")
    if protocol in IPV6_ONLY and r["ethertype"] == "IPv4":
        raise bad_request(f"Invalid ethertype {r['ethertype']} for protocol {protocol}.",
                          "SecurityGroupEthertypeConflictWithProtocol")
    if prefix and r["remote_group_id"]:
        raise bad_request("Only one of remote_ip_prefix or remote_group_id or "
                          "remote_address_group_id may be provided.",
                          "SecurityGroupMultipleRemoteEntites")


def create_rule(db: Session, now: float, creds: Creds, values: dict) -> SecurityGroupRule:
    group = get_visible(db, creds, values["security_group_id"])
    project_id = values.get("project_id") or group.project_id
    if project_id != group.project_id and not creds.is_admin:
        raise missing("security_group", group.id)
    if values.get("remote_group_id"):
        get_for_project(db, group.project_id, values["remote_group_id"])
    rule = {k: values.get(k) for k in ("direction", "ethertype", "protocol", "port_range_min",
                                       "port_range_max", "remote_ip_prefix",
                                       "remote_group_id", "security_group_id")}
    _canonical(rule)
    key = rule_key(rule)
    for existing in group.rules:
        if rule_key({**_as_dict(existing)}) == key:
            raise conflict("SecurityGroupRuleExists", "Security group rule already exists. "
                           f"Rule id is {existing.id}.")
    quotas.check(db, project_id, "security_group_rule")
    row = SecurityGroupRule(id=new_id(), project_id=project_id,
                            description=values.get("description", ""), **rule, **stamp(now))
    db.add(row)
    db.flush()
    db.expire(group, ["rules"])
    return row


def _as_dict(r: SecurityGroupRule) -> dict:
    return {"direction": r.direction, "ethertype": r.ethertype, "protocol": r.protocol,
            "port_range_min": r.port_range_min, "port_range_max": r.port_range_max,
            "remote_ip_prefix": r.remote_ip_prefix, "remote_group_id": r.remote_group_id,
            "security_group_id": r.security_group_id}


def delete_rule(db: Session, creds: Creds, rule: SecurityGroupRule) -> None:
    check_owner(creds, rule.project_id, "delete_security_group_rule")
    db.delete(rule)
    db.flush()


def resolve(db: Session, now: float, project_id: str, names_or_ids: list[str]) -> list[str]:
    """The project's group ids from ids or names (Nova's security_groups; "default" is made
    if needed); SecurityGroupNotFound for an unknown or ambiguous one."""
    out = []
    for wanted in names_or_ids:
        group = db.get(SecurityGroup, wanted)
        if group is None or group.project_id != project_id:
            if wanted == DEFAULT_NAME:
                group = ensure_default(db, now, project_id)
            else:
                found = list(db.scalars(select(SecurityGroup).where(
                    SecurityGroup.project_id == project_id, SecurityGroup.name == wanted)))
                if len(found) != 1:
                    raise missing("security_group", wanted)
                group = found[0]
        out.append(group.id)
    return out
