"""The Docker Engine backend: the only module that imports the docker SDK."""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.types import LogConfig, Mount, Ulimit

from cheptel.backends import docker_console
from cheptel.backends.engine import (
    LABEL_CLOUD,
    VOLUMES_PATH,
    AlreadyExists,
    ConsoleStream,
    ContainerSpec,
    ContainerState,
    ContainerStats,
    EngineError,
    EventStream,
    ImageConfig,
    NicStats,
)

CPU_PERIOD = 100_000
LINK = re.compile(r"^\d+: ([^:@\s]+)(?:@\S+)?: .*link/ether ([0-9a-f:]{17})")


@contextmanager
def _engine_errors() -> Iterator[None]:
    try:
        yield
    except APIError as exc:
        if exc.status_code == 409 and "already in use" in str(exc.explanation or ""):
            raise AlreadyExists(str(exc.explanation)) from None
        raise EngineError(str(exc.explanation or exc)) from None
    except DockerException as exc:
        raise EngineError(str(exc)) from None


def _split_ref(ref: str) -> tuple[str, str]:
    repo, _, tag = ref.rpartition(":")
    return (repo, tag) if repo and "/" not in tag else (ref, "latest")


WATCHED = ("die", "pause", "destroy")  # what a container's owner must notice at once


class _Events:
    """Docker's event stream (GET /events, filtered by the daemon), as container names."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[str]:
        try:
            for event in self._stream:
                actor = event.get("Actor") or {}
                yield str((actor.get("Attributes") or {}).get("name") or actor.get("ID", ""))
        except (DockerException, OSError, ValueError, AttributeError):
            return  # the engine went away (or the stream was closed): the caller retries

    def close(self) -> None:
        self._stream.close()


class DockerEngine:
    """Drives the local Docker Engine (Debian's docker.io) through its API socket."""

    def __init__(self, base_url: str | None = None, timeout: int = 120):
        # a pinned API version: no connection until the first call (Debian's 20.10 speaks 1.41)
        self.client = docker.DockerClient(base_url=base_url or "unix:///var/run/docker.sock",
                                          version="1.41", timeout=timeout)
        self.api = self.client.api
        self._ncpu: int | None = None
        self._remap: tuple[tuple[int, int] | None] | None = None  # asked once

    # -- images ----------------------------------------------------------------------------

    def image_present(self, ref: str) -> bool:
        try:
            self.api.inspect_image(ref)
            return True
        except (ImageNotFound, NotFound):
            return False

    def load_image(self, ref: str, path: Path, container_format: str) -> None:
        repo, tag = _split_ref(ref)
        with _engine_errors():
            if container_format == "docker":
                with open(path, "rb") as fh:
                    images = self.client.images.load(fh)
                if not images:
                    raise EngineError("the docker archive holds no image")
                images[0].tag(repo, tag)
            elif not tarfile.is_tarfile(path):  # what Docker would refuse as "invalid tar header"
                raise EngineError("the image data is not a root filesystem tar: there is "
                                  "nothing to boot (a raw/bare image must be a tar archive)")
            else:
                self.api.import_image_from_file(str(path), repository=repo, tag=tag)

    def image_config(self, ref: str) -> ImageConfig:
        with _engine_errors():
            config = self.api.inspect_image(ref).get("Config") or {}
        return ImageConfig(entrypoint=config.get("Entrypoint"), command=config.get("Cmd"))

    def remove_image(self, ref: str) -> None:
        try:
            self.api.remove_image(ref, force=True)
        except (NotFound, APIError):
            pass

    def list_images(self, repository: str) -> list[str]:
        with _engine_errors():
            rows = self.api.images(name=repository)
        return sorted({tag for row in rows for tag in row.get("RepoTags") or []
                       if tag.startswith(repository + ":")})

    def commit(self, name: str, ref: str) -> None:
        repo, tag = _split_ref(ref)
        with _engine_errors():
            self.api.commit(name, repository=repo, tag=tag)

    def save_image(self, ref: str, dest: Path) -> None:
        with _engine_errors(), open(dest, "wb") as fh:
            for chunk in self.client.images.get(ref).save(named=True):
                fh.write(chunk)

    def export_rootfs(self, ref: str, dest: Path) -> None:
        """`docker create` (never started) then `docker export`, unpacked by tar as it
        streams (numeric owners, as in the image)."""
        name = f"cheptel-export-{uuid.uuid4().hex[:12]}"
        with _engine_errors():
            self.api.create_container(ref, name=name, command=["/cheptel-never-runs"],
                                      network_disabled=True)
        try:
            tar = subprocess.Popen(["tar", "-x", "--numeric-owner", "-C", str(dest)],
                                   stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            assert tar.stdin is not None
            try:
                with _engine_errors():
                    for chunk in self.api.export(name):
                        tar.stdin.write(chunk)
            finally:
                tar.stdin.close()
                err = tar.stderr.read().decode(errors="replace") if tar.stderr else ""
                rc = tar.wait()
            if rc != 0:
                raise EngineError(f"unpacking the image failed: {err.strip()[:300]}")
        except BrokenPipeError:
            raise EngineError("unpacking the image failed (tar stopped)") from None
        finally:
            self.remove(name)

    # -- containers ------------------------------------------------------------------------

    def _cpus(self, vcpus: int) -> int:
        if self._ncpu is None:
            self._ncpu = int(self.api.info().get("NCPU") or os.cpu_count() or 1)
        return max(1, min(vcpus, self._ncpu))

    def create(self, spec: ContainerSpec) -> str:
        mounts = [Mount(target=path, source=vol, type="volume", read_only=True)
                  for vol, path in spec.volumes_ro.items()]
        if spec.volume_dir:
            mounts.append(Mount(target=VOLUMES_PATH, source=spec.volume_dir, type="bind",
                                read_only=True, propagation="rslave"))
        memory = f"{spec.memory_mb}m"
        with _engine_errors():
            host_config = self.api.create_host_config(
                mem_limit=memory, memswap_limit=memory, pids_limit=spec.pids_limit,
                cpu_period=CPU_PERIOD, cpu_quota=self._cpus(spec.vcpus) * CPU_PERIOD,
                init=True, privileged=False, security_opt=["no-new-privileges"],
                mounts=mounts, network_mode="none", cgroupns="private",
                log_config=LogConfig(type="json-file", config={
                    "max-size": str(spec.log_max_bytes),
                    "max-file": str(spec.log_max_files)}),
                ulimits=[Ulimit(name="nofile", soft=spec.nofile[0], hard=spec.nofile[1]),
                         Ulimit(name="nproc", soft=spec.nproc[0], hard=spec.nproc[1])])
            created = self.api.create_container(
                spec.image, name=spec.name, hostname=spec.hostname[:63], labels=spec.labels,
                entrypoint=spec.entrypoint, command=spec.command,
                environment=spec.env or None, host_config=host_config, detach=True)
        return str(created["Id"])

    def _call(self, fn_name: str, name: str, **kwargs: object) -> None:
        with _engine_errors():
            getattr(self.api, fn_name)(name, **kwargs)

    def start(self, name: str) -> None:
        self._call("start", name)

    def stop(self, name: str, timeout: int) -> None:
        self._call("stop", name, timeout=timeout)

    def restart(self, name: str, timeout: int) -> None:
        self._call("restart", name, timeout=timeout)

    def pause(self, name: str) -> None:
        self._call("pause", name)

    def unpause(self, name: str) -> None:
        self._call("unpause", name)

    def remove(self, name: str) -> None:
        try:
            self.api.remove_container(name, force=True, v=False)
        except NotFound:
            pass
        except APIError as exc:
            if exc.status_code != 404 and "removal" not in str(exc.explanation):
                raise EngineError(str(exc.explanation or exc)) from None

    def update_limits(self, name: str, memory_mb: int, vcpus: int) -> None:
        memory = f"{memory_mb}m"
        with _engine_errors():
            self.api.update_container(name, mem_limit=memory, memswap_limit=memory,
                                      cpu_period=CPU_PERIOD,
                                      cpu_quota=self._cpus(vcpus) * CPU_PERIOD)

    @staticmethod
    def _state(attrs: dict[str, Any]) -> ContainerState:
        state = attrs.get("State") or {}
        nets = ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).values()
        net: dict[str, Any] = next(iter(nets), {}) or {}
        name = (attrs.get("Name") or "").lstrip("/")
        return ContainerState(name=name, status=state.get("Status", "dead"),
                              exit_code=int(state.get("ExitCode") or 0),
                              labels=(attrs.get("Config") or {}).get("Labels") or {},
                              ip=net.get("IPAddress") or None,
                              mac=net.get("MacAddress") or None,
                              error=state.get("Error") or "",
                              pid=int(state.get("Pid") or 0))

    def inspect(self, name: str) -> ContainerState | None:
        try:
            return self._state(self.api.inspect_container(name))
        except NotFound:
            return None
        except APIError as exc:
            raise EngineError(str(exc.explanation or exc)) from None

    def bind_root(self, name: str, root: str) -> None:
        """In the container's mount namespace (nsenter: the container itself has no right
        to mount), rbind its /proc, /dev, /sys and /openstack under `root`; idempotent."""
        with _engine_errors():
            state = self.api.inspect_container(name).get("State") or {}
        pid = int(state.get("Pid") or 0)
        if not state.get("Running") or pid <= 0:
            raise EngineError(f"{name} is not running: its root volume cannot be bound")
        script = ('for d in openstack dev sys proc; do [ -d "/$d" ] || continue; '
                  'mountpoint -q "$1/$d" && continue; mkdir -p "$1/$d" && '
                  'mount --rbind "/$d" "$1/$d" && mount --make-rslave "$1/$d" || exit 1; '
                  'done')
        done = subprocess.run(["nsenter", "-t", str(pid), "-m", "sh", "-c", script,
                               "cheptel-bind", root], capture_output=True, text=True,
                              timeout=30)
        if done.returncode != 0:
            raise EngineError(f"binding the root volume failed: "
                              f"{(done.stderr or done.stdout).strip()[:300]}")

    def stats(self, name: str) -> ContainerStats | None:
        """`docker inspect` and a one-shot `docker stats` (API 1.41: no second sample,
        so no rates), with each interface's MAC read in the container's namespace."""
        try:
            attrs = self.api.inspect_container(name)
            raw = self.api.stats(name, stream=False, one_shot=True) or {}
        except NotFound:
            return None
        except APIError as exc:
            raise EngineError(str(exc.explanation or exc)) from None
        state = attrs.get("State") or {}
        memory = raw.get("memory_stats") or {}
        usage, limit = memory.get("usage"), memory.get("limit")
        page_cache = memory.get("stats") or {}  # cgroup v1 names it total_, v2 not
        inactive = page_cache.get("total_inactive_file", page_cache.get("inactive_file", 0))
        cpu = (raw.get("cpu_stats") or {}).get("cpu_usage") or {}
        blkio = raw.get("blkio_stats") or {}
        pid = int(state.get("Pid") or 0) if state.get("Running") else 0
        macs = _macs(pid)
        nics = tuple(NicStats(
            name=ifname, mac=macs.get(ifname), rx_bytes=n[0], rx_packets=n[1],
            rx_errors=n[2], rx_dropped=n[3], tx_bytes=n[8], tx_packets=n[9],
            tx_errors=n[10], tx_dropped=n[11])
            for ifname, n in sorted(_counters(pid).items()) if ifname != "lo")
        return ContainerStats(
            status=state.get("Status", "dead"), started_at=_docker_time(state.get("StartedAt")),
            platform=attrs.get("Platform") or None,
            memory_limit=limit, memory_used=None if usage is None else max(
                0, usage - int(inactive or 0)),
            cpu_total=cpu.get("total_usage"),
            cpu_per_cpu=tuple(cpu.get("percpu_usage") or ()),
            disk_read_bytes=_blkio(blkio, "io_service_bytes_recursive", "read"),
            disk_read_ops=_blkio(blkio, "io_serviced_recursive", "read"),
            disk_write_bytes=_blkio(blkio, "io_service_bytes_recursive", "write"),
            disk_write_ops=_blkio(blkio, "io_serviced_recursive", "write"), nics=nics)

    def list_managed(self, cloud: str) -> list[ContainerState]:
        with _engine_errors():
            rows = self.api.containers(all=True, filters={"label": f"{LABEL_CLOUD}={cloud}"})
        return [ContainerState(name=(r.get("Names") or ["/"])[0].lstrip("/"),
                               status=r.get("State", "dead"), labels=r.get("Labels") or {})
                for r in rows]

    def watch(self, cloud: str) -> EventStream:
        with _engine_errors():
            stream = self.api.events(decode=True, filters={
                "type": "container", "label": f"{LABEL_CLOUD}={cloud}",
                "event": list(WATCHED)})
        return _Events(stream)

    def open_console(self, name: str) -> ConsoleStream:
        return docker_console.open_console(self.api, name)

    def logs(self, name: str, tail: int | None) -> str:
        with _engine_errors():
            raw: bytes = self.api.logs(name, stdout=True, stderr=True,
                                tail="all" if tail is None else tail)
        return raw.decode("utf-8", "replace")

    def path_exists(self, name: str, path: str) -> bool:
        try:
            stream, _ = self.api.get_archive(name, path)
            for _ in stream:
                break
            return True
        except NotFound:
            return False
        except APIError:
            return False

    def put_files(self, name: str, files: dict[str, tuple[bytes, int]]) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            dirs: set[str] = set()
            for path in files:
                parts = path.strip("/").split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    dirs.add("/".join(parts[:i]))
            for d in sorted(dirs):
                info = tarfile.TarInfo(d)
                info.type, info.mode = tarfile.DIRTYPE, 0o700
                tar.addfile(info)
            for path, (content, mode) in files.items():
                info = tarfile.TarInfo(path.strip("/"))
                info.size, info.mode = len(content), mode
                tar.addfile(info, io.BytesIO(content))
        with _engine_errors():
            self.api.put_archive(name, "/", buf.getvalue())

    # -- volumes and networks --------------------------------------------------------------

    def write_volume(self, volume: str, files: dict[str, bytes], labels: dict[str, str]) -> None:
        with _engine_errors():  # create answers the volume of that name if it exists
            vol = self.client.volumes.create(name=volume, labels=labels)
        root = Path(vol.attrs["Mountpoint"])
        owner = self.userns_remap()  # remapped: the container's root owns them, as without
        try:
            for rel, content in files.items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
                target.chmod(0o444)
                if owner is not None:
                    for path in [target, *target.relative_to(root).parents]:
                        os.chown(root / path, *owner)
        except OSError as exc:
            raise EngineError(f"cannot write the config drive: {exc}") from None

    def remove_volume(self, volume: str) -> None:
        try:
            self.client.volumes.get(volume).remove(force=True)
        except (NotFound, APIError):
            pass

    def list_volumes(self, cloud: str) -> list[str]:
        with _engine_errors():
            rows = self.api.volumes(filters={"label": f"{LABEL_CLOUD}={cloud}"})
        return [v["Name"] for v in (rows or {}).get("Volumes") or []]

    def remove_network(self, name: str) -> None:
        try:
            self.api.remove_network(name)
        except NotFound:
            pass
        except APIError as exc:
            raise EngineError(str(exc.explanation or exc)) from None

    def list_networks(self, cloud: str) -> list[str]:
        with _engine_errors():
            rows = self.api.networks(filters={"label": f"{LABEL_CLOUD}={cloud}"})
        return [r["Name"] for r in rows]

    def host_info(self) -> dict[str, Any]:
        with _engine_errors():
            info = self.api.info()
        return {"hostname": info.get("Name"), "vcpus": int(info.get("NCPU") or 0),
                "memory_mb": int(info.get("MemTotal") or 0) // (1024 * 1024),
                "running": int(info.get("ContainersRunning") or 0),
                "version": info.get("ServerVersion", ""),
                # containers outlive a restart of the daemon (cheptel chaos's dockerd)
                "live_restore": bool(info.get("LiveRestoreEnabled"))}

    def userns_remap(self) -> tuple[int, int] | None:
        """The host uid and gid of a container's root when dockerd remaps user namespaces
        (`userns-remap`: "name=userns" in its security options; its data root is then
        `<root>/<uid>.<gid>`); None when it does not. Asked once: dockerd changes it only
        with a restart."""
        if self._remap is None:
            with _engine_errors():
                info = self.api.info()
            self._remap = (_remapped_root(info),)
        return self._remap[0]


def _remapped_root(info: dict[str, Any]) -> tuple[int, int] | None:
    if "name=userns" not in (info.get("SecurityOptions") or []):
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)", Path(info.get("DockerRootDir") or "").name)
    if match is None:
        raise EngineError("dockerd remaps user namespaces but its data root does not say "
                          "to which ids")
    return int(match.group(1)), int(match.group(2))


def _docker_time(text: str | None) -> float | None:
    """Docker's RFC 3339 time with nanoseconds; its zero time (never) is None."""
    if not text or text.startswith("0001-"):
        return None
    head, _, frac = text.rstrip("Z").partition(".")
    stamp = datetime.fromisoformat(head + "+00:00").timestamp()
    return stamp + (float("0." + frac[:9]) if frac.isdigit() else 0.0)


def _blkio(blkio: dict[str, Any], key: str, op: str) -> int | None:
    """A block I/O total of one operation over all devices (cgroup v1 says "Read", v2
    "read"); None when the engine reports no such counter."""
    rows = blkio.get(key)
    if rows is None:
        return None
    return sum(int(r.get("value") or 0) for r in rows if str(r.get("op", "")).lower() == op)


def _counters(pid: int) -> dict[str, list[int]]:
    """Interface name -> its 16 counters of /proc/net/dev, in the container's namespace
    (the engine counts none: its containers have network mode `none`)."""
    if not pid:
        return {}
    try:
        text = Path(f"/proc/{pid}/net/dev").read_text()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines()[2:]:
        name, _, numbers = line.partition(":")
        fields = numbers.split()
        if len(fields) == 16 and all(f.isdigit() for f in fields):
            out[name.strip()] = [int(f) for f in fields]
    return out


def _macs(pid: int) -> dict[str, str]:
    """Interface name -> MAC inside the network namespace of a running container."""
    if not pid:
        return {}
    try:
        out = subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "-o", "link"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return {m.group(1): m.group(2) for m in map(LINK.match, out.splitlines()) if m}
