"""Removing a cloud's rules finds them by its chain prefix alone: every chain of the
prefix and every rule, in any chain of any table (IPv4 and IPv6), that jumps to one,
whatever an earlier partial run or a hand left; another cloud's rules stay."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from cheptel.backends.firewall import sweep_lines

SAVED = """\
*filter
:FORWARD ACCEPT [0:0]
:DOCKER-USER - [0:0]
:CHaaaaaa-FWD - [0:0]
:CHaaaaaa-Sx - [0:0]
:CHaaaaab-FWD - [0:0]
-A FORWARD -j CHaaaaaa-FWD
-A FORWARD -j CHaaaaab-FWD
-A FORWARD -i cbx -g CHaaaaaa-Sx
-A DOCKER-USER -j CHaaaaaa-FWD
-A DOCKER-USER -j RETURN
-A CHaaaaaa-FWD -i cbx -j CHaaaaaa-Sx
-A CHaaaaab-FWD -o cby -j DROP
COMMIT
"""


def test_the_sweep_names_every_jump_and_chain_of_the_prefix_only() -> None:
    assert sweep_lines(SAVED, "CHaaaaaa-") == [
        "-D FORWARD -j CHaaaaaa-FWD", "-D FORWARD -i cbx -g CHaaaaaa-Sx",
        "-D DOCKER-USER -j CHaaaaaa-FWD",
        ":CHaaaaaa-FWD - [0:0]", ":CHaaaaaa-Sx - [0:0]",
        "-X CHaaaaaa-FWD", "-X CHaaaaaa-Sx"]
    assert sweep_lines(SAVED, "CHcccccc-") == []  # nothing of it: nothing to restore


SCRIPT = textwrap.dedent("""
    import json, subprocess
    from cheptel.backends.firewall import IptablesFirewall, Ruleset

    def ipt(*args, binary="iptables"):
        subprocess.run([binary, *args], check=True, capture_output=True)

    def save(binary):
        return subprocess.run([binary + "-save"], check=True, capture_output=True,
                              text=True).stdout

    ipt("-N", "DOCKER-USER")
    ipt("-A", "FORWARD", "-j", "DOCKER-USER")
    fw = IptablesFirewall()
    for prefix in ("CHaaaaaa-", "CHaaaaab-"):
        rs = Ruleset(prefix)
        rs.add("filter", "Sx", "-j DROP")
        rs.add("filter", "FWD", "-i cbx -j " + prefix + "Sx")
        rs.add("nat", "SNAT", "-s 10.0.0.0/24 -j MASQUERADE")
        fw.apply(rs)
    # what a partial removal, a crash or a hand may leave: a second jump with a match, a
    # chain in another table, a chain no longer jumped to, a chain of ip6tables
    ipt("-A", "FORWARD", "-i", "cbx", "-j", "CHaaaaaa-FWD")
    ipt("-t", "mangle", "-N", "CHaaaaaa-M")
    ipt("-t", "mangle", "-A", "PREROUTING", "-j", "CHaaaaaa-M")
    ipt("-N", "CHaaaaaa-LOST")
    ipt("-A", "CHaaaaaa-LOST", "-j", "ACCEPT")
    ipt("-N", "CHaaaaaa-V6", binary="ip6tables")
    ipt("-A", "FORWARD", "-j", "CHaaaaaa-V6", binary="ip6tables")
    out = {"before": fw.owned_rules("CHaaaaaa-"), "other": fw.owned_rules("CHaaaaab-")}
    fw.clear("CHaaaaaa-")
    out["after"] = fw.owned_rules("CHaaaaaa-")
    out["other_after"] = fw.owned_rules("CHaaaaab-")
    out["left"] = [line for line in (save("iptables") + save("ip6tables")).splitlines()
                   if "CHaaaaaa-" in line]
    fw.clear("CHaaaaaa-")
    out["again"] = fw.owned_rules("CHaaaaaa-")
    print(json.dumps(out))
""")


def test_clear_removes_every_trace_of_the_prefix_in_a_private_namespace() -> None:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip6tables"):
        pytest.skip("needs root, unshare, iptables and ip6tables")
    proc = subprocess.run(["unshare", "-n", sys.executable, "-c", SCRIPT],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "unshare failed" in proc.stderr:
        pytest.skip(f"no network namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # its 3 rules, 8 jumps from Docker's and the built-in chains (7 hooks, raw PREROUTING's
    # included, and one more), ip6tables' 2 hooks (FORWARD, raw PREROUTING), the mangle,
    # lost and IPv6 chains' 3
    assert out["before"] == 3 + 8 + 2 + 3
    assert out["after"] == 0 and out["left"] == [] and out["again"] == 0
    assert out["other_after"] == out["other"] > 0
