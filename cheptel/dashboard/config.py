"""Horizon's settings, made from cheptel's own.

Horizon reads its site settings from a module `local.local_settings`; `install()` puts one
in sys.modules with the values of `horizon_settings()` (no file in Horizon's package, which
a packager's install may not let us write). What Horizon derives from them (login URLs,
static URL) it derives after reading them, as in any deployment.
"""

from __future__ import annotations

import os
import secrets
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cheptel.dashboard import WEBROOT


@dataclass(frozen=True)
class Site:
    """What the generated settings depend on."""

    base_url: str  # this cloud's API, as Horizon (a client in this process) reaches it
    region: str
    directory: Path  # DATA_DIR/dashboard: the secret key and the prepared static files

    @property
    def static_root(self) -> Path:
        return self.directory / "static"


def secret_key(directory: Path) -> str:
    """Django's SECRET_KEY (it signs sessions and CSRF tokens): made once, kept in
    DIRECTORY/secret_key readable by the owner only, the same after a restart."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "secret_key"
    try:
        key = path.read_text().strip()
        if key:
            os.chmod(path, 0o600)
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    os.replace(tmp, path)  # two starts racing both write a whole key; one wins
    return path.read_text().strip()


def horizon_settings(site: Site, key: str) -> dict[str, Any]:
    """The local settings of a Horizon served by this cloud at /dashboard."""
    return {
        "DEBUG": False,
        "WEBROOT": WEBROOT + "/",
        "ALLOWED_HOSTS": ["*"],
        "SECRET_KEY": key,
        "OPENSTACK_KEYSTONE_URL": f"{site.base_url}/identity/v3",
        "OPENSTACK_KEYSTONE_DEFAULT_DOMAIN": "Default",
        "OPENSTACK_KEYSTONE_DEFAULT_ROLE": "member",
        "OPENSTACK_ENDPOINT_TYPE": "publicURL",
        "AVAILABLE_REGIONS": [],
        # one process: sessions in its memory (a restart logs everyone out)
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                               "LOCATION": "cheptel-dashboard"}},
        "STATIC_ROOT": str(site.static_root),
        "COMPRESS_OFFLINE": True,  # compressed once by prepare.py, not per request
        "TIME_ZONE": "UTC",
        # cheptel's servers are containers: no passwords, no mount points, no keypair needed
        "OPENSTACK_HYPERVISOR_FEATURES": {"can_set_mount_point": False,
                                          "can_set_password": False,
                                          "enable_quotas": True,
                                          "requires_keypair": False},
        # the wizard boots from the image (a volume is a choice, not the default)
        "LAUNCH_INSTANCE_DEFAULTS": {"config_drive": False, "create_volume": False,
                                     "hide_create_volume": False,
                                     "disable_image": False,
                                     "disable_instance_snapshot": False,
                                     "disable_volume": False,
                                     "disable_volume_snapshot": False,
                                     "enable_scheduler_hints": True,
                                     "enable_metadata": True,
                                     "enable_net_ports": True,
                                     "default_availability_zone": "Any"},
        "OPENSTACK_NEUTRON_NETWORK": {"enable_router": True, "enable_quotas": True,
                                      "enable_ipv6": False,
                                      "enable_distributed_router": False,
                                      "enable_ha_router": False,
                                      "enable_fip_topology_check": True,
                                      "enable_rbac_policy": True,
                                      "enable_auto_allocated_network": False,
                                      "supported_provider_types": ["*"],
                                      "supported_vnic_types": ["*"],
                                      "physical_networks": [],
                                      "default_dns_nameservers": [],
                                      "segmentation_id_range": {},
                                      "extra_provider_types": {},
                                      "show_agents_column": False},
        "OPENSTACK_CINDER_FEATURES": {"enable_backup": True},
        "CONSOLE_TYPE": "SERIAL",  # Nova's serial console (cheptel.compute.console_proxy)
        # the Console tab frames Horizon's own serial console page: Django's default DENY
        # blanks it ("refused to connect"); same origin only, other sites still cannot
        "X_FRAME_OPTIONS": "SAMEORIGIN",
        "LOGGING": {"version": 1, "disable_existing_loggers": False,
                    "handlers": {"console": {"class": "logging.StreamHandler"}},
                    "loggers": {"django": {"handlers": ["console"], "level": "ERROR"},
                                "horizon": {"handlers": ["console"], "level": "ERROR"},
                                "openstack_dashboard": {"handlers": ["console"],
                                                        "level": "ERROR"}}},
    }


def install(values: dict[str, Any]) -> None:
    """Make `values` the `local.local_settings` Horizon's settings module imports, and
    point Django at that settings module. Before django.setup(), once per process."""
    package = types.ModuleType("local")
    package.__path__ = []
    module = types.ModuleType("local.local_settings")
    module.__dict__.update(values)
    package.local_settings = module  # type: ignore[attr-defined]
    sys.modules["local"] = package
    sys.modules["local.local_settings"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "openstack_dashboard.settings"
