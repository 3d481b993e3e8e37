"""Who may do what on an account, as Swift's keystoneauth middleware decides
(swift/common/middleware/keystoneauth.py, swift/common/middleware/acl.py).

- `ResellerAdmin` (and cheptel's admin: a cloud administrator everywhere) may do
  anything on any account.
- An operator role (`member`, `swiftoperator`, `admin`) on the account's own project
  makes the caller the account's owner: everything but deleting the account.
- Otherwise only the container's ACL lets a request through: the read ACL
  (`X-Container-Read`) for GET/HEAD of the container (listing) and its objects, the write
  ACL (`X-Container-Write`) for PUT/POST/DELETE of objects. An ACL names
  `<project>:<user>` (ids or names; `*` for any), or a referrer `.r:*` (anyone, without a
  token: object reads; container listings only with `.rlistings` too).
- A refused caller gets 401 without a token, 403 with one (keystoneauth's
  denied_response). A reader of the project is no operator: it reads only what an ACL
  grants.
"""

from __future__ import annotations

from dataclasses import dataclass

from cheptel.errors import BadRequest, Forbidden, Unauthorized
from cheptel.policy import Creds

OPERATOR_ROLES = frozenset({"admin", "member", "swiftoperator"})
RESELLER_ADMIN = "resellerAdmin"  # compared lower-case
ACCOUNT_PREFIX = "AUTH_"


@dataclass(frozen=True)
class Acl:
    referrers: tuple[str, ...]  # .r: entries, "*" or a host ("-" in front: refused)
    groups: tuple[str, ...]  # everything else: "<project>:<user>", ".rlistings"


def parse_acl(text: str | None) -> Acl:
    """swift.common.middleware.acl.parse_acl (version 1 ACLs)."""
    referrers: list[str] = []
    groups: list[str] = []
    for value in (text or "").split(","):
        value = value.strip()
        if not value:
            continue
        if ":" in value and value.split(":", 1)[0].strip() in (
                ".r", ".ref", ".referer", ".referrer"):
            host = value.split(":", 1)[1].strip()
            negate = host.startswith("-")
            if negate:
                host = host[1:].strip()
            if host.startswith("*") and host != "*":
                host = host[1:]
            if not host or host == "-":
                raise BadRequest(f"No host/domain value after referrer designation in ACL: "
                                 f"{value!r}")
            referrers.append(("-" if negate else "") + host)
        elif value.startswith(".") and value != ".rlistings":
            raise BadRequest(f"Unknown designator {value!r} in ACL: {text!r}")
        else:
            groups.append(value)
    return Acl(tuple(referrers), tuple(groups))


def check_acl_header(text: str) -> None:
    parse_acl(text)


def referrer_allowed(referrer: str | None, referrers: tuple[str, ...]) -> bool:
    allow = False
    host = ""
    if referrer:
        host = referrer.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    for entry in referrers:
        if entry in ("*", "-*"):
            allow = entry == "*"
        elif entry.startswith("-"):
            if host and (host == entry[1:] or (entry[1:].startswith(".")
                                               and host.endswith(entry[1:]))):
                allow = False
        elif host and (host == entry or (entry.startswith(".") and host.endswith(entry))):
            allow = True
    return allow


def is_reseller(creds: Creds | None) -> bool:
    return creds is not None and (creds.is_admin or RESELLER_ADMIN.lower() in {
        r.lower() for r in creds.roles})


def is_owner(creds: Creds | None, project_id: str) -> bool:
    """The caller owns the account: reseller admin, or an operator of its project."""
    if creds is None:
        return False
    if is_reseller(creds):
        return True
    return creds.project_id == project_id and bool(
        OPERATOR_ROLES & {r.lower() for r in creds.roles})


def _acl_names(creds: Creds, project_name: str | None) -> set[str]:
    projects = {creds.project_id or "", "*", project_name or ""}
    users = {creds.user_id, creds.user_name, "*"}
    return {f"{p}:{u}" for p in projects for u in users if p}


def acl_allows(creds: Creds | None, acl_text: str | None, listing: bool, referrer: str | None,
               project_name: str | None = None) -> bool:
    """Does the container ACL let this caller through? (keystoneauth's cross-tenant and
    unconfirmed-identity checks)"""
    acl = parse_acl(acl_text) if acl_text else Acl((), ())
    if creds is not None and _acl_names(creds, project_name) & set(acl.groups):
        return True
    if referrer_allowed(referrer, acl.referrers):
        return not listing or ".rlistings" in acl.groups
    return False


def deny(creds: Creds | None) -> Exception:
    return Unauthorized() if creds is None else Forbidden("Access was denied to this resource.")


def require_owner(creds: Creds | None, project_id: str) -> None:
    if not is_owner(creds, project_id):
        raise deny(creds)


def require(creds: Creds | None, project_id: str, acl_text: str | None, *, listing: bool,
            referrer: str | None, project_name: str | None = None) -> None:
    """The owner, or someone the container's ACL (read or write, as the caller chose)
    lets through; else 401/403."""
    if is_owner(creds, project_id):
        return
    if acl_allows(creds, acl_text, listing, referrer, project_name):
        return
    raise deny(creds)
