"""`cheptel teardown`: remove from this host everything one cloud put there.

A cloud that stops keeps what it made (its servers keep running, isolated by its rules);
this is the operator's way to take it all away. Everything is found by the cloud's id,
never by a name that looks like cheptel's: containers, config drive volumes (and the
Docker networks of a cheptel before issue 17) by the `cheptel.cloud` label, the Linux
bridges of its networks by their alias (`cheptel <cloud id> <network id>`; the veths of
its servers go with their containers' namespaces), its routers' and load balancers'
namespaces by their names (cheptel.backends.plumbing) and the HAProxy processes of its
load balancers (their files, in the data dir, are the scope), the images
it loaded into the engine by their repository (cheptel-image-<cloud id>), iptables
chains by the cloud's prefix and every rule, in any chain of any table (IPv4 and IPv6),
that jumps to one of them, and the loop devices and mounts of its attached volumes (under
the data dir). Another cloud on the same engine is never touched.

The order keeps what remains isolated at every step, whatever failed before: containers
first, then their images, volumes and networks, and the rules last, only once no
container of the cloud is left. A removal that fails leaves the rest for the next run,
which finds it the same way; a run with nothing left to remove changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from cheptel import db as dbmod
from cheptel.backends.balancer import BalancerError, Balancers
from cheptel.backends.blockstore import BlockStore, BlockStoreError
from cheptel.backends.engine import Engine, EngineError
from cheptel.backends.firewall import Firewall, FirewallError, prefix_for, taken
from cheptel.backends.plumbing import Plumbing, PlumbingError
from cheptel.cloud import CloudMeta
from cheptel.compute.images import engine_repository


@dataclass
class Removal:
    """What one teardown removed, and what it could not (each a sentence)."""

    cloud: str
    containers: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    balancers: list[str] = field(default_factory=list)  # HAProxy processes, their files
    mounts: list[str] = field(default_factory=list)  # attached volumes, the mount root
    rules: int = 0  # rules in the cloud's chains, and the jumps to them
    left: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.containers or self.images or self.volumes or self.networks
                    or self.balancers
                    or self.mounts or self.rules)

    def summary(self) -> str:
        if self.nothing and not self.left:
            return f"nothing of cloud {self.cloud} was left on this host"
        done = (f"removed {len(self.containers)} containers, {len(self.images)} images, "
                f"{len(self.balancers)} load balancers, "
                f"{len(self.volumes)} volumes, {len(self.networks)} networks, "
                f"{len(self.mounts)} mounts, {self.rules} "
                f"iptables rules of cloud {self.cloud}")
        return done + "".join(f"\nleft: {sentence}" for sentence in self.left)


def read_cloud_id(database_url: str) -> str | None:
    """The cloud id a database holds; None if there is no such database or cloud (an
    SQLite file is never created by asking)."""
    if database_url.startswith("sqlite:///") and not Path(
            database_url[len("sqlite:///"):]).is_file():
        return None
    engine = dbmod.make_engine(database_url)
    try:
        with dbmod.make_sessions(engine)() as db:
            row = db.get(CloudMeta, "cloud_id")
            return row.value if row is not None else None
    except DBAPIError:  # no cloud_meta table: never started
        return None
    finally:
        engine.dispose()


def teardown(cloud: str, engine: Engine, firewall: Firewall,
             blocks: BlockStore | None = None, plumbing: Plumbing | None = None,
             balancers: Balancers | None = None) -> Removal:
    """Remove the cloud's containers, volumes, networks, then the mounts of its attached
    volumes (`blocks`: the data dir's volume storage), then its rules (see the module).
    The volume files stay with the data dir."""
    if len(cloud) < 8:  # an empty or cut id would match other clouds' prefixes
        raise ValueError(f"not a cloud id: {cloud!r}")
    out = Removal(cloud)
    kinds: tuple[tuple[str, Callable[[], list[str]], Callable[[str], None], list[str]], ...]
    kinds = (("container", lambda: [c.name for c in engine.list_managed(cloud)],
              engine.remove, out.containers),
             ("image", lambda: engine.list_images(engine_repository(cloud)),
              engine.remove_image, out.images),
             ("volume", lambda: engine.list_volumes(cloud), engine.remove_volume, out.volumes),
             ("network", lambda: engine.list_networks(cloud), engine.remove_network,
              out.networks))
    if balancers is not None:  # before their namespaces (a process holds its own)
        kinds += (("load balancer", lambda: sorted(balancers.running()), balancers.remove,
                   out.balancers),)
    if plumbing is not None:  # once no container is left: a server stays wired
        kinds += (("load balancer namespace", lambda: sorted(plumbing.balancers(cloud)),
                   plumbing.remove_router, out.networks),
                  ("router namespace", lambda: [] if engine.list_managed(cloud) else sorted(
            plumbing.routers(cloud)), plumbing.remove_router, out.networks),
                  ("bridge", lambda: [] if engine.list_managed(cloud) else sorted(
                      plumbing.bridges(cloud)), plumbing.remove_bridge, out.networks))
    for kind, listing, remove, done in kinds:
        try:
            names = listing()
        except (EngineError, PlumbingError, BalancerError) as exc:
            out.left.append(f"{kind}s: the engine could not list them: {exc}")
            continue
        for name in names:
            try:
                remove(name)
                done.append(name)
            except (EngineError, PlumbingError, BalancerError) as exc:
                out.left.append(f"{kind} {name}: {exc}")
    still: dict[str, list[str]] = {}
    for kind, listing, _remove, done in kinds:  # what said it was removed, but is there
        try:
            still[kind] = listing()
        except (EngineError, PlumbingError, BalancerError) as exc:
            still[kind] = ["?"]
            out.left.append(f"{kind}s: the engine could not list them: {exc}")
        for name in set(still[kind]) & set(done):
            done.remove(name)
            out.left.append(f"{kind} {name}: still there after its removal")
    if still["container"]:  # a server still there stays isolated: its rules stay with it
        out.left.append("iptables rules kept: a container of the cloud may still be there")
        return out
    if blocks is not None:
        try:
            out.mounts = blocks.release()
        except BlockStoreError as exc:
            out.left.append(f"volume mounts: {exc}")
    prefix = prefix_for(cloud)
    owner = firewall.owner(prefix)
    if owner is not None and owner != cloud:  # the same 6 digits, another cloud's chains: kept
        out.left.append(f"iptables rules of {prefix}: {taken(prefix, owner)}")
        return out
    try:
        out.rules = firewall.owned_rules(prefix)
        firewall.clear(prefix)
        remaining = firewall.owned_rules(prefix)
    except FirewallError as exc:
        out.left.append(f"iptables rules of {prefix}: {exc}")
        return out
    if remaining:
        out.left.append(f"{remaining} iptables rules of {prefix}")
    else:
        firewall.release(prefix, cloud)
    return out
