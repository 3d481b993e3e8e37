"""A packet walked through a Ruleset's filter chains: what the kernel would decide.

Only the matches cheptel.reconciler.rules writes are understood (an unknown one fails the
test rather than being ignored). The verdict is ACCEPT, DROP, or None: the packet falls
through the cloud's chains to whatever comes after them (Docker's chains).
"""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass, field

from cheptel.backends.firewall import Ruleset


@dataclass(frozen=True)
class Packet:
    in_if: str  # the bridge it came in on (-i)
    out_if: str  # the bridge it leaves by (-o)
    physdev_in: str | None  # the bridge port (veth) it came from
    src: str
    dst: str
    mac: str
    proto: str = "tcp"
    dport: int | None = 8080
    icmp_type: int | None = None  # an ICMP or ICMPv6 packet's type
    physdev_out: str | None = None  # the bridge port it leaves by (a bridged packet)
    ctstate: frozenset[str] = field(default_factory=lambda: frozenset({"NEW"}))


def _in(addr: str, cidr: str) -> bool:
    return ipaddress.ip_address(addr) in ipaddress.ip_network(cidr, strict=False)


def _matches(tokens: list[str], pkt: Packet, sets: dict[str, list[str]]
             ) -> tuple[bool, str | None, str | None]:
    """Whether the rule's matches hold; its -j target and -g target. A set unknown to the
    ruleset fails the test (iptables-restore refuses a rule naming a missing set)."""
    ok, jump, goto, negate, i = True, None, None, False, 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "!":
            negate, i = True, i + 1
            continue
        if tok == "-m":
            i += 2
            continue
        if tok == "--physdev-is-bridged":  # a flag: every packet here is bridged
            negate, i = False, i + 1
            continue
        if tok == "--match-set":  # hash:ip: the packet's source or destination address
            name, direction = tokens[i + 1], tokens[i + 2]
            assert name in sets, f"the rule names a set the ruleset lacks: {name}"
            assert direction in ("src", "dst"), direction
            hit = (pkt.src if direction == "src" else pkt.dst) in sets[name]
            ok = ok and (hit != negate)
            negate, i = False, i + 3
            continue
        arg = tokens[i + 1]
        if tok == "-j":
            jump = arg
        elif tok == "-g":
            goto = arg
        else:
            if tok == "-i":
                hit = pkt.in_if == arg
            elif tok == "-o":
                hit = pkt.out_if == arg
            elif tok == "-s":
                hit = _in(pkt.src, arg)
            elif tok == "-d":
                hit = _in(pkt.dst, arg)
            elif tok == "-p":
                hit = pkt.proto == arg
            elif tok == "--dport":
                low, _, high = arg.partition(":")
                hit = pkt.dport is not None and int(low) <= pkt.dport <= int(high or low)
            elif tok in ("--icmp-type", "--icmpv6-type"):
                hit = pkt.icmp_type == int(arg.split("/")[0])
            elif tok == "--physdev-in":
                hit = pkt.physdev_in == arg
            elif tok == "--physdev-out":
                hit = pkt.physdev_out == arg
            elif tok == "--mac-source":
                hit = pkt.mac.lower() == arg.lower()
            elif tok == "--ctstate":
                hit = bool(pkt.ctstate & set(arg.split(",")))
            else:
                raise AssertionError(f"the simulator does not know {tok!r}")
            ok = ok and (hit != negate)
        negate, i = False, i + 2
    return ok, jump, goto


def verdict(rs: Ruleset, pkt: Packet, chain: str = "FWD", family: int = 4) -> str | None:
    """The filter table's verdict, in the ruleset's IPv4 or IPv6 half."""
    chains = rs.half(family)["filter"]

    def walk(name: str, depth: int = 0) -> str | None:
        assert depth < 16, "chain loop"
        for rule in chains[name]:
            ok, jump, goto = _matches(shlex.split(rule), pkt, rs.sets)
            if not ok:
                continue
            if goto is not None:
                return walk(goto, depth + 1)
            if jump in ("ACCEPT", "DROP"):
                return jump
            if jump == "RETURN":
                return None
            if jump is not None:
                result = walk(jump, depth + 1)
                if result is not None:
                    return result
        return None

    return walk(rs.name(chain))
