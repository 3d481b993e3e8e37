"""The default image's data: a root filesystem tar around the host's static busybox.

/bin/busybox plus one symlink per applet at the place `busybox --list-full` names
(bin/sh, usr/bin/wget, ...), the directories a container expects, and a minimal /etc.
Every entry has a fixed owner, mode and mtime and the entries are sorted, so the same
busybox binary always gives the same bytes, hence the same checksum.
"""

from __future__ import annotations

import io
import struct
import subprocess
import tarfile
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
MTIME = 1_700_000_000  # fixed: determinism, not truth
PT_INTERP = 3

DIRS = {"bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o755,
        "root": 0o700, "run": 0o755, "sbin": 0o755, "sys": 0o755, "tmp": 0o1777,
        "usr": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755, "var": 0o755,
        "var/tmp": 0o1777}
FILES = {
    "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    "etc/group": b"root:x:0:\nnogroup:x:65534:\n",
    "etc/hostname": b"localhost\n",  # placeholder: the engine mounts the real one
    "etc/hosts": b"127.0.0.1\tlocalhost\n",
    "etc/resolv.conf": b"",
}


class NotStatic(Exception):
    """The busybox found needs a dynamic loader: it would not run in an empty rootfs."""


def is_static(binary: Path) -> bool:
    """True for an ELF executable with no program interpreter (PT_INTERP)."""
    with open(binary, "rb") as fh:
        head = fh.read(64)
        if head[:4] != b"\x7fELF":
            return False
        is64, little = head[4] == 2, head[5] == 1
        order = "<" if little else ">"
        if is64:
            phoff, = struct.unpack(order + "Q", head[32:40])
            phentsize, phnum = struct.unpack(order + "HH", head[54:58])
        else:
            phoff, = struct.unpack(order + "I", head[28:32])
            phentsize, phnum = struct.unpack(order + "HH", head[42:46])
        fh.seek(phoff)
        table = fh.read(phentsize * phnum)
    for i in range(phnum):
        p_type, = struct.unpack(order + "I", table[i * phentsize:i * phentsize + 4])
        if p_type == PT_INTERP:
            return False
    return True


def applets(binary: Path) -> list[str]:
    out = subprocess.run([str(binary), "--list-full"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return sorted({line.strip().lstrip("/") for line in out.splitlines() if line.strip()})


def _info(name: str, kind: bytes, mode: int, size: int = 0, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.linkname = kind, mode, size, link
    info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "root", "root"
    return info


def build(binary: Path = BUSYBOX) -> bytes:
    """The rootfs tar (about the size of busybox itself); raise NotStatic if unusable."""
    if not is_static(binary):
        raise NotStatic(f"{binary} is not statically linked (install busybox-static)")
    content = binary.read_bytes()
    entries: dict[str, tuple[tarfile.TarInfo, bytes | None]] = {}
    for name, mode in DIRS.items():
        entries[name] = (_info(name, tarfile.DIRTYPE, mode), None)
    for name, data in FILES.items():
        entries[name] = (_info(name, tarfile.REGTYPE, 0o644, len(data)), data)
    entries["bin/busybox"] = (_info("bin/busybox", tarfile.REGTYPE, 0o755, len(content)),
                              content)
    for applet in applets(binary):
        if applet not in entries and applet.rpartition("/")[0] in DIRS:
            entries[applet] = (_info(applet, tarfile.SYMTYPE, 0o777, link="/bin/busybox"),
                               None)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(entries):
            info, entry = entries[name]
            tar.addfile(info, None if entry is None else io.BytesIO(entry))
    return out.getvalue()
