"""The real iptables firewall in a network namespace of its own (`unshare -n`: the host's
tables are never touched): the cloud's forward chain stays reachable while Docker
juggles its own FORWARD jumps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, subprocess
    from cheptel.backends.firewall import IptablesFirewall, Ruleset

    def ipt(*args):
        subprocess.run(["iptables", *args], check=True, capture_output=True)

    def forward():
        out = subprocess.run(["iptables", "-S", "FORWARD"], check=True, capture_output=True,
                             text=True).stdout
        return [line[len("-A FORWARD "):] for line in out.splitlines()
                if line.startswith("-A FORWARD ")]

    # what dockerd leaves: its user chain and isolation chain jumped to, a bridge's rules
    ipt("-N", "DOCKER-USER"); ipt("-A", "DOCKER-USER", "-j", "RETURN")
    ipt("-N", "DOCKER-ISOLATION-STAGE-1"); ipt("-A", "DOCKER-ISOLATION-STAGE-1", "-j", "RETURN")
    ipt("-A", "FORWARD", "-j", "DOCKER-USER")
    ipt("-A", "FORWARD", "-j", "DOCKER-ISOLATION-STAGE-1")
    ipt("-A", "FORWARD", "-i", "cbold", "-o", "cbold", "-j", "ACCEPT")
    fw = IptablesFirewall()
    rs = Ruleset("CHtest00-")
    rs.add("filter", "FWD", "-o cbold -j DROP")
    out = {}
    fw.apply(rs)
    out["first"] = forward()
    # Docker makes a network: its rules inserted on top, its jumps deleted and re-inserted
    ipt("-I", "FORWARD", "-i", "cbnew", "-o", "cbnew", "-j", "ACCEPT")
    ipt("-D", "FORWARD", "-j", "DOCKER-USER")
    out["docker_user_gone"] = forward()
    ipt("-I", "FORWARD", "-j", "DOCKER-USER")
    fw.apply(rs)
    out["again"] = forward()
    fw.apply(rs)
    out["stable"] = forward()
    out["owned"] = fw.owned_rules("CHtest00-")
    fw.clear("CHtest00-")
    out["cleared"] = fw.owned_rules("CHtest00-")
    print(json.dumps(out))
""")


def _in_namespace(script: str = SCRIPT) -> dict:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("iptables"):
        pytest.skip("needs root, unshare and iptables")
    proc = subprocess.run(["unshare", "-n", sys.executable, "-c", script],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "unshare failed" in proc.stderr:
        pytest.skip(f"no network namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_forward_reaches_the_cloud_chain_even_while_docker_rehooks_docker_user() -> None:
    out = _in_namespace()
    jump = "-j CHtest00-FWD"
    # from FORWARD itself, above every rule of Docker's
    assert out["first"][0] == jump
    # Docker deletes its DOCKER-USER jump for a moment: FORWARD still reaches the chain
    # before any ACCEPT of Docker's
    gone = out["docker_user_gone"]
    assert jump in gone and gone.index(jump) < gone.index("-i cbold -o cbold -j ACCEPT")
    # a rule Docker put above it: the next apply moves the jump back on top (one commit)
    again = out["again"]
    assert again.count(jump) == 1
    assert again.index(jump) < again.index("-i cbnew -o cbnew -j ACCEPT")
    # only Docker's user and isolation jumps may stand above it: no churn
    assert out["stable"] == again
    # the rule, its chains' entry points (FWD, OUT, DNAT, SNAT, ZONE) jumped to from
    # DOCKER-USER, FORWARD, OUTPUT, nat PREROUTING, OUTPUT, POSTROUTING, raw PREROUTING;
    # in ip6tables FWD and ZONE from FORWARD and raw PREROUTING; nothing left after clear
    assert out["owned"] == 1 + 7 + 2 and out["cleared"] == 0


SETS = textwrap.dedent("""
    import json, subprocess
    from cheptel.backends.firewall import IptablesFirewall, Ruleset

    def sets():
        names = subprocess.run(["ipset", "list", "-n"], check=True, capture_output=True,
                               text=True).stdout.split()
        return {n: sorted(subprocess.run(["ipset", "list", n], check=True,
                                         capture_output=True, text=True).stdout
                          .split("Members:")[1].split()) for n in names}

    def ruleset(members):
        rs = Ruleset("CHtest00-")
        name = rs.address_set("sg", members)
        rs.add("filter", "FWD", f"-m set --match-set {name} src -j ACCEPT")
        return rs, name

    fw = IptablesFirewall()
    out = {}
    rs, out["name1"] = ruleset(["10.0.0.5", "10.0.0.6"])
    fw.apply(rs)
    out["sets1"] = sets()
    subprocess.run(["ipset", "flush", out["name1"]], check=True)  # behind cheptel's back
    fw.apply(rs)
    out["refilled"] = sets()
    rs, out["name2"] = ruleset(["10.0.0.5"])
    fw.apply(rs)
    out["sets2"] = sets()
    out["rule2"] = subprocess.run(["iptables", "-S", "CHtest00-FWD"], check=True,
                                  capture_output=True, text=True).stdout
    out["owned"] = fw.owned_rules("CHtest00-")
    fw.clear("CHtest00-")
    out["cleared"] = sets()
    print(json.dumps(out))
""")


def test_remote_group_sets_are_made_before_use_refilled_and_destroyed_after() -> None:
    if not shutil.which("ipset"):
        pytest.skip("needs ipset (scripts/setup.sh installs it)")
    out = _in_namespace(SETS)
    one, two = out["name1"], out["name2"]
    assert one != two  # another membership: another set, never the one a rule names
    assert out["sets1"] == {one: ["10.0.0.5", "10.0.0.6"]}
    assert out["refilled"] == out["sets1"]  # an emptied set is whole again
    # the rule switched to the new set in the commit; the old set destroyed after it
    assert out["sets2"] == {two: ["10.0.0.5"]} and f"--match-set {two} src" in out["rule2"]
    # the rule, the jumps (no DOCKER-USER here; ip6tables' two), the set
    assert out["owned"] == 1 + 6 + 2 + 1
    assert out["cleared"] == {}


EVERY_HOOK = textwrap.dedent("""
    import json, subprocess
    from cheptel.backends.firewall import HOOKS, HOOKS6, IptablesFirewall, Ruleset

    fw = IptablesFirewall()
    rs = Ruleset("CHtest01-")
    rs.add("filter", "FWD", "-o cbx -j DROP")
    out = {}
    for attempt in ("first", "second"):
        fw.apply(rs)
        jumps = {}
        for binary, hooks in (("iptables", HOOKS), ("ip6tables", HOOKS6)):
            for (table, builtin), suffix in hooks.items():
                rules = subprocess.run([binary, "-t", table, "-S", builtin], check=True,
                                       capture_output=True, text=True).stdout.splitlines()
                jumps[f"{binary} {table} {builtin}"] = sum(
                    rule.endswith(f"-j CHtest01-{suffix}") for rule in rules)
        out[attempt] = jumps
    fw.clear("CHtest01-")
    print(json.dumps(out))
""")


def test_every_hook_is_jumped_to_once_from_a_host_with_no_table_yet() -> None:
    """The first apply makes the tables it hooks into (nat, raw...); later applies, which
    read every table from one dump, see those jumps and add none."""
    out = _in_namespace(EVERY_HOOK)
    assert set(out["first"].values()) == {1}, out["first"]
    assert out["second"] == out["first"]
