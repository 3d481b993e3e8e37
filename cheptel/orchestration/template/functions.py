"""HOT's intrinsic functions, evaluated over a Scope (what the stack knows so far).

A function is a one-key map whose key the template's version offers; anything else is
data, walked. Arguments are evaluated before the function (but `if`, which evaluates
only the branch it picks). A wrong argument is an InvalidTemplate (Heat's 400), never a
crash: templates are hostile input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from cheptel.orchestration.errors import InvalidTemplate

Ref = Callable[[str], Any]
Attr = Callable[[str, str, list[Any]], Any]
DIGESTS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")


@dataclass
class Scope:
    """What functions read: the version's functions, the parameters, the other resources
    (a reference and attributes: None while not made), conditions and files."""

    functions: frozenset[str]
    params: dict[str, Any]
    resources: frozenset[str] = frozenset()
    ref: Ref = lambda name: None
    attr: Attr = lambda name, attribute, path: None
    conditions: dict[str, bool] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)
    condition_functions: frozenset[str] = frozenset()


def function_of(value: Any, names: frozenset[str]) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        if key in names:
            return str(key)
    return None


def _fail(fn: str, msg: str) -> InvalidTemplate:
    return InvalidTemplate(f"The template is not valid: {fn}: {msg}")


def _list(fn: str, value: Any, size: tuple[int, int] | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(fn, "Arguments must be a list")
    if size and not size[0] <= len(value) <= size[1]:
        raise _fail(fn, f"Incorrect arguments (expected {size[0]} to {size[1]} items)")
    return value


def _map(fn: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(fn, "Arguments must be a map")
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _path(fn: str, value: Any, path: list[Any]) -> Any:
    for key in path:
        if isinstance(value, dict):
            value = value.get(str(key)) if str(key) in value else value.get(key)
        elif isinstance(value, list):
            try:
                value = value[int(key)]
            except (ValueError, TypeError, IndexError):
                raise _fail(fn, f"Path component {key!r} is not a valid index") from None
        else:
            return None
    return value


def _get_param(s: Scope, a: Any) -> Any:
    args = a if isinstance(a, list) else [a]
    if not args or not isinstance(args[0], str):
        raise _fail("get_param", "Argument must be a parameter name")
    if args[0] not in s.params:
        raise InvalidTemplate(f"The Parameter ({args[0]}) was not provided.")
    return _path("get_param", s.params[args[0]], args[1:])


def _get_resource(s: Scope, a: Any) -> Any:
    if not isinstance(a, str) or a not in s.resources:
        raise InvalidTemplate(f"The specified reference \"{a}\" (in unknown) is incorrect.")
    return s.ref(a)


def _get_attr(s: Scope, a: Any) -> Any:
    args = _list("get_attr", a)
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        raise _fail("get_attr", "Arguments to \"get_attr\" must be of the form "
                    "[resource_name, attribute, (path), ...]")
    if args[0] not in s.resources:
        raise InvalidTemplate(f"The specified reference \"{args[0]}\" (in unknown) is "
                              "incorrect.")
    return s.attr(args[0], args[1], args[2:])


def _get_file(s: Scope, a: Any) -> Any:
    if not isinstance(a, str) or a not in s.files:
        raise InvalidTemplate(f"No content found in the \"files\" section for get_file "
                              f"path: {a}")
    return s.files[a]


def _list_join(s: Scope, a: Any) -> Any:
    args = _list("list_join", a, (2, 1000))
    if not isinstance(args[0], str):
        raise _fail("list_join", "The delimiter must be a string")
    items: list[Any] = []
    for lst in args[1:]:
        items.extend(_list("list_join", lst if lst is not None else []))
    return args[0].join(_text(i) for i in items)


def _str_replace(strict: int) -> Callable[[Scope, Any], Any]:
    name = ("str_replace", "str_replace_strict", "str_replace_vstrict")[strict]

    def run(s: Scope, a: Any) -> Any:
        args = _map(name, a)
        template, params = args.get("template"), args.get("params")
        if not isinstance(template, str) or not isinstance(params, dict):
            raise _fail(name, "\"str_replace\" parameters must be a mapping with "
                        "\"template\" (a string) and \"params\" (a map)")
        for key in params:
            if strict and key not in template:
                raise _fail(name, f"The following params were not found in the "
                            f"template: {key}")
            if strict == 2 and params[key] in ("", None):
                raise _fail(name, f"The following params were empty: {key}")
        # longest keys first, each place replaced once (no replacing inside a value)
        keys = sorted(params, key=len, reverse=True)
        out, i = [], 0
        while i < len(template):
            for k in keys:
                if k and template.startswith(k, i):
                    out.append(_text(params[k]))
                    i += len(k)
                    break
            else:
                out.append(template[i])
                i += 1
        return "".join(out)
    return run


def _digest(s: Scope, a: Any) -> Any:
    args = _list("digest", a, (2, 2))
    if args[1] is None:  # not made yet (a check before the stack exists)
        return None
    if args[0] not in DIGESTS or not isinstance(args[1], str):
        raise _fail("digest", f"Algorithm must be one of {', '.join(DIGESTS)} and the "
                    "value a string")
    return hashlib.new(args[0], args[1].encode()).hexdigest()


def _repeat(s: Scope, a: Any) -> Any:
    args = _map("repeat", a)
    for_each, template = args.get("for_each"), args.get("template")
    if not isinstance(for_each, dict) or not for_each or "template" not in args:
        raise _fail("repeat", "Arguments must be a map with \"for_each\" (a map of lists) "
                    "and \"template\"")
    lists = [(k, _list("repeat", v)) for k, v in for_each.items()]
    combos: list[dict[str, Any]] = [{}]
    if args.get("permutations", True):
        for k, values in lists:
            combos = [{**c, k: v} for c in combos for v in values]
    else:
        if len({len(v) for _, v in lists}) > 1:
            raise _fail("repeat", "Loops must have the same length without permutations")
        combos = [{k: v[i] for k, v in lists} for i in range(len(lists[0][1]))]
    return [_substitute(template, c) for c in combos]


def _substitute(value: Any, subs: dict[str, Any]) -> Any:
    if isinstance(value, str):
        for k, v in subs.items():
            if value == k:
                return v
            value = value.replace(k, _text(v))
        return value
    if isinstance(value, list):
        return [_substitute(v, subs) for v in value]
    if isinstance(value, dict):
        return {_substitute(k, subs): _substitute(v, subs) for k, v in value.items()}
    return value


def _str_split(s: Scope, a: Any) -> Any:
    args = _list("str_split", a, (2, 3))
    if args[1] is None:
        return None
    if not isinstance(args[0], str) or not isinstance(args[1], str) or not args[0]:
        raise _fail("str_split", "The delimiter and the string must be strings")
    parts = args[1].split(args[0])
    return parts if len(args) == 2 else _path("str_split", parts, [args[2]])


def _map_merge(s: Scope, a: Any) -> Any:
    out: dict[str, Any] = {}
    for m in _list("map_merge", a):
        out.update(_map("map_merge", m if m is not None else {}))
    return out


def _map_replace(s: Scope, a: Any) -> Any:
    args = _list("map_replace", a, (2, 2))
    source, how = _map("map_replace", args[0]), _map("map_replace", args[1])
    keys, values = how.get("keys") or {}, how.get("values") or {}
    out = {}
    for k, v in source.items():
        k2 = keys.get(k, k)
        if k2 in out:
            raise _fail("map_replace", f"Key clash on {k2}")
        out[k2] = values.get(v, v) if isinstance(v, (str, int, float)) else v
    return out


def _equals(s: Scope, a: Any) -> Any:
    args = _list("equals", a, (2, 2))
    return args[0] == args[1]


def _filter(s: Scope, a: Any) -> Any:
    args = _list("filter", a, (2, 2))
    drop = _list("filter", args[0] or [])
    return [v for v in _list("filter", args[1] or []) if v not in drop]


def _contains(s: Scope, a: Any) -> Any:
    args = _list("contains", a, (2, 2))
    if not isinstance(args[1], (list, str, dict)):
        raise _fail("contains", "The second argument must be a sequence")
    return args[0] in args[1]


def _list_concat(unique: bool) -> Callable[[Scope, Any], Any]:
    def run(s: Scope, a: Any) -> Any:
        out: list[Any] = []
        for lst in _list("list_concat", a):
            for v in _list("list_concat", lst or []):
                if not unique or v not in out:
                    out.append(v)
        return out
    return run


def _make_url(s: Scope, a: Any) -> Any:
    args = _map("make_url", a)
    url = f"{args['scheme']}://" if args.get("scheme") else ""
    if args.get("username"):
        url += quote(str(args["username"]), safe="")
        if args.get("password"):
            url += ":" + quote(str(args["password"]), safe="")
        url += "@"
    host = str(args.get("host") or "")
    url += f"[{host}]" if ":" in host else host
    if args.get("port") not in (None, ""):
        url += f":{args['port']}"
    path = str(args.get("path") or "")
    url += path if path.startswith("/") or not path else "/" + path
    if args.get("query"):
        url += "?" + urlencode(_map("make_url", args["query"]))
    if args.get("fragment"):
        url += "#" + quote(str(args["fragment"]))
    return url


def _not(s: Scope, a: Any) -> Any:
    return not _truth(s, a[0] if isinstance(a, list) and len(a) == 1 else a)


def _and(s: Scope, a: Any) -> Any:
    return all(_truth(s, c) for c in _list("and", a, (2, 1000)))


def _or(s: Scope, a: Any) -> Any:
    return any(_truth(s, c) for c in _list("or", a, (2, 1000)))


def _truth(s: Scope, value: Any) -> bool:
    """A condition: a name of `conditions`, a boolean, or an evaluated expression."""
    if isinstance(value, str) and value in s.conditions:
        return s.conditions[value]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidTemplate(f"Invalid condition \"{value}\"")


FUNCTIONS: dict[str, Callable[[Scope, Any], Any]] = {
    "get_param": _get_param, "get_resource": _get_resource, "get_attr": _get_attr,
    "get_file": _get_file, "list_join": _list_join, "str_replace": _str_replace(0),
    "str_replace_strict": _str_replace(1), "str_replace_vstrict": _str_replace(2),
    "digest": _digest, "repeat": _repeat, "str_split": _str_split, "map_merge": _map_merge,
    "map_replace": _map_replace, "equals": _equals, "filter": _filter,
    "contains": _contains, "list_concat": _list_concat(False),
    "list_concat_unique": _list_concat(True), "make_url": _make_url,
    "not": _not, "and": _and, "or": _or,
}


def evaluate(value: Any, s: Scope, depth: int = 0) -> Any:
    """The value with every function of the scope's version applied."""
    if depth > 64:
        raise InvalidTemplate("The template is nested too deeply.")
    fn = function_of(value, s.functions)
    if fn is not None:
        arg = value[fn]
        if fn == "if":
            args = _list("if", arg, (3, 3))
            chosen = args[1] if _truth(s, evaluate(args[0], s, depth + 1)) else args[2]
            return evaluate(chosen, s, depth + 1)
        if fn not in FUNCTIONS:
            raise InvalidTemplate(f"The template function \"{fn}\" is not supported by "
                                  "cheptel.")
        return FUNCTIONS[fn](s, evaluate(arg, s, depth + 1))
    if isinstance(value, dict):
        return {k: evaluate(v, s, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, s, depth + 1) for v in value]
    return value


def condition(value: Any, s: Scope) -> bool:
    """A `conditions` entry's value, evaluated with the condition functions."""
    cond = Scope(functions=s.condition_functions, params=s.params,
                 conditions=s.conditions, condition_functions=s.condition_functions)
    return _truth(cond, evaluate(value, cond))


def references(value: Any, names: frozenset[str]) -> set[str]:
    """The resources a value names through get_resource / get_attr (its dependencies)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        fn = function_of(v, names)
        if fn == "get_resource" and isinstance(v[fn], str):
            found.add(v[fn])
        elif fn == "get_attr" and isinstance(v[fn], list) and v[fn] \
                and isinstance(v[fn][0], str):
            found.add(v[fn][0])
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return found
