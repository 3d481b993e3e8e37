"""HOT versions and the functions each offers (heat/engine/hot/template.py's tables, read
from the api-ref's template guide; no code of Heat's)."""

from __future__ import annotations

import datetime

BASE = ("get_attr", "get_file", "get_param", "get_resource", "list_join",
        "resource_facade", "str_replace")
ADDED = [  # (version, functions it adds, condition functions it adds)
    ("2013-05-23", BASE, ()),
    ("2014-10-16", (), ()),
    ("2015-04-30", ("digest", "repeat"), ()),
    ("2015-10-15", ("str_split",), ()),
    ("2016-04-08", ("map_merge",), ()),
    ("2016-10-14", ("if", "map_replace", "yaql", "equals"), ("equals", "not", "and", "or",
                                                            "get_param")),
    ("2017-02-24", ("filter", "str_replace_strict"), ()),
    ("2017-09-01", ("contains", "list_concat", "list_concat_unique", "make_url",
                    "str_replace_vstrict"), ("contains",)),
    ("2018-03-02", (), ()),
    ("2018-08-31", (), ()),
    ("2021-04-16", (), ()),
]
ALIASES = {"newton": "2016-10-14", "ocata": "2017-02-24", "pike": "2017-09-01",
           "queens": "2018-03-02", "rocky": "2018-08-31", "wallaby": "2021-04-16"}
# what cheptel evaluates (yaql and resource_facade are not: a template naming them is a 400)
NOT_EVALUATED = {"yaql", "resource_facade"}

DESCRIPTIONS = {
    "get_attr": "A function for resolving resource attributes.",
    "get_file": "A function for including a file inline.",
    "get_param": "A function for resolving parameter references.",
    "get_resource": "A function for resolving resource references.",
    "list_join": "A function for joining strings.",
    "resource_facade": "A function for retrieving data in a parent provider template.",
    "str_replace": "A function for performing string substitutions.",
    "digest": "A function for performing digest operations.",
    "repeat": "A function for iterating over a list of items.",
    "str_split": "A function for splitting delimited strings into a list.",
    "map_merge": "A function for merging maps.",
    "map_replace": "A function for performing substitutions on maps.",
    "if": "A function to return corresponding value based on condition evaluation.",
    "yaql": "A function for executing a yaql expression.",
    "equals": "A function for comparing whether two values are equal.",
    "not": "A function that acts as a NOT operator on a condition.",
    "and": "A function that acts as an AND operator on conditions.",
    "or": "A function that acts as an OR operator on conditions.",
    "filter": "A function for filtering out values from lists.",
    "str_replace_strict": "A function for performing string substitutions, "
                          "raising an error if a param is not present in the template.",
    "str_replace_vstrict": "A function for performing string substitutions, "
                           "raising an error if a param is not present or empty.",
    "contains": "A function for checking whether the specific value is in the sequence.",
    "list_concat": "A function for extending lists.",
    "list_concat_unique": "A function for extending lists with unique items.",
    "make_url": "A function for performing URL construction.",
}


def canonical(version: object) -> str | None:
    """The date a `heat_template_version` value names (a YAML date, a date string or an
    alias), None if it names none."""
    if isinstance(version, datetime.date):
        version = version.isoformat()
    if not isinstance(version, str):
        return None
    version = ALIASES.get(version, version)
    return version if version in dict((v, 0) for v, _, _ in ADDED) else None


def functions(version: str) -> frozenset[str]:
    out: set[str] = set()
    for v, fns, _ in ADDED:
        out.update(fns)
        if v == version:
            break
    return frozenset(out)


def condition_functions(version: str) -> frozenset[str]:
    out: set[str] = set()
    for v, _, fns in ADDED:
        out.update(fns)
        if v == version:
            break
    return frozenset(out)


def listing() -> list[dict[str, object]]:
    """`GET /template_versions`: every HOT version, with its aliases."""
    by_date = {d: [a for a, v in ALIASES.items() if v == d] for d, _, _ in ADDED}
    return [{"version": f"heat_template_version.{d}", "type": "hot", "aliases":
             [f"heat_template_version.{a}" for a in aliases]}
            for d, aliases in by_date.items()]
