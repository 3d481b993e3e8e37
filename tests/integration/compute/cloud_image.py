"""A real cloud image: Debian's root filesystem with Debian's cloud-init and OpenSSH, built
from the Debian mirror by mmdebstrap (Docker Hub is out of reach here), cached between runs.

It is configured as a cloud image built for OpenStack is: cloud-init looks for the OpenStack
metadata service only, and leaves the network to the cloud (a container's interfaces are
plumbed by cheptel; the image cannot bring them up itself)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("cloud-init", "openssh-server", "sudo", "iproute2")
CLOUD_CFG = """\
datasource_list: [OpenStack]
network: {config: disabled}
"""
LOCALE = "en_US.UTF-8"
SLIM = ("doc", "man", "info", "locale")  # read by no server: a smaller upload
CACHE = Path(os.environ.get("CHEPTEL_TEST_CACHE", "/var/cache/cheptel-tests"))


def root_tar() -> Path:
    """The image as a root filesystem tar (Glance `raw`/`bare`), built once per recipe."""
    recipe = "\n".join([SUITE, MIRROR, *PACKAGES, *SLIM, LOCALE, CLOUD_CFG]).encode()
    out = CACHE / f"debian-{SUITE}-cloud-init-{hashlib.sha256(recipe).hexdigest()[:12]}.tar"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build, whichever worker asks first
        if out.exists():
            return out
        part = out.with_suffix(".part")
        cfg = "/etc/cloud/cloud.cfg.d/90-openstack-container.cfg"
        cmd = ["mmdebstrap", "--quiet", "--variant=essential",
               "--include=" + ",".join(PACKAGES),
               *(f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in SLIM),
               f"--customize-hook=printf '%s' '{CLOUD_CFG}' > \"$1{cfg}\"",
               # the locale cloud-init sets (en_US.UTF-8) made at build, as a cloud image's
               f"--customize-hook=echo '{LOCALE} UTF-8' > \"$1/etc/locale.gen\"",
               "--customize-hook=chroot \"$1\" locale-gen >/dev/null",
               # the mirror's lists: the image would not use them, and they are 20 MB
               "--customize-hook=rm -rf \"$1\"/var/lib/apt/lists/*",
               "--format=tar", SUITE, str(part), MIRROR]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"mmdebstrap failed: {proc.stderr[-3000:]}"
        part.rename(out)
        return out
