"""One settings object, read from the command line and CHEPTEL_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    database_url: str = ""
    public_url: str = ""
    region: str = "RegionOne"
    token_lifetime: int = 3600
    bcrypt_rounds: int = 12
    lockout_failure_attempts: int = 0  # 0: lockout off, as in Keystone
    lockout_duration: int = 1800
    max_body_bytes: int = 114688  # Keystone's max_request_body_size
    max_json_depth: int = 32
    image_size_cap: int = 10 * 1024**3  # the largest image upload, bytes
    admin_password: str | None = field(default=None, repr=False)
    demo_password: str | None = field(default=None, repr=False)
    container_engine: str = "docker"  # docker | fake (in-memory, for unit tests)
    docker_url: str = ""  # default: the local socket
    # file (sparse files with ext4 under DATA_DIR/volumes) | fake (in memory);
    # "" follows container_engine (fake with fake)
    volume_backend: str = ""
    # haproxy (one HAProxy per load balancer) | fake (in memory: the API without a
    # dataplane); "" follows container_engine (fake with fake)
    balancer_engine: str = ""
    reconcile_interval: float = 5.0  # seconds between drift checks
    console_log_max_bytes: int = 1024 * 1024  # a server's log: one file's size ...
    console_log_files: int = 3  # ... and the files kept, newest output kept
    private_cidr: str = "10.0.0.0/24"  # the demo project's network `private`
    auto_cidr_pool: str = "10.0.0.0/8"  # where networks: "auto" finds a free /24
    public_cidr: str = "172.24.4.0/24"  # the external network `public` made at bootstrap
    force_config_drive: bool = False  # Nova's force_config_drive: every new server has one
    dashboard: bool = True  # Horizon at /dashboard when installed (cheptel.dashboard)
    # an external Swift-API engine (a Swift proxy, Ceph RGW) listed in the catalog as
    # object-store instead of the built-in store: a URL with the project, as
    # http://host:8080/v1/AUTH_%(project_id)s ("" = the built-in store)
    object_store_url: str = ""
    # the password of its service user `swift` (first start with object_store_url only)
    swift_password: str | None = field(default=None, repr=False)
    # where volume backups live: files (DATA_DIR/backups) | object-store (objects of the
    # built-in object store, in the project's `volumebackups`: cheptel.volume.service.
    # backup_objects)
    backup_store: str = "files"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cheptel.db'}"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.listen_host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.listen_port}"


PROJECT_TEMPLATES = ("$(project_id)s", "%(project_id)s", "$(tenant_id)s", "%(tenant_id)s")


def check_object_store_url(url: str) -> str:
    """The external object store's URL as given, or ValueError: http(s), a host, and the
    project in it (each project has its own Swift account)."""
    if not url:
        return url
    scheme, sep, rest = url.partition("://")
    if scheme not in ("http", "https") or not sep or not rest.split("/", 1)[0]:
        raise ValueError(f"--object-store-url wants an http(s) URL, got {url!r}")
    if not any(form in url for form in PROJECT_TEMPLATES):
        raise ValueError("--object-store-url must name the project, as "
                         "http://HOST:PORT/v1/AUTH_%(project_id)s; got " + repr(url))
    return url


def check_backup_store(store: str, object_store_url: str) -> None:
    if store not in ("files", "object-store"):
        raise ValueError(f"CHEPTEL_BACKUP_STORE is files or object-store, got {store!r}")
    if store == "object-store" and object_store_url:
        raise ValueError("CHEPTEL_BACKUP_STORE=object-store keeps backups in the built-in "
                         "object store, which --object-store-url replaces: not both")


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen wants HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def from_env(**overrides: object) -> Settings:
    """Settings from CHEPTEL_* variables; explicit overrides (CLI flags) win."""
    env = os.environ
    values: dict[str, object] = {
        "data_dir": Path(env.get("CHEPTEL_DATA_DIR", "./data")),
        "database_url": env.get("CHEPTEL_DATABASE_URL", ""),
        "public_url": env.get("CHEPTEL_PUBLIC_URL", ""),
        "token_lifetime": _env_int("CHEPTEL_TOKEN_LIFETIME", 3600),
        "bcrypt_rounds": _env_int("CHEPTEL_BCRYPT_ROUNDS", 12),
        "lockout_failure_attempts": _env_int("CHEPTEL_LOCKOUT_FAILURE_ATTEMPTS", 0),
        "lockout_duration": _env_int("CHEPTEL_LOCKOUT_DURATION", 1800),
        "image_size_cap": _env_int("CHEPTEL_IMAGE_SIZE_CAP", 10 * 1024**3),
        "admin_password": env.get("CHEPTEL_ADMIN_PASSWORD") or None,
        "demo_password": env.get("CHEPTEL_DEMO_PASSWORD") or None,
        "container_engine": env.get("CHEPTEL_CONTAINER_ENGINE", "docker"),
        "docker_url": env.get("CHEPTEL_DOCKER_URL", ""),
        "volume_backend": env.get("CHEPTEL_VOLUME_BACKEND", ""),
        "balancer_engine": env.get("CHEPTEL_BALANCERS", ""),
        "reconcile_interval": float(env.get("CHEPTEL_RECONCILE_INTERVAL") or 5.0),
        "console_log_max_bytes": _env_int("CHEPTEL_CONSOLE_LOG_MAX_BYTES", 1024 * 1024),
        "console_log_files": _env_int("CHEPTEL_CONSOLE_LOG_FILES", 3),
        "public_cidr": env.get("CHEPTEL_PUBLIC_CIDR") or "172.24.4.0/24",
        "private_cidr": env.get("CHEPTEL_PRIVATE_CIDR") or "10.0.0.0/24",
        "auto_cidr_pool": env.get("CHEPTEL_AUTO_CIDR_POOL") or "10.0.0.0/8",
        "force_config_drive": env.get("CHEPTEL_FORCE_CONFIG_DRIVE", "").strip().lower()
        in ("1", "true", "yes", "on"),
        "dashboard": env.get("CHEPTEL_DASHBOARD", "1").strip().lower()
        not in ("0", "false", "no", "off"),
        "object_store_url": env.get("CHEPTEL_OBJECT_STORE_URL", ""),
        "swift_password": env.get("CHEPTEL_SWIFT_PASSWORD") or None,
        "backup_store": env.get("CHEPTEL_BACKUP_STORE") or "files",
    }
    if env.get("CHEPTEL_LISTEN"):
        values["listen_host"], values["listen_port"] = parse_listen(env["CHEPTEL_LISTEN"])
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["data_dir"] = Path(values["data_dir"]).resolve()  # type: ignore[arg-type]
    values["object_store_url"] = check_object_store_url(str(values["object_store_url"]))
    check_backup_store(str(values["backup_store"]), str(values["object_store_url"]))
    return Settings(**values)  # type: ignore[arg-type]
