"""The way out of one machine: the real OpenStack Swift, configured against cheptel's
Keystone, behind the catalog's object-store entry (`cheptel serve --object-store-url`),
passes the same client scenarios as the built-in store (clients.py).

The fixture installs Swift and keystonemiddleware into a cached venv
(scripts/swift_venv.sh: /var/cache/cheptel/swift-venv, or ~/.cache/cheptel/swift-venv when
/var/cache is not writable; CHEPTEL_SWIFT_VENV chooses another), then starts a one-replica
cluster on loopback: rings built by swift-ring-builder, account, container and object
servers over a temp dir, memcached, and a proxy whose auth_token and keystoneauth filters
are the ones cheptel wrote to DATA_DIR/object-store-keystone.conf. Each Swift process
logs to its own file under the cluster's directory.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.cloud import ADMIN_PASSWORD, Cloud, free_port
from tests.integration.objectstore import clients

REPO = Path(__file__).resolve().parents[3]
CACHE = Path("/var/cache/cheptel")
if not (os.access(CACHE.parent, os.W_OK) or os.access(CACHE, os.W_OK)):
    CACHE = Path.home() / ".cache" / "cheptel"  # as scripts/swift_venv.sh chooses
VENV = Path(os.environ.get("CHEPTEL_SWIFT_VENV") or CACHE / "swift-venv")
SERVERS = ("account", "container", "object")

PROXY_PIPELINE = (
    "catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl "
    "formpost authtoken keystoneauth staticweb copy container-quotas account-quotas slo "
    "dlo versioned_writes symlink proxy-logging proxy-server")
FILTERS = {  # the proxy's filters but Keystone's (those come from cheptel)
    "catch_errors": "catch_errors", "gatekeeper": "gatekeeper",
    "healthcheck": "healthcheck", "proxy-logging": "proxy_logging",
    "listing_formats": "listing_formats", "bulk": "bulk", "tempurl": "tempurl",
    "formpost": "formpost", "staticweb": "staticweb", "copy": "copy",
    "container-quotas": "container_quotas", "account-quotas": "account_quotas",
    "slo": "slo", "dlo": "dlo", "symlink": "symlink"}


class SwiftCluster:
    """One replica of everything on 127.0.0.1, under `root`."""

    def __init__(self, root: Path):
        self.root = root
        self.ports = {name: free_port() for name in (*SERVERS, "proxy", "memcached")}
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['proxy']}"

    def _default(self, port: int) -> str:
        return (f"[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = {port}\nworkers = 0\n"
                f"swift_dir = {self.root}\ndevices = {self.root / 'devices'}\n"
                f"mount_check = false\nuser = {getpass.getuser()}\n"
                f"log_name = swift\n")

    def configure(self, keystone_filters: str) -> None:
        (self.root / "devices" / "d1").mkdir(parents=True)
        (self.root / "swift.conf").write_text(
            "[swift-hash]\nswift_hash_path_suffix = cheptel-test\n"
            "swift_hash_path_prefix = cheptel\n"
            "[storage-policy:0]\nname = gold\ndefault = yes\n")
        for server in SERVERS:
            extra = "allow_versions = true\n" if server == "container" else ""
            if server == "object":  # a busy CI machine: no async pending for listings
                extra = "container_update_timeout = 10\n"
            (self.root / f"{server}-server.conf").write_text(
                self._default(self.ports[server])
                + f"[pipeline:main]\npipeline = {server}-server\n"
                f"[app:{server}-server]\nuse = egg:swift#{server}\n{extra}")
            builder = str(self.root / f"{server}.builder")
            for args in (["create", "6", "1", "1"],
                         ["add", f"r1z1-127.0.0.1:{self.ports[server]}/d1", "1"],
                         ["rebalance"]):
                subprocess.run([str(VENV / "bin" / "swift-ring-builder"), builder, *args],
                               check=True, capture_output=True, timeout=60)
        filters = "".join(f"[filter:{name}]\nuse = egg:swift#{egg}\n"
                          for name, egg in FILTERS.items())
        (self.root / "proxy-server.conf").write_text(
            self._default(self.ports["proxy"])
            + "node_timeout = 30\nconn_timeout = 5\n"
            f"[pipeline:main]\npipeline = {PROXY_PIPELINE}\n"
            "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n"
            f"[filter:cache]\nuse = egg:swift#memcache\n"
            f"memcache_servers = 127.0.0.1:{self.ports['memcached']}\n"
            "[filter:versioned_writes]\nuse = egg:swift#versioned_writes\n"
            "allow_versioned_writes = true\n"
            + filters + keystone_filters)

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                           cwd=self.root))

    def start(self, timeout: float = 60) -> None:
        self._spawn("memcached", [shutil.which("memcached") or "memcached", "-l",
                                  "127.0.0.1", "-p", str(self.ports["memcached"]), "-U", "0",
                                  "-u", getpass.getuser(), "-m", "32"])
        for server in (*SERVERS, "proxy"):
            self._spawn(server, [str(VENV / "bin" / f"swift-{server}-server"),
                                 str(self.root / f"{server}-server.conf"), "--verbose"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs:
                assert proc.poll() is None, f"{proc.args[0]} exited: {self.logs()}"
            try:
                if httpx.get(f"{self.url}/healthcheck", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the Swift proxy did not answer: {self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
                         for log in sorted(self.root.glob("*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    assert shutil.which("memcached"), "memcached is missing: scripts/setup.sh installs it"
    setup = subprocess.run([str(REPO / "scripts" / "swift_venv.sh"), str(VENV)],
                           capture_output=True, text=True, timeout=900)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    swift = SwiftCluster(tmp_path_factory.mktemp("swift"))
    c = Cloud(tmp_path_factory.mktemp("external-objects-cloud"), extra_env={
        "CHEPTEL_CONTAINER_ENGINE": "fake",
        "CHEPTEL_OBJECT_STORE_URL": f"{swift.url}/v1/AUTH_%(project_id)s"}).start()
    try:
        swift.configure((c.data_dir / "object-store-keystone.conf").read_text())
        swift.start()
        yield c
    finally:
        swift.stop()
        c.close()


def test_the_catalog_names_the_external_swift(cloud: Cloud) -> None:
    storage = clients.storage_url(cloud)
    assert storage.startswith("http://127.0.0.1:") and "/v1/AUTH_" in storage
    assert "/object-store" not in storage
    # the built-in store stands aside, saying where to go
    r = httpx.get(f"{cloud.base_url}/object-store/v1/AUTH_x")
    assert r.status_code == 410 and "object-store endpoint" in r.text
    # what Swift itself says it runs: its own /info, not cheptel's
    info = httpx.get(storage.split("/v1/")[0] + "/info").json()
    assert "tempurl" in info and "slo" in info and info["swift"]["version"]


@pytest.mark.parametrize("kind", ["slo", "dlo"])
def test_swift_cli_segmented_upload_roundtrip(cloud: Cloud, tmp_path: Path, kind: str) -> None:
    clients.segmented_upload_roundtrip(cloud, tmp_path, kind)


def test_swift_cli_post_stat_and_temp_url(cloud: Cloud, tmp_path: Path) -> None:
    clients.post_stat_and_temp_url(cloud, tmp_path)


def test_public_container_read_without_a_token(cloud: Cloud, tmp_path: Path) -> None:
    clients.public_container_read_without_a_token(cloud, tmp_path)


def test_openstack_cli_containers_and_objects(cloud: Cloud, tmp_path: Path) -> None:
    clients.openstack_cli_containers_and_objects(cloud, tmp_path)


def test_openstacksdk_objects(cloud: Cloud) -> None:
    clients.openstacksdk_objects(cloud)


def test_a_token_of_another_project_is_refused(cloud: Cloud) -> None:
    """keystoneauth over cheptel's token validation: the admin's token is no owner of the
    demo account, and a forged token is nobody."""
    storage = clients.storage_url(cloud)
    admin = cloud.token("admin", ADMIN_PASSWORD, "admin")
    assert httpx.get(storage, headers={"X-Auth-Token": admin}).status_code == 403
    assert httpx.get(storage, headers={"X-Auth-Token": "gAAAAforged"}).status_code == 401
