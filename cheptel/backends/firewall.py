"""iptables, applied atomically: a cloud owns the chains named with its prefix, nothing else.

Several clouds may share a host (tests do), so every chain is named `CH<cloud>-...`
(iptables allows 28 characters). A Ruleset is the whole desired state of one cloud's
chains, in two halves: IPv4's (per table: chain -> rules), with entry chains "FWD",
"OUT", "DNAT", "SNAT" and "ZONE", and IPv6's (`tables6`), with "FWD" and "ZONE" (the host
neither NATs IPv6 nor holds an IPv6 address on a cloud's bridge).
apply() writes each half in one `iptables-restore --noflush` (`ip6tables-restore` for
IPv6), one transaction per table: every chain it names is replaced, the jumps from the
built-in chains are put in place, and chains of an older ruleset that are no longer named
are emptied, all in that same commit (the emptied chains are removed afterwards). No
packet ever sees a chain half filled or a port unhooked.

Address sets: a security group named as a remote group is matched by one ipset of its
members' addresses per IP version (`hash:ip family inet`, `inet6`; `-m set --match-set`),
not by a rule per member, so a group of N ports costs N set entries, not N x N rules. A
set is named by a hash of its group and members: a set a committed rule refers to never
changes (new members make a new set, which the same iptables-restore commit switches
to), so no rule ever sees members of a later state.
Each apply first (re)fills every wanted set through a temporary set swapped in (a set
emptied behind cheptel's back is whole again), and destroys the sets no longer wanted
after the commit.

The jumps: PREROUTING (nat and raw), OUTPUT (nat and filter) and POSTROUTING jump to the
entry chains first. Forwarded traffic is filtered from DOCKER-USER, which Docker evaluates
before its own rules; Docker however deletes and re-inserts its FORWARD jump to DOCKER-USER (and to
its isolation chain) whenever any network is made on the host, which leaves a moment
when FORWARD does not reach DOCKER-USER. So FWD is also jumped to from FORWARD itself,
above every rule Docker adds there (each apply moves the jump back above any that got in
front of it, in one transaction): through either path, the cloud's rules decide.

A prefix holds only 6 hex digits of the cloud id (the 28 characters), so two clouds could
draw the same one. A cloud therefore claims its prefix on the host when it starts
(claim(): a file under /run/cheptel/chains naming its full id, made exclusively; /run
goes with a reboot, as the rules do): a second cloud drawing a taken prefix refuses to
start rather than share, and replace, the first one's chains; `cheptel teardown` removes
chains only under its own claim, and releases it last.

Network cuts (`cheptel chaos`'s netcut): cut_off() drops every packet some matches
select (a server's bridge ports, its fixed addresses on their bridges: two networks may
use the same addresses, its floating IPs) through a chain `<prefix>CUT<key>` in the raw
table (before conntrack), jumped to first from PREROUTING and OUTPUT; reconnect()
removes it. apply() leaves the cut chains alone (a cut outlives the reconciler's
passes); clear() sweeps them with the rest of the prefix (teardown).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# built-in (table, chain) -> our entry chain's suffix; the jump is inserted at the top
HOOKS = {
    ("filter", "FORWARD"): "FWD",
    ("filter", "OUTPUT"): "OUT",
    ("nat", "PREROUTING"): "DNAT",
    ("nat", "OUTPUT"): "DNAT",
    ("nat", "POSTROUTING"): "SNAT",
    ("raw", "PREROUTING"): "ZONE",
}
# the same for ip6tables: forwarded (bridged) traffic and conntrack zones only
HOOKS6 = {
    ("filter", "FORWARD"): "FWD",
    ("raw", "PREROUTING"): "ZONE",
}


log = logging.getLogger("cheptel.firewall")
CLAIMS = Path("/run/cheptel/chains")  # prefix -> the id of the cloud that holds it

# every table a cloud's chains may be in (clear() looks in each)
TABLES = ("filter", "nat", "mangle", "raw")


def prefix_for(cloud_id: str) -> str:
    return f"CH{cloud_id[:6]}-"


def cut_chain(prefix: str, key: str = "") -> str:
    """The raw-table chain of a network cut (`key`: up to 12 characters, the victim's);
    without a key, the start every cut chain of the prefix shares."""
    if len(key) > 12:
        raise ValueError(f"cut key too long: {key}")
    return f"{prefix}CUT{key}"


class FirewallError(Exception):
    pass


@dataclass
class Ruleset:
    """table -> chain -> rule lines (without "-A CHAIN"), IPv4's in `tables` and IPv6's
    in `tables6`; chain names are full names; sets: ipset name -> its addresses (hash:ip,
    all of one IP version)."""

    prefix: str
    tables: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    sets: dict[str, list[str]] = field(default_factory=dict)
    tables6: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def name(self, suffix: str) -> str:
        full = self.prefix + suffix
        if len(full) > 28:
            raise ValueError(f"chain name too long: {full}")
        return full

    def half(self, family: int) -> dict[str, dict[str, list[str]]]:
        """The tables of one IP version (4 or 6)."""
        return self.tables6 if family == 6 else self.tables

    def chain(self, table: str, suffix: str, family: int = 4) -> list[str]:
        return self.half(family).setdefault(table, {}).setdefault(self.name(suffix), [])

    def address_set(self, key: str, addresses: list[str]) -> str:
        """The name of the set of these addresses, all of one IP version (named by `key`
        and the addresses: a different membership is a different set)."""
        members = sorted(set(addresses))
        if len({":" in ip for ip in members}) > 1:
            raise ValueError(f"a set of IPv4 and IPv6 addresses: {key}")
        digest = hashlib.sha256("\n".join([key, *members]).encode()).hexdigest()[:16]
        name = f"{self.prefix}G{digest}"
        self.sets[name] = members
        return name

    def add(self, table: str, suffix: str, rule: str, family: int = 4) -> None:
        self.chain(table, suffix, family).append(rule)

    def count(self) -> int:
        return sum(len(rules) for half in (self.tables, self.tables6)
                   for chains in half.values() for rules in chains.values())


class Firewall(Protocol):
    def apply(self, ruleset: Ruleset) -> None: ...
    def clear(self, prefix: str) -> None: ...
    def owned_rules(self, prefix: str) -> int: ...
    # the prefix to this cloud on this host; FirewallError if another cloud holds it
    def claim(self, prefix: str, cloud: str) -> None: ...
    # the cloud holding the prefix on this host, if any
    def owner(self, prefix: str) -> str | None: ...
    # give the prefix up (a claim of another cloud is left alone)
    def release(self, prefix: str, cloud: str) -> None: ...
    # drop every packet from or to `addresses` under the prefix until reconnect(prefix, key)
    # drop what each match (an iptables match, e.g. "-d 172.24.4.9/32") selects
    def cut_off(self, prefix: str, key: str, matches: list[str]) -> None: ...
    # end the cut of `key` (every cut of the prefix when key is ""); none: nothing to do
    def reconnect(self, prefix: str, key: str = "") -> None: ...


def taken(prefix: str, owner: str) -> FirewallError:
    return FirewallError(f"the iptables chains {prefix}* of this host belong to cloud "
                         f"{owner}: `cheptel teardown` that cloud first")


class Claims:
    """Claims as files, one per prefix, holding the cloud id (made with O_EXCL)."""

    def __init__(self, root: Path = CLAIMS) -> None:
        self.root = root

    def _path(self, prefix: str) -> Path:
        return self.root / prefix.rstrip("-")

    def claim(self, prefix: str, cloud: str) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self._path(prefix), "x") as fh:
                fh.write(cloud)
            return
        except FileExistsError:
            owner = self.owner(prefix)
        except PermissionError as exc:  # not root: iptables refuses this process anyway
            log.warning("the iptables prefix %s is not claimed: %s", prefix, exc)
            return
        if owner is not None and owner != cloud:
            raise taken(prefix, owner)
        if owner is None:  # an empty file: a claim cut short by a crash, never used
            self._path(prefix).write_text(cloud)

    def owner(self, prefix: str) -> str | None:
        try:
            return self._path(prefix).read_text().strip() or None
        except FileNotFoundError:
            return None

    def release(self, prefix: str, cloud: str) -> None:
        if self.owner(prefix) == cloud:
            self._path(prefix).unlink(missing_ok=True)


def _set_lines(sets: dict[str, list[str]], prefix: str) -> list[str]:
    """`ipset restore` lines that make each set hold exactly its members: filled under a
    temporary name, then swapped in (atomic for whoever matches the set meanwhile)."""
    lines: list[str] = []
    for name, members in sorted(sets.items()):
        tmp = prefix + "T" + name[len(prefix) + 1:]
        family = "inet6" if any(":" in ip for ip in members) else "inet"
        lines += [f"create {tmp} hash:ip family {family}", f"flush {tmp}"]
        lines += [f"add {tmp} {ip}" for ip in members]
        lines += [f"create {name} hash:ip family {family}", f"swap {tmp} {name}",
                  f"destroy {tmp}"]
    return lines


def _run(*args: str, stdin: str | None = None) -> str:
    try:
        proc = subprocess.run(list(args), input=stdin, capture_output=True, text=True,
                              timeout=30)
    except FileNotFoundError:  # ipset not installed (scripts/setup.sh installs it)
        raise FirewallError(f"{args[0]}: not found") from None
    if proc.returncode != 0:
        raise FirewallError(f"{' '.join(args[:3])}: {proc.stderr.strip()[:500]}")
    return proc.stdout


def _saved(binary: str, table: str) -> str:
    """A table's iptables-save dump; empty when the host has no such binary (no rule can
    be there). A failing save raises: "no rule" must never be a guess."""
    try:
        return _run(f"{binary}-save", "-t", table)
    except FileNotFoundError:
        return ""


def _chains(saved: str, prefix: str = "") -> set[str]:
    """The chains of an iptables-save table dump (those of a prefix)."""
    return {line[1:].split()[0] for line in saved.splitlines()
            if line.startswith(":" + prefix)}


def _targets(prefix: str, rule: str) -> bool:
    """Whether a rule (as iptables-save writes it) jumps or goes to a chain of the prefix."""
    words = rule.split()
    return any(flag in ("-j", "-g") and target.startswith(prefix)
               for flag, target in zip(words, words[1:], strict=False))


def sweep_lines(saved: str, prefix: str) -> list[str]:
    """The iptables-restore lines (one table, without "*table" and COMMIT) that delete
    every rule jumping to a chain of the prefix from a chain that is not, then flush and
    delete those chains; nothing when the table holds none of either."""
    owned = sorted(_chains(saved, prefix))
    hooks = [line[len("-A "):] for line in saved.splitlines() if line.startswith("-A ")
             and not line[len("-A "):].startswith(prefix) and _targets(prefix, line)]
    if not owned and not hooks:
        return []
    return ([f"-D {rule}" for rule in hooks] + [f":{name} - [0:0]" for name in owned]
            + [f"-X {name}" for name in owned])


def _rules(saved: str, chain: str) -> list[str]:
    """A chain's rules in order, as iptables-save writes them (without "-A CHAIN ")."""
    head = f"-A {chain} "
    return [line[len(head):] for line in saved.splitlines() if line.startswith(head)]


# what may stand above the backstop jump in FORWARD: Docker's jumps to its user and
# isolation chains (they only return or drop) and other clouds' entry chains
HARMLESS = ("-j DOCKER-USER", "-j DOCKER-ISOLATION-STAGE-1")


def _hook_lines(table: str, saved: str, ruleset: Ruleset,
                hooks: dict[tuple[str, str], str] = HOOKS) -> list[str]:
    """iptables-restore lines that put the jumps to the entry chains in place."""
    lines: list[str] = []
    for (hook_table, builtin), suffix in hooks.items():
        if hook_table != table:
            continue
        jump = f"-j {ruleset.name(suffix)}"
        if (table, builtin) != ("filter", "FORWARD"):
            if jump not in _rules(saved, builtin):
                lines.append(f"-I {builtin} 1 {jump}")
            continue
        if "DOCKER-USER" in _chains(saved) and jump not in _rules(saved, "DOCKER-USER"):
            lines.append(f"-I DOCKER-USER 1 {jump}")
        rules = _rules(saved, "FORWARD")
        if jump in rules:
            above = rules[:rules.index(jump)]
            if all(r in HARMLESS or (r.startswith("-j CH") and r.endswith("-FWD"))
                   for r in above):
                continue
            lines.append(f"-D FORWARD {jump}")  # and back on top, in the same commit
        lines.append(f"-I FORWARD 1 {jump}")
    return lines


class IptablesFirewall:
    """The real thing: iptables-restore and ip6tables-restore on the host's tables."""

    def __init__(self, binary: str = "iptables", ipset: str = "ipset",
                 claims: Path = CLAIMS) -> None:
        self.binary = binary
        self.ipset = ipset
        self._lock = threading.Lock()
        self.claims = Claims(claims)
        # prefix -> the sets this process left in place (listed from the host the first
        # time: a previous process may have left some): no listing at every apply
        self._sets: dict[str, set[str]] = {}

    def claim(self, prefix: str, cloud: str) -> None:
        self.claims.claim(prefix, cloud)

    def owner(self, prefix: str) -> str | None:
        return self.claims.owner(prefix)

    def release(self, prefix: str, cloud: str) -> None:
        self.claims.release(prefix, cloud)

    def _set_names(self, prefix: str) -> set[str]:
        """This prefix's ipsets (none when the ipset tool is not installed)."""
        try:
            out = subprocess.run([self.ipset, "list", "-n"], capture_output=True, text=True,
                                 timeout=30).stdout
        except FileNotFoundError:
            return set()
        return {name for name in out.split() if name.startswith(prefix)}

    def _destroy_sets(self, names: set[str]) -> set[str]:
        """Destroy these sets (one process); those that could not be destroyed remain."""
        if not names:
            return set()
        batch = "".join(f"destroy {name}\n" for name in sorted(names))
        if subprocess.run([self.ipset, "restore"], input=batch, capture_output=True,
                          text=True).returncode == 0:
            return set()
        # one still referenced, or gone already: each on its own, what stays is kept
        return {name for name in names if subprocess.run(
            [self.ipset, "destroy", name], capture_output=True).returncode != 0
            and name in self._set_names(name)}

    def _save(self, table: str, binary: str | None = None) -> str:
        return _run(f"{binary or self.binary}-save", "-t", table)

    @staticmethod
    def _save_tables(binary: str, tables: tuple[str, ...]) -> dict[str, str]:
        """These tables' dumps from one `<binary>-save` of them all (a table the host has
        not made yet dumps as nothing: none of its chains or jumps is there)."""
        dumps: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in _run(f"{binary}-save").splitlines():
            if line.startswith("*"):
                current = dumps.setdefault(line[1:].strip(), [])
            if current is not None:
                current.append(line)
            if line == "COMMIT":
                current = None
        return {table: "\n".join(dumps.get(table, [])) for table in tables}

    @property
    def binary6(self) -> str:
        return self.binary.replace("iptables", "ip6tables")

    def apply(self, ruleset: Ruleset) -> None:
        """Both halves, IPv4's then IPv6's (a commit each); a host without ip6tables
        fails the apply (FirewallError), it does not leave IPv6 unfiltered."""
        with self._lock:
            for family, hooks in ((4, HOOKS), (6, HOOKS6)):
                for (table, _), suffix in hooks.items():
                    ruleset.chain(table, suffix, family)  # entry chains always exist
            prefix = ruleset.prefix
            if prefix not in self._sets:
                self._sets[prefix] = self._set_names(prefix)
            if ruleset.sets:  # before any rule that names them
                self._sets[prefix] |= set(ruleset.sets)  # made, even if what follows fails
                _run(self.ipset, "-exist", "restore",
                     stdin="\n".join(_set_lines(ruleset.sets, prefix)) + "\n")
            self._restore(self.binary, ("filter", "nat", "raw"), HOOKS, ruleset, 4)
            self._restore(self.binary6, ("filter", "raw"), HOOKS6, ruleset, 6)
            left = self._destroy_sets(self._sets[prefix] - set(ruleset.sets))
            self._sets[prefix] = set(ruleset.sets) | left

    def _restore(self, binary: str, tables: tuple[str, ...],
                 hooks: dict[tuple[str, str], str], ruleset: Ruleset, family: int) -> None:
        """One half of the ruleset in one `<binary>-restore --noflush`; the chains it
        emptied are removed after the commit."""
        stale: dict[str, set[str]] = {}
        lines: list[str] = []
        dumps = self._save_tables(binary, tables)
        for table in tables:
            saved = dumps[table]
            wanted = ruleset.half(family).get(table, {})
            # a chaos cut (raw table) is not the ruleset's: it outlives the passes
            old = {name for name in _chains(saved, ruleset.prefix) - set(wanted)
                   if not name.startswith(cut_chain(ruleset.prefix))}
            stale[table] = old
            lines.append(f"*{table}")
            lines += [f":{name} - [0:0]" for name in sorted(set(wanted) | old)]
            for name, rules in wanted.items():
                lines += [f"-A {name} {rule}" for rule in rules]
            lines += _hook_lines(table, saved, ruleset, hooks)
            lines.append("COMMIT")
        _run(f"{binary}-restore", "--noflush", stdin="\n".join(lines) + "\n")
        for table, names in stale.items():
            for name in names:
                subprocess.run([binary, "-t", table, "-X", name], capture_output=True)

    def clear(self, prefix: str) -> None:
        """Remove every chain of this prefix and every rule that jumps to one, wherever it
        is (any chain of any table, in IPv4 and, when the host has it, IPv6), one
        iptables-restore per table: a partial earlier removal, a jump moved by hand or a
        chain left without its jumps are all found by the prefix alone."""
        with self._lock:
            for binary in self._binaries():
                for table in TABLES:
                    self._sweep(binary, table, prefix)
            self._destroy_sets(self._set_names(prefix))
            self._sets.pop(prefix, None)

    def _binaries(self) -> list[str]:
        six = self.binary6
        return [self.binary] + ([six] if six != self.binary and shutil.which(f"{six}-save")
                                else [])

    def _sweep(self, binary: str, table: str, prefix: str) -> None:
        for _attempt in range(5):  # Docker may change a chain between save and restore
            lines = sweep_lines(_saved(binary, table), prefix)
            if not lines:
                return
            try:
                _run(f"{binary}-restore", "--noflush",
                     stdin="\n".join([f"*{table}", *lines, "COMMIT"]) + "\n")
                return
            except FirewallError:
                continue
        raise FirewallError(f"{binary} {table}: the chains of {prefix} could not be removed")

    def cut_off(self, prefix: str, key: str, matches: list[str]) -> None:
        chain = cut_chain(prefix, key)
        if not key or not matches:
            raise ValueError("a cut needs a key and matches")
        lines = ["*raw", f":{chain} - [0:0]"]  # made, or emptied if it was there
        lines += [f"-A {chain} {match} -j DROP" for match in sorted(set(matches))]
        with self._lock:
            saved = self._save("raw")
            lines += [f"-I {builtin} 1 -j {chain}" for builtin in ("PREROUTING", "OUTPUT")
                      if f"-j {chain}" not in _rules(saved, builtin)]
            _run(f"{self.binary}-restore", "--noflush", stdin="\n".join([*lines, "COMMIT"]) + "\n")

    def reconnect(self, prefix: str, key: str = "") -> None:
        with self._lock:
            self._sweep(self.binary, "raw", cut_chain(prefix, key))

    def owned_rules(self, prefix: str) -> int:
        """Rules in this prefix's chains, and the jumps to them (every table, IPv4 and
        IPv6)."""
        count = 0
        for binary in self._binaries():
            for table in TABLES:
                count += sum(1 for line in _saved(binary, table).splitlines()
                             if line.startswith("-A " + prefix)
                             or (line.startswith("-A ") and _targets(prefix, line)))
        return count + len(self._set_names(prefix))
