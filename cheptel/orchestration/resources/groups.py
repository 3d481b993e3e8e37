"""OS::Heat::ResourceGroup and OS::Heat::AutoScalingGroup: members of one definition (any
type, a nested template too) kept in a nested stack of their own, as Heat keeps them
(heat/engine/resources/openstack/heat/resource_group.py, autoscaling_group.py).

A ResourceGroup's members are named "0", "1", ... (`index_var`, `%index%` by default,
replaced by the member's name in its definition); a name its removal_policies removed is
never used again. An AutoScalingGroup's members have random names, its capacity (kept in
the resource's data) starts at desired_capacity (else min_size) and moves with its
scaling policies' signals (service/scaling.py), within min_size and max_size; it drops
its oldest members first. A changed group updates its nested stack in place: members
added or removed, the others kept; with a rolling policy (an AutoScalingGroup's
rolling_updates, a ResourceGroup's update_policy) a changed member definition goes out a
batch at a time (resources/rolling.py, service/rolling.py). The stack reconciler
replaces a member whose server is gone or failed (service/healing.py).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import Any

from cheptel.errors import NotFound
from cheptel.orchestration.errors import InvalidTemplate
from cheptel.orchestration.resources import rolling
from cheptel.orchestration.resources.base import Prop, Record, ResourceType, walk
from cheptel.orchestration.service.cloud import Cloud
from cheptel.orchestration.template.template import MAX_RESOURCES

VERSION = "2018-08-31"  # the members' template (their definitions are evaluated data)
RG, ASG = "OS::Heat::ResourceGroup", "OS::Heat::AutoScalingGroup"
GROUP_TYPES = (RG, ASG)
ALPHABET = string.ascii_lowercase + string.digits


# -- the members' template --------------------------------------------------------------

def _replace(value: Any, var: str, index: str) -> Any:
    if isinstance(value, str):
        return value.replace(var, index)
    if isinstance(value, dict):
        return {k: _replace(v, var, index) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, var, index) for v in value]
    return value


def _definition(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": d.get("type")}
    for key in ("properties", "metadata"):
        if d.get(key) is not None:
            out[key] = d[key]
    return out


def _template(resources: dict[str, Any]) -> dict[str, Any]:
    return {"heat_template_version": VERSION, "resources": resources}


def _rg_names(count: int, removed: list[str]) -> list[str]:
    names: list[str] = []
    i = 0
    while len(names) < count:
        if str(i) not in removed:
            names.append(str(i))
        i += 1
    return names


def _rg_template(p: dict[str, Any], names: list[str]) -> dict[str, Any]:
    d = p.get("resource_def") or {}
    var = p.get("index_var") or "%index%"
    return _template({n: _replace(_definition(d), var, n) for n in names})


def _asg_template(p: dict[str, Any], names: list[str]) -> dict[str, Any]:
    d = _definition(p.get("resource") or {})
    return _template({n: d for n in names})


def _new_name(taken: list[str]) -> str:
    while True:
        name = "".join(secrets.choice(ALPHABET) for _ in range(12))
        if name not in taken and not name.isdigit():
            return name


# -- checks ------------------------------------------------------------------------------

def _definition_check(name: str, key: str, d: Any) -> None:
    if d is None:
        return
    if not isinstance(d, dict) or not isinstance(d.get("type"), str):
        raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}: "
                              "Property type not assigned")
    unknown = sorted(set(d) - {"type", "properties", "metadata"})
    if unknown:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}: "
                              f"Unknown Property {unknown[0]}")
    for sub in ("properties", "metadata"):
        if d.get(sub) is not None and not isinstance(d[sub], dict):
            raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}."
                                  f"{sub}: Value must be a map")


def _at_least(name: str, key: str, value: Any, minimum: int) -> None:
    if isinstance(value, (int, float)) and value < minimum:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.{key}: "
                              f"{value} is out of range (min: {minimum}, max: None)")


def _at_most(size: Any) -> None:
    """A group's nested stack is a stack: Heat's max_resources_per_stack holds for it."""
    if isinstance(size, (int, float)) and size > MAX_RESOURCES:
        raise InvalidTemplate("Maximum resources per stack exceeded.")


def _rg_validate(name: str, p: dict[str, Any]) -> None:
    _at_least(name, "count", p.get("count"), 0)
    _at_most(p.get("count"))
    _definition_check(name, "resource_def", p.get("resource_def"))
    var = p.get("index_var")
    if isinstance(var, str) and len(var) < 3:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.index_var: "
                              f"length ({len(var)}) is out of range (min: 3, max: None)")
    if p.get("removal_policies_mode") not in (None, "append", "update"):
        raise InvalidTemplate(f"Property error: resources.{name}.properties."
                              "removal_policies_mode: \"" + str(p["removal_policies_mode"])
                              + "\" is not an allowed value [append, update]")
    for policy in p.get("removal_policies") or []:
        if not isinstance(policy, dict) or not isinstance(
                policy.get("resource_list", []), list) or set(policy) - {"resource_list"}:
            raise InvalidTemplate(f"Property error: resources.{name}.properties."
                                  "removal_policies: each policy is a map of "
                                  "resource_list, a list")


def _asg_validate(name: str, p: dict[str, Any]) -> None:
    _definition_check(name, "resource", p.get("resource"))
    rolling.policy(f"resources.{name}.properties.rolling_updates", p.get("rolling_updates"),
                   rolling.ROLLING_SCHEMA)
    low, high, want = p.get("min_size"), p.get("max_size"), p.get("desired_capacity")
    for key in ("min_size", "max_size"):
        _at_least(name, key, p.get(key), 0)
    _at_most(high)
    if isinstance(low, int) and isinstance(high, int):
        if high < low:
            raise InvalidTemplate("MinSize can not be greater than MaxSize")
        if isinstance(want, int) and not low <= want <= high:
            raise InvalidTemplate("DesiredCapacity must be between MinSize and MaxSize")


# -- making, changing, reading -----------------------------------------------------------

def _nested() -> Any:
    # the nested stacks' module imports the type registry, which imports this one
    from cheptel.orchestration.service import nested
    return nested


def rolling_service() -> Any:
    from cheptel.orchestration.service import rolling as driver
    return driver


def _removed(p: dict[str, Any], before: list[str], cloud: Cloud | None,
             r: Record | None) -> list[str]:
    """The names removal_policies remove (by name, or by a member's reference)."""
    refs: dict[str, str] = {}
    if cloud is not None and r is not None and r.physical_id:
        resolver, names = members(cloud, r)
        refs = {str(resolver.ref(n)): n for n in names}
    listed = [str(x) for policy in p.get("removal_policies") or []
              for x in policy.get("resource_list") or []]
    out = [] if p.get("removal_policies_mode") == "update" else list(before)
    for x in listed:
        name = refs.get(x, x)
        if name not in out:
            out.append(name)
    return out


def _rg_props(given: dict[str, Any]) -> dict[str, Any]:
    p = {k: v for k, v in given.items() if v is not None}
    p.setdefault("count", 1)
    return p


def _current(cloud: Cloud, r: Record) -> dict[str, Any]:
    """The members' definitions the nested stack holds now (none before it is made)."""
    child = _nested().child_of(cloud, r) if r.physical_id else None
    return dict(((child.template or {}).get("resources") or {}) if child else {})


def _rg_batch(cloud: Cloud, r: Record) -> Callable[[int, int], dict[str, Any]]:
    """A ResourceGroup's batch template (Heat's _assemble_for_rolling_update): the
    members not to be kept first, then the highest indices; new names the lowest free."""
    def template(size: int, new: int) -> dict[str, Any]:
        p = _rg_props(r.properties)
        removed = list(r.data.get("removed") or [])
        names = _rg_names(size, removed)
        current = _current(cloud, r)
        target = p["count"]

        def priority(item: tuple[str, Any]) -> int:
            if item[0] not in names:
                return 0
            index = names.index(item[0])
            return target - index if index < target else size

        old = sorted([(n, d) for n, d in current.items() if n not in removed], key=priority)
        var = p.get("index_var") or "%index%"
        d = _definition(p.get("resource_def") or {})
        fresh = iter([n for n in names if n not in current])
        return _template(dict(rolling.definitions(
            old, lambda n: _replace(d, var, n), size, new, fresh)))
    return template


def _rg_final(cloud: Cloud, r: Record) -> Callable[[], bool]:
    def final() -> bool:
        p = _rg_props(r.properties)
        tpl = _rg_template(p, _rg_names(p["count"], list(r.data.get("removed") or [])))
        child = _nested().child_of(cloud, r)
        if child is not None and child.template == tpl:
            return False
        _nested().update_child(cloud, r, tpl, {})
        return True
    return final


def _rg_create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    removed = _removed(p, [], None, None)
    r.data = {"removed": removed}
    assert r.stack is not None
    batch = rolling.rg_policy(r.resource, r.policy).get(rolling.BATCH_CREATE)
    if batch is not None and p["count"]:
        r.properties = p
        rolling_service().begin(
            cloud, r, RG, "CREATE", rolling.rg_batches(p["count"], 0,
                                                       batch[rolling.MAX_BATCH_SIZE], 0),
            batch[rolling.PAUSE_TIME], _rg_batch(cloud, r), _rg_final(cloud, r))
        return
    _nested().make_child(cloud, r.stack, r, _rg_template(p, _rg_names(p["count"],
                                                                        removed)), {})


def _rg_update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
    rolling_service().forget(r)
    p = _rg_props({**r.properties, **changed})
    removed = _removed(p, list(r.data.get("removed") or []), cloud, r)
    r.data = {**r.data, "removed": removed}
    policy = rolling.rg_policy(r.resource, r.policy).get(rolling.ROLLING_UPDATE)
    if "resource_def" in changed and policy is not None:
        r.properties = p
        current = [n for n in _current(cloud, r) if n not in removed]
        rolling_service().begin(
            cloud, r, RG, "UPDATE", rolling.rg_batches(
                p["count"], len(current), policy[rolling.MAX_BATCH_SIZE],
                policy[rolling.MIN_IN_SERVICE]),
            policy[rolling.PAUSE_TIME], _rg_batch(cloud, r), _rg_final(cloud, r))
        return
    _nested().update_child(cloud, r, _rg_template(p, _rg_names(p["count"], removed)), {})


def _asg_create(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    size = p.get("desired_capacity")
    size = p["min_size"] if size is None else size
    names: list[str] = []
    for _ in range(size):
        names.append(_new_name(names))
    r.data = {"members": names}
    assert r.stack is not None
    _nested().make_child(cloud, r.stack, r, _asg_template(p, names), {})


def resize(cloud: Cloud, r: Record, p: dict[str, Any], size: int) -> None:
    """The group at `size` members: the oldest dropped first (after those whose last
    action failed), new ones named at random."""
    names = list(r.data.get("members") or [])
    if len(names) > size:
        failed = set(failing(cloud, r))
        order = [n for n in names if n in failed] + [n for n in names if n not in failed]
        dropped = set(order[:len(names) - size])
        names = [n for n in names if n not in dropped]
    while len(names) < size:
        names.append(_new_name(names))
    r.data = {**r.data, "members": names}
    _nested().update_child(cloud, r, _asg_template(p, names), {})


def failing(cloud: Cloud, r: Record) -> list[str]:
    from cheptel.orchestration.service import stacks

    child = _nested().child_of(cloud, r)
    if child is None:
        return []
    return [row.name for row in stacks.resources_of(_nested().in_process(cloud).db, child)
            if row.status == "FAILED"]


def _asg_batch(cloud: Cloud, r: Record) -> Callable[[int, int], dict[str, Any]]:
    """An AutoScalingGroup's batch template (Heat's _create_template): its failed members
    first, then those of the old definition (oldest first), then the new ones."""
    def template(size: int, new: int) -> dict[str, Any]:
        d = _definition(r.properties.get("resource") or {})
        current = _current(cloud, r)
        names = list(r.data.get("members") or [])
        failed = set(failing(cloud, r))
        order = ([n for n in names if n in failed]
                 + [n for n in names if n not in failed and current.get(n) != d]
                 + [n for n in names if n not in failed and current.get(n) == d])

        def fresh() -> Any:
            taken = list(names)
            while True:
                taken.append(_new_name(taken))
                yield taken[-1]

        defs = rolling.definitions([(n, current.get(n, d)) for n in order],
                                   lambda n: d, size, new, fresh())
        r.data = {**r.data, "members": [n for n, _ in defs]}
        return _template(dict(defs))
    return template


def _asg_final(cloud: Cloud, r: Record) -> Callable[[], bool]:
    def final() -> bool:  # Heat resizes after the batches
        size = r.data.get("resize_to")
        r.data = {k: v for k, v in r.data.items() if k != "resize_to"}
        resize(cloud, r, r.properties, len(r.data.get("members") or [])
               if size is None else size)
        return True
    return final


def _asg_update(cloud: Cloud, changed: dict[str, Any], r: Record) -> None:
    rolling_service().forget(r)
    p = {k: v for k, v in {**r.properties, **changed}.items() if v is not None}
    current = len(r.data.get("members") or [])
    # a changed desired_capacity is the new size; otherwise the size the policies made,
    # within the (maybe changed) bounds
    want = changed.get("desired_capacity")
    size = want if want is not None else min(max(current, p["min_size"]), p["max_size"])
    # without rolling_updates, Heat's default policy: one member at a time, none kept
    policy = rolling.policy(f"resources.{r.resource}.properties.rolling_updates",
                            p.get("rolling_updates") or {}, rolling.ROLLING_SCHEMA)
    if "resource" in changed and policy is not None and current:
        r.properties, r.data = p, {**r.data, "resize_to": size}
        rolling_service().begin(
            cloud, r, ASG, "UPDATE", rolling.asg_batches(
                current, policy[rolling.MAX_BATCH_SIZE], policy[rolling.MIN_IN_SERVICE]),
            policy[rolling.PAUSE_TIME], _asg_batch(cloud, r), _asg_final(cloud, r))
        return
    resize(cloud, r, p, size)


def members(cloud: Cloud, r: Record) -> tuple[Any, list[str]]:
    """A resolver over the group's nested stack and its members' names, in order."""
    from cheptel.orchestration.service import stacks
    from cheptel.orchestration.service.resolver import Resolver

    nested = _nested()
    child = nested.child_of(cloud, r)
    if child is None:
        raise NotFound(f"The nested stack {r.physical_id} of {r.resource} is gone.")
    rows = {row.name: row for row in stacks.resources_of(nested.in_process(cloud).db,
                                                         child)}
    resolver = Resolver(cloud, child, rows, nested.kinds_of(child))
    names = list((child.template or {}).get("resources") or {})
    if "members" not in r.data:
        names = sorted(names, key=lambda n: (len(n), n))
    return resolver, names


def _read(kind: str) -> Any:
    def read(cloud: Cloud, r: Record, attribute: str, path: list[Any]) -> Any:
        if attribute == "removed_rsrc_list" and kind == RG:
            return walk(list(r.data.get("removed") or []), path)
        if attribute == "show":
            return walk(_nested().show_child(cloud, r), path)
        resolver, names = members(cloud, r)
        if attribute == "refs":
            return walk([resolver.ref(n) for n in names], path)
        if attribute == "refs_map":
            return walk({n: resolver.ref(n) for n in names}, path)
        if attribute == "current_size" and kind == ASG:
            return len(names)
        if attribute.startswith("resource."):
            parts = attribute.split(".", 2)
            if parts[1] not in names:
                raise NotFound(f"Member '{parts[1]}' not found in group resource "
                               f"'{r.resource}'.")
            if len(parts) == 2 and not path:
                return resolver.ref(parts[1])
            sub = parts[2:] + path
            return resolver.attr(parts[1], str(sub[0]), sub[1:])
        mapped = {RG: "attributes", ASG: "outputs"}[kind]
        if attribute == mapped or (attribute == "outputs_list" and kind == ASG):
            if not path:
                raise InvalidTemplate(f"The Referenced Attribute ({r.resource} "
                                      f"{attribute}) is incorrect.")
            values = {n: resolver.attr(n, str(path[0]), path[1:]) for n in names}
            return values if attribute == mapped else list(values.values())
        if kind == ASG:
            raise InvalidTemplate(f"The Referenced Attribute ({r.resource} {attribute}) "
                                  "is incorrect.")
        return [resolver.attr(n, attribute, path) for n in names]
    return read


def _group(name: str, description: str, props: dict[str, Prop], attrs: dict[str, str],
           create: Any, update: Any, validate: Any, members_of: Any, batch: Any,
           final: Any, check_policy: Any = None) -> ResourceType:
    nested = _nested
    return ResourceType(
        name=name, description=description, properties=props, attributes=attrs,
        create=create, update=update, validate=validate, members=members_of, nested=True,
        delete=lambda cloud, r: nested().delete_child(cloud, r),
        gone=lambda cloud, r: nested().child_gone(cloud, r),
        ready=lambda cloud, r: rolling_service().ready(cloud, r, name, batch(cloud, r),
                                                       final(cloud, r)),
        check_policy=check_policy,
        show=lambda cloud, r: nested().show_child(cloud, r), read=_read(name),
        actions={a: _cascaded(a) for a in ("CHECK", "SUSPEND", "RESUME")})


def _cascaded(action: str) -> tuple[Any, Any]:
    """The nested stack takes the parent's CHECK, SUSPEND, RESUME (nested.cascade)."""
    return (lambda cloud, r: _nested().cascade()[action][0](cloud, r),
            lambda cloud, r: _nested().cascade()[action][1](cloud, r))


RESOURCE_GROUP = _group(
    RG, "Creates one or more identically configured nested resources.",
    {"count": Prop("integer", "The number of resources to create.", default=1,
                   update_allowed=True),
     "index_var": Prop("string", "A variable that this resource will use to replace with "
                       "the current index of a given resource in the group.",
                       default="%index%"),
     "resource_def": Prop("map", "Resource definition for the resources in the group: "
                          "type, properties, metadata.", required=True,
                          update_allowed=True),
     "removal_policies": Prop("list", "Policies for removal of resources on update: "
                              "[{resource_list: [names or references]}].",
                              update_allowed=True),
     "removal_policies_mode": Prop("string", "How to handle changes to removal_policies "
                                   "on update: append or update.", default="append",
                                   update_allowed=True)},
    {"refs": "A list of resource IDs for the resources in the group.",
     "refs_map": "A map of resource names to IDs for the resources in the group.",
     "attributes": "A map of resource names to the specified attribute of each "
     "individual resource.", "removed_rsrc_list": "A list of removed resource names."},
    _rg_create, _rg_update, _rg_validate,
    lambda p: _rg_template(p, _rg_names(min(p.get("count") or 0, 1), [])),
    _rg_batch, _rg_final, rolling.rg_policy)

AUTOSCALING_GROUP = _group(
    ASG, "An autoscaling group that can scale arbitrary resources.",
    {"resource": Prop("map", "Resource definition for the resources in the group, in HOT "
                      "format.", required=True, update_allowed=True),
     "max_size": Prop("integer", "Maximum number of resources in the group.",
                      required=True, update_allowed=True),
     "min_size": Prop("integer", "Minimum number of resources in the group.",
                      required=True, update_allowed=True),
     "cooldown": Prop("integer", "Cooldown period, in seconds.", update_allowed=True),
     "desired_capacity": Prop("integer", "Desired initial number of resources.",
                              update_allowed=True),
     "rolling_updates": Prop("map", "Policy for rolling updates for this scaling group: "
                             "min_in_service, max_batch_size, pause_time.",
                             update_allowed=True)},
    {"outputs": "A map of resource names to the specified attribute of each individual "
     "resource that is part of the AutoScalingGroup.", "outputs_list": "A list of the "
     "specified attribute of each individual resource that is part of the "
     "AutoScalingGroup.", "current_size": "The current size of AutoscalingResourceGroup.",
     "refs": "A list of resource IDs for the resources in the group.",
     "refs_map": "A map of resource names to IDs for the resources in the group."},
    _asg_create, _asg_update, _asg_validate,
    lambda p: _asg_template(p, ["member"]), _asg_batch, _asg_final)

TYPES = [RESOURCE_GROUP, AUTOSCALING_GROUP]
