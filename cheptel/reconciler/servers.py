"""Converging one server: the task it has (spawn, stop, reboot, resize, snapshot, delete)
is carried out on the container engine, then the outcome is written back."""

from __future__ import annotations

import base64
import logging
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cheptel.backends.blockstore import BlockStoreError
from cheptel.backends.engine import (
    LABEL_CLOUD,
    LABEL_MANAGED,
    LABEL_PROJECT,
    LABEL_SERVER,
    AlreadyExists,
    ContainerSpec,
    ContainerState,
    ContainerStats,
    EngineError,
)
from cheptel.backends.engine import Engine as ContainerEngine
from cheptel.common import iso
from cheptel.compute import images, ports, states
from cheptel.compute.addresses import ports_of
from cheptel.compute.models import InstanceAction, Server, ServerMetadata
from cheptel.image.service.bootstrap import BUSYBOX_ID
from cheptel.reconciler import boot_volumes, configdrive, guest, limits
from cheptel.reconciler.events import EngineWatcher
from cheptel.reconciler.network import NetworkConverger
from cheptel.volume.service import attachments

if TYPE_CHECKING:
    from cheptel.app import Deps
    from cheptel.reconciler import Reconciler

log = logging.getLogger("cheptel.reconciler.servers")

STOP_TIMEOUT = 10
MAX_CONSOLE_BYTES = 100 * 1024  # the newest output a console log shows (Nova's libvirt's)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")  # what Nova strips from console output
PRODUCT_NAME = "OpenStack Nova"  # the DMI product name of a libvirt Nova guest


def container_name(server_id: str) -> str:
    return f"cheptel-{server_id}"


def volume_name(server_id: str) -> str:
    return f"cheptel-cd-{server_id}"


class ServerConverger:
    def __init__(self, deps: Deps, reconciler: Reconciler) -> None:
        self.deps = deps
        self.reconciler = reconciler
        self._hostname: str | None = None
        self._events: EngineWatcher | None = None  # the engine's events (once started)
        self._suspects: set[str] = set()  # containers an event named since the last scan
        self._suspects_lock = threading.Lock()

    @property
    def engine(self) -> ContainerEngine:
        return self.deps.containers

    # -- bookkeeping -----------------------------------------------------------------------

    def _finish(self, sid: str, expected_task: str | None, **values: Any) -> bool:
        """Write an outcome unless the user asked for something else meanwhile.

        Returns True when the row moved on (another task is waiting: converge again)."""
        with self.deps.sessions() as db, db.begin():
            return self._finish_in(db, sid, expected_task, **values)

    def _finish_in(self, db: Session, sid: str, expected_task: str | None,
                   **values: Any) -> bool:
        """_finish, in the caller's transaction."""
        now = self.deps.clock()
        server = db.get(Server, sid)
        if server is None:
            return False
        if server.task_state != expected_task:
            return True
        for key, value in values.items():
            setattr(server, key, value)
        server.updated_at = now
        action = db.scalar(select(InstanceAction).where(
            InstanceAction.server_id == sid, InstanceAction.finish_time.is_(None))
            .order_by(InstanceAction.id.desc()))
        if action is not None:
            action.finish_time, action.updated_at = now, now
            action.result = "Error" if values.get("vm_state") == "error" else "Success"
        return False

    def _fail(self, sid: str, task: str | None, message: str, vm_state: str = "error") -> bool:
        fault = {"code": 500, "created": iso(self.deps.clock(), micro=False),
                 "message": message[:255], "details": message}
        return self._finish(sid, task, vm_state=vm_state, task_state=None, fault=fault,
                            power_state=states.NOSTATE)

    # -- the dispatcher --------------------------------------------------------------------

    def converge(self, sid: str) -> bool:
        with self.deps.sessions() as db:
            server = db.get(Server, sid)
            if server is None:
                return False
            db.expunge(server)
        if server.deleted:
            self._remove(sid)
            return False
        task = server.task_state
        handler = {
            "deleting": self._delete, "scheduling": self._spawn, "spawning": self._spawn,
            "rebuilding": self._rebuild, "powering-off": self._power_off,
            "powering-on": self._power_on, "rebooting": self._reboot,
            "rebooting_hard": self._reboot, "pausing": self._pause,
            "unpausing": self._unpause, "suspending": self._pause, "resuming": self._unpause,
            "resize_prep": self._resize, "resize_confirming": self._confirm_resize,
            "resize_reverting": self._revert_resize, "image_snapshot": self._snapshot,
            "image_backup": self._snapshot,
        }.get(task or "")
        if handler is None:
            if server.vm_state == "building":
                return self._spawn(server)
            if server.vm_state not in ("error", "deleted"):
                self._sync_interfaces(server)
            return False
        try:
            return handler(server)
        except EngineError as exc:
            log.warning("server %s: %s failed: %s", sid, task, exc)
            if task == "deleting":
                return False  # retried by the next pass
            if task in ("image_snapshot", "image_backup"):
                images.fail_snapshot(self.deps, (server.task_args or {}).get("image_id"))
                return self._finish(sid, task, task_state=None)
            return self._fail(sid, task, f"{task} failed: {exc}")

    # -- spawn -----------------------------------------------------------------------------

    def _spec(self, server: Server, image_ref: str,
              root_image: str | None = None) -> ContainerSpec:
        """The container of a server; `root_image`: booted from a volume, the engine
        image whose command the root volume runs (None: INIT), image_ref the loader."""
        config = self.engine.image_config(root_image or image_ref) if (
            root_image or not server.image_id == "") else None
        entrypoint = config.entrypoint if config else None
        command = config.command if config else None
        if not entrypoint and not command:
            command = guest.IDLE
        user_data = base64.b64decode(server.user_data) if server.user_data else b""
        if user_data.startswith(b"#!"):
            command = [*(entrypoint or []), *(command or [])]
            entrypoint = ["/bin/sh", "-c", guest.BOOT, "cheptel-boot"]
        if server.image_id == "":  # the loader chroots into the root volume, then runs them
            command = [guest.ROOT, *(entrypoint or []), *(command or [])]
            entrypoint = ["/bin/sh", "-c", guest.CHROOT]
        flavor = server.flavor
        with self.deps.sessions() as db:  # its init waits for them (guest.WAIT_NICS)
            nics = sum(1 for p in ports_of(db, server) if p.fixed_ips)
        return ContainerSpec(
            name=container_name(server.id), image=image_ref, hostname=server.hostname,
            labels={LABEL_MANAGED: "true", LABEL_CLOUD: self.deps.cloud_id,
                    LABEL_SERVER: server.id, LABEL_PROJECT: server.project_id},
            memory_mb=max(int(flavor["ram"]), 6), vcpus=max(int(flavor["vcpus"]), 1),
            entrypoint=entrypoint, command=command,
            volumes_ro={volume_name(server.id): "/openstack"},
            # what a VM's DMI tells cloud-init: a Nova server (its OpenStack datasource also
            # reads PID 1's environment, where there is no DMI)
            env={"product_name": PRODUCT_NAME, **({"CHEPTEL_NICS": str(nics)} if nics else {})},
            volume_dir=self._volume_dir(server.id),
            **limits.container_limits(flavor, self.engine.userns_remap() is not None,
                                      self.deps.settings.console_log_max_bytes,
                                      self.deps.settings.console_log_files))

    def _volume_dir(self, sid: str) -> str:
        try:
            return str(self.deps.blocks.server_dir(sid))
        except BlockStoreError as exc:
            raise EngineError(str(exc)) from exc

    def _spawn(self, server: Server) -> bool:
        sid, task = server.id, server.task_state
        if task == "scheduling":
            if self._finish(sid, "scheduling", task_state="spawning", host=self._host()):
                return True
            task = "spawning"
        volumes = boot_volumes.prepare(self.deps, self.reconciler, server)
        if volumes == boot_volumes.WAIT:  # the volume converger kicks this server when it is done
            return False
        if volumes is not None:
            return self._fail(sid, task, volumes)
        from_volume = server.image_id == ""
        boot_image = BUSYBOX_ID if from_volume else server.image_id
        ref = boot_volumes.load(self.deps, boot_image)
        if isinstance(ref, boot_volumes.Failure):
            return self._fail(sid, task, ref.message)
        root_image = boot_volumes.root_image(self.deps, sid) if from_volume else None
        with self.deps.sessions() as db:
            meta = {m.key: m.value for m in db.scalars(
                select(ServerMetadata).where(ServerMetadata.server_id == sid))}
        self.engine.write_volume(volume_name(sid), configdrive.files(server, meta),
                                 {LABEL_MANAGED: "true", LABEL_CLOUD: self.deps.cloud_id,
                                  LABEL_SERVER: sid})
        spec = self._spec(server, ref, root_image)
        name = spec.name
        try:
            self.engine.create(spec)
        except AlreadyExists:  # a crash after create: start over from a clean container
            self.engine.remove(name)
            self.engine.create(spec)
        if server.public_key and self.engine.path_exists(name, "/root"):
            self.engine.put_files(name, {"root/.ssh/authorized_keys": (
                server.public_key.encode() + b"\n", 0o600)})
        if task == "rebuilding" and server.vm_state == "stopped":
            # Nova powers a rebuilt server off again if it was stopped: it stays SHUTOFF
            return self._finish(sid, task, vm_state="stopped", task_state=None,
                                power_state=states.SHUTDOWN, progress=0, fault=None,
                                container_id=name)
        self._start(server, name)
        again = self._finish(sid, task, vm_state="active", task_state=None,
                             power_state=states.RUNNING, progress=100, fault=None,
                             launched_at=self.deps.clock(), container_id=name)
        # after the outcome is written: the pass does not compete with the write the user
        # waits for (until it runs, the new veth is unknown: its traffic is dropped)
        self._network_changed(sid)
        return again

    def _start(self, server: Server, name: str, restart_timeout: int | None = None) -> None:
        """Start (or restart) the container, plumb its ports into its new network
        namespace (the engine gives it none); booted from a volume, bind its root."""
        if restart_timeout is None:
            self.engine.start(name)
        else:
            self.engine.restart(name, restart_timeout)
        self._network().wire_server(server.id, fresh=True)
        if server.image_id == "":
            self.engine.bind_root(name, guest.ROOT)

    def _sync_interfaces(self, server: Server) -> None:
        """Hot-plug: the container's interfaces follow the server's ports (one gained is
        plumbed, one lost removed); then the ruleset follows."""
        if self._network().wire_server(server.id):
            self.reconciler.kick_network()

    def _network_changed(self, sid: str) -> None:
        """The container was started, stopped or removed: its ports' state changed."""
        self.reconciler.kick_network()

    def _network(self) -> NetworkConverger:
        return self.reconciler.converger(NetworkConverger)

    def _host(self) -> str:
        """The engine's host name, asked once (`docker info` costs tens of ms a boot)."""
        if self._hostname is None:
            try:
                self._hostname = str(self.engine.host_info().get("hostname") or "localhost")
            except EngineError:
                return "localhost"
        return self._hostname

    def _rebuild(self, server: Server) -> bool:
        self.engine.remove(container_name(server.id))
        self.engine.remove_volume(volume_name(server.id))
        server.task_state = "rebuilding"
        return self._spawn(server)

    # -- power -----------------------------------------------------------------------------

    def _power_off(self, server: Server) -> bool:
        self.engine.stop(container_name(server.id), STOP_TIMEOUT)
        self._network_changed(server.id)  # no veth while stopped: its ports go DOWN
        return self._finish(server.id, server.task_state, vm_state="stopped", task_state=None,
                            power_state=states.SHUTDOWN)

    def _power_on(self, server: Server) -> bool:
        self._start(server, container_name(server.id))
        again = self._finish(server.id, server.task_state, vm_state="active",
                             task_state=None, power_state=states.RUNNING)
        self._network_changed(server.id)  # after the write the user waits for (_spawn)
        return again

    def _reboot(self, server: Server) -> bool:
        name = container_name(server.id)
        state = self.engine.inspect(name)
        if state is not None and state.status == "paused":
            self.engine.unpause(name)
        timeout = 0 if server.task_state == "rebooting_hard" else STOP_TIMEOUT
        self._start(server, name, restart_timeout=timeout)
        again = self._finish(server.id, server.task_state, vm_state="active",
                             task_state=None, power_state=states.RUNNING)
        self._network_changed(server.id)  # after the write the user waits for (_spawn)
        return again

    def _pause(self, server: Server) -> bool:
        self.engine.pause(container_name(server.id))
        suspended = server.task_state == "suspending"
        return self._finish(server.id, server.task_state,
                            vm_state="suspended" if suspended else "paused", task_state=None,
                            power_state=states.SUSPENDED if suspended else states.PAUSED)

    def _unpause(self, server: Server) -> bool:
        self.engine.unpause(container_name(server.id))
        return self._finish(server.id, server.task_state, vm_state="active", task_state=None,
                            power_state=states.RUNNING)

    # -- resize ----------------------------------------------------------------------------

    def _resize(self, server: Server) -> bool:
        new = (server.task_args or {})["flavor"]
        self.engine.update_limits(container_name(server.id), int(new["ram"]),
                                  int(new["vcpus"]))
        old = {**server.flavor, "_vm_state": server.vm_state}
        return self._finish(server.id, "resize_prep", vm_state="resized", task_state=None,
                            flavor=new, flavor_id=new["id"], old_flavor=old)

    def _confirm_resize(self, server: Server) -> bool:
        previous = _resized_from(server)
        return self._finish(server.id, "resize_confirming", vm_state=previous,
                            task_state=None, old_flavor=None)

    def _revert_resize(self, server: Server) -> bool:
        old = dict(server.old_flavor or server.flavor)
        previous = old.pop("_vm_state", "active")
        self.engine.update_limits(container_name(server.id), int(old["ram"]),
                                  int(old["vcpus"]))
        return self._finish(server.id, "resize_reverting", vm_state=previous,
                            task_state=None, flavor=old, flavor_id=old["id"], old_flavor=None)

    # -- snapshot --------------------------------------------------------------------------

    def _snapshot(self, server: Server) -> bool:
        """createImage, and createBackup: then the oldest backups beyond the rotation go."""
        args = server.task_args or {}
        image_id = args["image_id"]
        ref = images.local_ref(self.deps.cloud_id, image_id)
        self.engine.commit(container_name(server.id), ref)
        with tempfile.TemporaryDirectory(dir=self.deps.settings.data_dir) as tmp:
            archive = Path(tmp) / "snapshot.tar"
            self.engine.save_image(ref, archive)
            images.finish_snapshot(self.deps, image_id, archive)
        if server.task_state == "image_backup":
            for gone in images.rotate_backups(self.deps, server.id, args["backup_type"],
                                              int(args["rotation"])):
                self.engine.remove_image(images.local_ref(self.deps.cloud_id, gone))
        return self._finish(server.id, server.task_state, task_state=None)

    # -- delete ----------------------------------------------------------------------------

    def _remove(self, sid: str) -> None:
        self.engine.remove(container_name(sid))
        self.engine.remove_volume(volume_name(sid))
        with self.deps.sessions() as db, db.begin():
            volumes = attachments.release_server(db, sid, self.deps.clock())
        if volumes:
            self.reconciler.schedule("block-storage", *volumes)
        else:
            self.deps.blocks.remove_server_dir(sid)

    def _delete(self, server: Server) -> bool:
        self.engine.remove(container_name(server.id))
        now = self.deps.clock()
        with self.deps.sessions() as db, db.begin():  # one commit the user waits for
            ports.release(db, server.id, server.project_id)
            volumes = attachments.release_server(db, server.id, now)
            again = self._finish_in(db, server.id, "deleting", deleted=True,
                                    vm_state="deleted", task_state=None,
                                    power_state=states.NOSTATE, terminated_at=now)
        if volumes:
            self.reconciler.schedule("block-storage", *volumes)
        else:
            self.deps.blocks.remove_server_dir(server.id)
        # the network pass and the config drive once the server is gone for the user: off
        # the path the user waits on (the container and its veth are gone already; a crash
        # in between would leave the small labelled volume behind)
        self._network_changed(server.id)
        self.engine.remove_volume(volume_name(server.id))
        return again

    # -- drift -----------------------------------------------------------------------------

    def suspect(self, container: str) -> None:
        """An engine's event named this container: the next scan inspects it (the
        listing may not show the change yet)."""
        with self._suspects_lock:
            self._suspects.add(container)

    def scan(self, first: bool = False) -> list[str]:
        """Repair drift and remove orphans; return the servers with unfinished work.

        Containers are listed before rows are read: a container is created only after its
        row is committed, so every container seen has its row in what is read next."""
        if self.reconciler.started and (self._events is None or not self._events.alive):
            self._events = EngineWatcher(self.engine, self.deps.cloud_id, self.reconciler,
                                         self.suspect).start()
        with self._suspects_lock:
            suspects, self._suspects = self._suspects, set()
        seen = {c.labels.get(LABEL_SERVER): c
                for c in self.engine.list_managed(self.deps.cloud_id)}
        with self.deps.sessions() as db:
            rows = list(db.scalars(select(Server).where(Server.deleted.is_(False))))
            for s in rows:
                db.expunge(s)
        live = {s.id for s in rows}
        for sid, c in seen.items():
            if sid and sid not in live:
                log.info("removing orphan container %s", c.name)
                self.engine.remove(c.name)
                self.engine.remove_volume(volume_name(sid))
        unfinished = []
        for s in rows:
            if s.task_state is not None or s.vm_state == "building":
                unfinished.append(s.id)
            elif s.vm_state != "error":
                found = seen.get(s.id)
                if found is None or not _agrees(s, found.status) or \
                        container_name(s.id) in suspects:
                    # the listing may predate a spawn that finished since: ask again
                    self._repair(s, self.engine.inspect(container_name(s.id)), first)
        return unfinished

    def _repair(self, s: Server, c: ContainerState | None, first: bool) -> None:
        if first and c is not None and c.status == "exited" and s.vm_state == "active":
            # at start, after a host (or engine) restart: bring back what was running,
            # as Nova's resume_guests_state_on_host_boot
            self._start(s, c.name)
            self._network_changed(s.id)
        elif c is None:
            self._fail(s.id, None, "The container of this server disappeared from the "
                       "container engine.")
        elif c.status in ("exited", "dead", "created") and not _agrees(s, c.status):
            self._finish(s.id, None, vm_state="stopped", power_state=states.SHUTDOWN)
            self._network_changed(s.id)
        elif c.status == "running" and _powered_off(s):
            self.engine.stop(c.name, STOP_TIMEOUT)  # the database is the truth
        elif c.status == "paused" and s.vm_state in ("active", "resized"):
            self.engine.unpause(c.name)

    def container_stats(self, server: Server) -> ContainerStats | None:
        """A usage reading of the server's container (diagnostics); None if it is gone.
        May raise the engine's EngineError."""
        return self.engine.stats(container_name(server.id))

    def console_output(self, server: Server, tail: int | None) -> str:
        """The container's output, its newest MAX_CONSOLE_BYTES at most (as Nova's libvirt
        driver; the engine keeps a capped log, newest kept); with `tail`, Nova's
        _tail_log: the last `tail` items of the text split on newlines (so a log ending in
        a newline gives tail - 1 lines and an empty last item), and control characters
        other than tab and newline removed."""
        if tail == 0:
            return ""
        try:
            text = self.engine.logs(container_name(server.id), tail)
        except EngineError:
            return ""
        if len(text) > MAX_CONSOLE_BYTES:
            text = text[-MAX_CONSOLE_BYTES:]
        if tail is not None:
            text = "\n".join(text.split("\n")[-tail:])
        return CONTROL.sub("", text)



def _powered_off(server: Server) -> bool:
    """SHUTOFF, or VERIFY_RESIZE of a server resized while SHUTOFF (Nova keeps it off)."""
    return server.vm_state == "stopped" or (
        server.vm_state == "resized" and _resized_from(server) == "stopped")


def _agrees(server: Server, status: str) -> bool:
    """Whether a container's status is what the server's vm_state wants."""
    vm_state = "stopped" if _powered_off(server) else server.vm_state
    expected = {"active": ("running",), "resized": ("running",), "stopped": ("exited",
                "created", "dead"), "paused": ("paused",), "suspended": ("paused",)}
    return status in expected.get(vm_state, (status,))


def _resized_from(server: Server) -> str:
    """The vm_state a resize started from (kept with the old flavor until it ends)."""
    return str((server.old_flavor or {}).get("_vm_state", "active"))
