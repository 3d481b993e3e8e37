"""A real `cheptel serve` in a subprocess, and the unmodified clients pointed at it."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import openstack
import yaml
from openstack.config import OpenStackConfig

from tests.integration import osc

BIN = Path(sys.executable).parent
ADMIN_PASSWORD = "admin-secret-for-tests"
DEMO_PASSWORD = "demo-secret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cloud:
    """One cheptel process with its own data dir; start/stop/kill it like an operator."""

    opened: list[Cloud] = []  # the clouds on the real engine this session started

    def __init__(self, data_dir: Path, database_url: str | None = None,
                 extra_env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        self.database_url = database_url
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / "serve.log"
        self.id: str | None = None  # once started on the real engine

    @property
    def real(self) -> bool:
        """On the host's Docker Engine and iptables (not the in-memory fakes)."""
        return self.extra_env.get("CHEPTEL_CONTAINER_ENGINE") != "fake"

    @functools.cached_property
    def block(self) -> int:
        return reserve_block()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/identity/v3"

    @property
    def clouds_file(self) -> Path:
        return self.data_dir / "clouds.yaml"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        if self.real:
            # each cloud its own external range, the one address space clouds sharing a host
            # must not share (the host holds its gateway); every cloud keeps the default
            # private 10.0.0.0/24 and auto pool: the clouds of the suite all overlap there
            env.update({"CHEPTEL_PUBLIC_CIDR": f"172.24.{self.block}.0/24"})
        # no Horizon unless a test asks (CHEPTEL_DASHBOARD=1 in extra_env): its preparation
        # costs CPU the other clouds of the suite need
        env.update({"CHEPTEL_DASHBOARD": "0"})
        env.update({"CHEPTEL_BCRYPT_ROUNDS": "4", "CHEPTEL_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "CHEPTEL_DEMO_PASSWORD": DEMO_PASSWORD,
                    "OS_CLIENT_CONFIG_FILE": str(self.clouds_file)})
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60) -> Cloud:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "cheptel", "serve", "--listen", f"127.0.0.1:{self.port}",
               "--data-dir", str(self.data_dir)]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        log = open(self.log, "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cheptel exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.auth_url}", timeout=1).status_code == 200:
                    if self.real and self.id is None:
                        root = httpx.get(self.base_url + "/", timeout=5).json()
                        self.id = root["cheptel"]["cloud_id"]
                        Cloud.opened.append(self)
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"cheptel did not answer: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def teardown(self) -> subprocess.CompletedProcess:
        """`cheptel teardown` of this cloud's data dir (the operator's command)."""
        cmd = [sys.executable, "-m", "cheptel", "teardown", "--data-dir", str(self.data_dir)]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        return subprocess.run(cmd, env=self.env(), capture_output=True, text=True,
                              timeout=300)

    def close(self) -> None:
        """Stop it, then remove everything it put on the host (a stopped cloud keeps its
        servers and rules: only the teardown takes them away). Every fixture that starts a
        cloud ends with this: a fake engine's cloud leaves nothing but, with real volume
        files, the shared mount of its DATA_DIR/mnt."""
        self.stop()
        mounted = f" {self.data_dir / 'mnt'} " in Path("/proc/self/mountinfo").read_text()
        if (self.real and self.id is not None) or mounted:
            proc = self.teardown()
            assert proc.returncode == 0, f"teardown failed: {proc.stdout}{proc.stderr}"
            if self in Cloud.opened:
                Cloud.opened.remove(self)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- clients ---------------------------------------------------------------------------

    def cli(self, *args: str, cloud: str = "cheptel", check: bool = True,
            as_json: bool = True, timeout: float = 120) -> Any:
        """Run the unmodified `openstack` CLI (forked from one that imported its plugins once:
        tests/integration/osc.py); parsed `-f json` output, or the process."""
        argv = ["--os-cloud", cloud, *args, *(["-f", "json"] if as_json else [])]
        proc = osc.run(argv, self.env(), timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        if not check or not as_json:
            return proc
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def sdk(self, cloud: str = "cheptel", **auth_overrides: str) -> openstack.connection.Connection:
        config = OpenStackConfig(config_files=[str(self.clouds_file)])
        region = config.get_one(cloud, **({"auth": auth_overrides} if auth_overrides else {}))
        return openstack.connection.Connection(config=region)

    def clouds(self) -> dict:
        return yaml.safe_load(self.clouds_file.read_text())["clouds"]

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def token(self, user: str, password: str, project: str | None = None,
              domain: str = "Default") -> str:
        body: dict = {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": user, "password": password, "domain": {"name": domain}}}}}}
        if project:
            body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": domain}}}
        r = httpx.post(f"{self.auth_url}/auth/tokens", json=body, timeout=30)
        assert r.status_code == 201, r.text
        return r.headers["X-Subject-Token"]


BLOCKS = Path(tempfile.gettempdir()) / "cheptel-test-blocks.json"


def private_database(url: str | None) -> str | None:
    """A database of its own on the suite's PostgreSQL (None: SQLite in the data dir)."""
    if url is None:
        return None
    import psycopg
    name = f"cheptel_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


def reserve_block() -> int:
    """A number N in 1..250 for 172.24.N.0/24 (a cloud's external range) that no live test
    cloud of any process holds, no Docker network uses and no host interface holds an
    address of (a cloud stopped without its teardown keeps its external bridge: a second
    bridge on that range would take its floating IPs' route), under a lock file."""
    with open(BLOCKS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        held = json.loads(BLOCKS.read_text()) if BLOCKS.exists() else {}
        held = {b: pid for b, pid in held.items() if _alive(pid)}
        used = {int(b) for b in held}
        for subnet in [*_docker_subnets(), *_host_addresses()]:
            parts = subnet.split(".")
            if parts[0] == "10":
                used.add(int(parts[1]))
            elif parts[:2] == ["172", "24"]:
                used.add(int(parts[2]))
        block = next(n for n in range(1, 251) if n not in used)
        held[str(block)] = os.getpid()
        BLOCKS.write_text(json.dumps(held))
        return block


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _host_addresses() -> list[str]:
    from pyroute2 import IPRoute

    with IPRoute() as ipr:
        return [str(a.get_attr("IFA_ADDRESS")) for a in ipr.get_addr(family=socket.AF_INET)]


def _docker_subnets() -> list[str]:
    try:
        import docker

        client = docker.from_env()
        return [c.get("Subnet", "") for n in client.api.networks()
                for c in (n.get("IPAM") or {}).get("Config") or []]
    except Exception:  # no engine: nothing to avoid
        return []


def postgres_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


class Postgres:
    """A throwaway PostgreSQL cluster in a temp dir, on a loopback port."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.bin = postgres_binaries()

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        assert self.bin is not None, "PostgreSQL is not installed (run .ci/setup)"
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "pgdata"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "cheptel",
                  "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-l",
                  str(self.root / "pg.log"), "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")
        return f"postgresql+psycopg://cheptel@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "pgdata"), "-m", "fast",
                  "stop")
