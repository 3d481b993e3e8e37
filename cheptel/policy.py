"""Authorisation: the rules, and the policy tables that map policy names to them.

Each route of every service names a policy; the service's table (its policies.py, handed
to the app builder with the routes) maps the policy to a rule, evaluated against the
caller's credentials and the target, which is the route's path parameters (plus what a
handler adds after loading an object).

Roles nest: admin implies member implies reader. As in Keystone's legacy defaults, the
admin role on any scope makes the caller a cloud administrator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cheptel.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Creds:
    """Who is calling, as proven by a validated token."""

    user_id: str
    user_name: str
    user_domain_id: str
    roles: frozenset[str]  # role names, implied roles included
    project_id: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    app_cred_id: str | None = None
    app_cred_unrestricted: bool = True
    audit_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


Target = Mapping[str, object]
Rule = Callable[[Creds, Target], bool]


def _self(c: Creds, t: Target) -> bool:
    return t.get("user_id") == c.user_id


def _own_project(c: Creds, t: Target) -> bool:
    return c.project_id is not None and t.get("project_id") == c.project_id


def _own_domain(c: Creds, t: Target) -> bool:
    domain = t.get("domain_id")
    return domain is not None and domain in (c.domain_id, c.project_domain_id)


def _token_subject(c: Creds, t: Target) -> bool:
    return t.get("subject_user_id") == c.user_id


def _reader(c: Creds, t: Target) -> bool:
    return "reader" in c.roles and _own_project(c, t)


def _member(c: Creds, t: Target) -> bool:
    return "member" in c.roles and _own_project(c, t)


def _restricted_app_cred(c: Creds) -> bool:
    return c.app_cred_id is not None and not c.app_cred_unrestricted


RULES: dict[str, Rule] = {
    "anyone": lambda c, t: True,  # no token needed (discovery, token issue)
    "authenticated": lambda c, t: True,
    "admin": lambda c, t: c.is_admin,
    "admin_or_self": lambda c, t: c.is_admin or _self(c, t),
    # Nova's service_or_admin: other services (Neutron, Cinder) holding the service role
    "admin_or_service": lambda c, t: c.is_admin or "service" in c.roles,
    "self_unrestricted": lambda c, t: _self(c, t) and not _restricted_app_cred(c),
    "admin_or_self_unrestricted": lambda c, t: (c.is_admin or _self(c, t))
    and not _restricted_app_cred(c),
    "admin_or_member_self": lambda c, t: c.is_admin or ("member" in c.roles and _self(c, t)),
    "admin_or_project": lambda c, t: c.is_admin or _own_project(c, t),
    "admin_or_domain": lambda c, t: c.is_admin or _own_domain(c, t),
    "admin_or_token_subject": lambda c, t: c.is_admin or _token_subject(c, t),
    # Keystone's validate_token: also a service (auth_token middleware's own user)
    "admin_or_service_or_token_subject": lambda c, t: c.is_admin or "service" in c.roles
    or _token_subject(c, t),
    "project_reader": lambda c, t: c.is_admin or _reader(c, t),
    "project_member": lambda c, t: c.is_admin or _member(c, t),
    # Glance's metadef reads: a reader of the owning project, or anyone's reader when public
    "project_reader_or_public": lambda c, t: c.is_admin or (
        "reader" in c.roles and (_own_project(c, t) or t.get("visibility") == "public")),
    # project-owned resources loaded by id: the role in the token's own project is checked
    # here; that the resource belongs to that project is checked by the service (404)
    "scoped_reader": lambda c, t: c.is_admin or (c.project_id is not None
                                                 and "reader" in c.roles),
    "scoped_member": lambda c, t: c.is_admin or (c.project_id is not None
                                                 and "member" in c.roles),
    # Heat's resource signal: also a stack user's token (heat_stack_user, a wait condition
    # handle's), whose handle the service checks is its own
    "scoped_member_or_stack_user": lambda c, t: c.is_admin or (
        c.project_id is not None and bool({"member", "heat_stack_user"} & c.roles)),
    # Swift's keystoneauth: the account's owner (an operator role in its project) or a
    # reseller admin (cheptel.objectstore.service.access)
    "swift_owner": lambda c, t: c.is_admin or "ResellerAdmin" in c.roles or (
        c.project_id is not None and t.get("account") == f"AUTH_{c.project_id}"
        and bool({"member", "swiftoperator"} & c.roles)),
    # Nova's PROJECT_MANAGER_OR_ADMIN on a listing of the token's own project
    "scoped_manager": lambda c, t: c.is_admin or (c.project_id is not None
                                                  and "manager" in c.roles),
}

class PolicyTable:
    """A service's policies: name -> rule name, checked when the app is built.

    Each service hands its table (its policies.py) to the app builder, which refuses a
    route naming a policy the table lacks; nothing is registered at import time."""

    def __init__(self, policies: Mapping[str, str]) -> None:
        for name, rule in policies.items():
            if rule not in RULES:
                raise ValueError(f"policy {name} names unknown rule {rule}")
        self.rules: dict[str, str] = dict(policies)

    def __contains__(self, name: object) -> bool:
        return name in self.rules

    def __getitem__(self, name: str) -> str:
        return self.rules[name]

    def allowed(self, policy: str, creds: Creds | None, target: Target) -> bool:
        rule = self.rules[policy]
        if rule == "anyone":
            return True
        if creds is None:
            return False
        return RULES[rule](creds, target)

    def enforce(self, policy: str, creds: Creds | None, target: Target) -> None:
        if self.rules[policy] != "anyone" and creds is None:
            raise Unauthorized()
        if not self.allowed(policy, creds, target):
            raise Forbidden(
                f"You are not authorized to perform the requested action: {policy}.")

