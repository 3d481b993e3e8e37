"""The firewall's in-memory twin (cheptel.backends.firewall.Firewall): the last ruleset
applied per prefix, the claims and the chaos cuts, for the in-process tests."""

from __future__ import annotations

from cheptel.backends.firewall import Ruleset, cut_chain, taken


class FakeFirewall:
    """In-memory twin: keeps the last ruleset applied."""

    def __init__(self) -> None:
        self.rulesets: dict[str, Ruleset] = {}
        self.applied = 0
        self.claims: dict[str, str] = {}  # prefix -> cloud (a host's claims, in memory)
        self.cuts: dict[str, list[str]] = {}  # cut chain -> the addresses it drops

    def claim(self, prefix: str, cloud: str) -> None:
        owner = self.claims.setdefault(prefix, cloud)
        if owner != cloud:
            raise taken(prefix, owner)

    def owner(self, prefix: str) -> str | None:
        return self.claims.get(prefix)

    def release(self, prefix: str, cloud: str) -> None:
        if self.claims.get(prefix) == cloud:
            del self.claims[prefix]

    def apply(self, ruleset: Ruleset) -> None:
        self.rulesets[ruleset.prefix] = ruleset
        self.applied += 1

    def cut_off(self, prefix: str, key: str, matches: list[str]) -> None:
        if not key or not matches:
            raise ValueError("a cut needs a key and matches")
        self.cuts[cut_chain(prefix, key)] = sorted(set(matches))

    def reconnect(self, prefix: str, key: str = "") -> None:
        for chain in [c for c in self.cuts if c.startswith(cut_chain(prefix, key))]:
            del self.cuts[chain]

    def cut(self, address: str) -> bool:
        """Whether a cut drops this address's packets now (for tests)."""
        return any(f"{address}/32" in match for matches in self.cuts.values()
                   for match in matches)

    def clear(self, prefix: str) -> None:
        self.rulesets.pop(prefix, None)
        self.reconnect(prefix)

    def owned_rules(self, prefix: str) -> int:
        ruleset = self.rulesets.get(prefix)
        cuts = sum(2 * len(a) for c, a in self.cuts.items() if c.startswith(prefix))
        return cuts + (ruleset.count() + len(ruleset.sets) if ruleset else 0)
