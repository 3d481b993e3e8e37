"""docs/support-matrix.md: every API operation of every service and how well it works.

Generated from two sources, never written by hand:
- the route tables (cheptel.services.SERVICES; Nova's server actions from their dispatch
  table), which say what cheptel answers and what it answers 501 for;
- Tempest's results (docs/tempest-results.json, written by scripts/tempest.py from the
  run's log): which operations Tempest called, with which status codes, and which failing
  tests they were the last call of.

    .venv/bin/python scripts/support_matrix.py           # rewrite docs/support-matrix.md
    .venv/bin/python scripts/support_matrix.py --check   # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from starlette.routing import compile_path  # noqa: E402

from cheptel.compute.api import server_actions  # noqa: E402
from cheptel.services import SERVICES  # noqa: E402

RESULTS = ROOT / "docs" / "tempest-results.json"
MATRIX = ROOT / "docs" / "support-matrix.md"
ACTION_PATH = "/v2.1/servers/{server_id}/action"

_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (\d+) (\w+) "
                     r"tempest\.lib\.common\.rest_client \[[^\]]*\] (.*)$")
_REQUEST = re.compile(r"^Request \((\w+):(\w+)\): (\d{3}) (\w+) (\S+)")
_VERSION = re.compile(r"^v\d+(\.\d+)?$")


@dataclass(frozen=True)
class Op:
    """One row of the matrix: a route, or one server action of Nova's action route."""

    service: str
    method: str
    path: str
    action: str = ""
    stub: bool = False  # the handler answers 501 for every request

    @property
    def key(self) -> str:
        return f"{self.service} {self.method} {self.path}" + (f"#{self.action}"
                                                              if self.action else "")


def operations() -> list[Op]:
    ops: list[Op] = []
    for s in SERVICES:
        for r in s.routes:
            stub = r.handler.__name__ == "not_implemented"
            if s.prefix == "/compute" and r.path == ACTION_PATH:
                ops += [Op(s.prefix, "POST", ACTION_PATH, name)
                        for name in sorted(server_actions.ACTIONS)]
                ops += [Op(s.prefix, "POST", ACTION_PATH, name, stub=True)
                        for name in sorted(server_actions.NOT_IMPLEMENTED)]
            else:
                ops.append(Op(s.prefix, r.method, r.path, stub=stub))
    return ops


class Router:
    """Which operation a request Tempest logged went to (the first route that matches)."""

    def __init__(self, ops: Iterable[Op]) -> None:
        self.routes: list[tuple[Op, re.Pattern]] = []
        for op in ops:
            if not op.action:
                self.routes.append((op, compile_path(op.path)[0]))
            elif not any(o.path == op.path for o, _ in self.routes):
                self.routes.append((Op(op.service, op.method, op.path), compile_path(op.path)[0]))

    def match(self, method: str, url: str, body: str | None) -> tuple[str, str] | None:
        """(service prefix, operation key or unrouted template) or None if not ours."""
        path = re.sub(r"^https?://[^/]+", "", url).split("?", 1)[0]
        service = next((s.prefix for s in SERVICES
                        if path == s.prefix or path.startswith(s.prefix + "/")), None)
        if service is None:
            return None
        rest = path[len(service):] or "/"
        methods = (method, "GET") if method == "HEAD" else (method,)  # Starlette: GET serves HEAD
        candidates = [(op, pattern) for m in methods for op, pattern in self.routes
                      if op.service == service and op.method == m]
        for op, pattern in candidates:
            if pattern.match(rest):
                if op.path == ACTION_PATH:
                    name = _action_name(body)
                    return service, f"{op.key}#{name}" if name else op.key
                return service, op.key
        template = "/".join("{id}" if _looks_like_id(p) else p for p in rest.split("/"))
        return service, f"{service} {method} {template}"


def _looks_like_id(segment: str) -> bool:
    return not _VERSION.match(segment) and (any(c.isdigit() for c in segment)
                                             or len(segment) > 24)


def _action_name(body: str | None) -> str:
    try:
        value = json.loads(body or "")
    except ValueError:
        return ""
    return next(iter(value)) if isinstance(value, dict) and len(value) == 1 else ""


def requests(log_lines: Iterable[str]) -> Iterable[tuple[str, str, int, str, str, str | None]]:
    """(class, test, status, method, url, request body) for every request in tempest.log."""
    pending: dict[str, tuple] = {}  # pid -> the INFO line waiting for its DEBUG body
    body_for: str | None = None
    for line in log_lines:
        m = _RECORD.match(line)
        if m:
            pid, level, text = m.groups()
            body_for = None
            req = _REQUEST.match(text)
            if level == "INFO" and req:
                if pid in pending:
                    yield (*pending.pop(pid), None)
                cls, test, status, method, url = req.groups()
                pending[pid] = (cls, test, int(status), method, url)
            elif level == "DEBUG" and text.startswith("Request - Headers") and pid in pending:
                body_for = pid
            continue
        if body_for and line.lstrip().startswith("Body: "):
            yield (*pending.pop(body_for), line.split("Body: ", 1)[1].strip())
            body_for = None
    for item in pending.values():
        yield (*item, None)


def observe(log_lines: Iterable[str], outcomes: dict[str, str]) -> dict:
    """Aggregate the log per operation. outcomes: 'Class:test' -> passed|failed|skipped."""
    router = Router(operations())
    codes: dict[str, Counter] = defaultdict(Counter)
    tests: dict[str, set] = defaultdict(set)
    last: dict[str, str] = {}
    for cls, test, status, method, url, body in requests(log_lines):
        found = router.match(method, url, body)
        if found is None:
            continue
        key = found[1]
        codes[key][str(status)] += 1
        tests[key].add(f"{cls}:{test}")
        last[f"{cls}:{test}"] = key
    blamed: dict[str, list[str]] = defaultdict(list)
    for test, key in sorted(last.items()):
        if outcomes.get(test) == "failed":
            blamed[key].append(test)
    return {key: {"codes": dict(sorted(codes[key].items())), "tests": len(tests[key]),
                  "failing": blamed.get(key, [])} for key in sorted(codes)}


def status(op: Op, seen: dict | None) -> tuple[str, str]:
    if op.stub:
        return "not implemented", "501 for every request"
    if not seen:
        return "untested by Tempest", ""
    codes = seen["codes"]
    detail = f"tests: {seen['tests']}; " + ", ".join(f"{c}×{n}" for c, n in codes.items())
    errors = [c for c in codes if c.startswith("5")]
    if seen["failing"]:
        first = seen["failing"][0]
        return "partial", (f"{detail}; last call of {len(seen['failing'])} failing "
                           f"test(s), e.g. `{first}`")
    if errors:
        return "partial", f"{detail}; answered {'/'.join(errors)}"
    return "works", detail


def render(results: dict) -> str:
    routes: dict = results["routes"]
    ops = operations()
    known = {op.key for op in ops}
    out = ["# Support matrix\n",
           "Generated by `scripts/support_matrix.py` from the route tables and the Tempest run "
           f"of {results['date']} (tempest {results['tempest']}, {results['selection']} "
           f"selection: {results['passed']} passed, {results['failed']} failed, "
           f"{results['skipped']} skipped; details in docs/tempest-summary.md). Do not edit.\n",
           "- **works**: Tempest called it and no failing test ended on it.",
           "- **partial**: some failing test's last call was this operation, or it answered "
           "5xx: see the Tempest column and the summary's failure list.",
           "- **not implemented**: answers 501 in the service's fault format.",
           "- **untested by Tempest**: implemented and covered by cheptel's own tests; the "
           "selected Tempest tests do not call it.",
           "- Paths Tempest called that no route serves (404) are listed after each service.\n"]
    for service in SERVICES:
        rows = [op for op in ops if op.service == service.prefix]
        tally: Counter = Counter()
        lines = ["| operation | status | Tempest |", "|---|---|---|"]
        stubs: dict[str, list[str]] = defaultdict(list)
        for op in rows:
            state, detail = status(op, routes.get(op.key))
            if op.stub and not op.action:
                base = re.sub(r"/\{rest:path\}$", "/…", op.path)
                tally[state] += base not in stubs
                stubs[base].append(op.method)
                continue
            tally[state] += 1
            name = f"`{op.method} {op.path}`" + (f" `{op.action}`" if op.action else "")
            lines.append(f"| {name} | {state} | {detail} |")
        for base, methods in stubs.items():
            lines.append(f"| `{' '.join(dict.fromkeys(methods))} {base}` | not implemented "
                         f"| 501 for every request |")
        out += [f"## {service.title}\n",
                ", ".join(f"{state}: {n}" for state, n in sorted(tally.items())) + "\n",
                *lines, ""]
        unrouted = {k: v for k, v in routes.items()
                    if k.startswith(service.prefix + " ") and k not in known
                    and "#" not in k}
        if unrouted:
            out += ["Called by Tempest, not served (no route):\n"]
            out += [f"- `{k.split(' ', 1)[1]}`: tests: {v['tests']}; "
                    + ", ".join(f"{c}×{n}" for c, n in v["codes"].items())
                    for k, v in unrouted.items()]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/support-matrix.md is not what the tables give")
    args = parser.parse_args()
    text = render(json.loads(RESULTS.read_text()))
    if args.check:
        if MATRIX.read_text() != text:
            print("docs/support-matrix.md is out of date: run scripts/support_matrix.py")
            return 1
        return 0
    MATRIX.write_text(text)
    print(f"wrote {MATRIX}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
