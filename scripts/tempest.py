"""Run Tempest against a fresh cheptel and summarise the results in docs/tempest-summary.md.

    .venv/bin/python scripts/tempest.py            # the selection (make tempest)
    .venv/bin/python scripts/tempest.py --fast     # the few-minute subset CI runs
    .venv/bin/python scripts/tempest.py --all      # every identity/compute/image/network test
    .venv/bin/python scripts/tempest.py --regex '^tempest\\.api\\.compute\\.servers'

The selection is what cheptel claims: identity v3 (with admin v3), compute servers,
flavors, keypairs, limits, quotas and versions (with their admin tests), image v2,
network, volume, object storage, and octavia-tempest-plugin's load-balancer API tests (a
service's TempestTests may name tests under a plugin's package). A run of the selection
with the default output also writes docs/tempest-results.json and regenerates
docs/support-matrix.md from it.
Tests a failing setUpClass kept from running count as failed (skipped if the class was
skipped): the totals are over every test the regex lists.

A cheptel is started on a free loopback port with a temp data dir (and its own address
block, as the integration tests do), a Tempest workspace is created next to it, the
results are parsed from the workspace's stestr repository, and everything the cloud put
on the Docker Engine and the host is removed at the end.
Exits 0 whatever Tempest's verdict (the summary is the product); non-zero only when the
cloud or Tempest itself could not be run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import subunit
import testtools

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cheptel.service import Service, TempestCloud, TempestSections  # noqa: E402
from cheptel.services import SERVICES  # noqa: E402
from tests.integration.cloud import free_port, reserve_block  # noqa: E402

BIN = ROOT / ".venv" / "bin"
ADMIN_PASSWORD = "tempest-admin-secret"
DEMO_PASSWORD = "tempest-demo-secret"  # heat-tempest-plugin's static user (demo)


def _selection(part: str) -> str:
    """One regex over every service's tests (cheptel.services.SERVICES: TempestTests),
    grouped by the package they are under (Tempest's tempest.api., a plugin's)."""
    under: dict[str, list[str]] = defaultdict(list)
    for s in SERVICES:
        if s.tempest:
            under[s.tempest.under].append(getattr(s.tempest, part))
    return "^(" + "|".join(f"{package}({'|'.join(parts)})"
                           for package, parts in under.items()) + ")"


# The part of the selection CI runs (tests/integration/test_tempest_fast.py): every area,
# real server boots included, in about two minutes on one worker.
FAST = _selection("fast")
SELECTED = _selection("selected")  # what cheptel claims: the default run
ALL = _selection("all")
SUMMARY = ROOT / "docs" / "tempest-summary.md"
# Why the failures we know of fail (test id regex -> reason), shown in the summary.
WHY = [
    (r"test_domain_configuration", "not implemented (501): domain configuration sets up "
     "identity backends (LDAP...); cheptel has only its SQL backend"),
    (r"test_image_task\.", "not implemented (501): Glance tasks (import from a URL)"),
    (r"test_images_dependency", "the test boots 1 KiB of random bytes uploaded as a raw "
     "image: cheptel boots root filesystem tars only and fails the build with a clear "
     "fault, where a libvirt VM would go ACTIVE and print 'no bootable device'"),
]


def start_cloud(work: Path, block: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"CHEPTEL_ADMIN_PASSWORD": ADMIN_PASSWORD, "CHEPTEL_BCRYPT_ROUNDS": "4",
                "CHEPTEL_DEMO_PASSWORD": DEMO_PASSWORD,
                "CHEPTEL_TOKEN_LIFETIME": "14400",
                "CHEPTEL_PUBLIC_CIDR": f"172.24.{block}.0/24"})
    log = open(work / "serve.log", "ab")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen([str(BIN / "cheptel"), "serve", "--listen", f"127.0.0.1:{port}",
                             "--data-dir", str(work / "data")],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"cheptel exited: {(work / 'serve.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/identity/v3", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("cheptel did not answer within 60 s")


def stop_cloud(proc: subprocess.Popen, data_dir: Path) -> None:
    """Stop it, then `cheptel teardown`: nothing of it stays on the host."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    done = subprocess.run([str(BIN / "cheptel"), "teardown", "--data-dir", str(data_dir)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"cheptel teardown failed: {done.stdout}{done.stderr}", file=sys.stderr)


def discover(base: str, block: int) -> TempestCloud:
    """What tempest.conf needs from the running cloud: ids and the Neutron extensions."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    r = httpx.post(f"{base}/identity/v3/auth/tokens", json=body, timeout=30)
    r.raise_for_status()
    with httpx.Client(base_url=base, timeout=30,
                      headers={"X-Auth-Token": r.headers["X-Subject-Token"]}) as c:
        images = c.get("/image/v2/images", params={"name": "busybox"}).json()["images"]
        alt = alt_image(c, images[0])
        public = c.get("/network/v2.0/networks", params={"name": "public"}).json()["networks"]
        exts = c.get("/network/v2.0/extensions").json()["extensions"]
    return TempestCloud(url=base, block=block, image=images[0]["id"], image_alt=alt,
                        public_network=public[0]["id"],
                        extensions=",".join(sorted(e["alias"] for e in exts)))


def alt_image(c: httpx.Client, image: dict) -> str:
    """A second bootable image (DevStack has two): the busybox data under another name."""
    data = c.get(f"/image/v2/images/{image['id']}/file").content
    alt = c.post("/image/v2/images", json={
        "name": "busybox-alt", "disk_format": image["disk_format"],
        "container_format": image["container_format"], "visibility": "public"}).json()
    c.put(f"/image/v2/images/{alt['id']}/file", content=data,
          headers={"Content-Type": "application/octet-stream"}).raise_for_status()
    return alt["id"]


# Tempest's services cheptel does not serve (yet: one of SERVICES by that name wins)
NOT_SERVED = ("cinder", "swift", "heat", "octavia", "horizon", "placement", "designate",
              "barbican")


def tempest_sections(cloud: TempestCloud, work: Path,
                     services: list[Service] = SERVICES) -> TempestSections:
    """tempest.conf: the credentials and logging here, service_available from the services'
    names (Tempest has no option for keystone: identity is always there), then every
    service's own sections (Service.tempest.conf), merged where several write one."""
    conf: TempestSections = {
        "DEFAULT": {"log_file": str(work / "tempest.log"), "debug": "True"},
        "auth": {"admin_username": "admin", "admin_password": ADMIN_PASSWORD,
                 "admin_project_name": "admin", "admin_domain_name": "Default",
                 "default_credentials_domain_name": "Default",
                 "use_dynamic_credentials": "True", "create_isolated_networks": "True"},
        "service_available": {
            **{name: "False" for name in NOT_SERVED},
            **{s.name: "True" for s in services if s.name != "keystone"}},
    }
    for service in services:
        for section, options in (service.tempest.conf(cloud) if service.tempest else {}
                                 ).items():
            conf.setdefault(section, {}).update(options)
    conf["validation"] = {"run_validation": "False"}  # no guest to ssh into
    if "heat_plugin" in conf:  # heat-tempest-plugin's static credentials
        conf["heat_plugin"].update({"username": "demo", "password": DEMO_PASSWORD,
                                    "project_name": "demo", "admin_username": "admin",
                                    "admin_password": ADMIN_PASSWORD,
                                    "admin_project_name": "admin"})
    return conf


def tempest_conf(cloud: TempestCloud, work: Path) -> str:
    return "".join(f"[{s}]\n" + "".join(f"{k} = {v}\n" for k, v in kv.items()) + "\n"
                   for s, kv in tempest_sections(cloud, work).items())


def area(test_id: str) -> str:
    m = re.search(r"^(?:tempest|(\w+)_tempest_plugin\.tests)\.api\.([\w.]+)", test_id)
    if not m:
        return "other"
    parts = [m.group(1)] if m.group(1) else []  # a plugin's: its name first (octavia.v2)
    for p in m.group(2).split("."):
        if p.startswith("test_") or p[:1].isupper():
            break
        parts.append(p)
    return ".".join(parts) or "other"


def reason(details: dict) -> str:
    """The first line of why a test failed (the exception line) or was skipped."""
    for key in ("traceback", "reason"):
        if key in details:
            text = details[key].as_text()
            lines = text.splitlines()
            if key == "traceback":  # the line after the last frame is the exception
                frames = [i for i, ln in enumerate(lines) if ln.startswith("  File ")]
                start = frames[-1] + 2 if frames else 0
                lines = [ln for ln in lines[start:] if ln.strip() and not ln.startswith(" ")]
            lines = [ln.strip() for ln in lines if ln.strip()]
            first = lines[0] if lines else ""
            if len(lines) > 1 and lines[1].startswith("Details:"):  # tempest's HTTP body
                first += " " + lines[1]
            return re.sub(r"(<br />|\\n)+", " ", first)[:300]
    return ""


def results(work: Path) -> list[dict]:
    raw = subprocess.run([str(BIN / "stestr"), "last", "--subunit"], cwd=work,
                         capture_output=True, check=True).stdout
    tests: list[dict] = []
    case = subunit.ByteStreamToStreamResult(io.BytesIO(raw), non_subunit_name="stdout")
    result = testtools.StreamToDict(tests.append)
    result.startTestRun()
    case.run(result)
    result.stopTestRun()
    return [t for t in tests if t["status"] in ("success", "fail", "skip", "uxsuccess",
                                                 "xfail")]


def listed(work: Path, regex: str) -> list[str]:
    out = subprocess.run([str(BIN / "stestr"), "list", regex], cwd=work,
                         capture_output=True, text=True, check=True).stdout
    return [ln.strip() for ln in out.splitlines() if re.search(regex, ln.strip())]


_FIXTURE = re.compile(r"^(setUpClass|tearDownClass) \((\S+)\)$")


def outcomes(ids: list[str], tests: list[dict]) -> dict[str, tuple[str, str]]:
    """Every listed test -> (passed|failed|skipped, reason). A test that never ran takes
    its class's setUpClass verdict; a failing tearDownClass is listed on its own."""
    out: dict[str, tuple[str, str]] = {}
    classes: dict[str, tuple[str, str]] = {}
    for t in tests:
        state = {"success": "passed", "xfail": "passed", "skip": "skipped"}.get(
            t["status"], "failed")
        fixture = _FIXTURE.match(t["id"])
        if fixture and fixture.group(1) == "setUpClass":
            classes[fixture.group(2)] = (state, f"setUpClass: {reason(t['details'])}")
        else:
            out[t["id"]] = (state, reason(t["details"]) if state != "passed" else "")
    for test_id in ids:
        if test_id not in out:
            cls = re.sub(r"\.[^.]+$", "", re.sub(r"\[.*\]$", "", test_id))
            out[test_id] = classes.get(cls, ("failed", "not run (no result reported)"))
    return out


def summarise(verdicts: dict[str, tuple[str, str]], regex: str, seconds: float) -> str:
    counts: dict[str, Counter] = defaultdict(Counter)
    for test_id, (state, _) in verdicts.items():
        counts[area(test_id)][state] += 1
    total = sum(counts.values(), Counter())
    rate = total["passed"] / max(1, total["passed"] + total["failed"])
    out = [
        "# Tempest against cheptel\n",
        f"Generated by `make tempest` (scripts/tempest.py) on {time.strftime('%Y-%m-%d')}, "
        f"tempest {tempest_version()}, regex `{regex}`, {seconds / 60:.1f} min.\n",
        f"**{total['passed']} of {sum(total.values())} passed, {total['failed']} failed, "
        f"{total['skipped']} skipped: {rate:.0%} of the tests that ran passed.** Tests a "
        "failing setUpClass kept from running count as failed.\n",
        "| area | passed | failed | skipped |", "|---|---:|---:|---:|"]
    for name in sorted(counts):
        c = counts[name]
        out.append(f"| {name} | {c['passed']} | {c['failed']} | {c['skipped']} |")
    out.append(f"| **total** | {total['passed']} | {total['failed']} | {total['skipped']} |")
    failed = sorted(t for t, (state, _) in verdicts.items() if state == "failed")
    out += ["", f"## Failures ({len(failed)})", ""]
    for test_id in failed:
        short = re.sub(r"^(tempest|\w+_tempest_plugin\.tests)\.api\.|\[.*\]$", "", test_id)
        why = next((w for pattern, w in WHY if re.search(pattern, test_id)), "")
        out.append(f"- `{short}`: {verdicts[test_id][1] or '?'}"
                   + (f" **Why:** {why}." if why else ""))
    skips = Counter(why for state, why in verdicts.values() if state == "skipped")
    out += ["", "## Skip reasons", ""]
    out += [f"- {n} × {why or '?'}" for why, n in skips.most_common()]
    return "\n".join(out) + "\n"


def publish(verdicts: dict[str, tuple[str, str]], log: Path, selection: str) -> None:
    """docs/tempest-results.json (per operation, from the log) and the support matrix."""
    import support_matrix  # beside this script (the script's directory is on sys.path)
    by_key: dict[str, str] = {}
    for test_id, (state, _) in verdicts.items():
        parts = re.sub(r"\[.*\]$", "", test_id).split(".")
        by_key[f"{parts[-2]}:{parts[-1]}"] = state
        if state == "failed" and verdicts[test_id][1].startswith("setUpClass"):
            by_key[f"{parts[-2]}:setUpClass"] = "failed"
    total = Counter(state for state, _ in verdicts.values())
    with log.open(errors="replace") as lines:
        routes = support_matrix.observe(lines, by_key)
    data = {"date": time.strftime("%Y-%m-%d"), "tempest": tempest_version(),
            "selection": selection, "passed": total["passed"], "failed": total["failed"],
            "skipped": total["skipped"], "routes": routes}
    support_matrix.RESULTS.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    support_matrix.MATRIX.write_text(support_matrix.render(data))


def tempest_version() -> str:
    out = subprocess.run([str(BIN / "tempest"), "--version"], capture_output=True, text=True)
    return (out.stdout + out.stderr).split()[-1] if out.returncode == 0 else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--fast", action="store_true", help=f"run {FAST}")
    group.add_argument("--all", "--full", action="store_true", help=f"run {ALL}")
    group.add_argument("--regex", help="a tempest run --regex of your own")
    parser.add_argument("--concurrency", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument("--output", type=Path, default=SUMMARY)
    args = parser.parse_args()
    regex = args.regex or (FAST if args.fast else ALL if args.all else SELECTED)
    selection = "the issue's" if regex == SELECTED else "a custom"

    work = Path(tempfile.mkdtemp(prefix="cheptel-tempest-"))
    block = reserve_block()
    proc, base = start_cloud(work, block)
    started = time.monotonic()
    try:
        cloud = discover(base, block)
        ws = work / "ws"
        subprocess.run([str(BIN / "tempest"), "init", "--name", work.name, str(ws)],
                       check=True, capture_output=True)
        (ws / "etc" / "tempest.conf").write_text(tempest_conf(cloud, work))
        print(f"cheptel at {base}, workspace {ws}, regex {regex}", flush=True)
        run = subprocess.run([str(BIN / "tempest"), "run", "--regex", regex,
                              "--concurrency", str(args.concurrency)], cwd=ws)
        seconds = time.monotonic() - started
        verdicts = outcomes(listed(ws, regex), results(ws))
        args.output.write_text(summarise(verdicts, regex, seconds))
        if regex == SELECTED and args.output == SUMMARY:
            publish(verdicts, work / "tempest.log", selection)
        (args.output.with_suffix(".verdicts.json")
         if args.output != SUMMARY else work / "verdicts.json").write_text(
            json.dumps({t: v[0] for t, v in sorted(verdicts.items())}, indent=0))
        print(f"tempest exited {run.returncode} after {seconds:.0f} s; "
              f"summary in {args.output}")
    finally:
        stop_cloud(proc, work / "data")
        subprocess.run([str(BIN / "tempest"), "workspace", "remove", "--name", work.name],
                       capture_output=True)  # tempest's registry of workspaces
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
