"""iptables, applied atomically: a cloud owns the chains named with its prefix, nothing else.

Several clouds may share a host (tests do), so every chain is named `CH<cloud>-...`
(iptables allows 28 characters). A Ruleset is the whole desired state of one cloud's
chains (per table: chain -> rules), with entry chains "FWD", "DNAT" and "SNAT". apply()
writes it in one `iptables-restore --noflush` per call, so every chain it names is
replaced in one transaction; chains of an older ruleset that are no longer named are
emptied in that same transaction and removed afterwards. The jumps from the built-in
chains (FORWARD via DOCKER-USER when Docker is there, PREROUTING, OUTPUT, POSTROUTING)
are added once and kept first.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field
from typing import Protocol

# built-in (table, chain) -> our entry chain's suffix; the jump is inserted at the top
HOOKS = {
    ("filter", "FORWARD"): "FWD",
    ("filter", "OUTPUT"): "OUT",
    ("nat", "PREROUTING"): "DNAT",
    ("nat", "OUTPUT"): "DNAT",
    ("nat", "POSTROUTING"): "SNAT",
}


def prefix_for(cloud_id: str) -> str:
    return f"CH{cloud_id[:6]}-"


class FirewallError(Exception):
    pass


@dataclass
class Ruleset:
    """table -> chain -> rule lines (without "-A CHAIN"); chain names are full names."""

    prefix: str
    tables: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def name(self, suffix: str) -> str:
        full = self.prefix + suffix
        if len(full) > 28:
            raise ValueError(f"chain name too long: {full}")
        return full

    def chain(self, table: str, suffix: str) -> list[str]:
        return self.tables.setdefault(table, {}).setdefault(self.name(suffix), [])

    def add(self, table: str, suffix: str, rule: str) -> None:
        self.chain(table, suffix).append(rule)

    def count(self) -> int:
        return sum(len(rules) for chains in self.tables.values() for rules in chains.values())


class Firewall(Protocol):
    def apply(self, ruleset: Ruleset) -> None: ...
    def clear(self, prefix: str) -> None: ...
    def owned_rules(self, prefix: str) -> int: ...


def _run(*args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise FirewallError(f"{' '.join(args[:3])}: {proc.stderr.strip()[:500]}")
    return proc.stdout


class IptablesFirewall:
    """The real thing: iptables-restore on the host's tables (IPv4)."""

    def __init__(self, binary: str = "iptables") -> None:
        self.binary = binary
        self._lock = threading.Lock()

    def _chains(self, table: str, prefix: str) -> set[str]:
        out = _run(f"{self.binary}-save", "-t", table)
        return {line[1:].split()[0] for line in out.splitlines()
                if line.startswith(":" + prefix)}

    def _hook(self, table: str, chain: str, target: str) -> None:
        builtin = chain
        if table == "filter" and chain == "FORWARD" and "DOCKER-USER" in self._all(table):
            builtin = "DOCKER-USER"  # Docker evaluates it first; our rules come before its
        check = [self.binary, "-t", table, "-C", builtin, "-j", target]
        if subprocess.run(check, capture_output=True).returncode != 0:
            _run(self.binary, "-t", table, "-I", builtin, "1", "-j", target)

    def _all(self, table: str) -> set[str]:
        out = _run(f"{self.binary}-save", "-t", table)
        return {line[1:].split()[0] for line in out.splitlines() if line.startswith(":")}

    def apply(self, ruleset: Ruleset) -> None:
        with self._lock:
            for (table, _), suffix in HOOKS.items():
                ruleset.chain(table, suffix)  # entry chains always exist
            stale: dict[str, set[str]] = {}
            lines: list[str] = []
            for table in ("filter", "nat"):
                wanted = ruleset.tables.get(table, {})
                old = self._chains(table, ruleset.prefix) - set(wanted)
                stale[table] = old
                lines.append(f"*{table}")
                lines += [f":{name} - [0:0]" for name in sorted(set(wanted) | old)]
                for name, rules in wanted.items():
                    lines += [f"-A {name} {rule}" for rule in rules]
                lines.append("COMMIT")
            _run(f"{self.binary}-restore", "--noflush", stdin="\n".join(lines) + "\n")
            for (table, chain), suffix in HOOKS.items():
                self._hook(table, chain, ruleset.name(suffix))
            for table, names in stale.items():
                for name in names:
                    subprocess.run([self.binary, "-t", table, "-X", name], capture_output=True)

    def clear(self, prefix: str) -> None:
        """Remove every chain of this prefix and the jumps to them."""
        with self._lock:
            for (table, chain), suffix in HOOKS.items():
                target = prefix + suffix
                builtin = "DOCKER-USER" if (table, chain) == ("filter", "FORWARD") and (
                    "DOCKER-USER" in self._all(table)) else chain
                while subprocess.run([self.binary, "-t", table, "-D", builtin, "-j", target],
                                     capture_output=True).returncode == 0:
                    pass
            for table in ("filter", "nat"):
                for name in self._chains(table, prefix):
                    subprocess.run([self.binary, "-t", table, "-F", name], capture_output=True)
                for name in self._chains(table, prefix):
                    subprocess.run([self.binary, "-t", table, "-X", name], capture_output=True)

    def owned_rules(self, prefix: str) -> int:
        """Rules in this prefix's chains, and the jumps to them."""
        count = 0
        for table in ("filter", "nat"):
            out = _run(f"{self.binary}-save", "-t", table)
            count += sum(1 for line in out.splitlines()
                         if line.startswith("-A " + prefix) or f"-j {prefix}" in line)
        return count


class FakeFirewall:
    """In-memory twin: keeps the last ruleset applied."""

    def __init__(self) -> None:
        self.rulesets: dict[str, Ruleset] = {}
        self.applied = 0

    def apply(self, ruleset: Ruleset) -> None:
        self.rulesets[ruleset.prefix] = ruleset
        self.applied += 1

    def clear(self, prefix: str) -> None:
        self.rulesets.pop(prefix, None)

    def owned_rules(self, prefix: str) -> int:
        ruleset = self.rulesets.get(prefix)
        return ruleset.count() if ruleset else 0
