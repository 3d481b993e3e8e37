"""Operator commands: `cheptel serve`, `cheptel init`, `cheptel status`, `cheptel chaos`,
`cheptel teardown`, `cheptel image import-docker`."""

from __future__ import annotations

import argparse
import gc
import logging
import sys

from cheptel import __version__
from cheptel.config import from_env, parse_listen


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    overrides: dict[str, object] = {"data_dir": args.data_dir,
                                    "database_url": args.database_url,
                                    "public_url": args.public_url,
                                    "object_store_url": getattr(args, "object_store_url",
                                                                None)}
    if args.listen:
        overrides["listen_host"], overrides["listen_port"] = parse_listen(args.listen)
    return from_env(**overrides)


def _usage(settings) -> str:  # type: ignore[no-untyped-def]
    clouds = settings.data_dir / "clouds.yaml"
    return (f"cheptel {__version__} serving on {settings.base_url}\n"
            f"  export OS_CLIENT_CONFIG_FILE={clouds}\n"
            f"  openstack --os-cloud cheptel token issue        # admin\n"
            f"  openstack --os-cloud cheptel-demo project list  # demo (member)")


def cmd_init(args: argparse.Namespace) -> int:
    from cheptel.app import prepare

    deps = prepare(_settings(args))
    for note in deps.notes:
        print(note)
    print(f"data in {deps.settings.data_dir}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cheptel.app import build_app, prepare
    from cheptel.dashboard.asgi import make as make_dashboard
    from cheptel.runlock import Busy, hold_serving

    settings = _settings(args)
    try:  # held until the process ends: `cheptel teardown` of this data dir refuses
        lock = hold_serving(settings.data_dir)
    except Busy as exc:
        print(f"cheptel: {exc}", file=sys.stderr)
        return 3
    deps = prepare(settings)
    for note in deps.notes:
        print(note, flush=True)
    print(_usage(settings), flush=True)
    dashboard = make_dashboard(settings)
    if dashboard is not None:
        print(f"  dashboard: {settings.base_url}/dashboard/ (ready in a moment)", flush=True)
    app = build_app(deps, dashboard=dashboard)
    # What start-up made lives as long as the process: out of the collector's sight, a
    # full collection (triggered by a request that allocates much, as a listing of 1,000
    # servers) walks only what was made since, not the ~160,000 objects of the modules.
    gc.collect()
    gc.freeze()
    deps.reconciler.start()
    if dashboard is not None:
        dashboard.start()  # its thread waits until the API answers
    # keep-alive: the clients poll on pooled connections (`openstack ... --wait` every 5 s);
    # closing an idle one after uvicorn's default 5 s races the next request, which the
    # client sees as a reset connection
    uvicorn.run(app, host=settings.listen_host, port=settings.listen_port,
                log_level="warning", access_log=args.access_log, server_header=False,
                timeout_keep_alive=75)
    lock.close()
    return 0


def cmd_teardown(args: argparse.Namespace) -> int:
    """Exit 0: nothing of the cloud is left on this host; 1: something is (said on
    stderr; run it again); 3: refused, a `cheptel serve` of this data dir is running."""
    from cheptel.app import (
        make_balancers,
        make_blocks,
        make_containers,
        make_firewall,
        make_plumbing,
    )
    from cheptel.runlock import Busy, exclusive
    from cheptel.teardown import read_cloud_id, teardown

    settings = _settings(args)
    if not settings.data_dir.is_dir() and not settings.database_url:
        print(f"no cloud in {settings.data_dir}: nothing to remove")
        return 0
    try:
        with exclusive(settings.data_dir):
            cloud = read_cloud_id(settings.db_url)
            if cloud is None:
                print(f"no cloud in {settings.data_dir}: nothing to remove")
                return 0
            containers = make_containers(settings)
            removal = teardown(cloud, containers, make_firewall(settings),
                               make_blocks(settings), make_plumbing(containers),
                               make_balancers(settings, containers))
    except Busy as exc:
        print(f"cheptel: {exc}", file=sys.stderr)
        return 3
    print(removal.summary(), file=sys.stderr if removal.left else sys.stdout)
    return 1 if removal.left else 0


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 0: healthy; 1: unhealthy (said on the last line)."""
    from cheptel.app import make_containers
    from cheptel.status import gather

    settings = _settings(args)
    if not (settings.data_dir / "cheptel.db").exists() and not settings.database_url:
        print(f"no cloud in {settings.data_dir}", file=sys.stderr)
        return 1
    report = gather(settings, make_containers(settings))
    print(report.text())
    return 1 if report.problems else 0


def _restartable(containers, pidfile, url: str) -> None:  # type: ignore[no-untyped-def]
    """The dockerd fault's rails: the pid file's daemon serves the cloud's engine, which
    has live restore (without it, its restart would stop every container)."""
    from cheptel.backends import dockerd

    try:
        dockerd.daemon(pidfile, url)
        live = containers.host_info().get("live_restore")
    except Exception as exc:  # noqa: BLE001 - the engine's own errors, said once
        raise ValueError(f"the dockerd fault: {exc}") from exc
    if not live:
        raise ValueError("the dockerd fault needs an engine with live restore (dockerd "
                         "--live-restore, as scripts/setup.sh starts it): without it, its "
                         "restart would stop every container")


def cmd_chaos(args: argparse.Namespace) -> int:
    """Exit 0: the run ended (its report says how the cloud fared); 2: refused."""
    import signal
    from functools import partial
    from pathlib import Path

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from cheptel import chaos, chaos_group, chaos_pool
    from cheptel.app import make_containers, make_firewall
    from cheptel.backends import dockerd
    from cheptel.teardown import read_cloud_id

    settings = _settings(args)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    if not faults or set(faults) - set(chaos.FAULTS):
        raise ValueError(f"--faults takes {', '.join(chaos.FAULTS)}")
    if args.every < chaos.MIN_EVERY or args.duration <= 0:
        raise ValueError(f"--every is {chaos.MIN_EVERY:.0f} s at least, --duration positive")
    if not 0 < args.cut_for <= chaos.MAX_CUT:
        raise ValueError(f"--cut-for is more than 0 and {chaos.MAX_CUT:.0f} s at most")
    cloud = read_cloud_id(settings.db_url)
    if cloud is None:
        raise ValueError(f"no cloud in {settings.data_dir}")
    if args.pool and args.group:
        raise ValueError("--pool or --group, not both")
    if args.scaling_group and args.group:
        raise ValueError("--scaling-group or --group, not both")
    containers = make_containers(settings)
    if "dockerd" in faults:
        if settings.container_engine == "fake":  # no daemon of its own to restart
            raise ValueError("the dockerd fault needs a real engine (not the fake one)")
        _restartable(containers, Path(args.dockerd_pidfile), settings.docker_url)
    engine = create_engine(settings.db_url)
    pool: chaos_pool.PoolTarget | None = None
    group: chaos_group.GroupRun | None = None
    pick: chaos.Pick | None = None
    with Session(engine) as db:
        if args.pool:
            project, chosen, pool = chaos_pool.pool_targets(db, args.project, args.pool)
            pick = chaos_pool.PoolRun(engine, args.project, pool, args.seed).pick
        if args.scaling_group:
            project, where = chaos_group.find_group(db, args.project, args.scaling_group)
            group = chaos_group.GroupRun(engine, project, where, pool, args.seed)
            pick = group.pick
        elif not args.pool:
            project, chosen = chaos.targets(db, args.project, args.group)
    if group is not None:
        chosen = group.members(active=True)
    port = args.port or (pool.port if pool is not None else 80)
    if not port:
        raise ValueError(f"pool {args.pool} is no listener's default pool: give --port")
    schedule = chaos.plan(chosen, faults, args.duration, args.every, args.seed,
                          later=group is not None)
    print(f"plan: {len(schedule)} faults on {len(chosen)} ACTIVE servers of {args.project} "
          f"over {args.duration:.0f} s, probing port {port} of " + (
              "their floating IPs" if pool is None else
              f"load balancer {pool.loadbalancer or pool.loadbalancer_id} at {pool.address}"
              + ("" if group else f" ({len(pool.members)} of its pool's members are "
                 "victims)")))
    if group is not None:
        print(f"  scaling group {group.where.stack}/{group.where.resource} "
              f"({group.where.type}) now: " + (", ".join(
                  f"{t.name} ({t.address or 'no floating IP'})" for t in chosen) or "none"))
    for at, target, fault in schedule:
        if target is None:
            print(f"  t+{at:5.1f}s {fault:<5} one of the group's ACTIVE servers then")
            continue
        said = "restarted" if target is chaos.ENGINE else target.address or (
            "a member" if pool else "not probed")
        print(f"  t+{at:5.1f}s {fault:<5} {target.name} ({said})")
    if args.dry_run or not schedule:
        engine.dispose()
        return 0
    grace = chaos_group.GRACE if args.grace is None and group is not None else args.grace
    runner = chaos.Chaos(settings, containers, cloud, make_firewall(settings), grace,
                         args.cut_for, partial(dockerd.restart, Path(args.dockerd_pidfile),
                                               url=settings.docker_url))
    signal.signal(signal.SIGINT, lambda *_: runner.stop.set())
    report = runner.run(project, chosen, schedule, args.duration, port, faults,
                        say=lambda line: print(line, flush=True), pool=pool, pick=pick,
                        group=group)
    engine.dispose()
    print(report.text())
    print(f"report saved in {chaos.save(report, settings.data_dir)}")
    return 0


def cmd_image_import_docker(args: argparse.Namespace) -> int:
    import time

    from cheptel import db as dbmod
    from cheptel.app import make_containers
    from cheptel.backends.engine import EngineError
    from cheptel.errors import CheptelError
    from cheptel.image.service.importer import import_docker

    # Not prepare(): a serving cloud may share this data dir, and its start-up repairs
    # (requeue uploads in progress, sweep spool files) must not run under its feet.
    settings = _settings(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = dbmod.make_engine(settings.db_url)
    dbmod.migrate(engine)
    try:
        containers = make_containers(settings)
    except Exception as exc:  # the docker SDK's own errors: no engine to talk to
        print(f"cheptel: no container engine: {exc}", file=sys.stderr)
        return 1
    try:
        image = import_docker(dbmod.make_sessions(engine), settings.data_dir, containers,
                              args.ref, args.name, settings.image_size_cap, time.time)
    except (EngineError, CheptelError) as exc:
        print(f"cheptel: cannot import {args.ref}: {exc}", file=sys.stderr)
        return 1
    print(f"{image.id} {image.name} ({image.size} bytes, container_format docker, public)")
    return 0


def _image_commands(sub: argparse._SubParsersAction) -> None:
    image = sub.add_parser("image", help="manage images without the API")
    commands = image.add_subparsers(dest="image_command", required=True)
    p = commands.add_parser("import-docker", help="register an image of the local Docker "
                            "Engine (docker save) as a public image, container_format docker")
    p.add_argument("ref", metavar="REF", help="a Docker image reference, e.g. alpine:3.20")
    p.add_argument("--name", help="the image name (default: REF)")
    p.add_argument("--data-dir", help="where state lives (default ./data)")
    p.add_argument("--database-url", help="SQLAlchemy URL (default SQLite in the data dir)")
    p.set_defaults(func=cmd_image_import_docker, listen=None, public_url=None)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="cheptel", description="A private cloud in one process.")
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (("serve", cmd_serve, "run the cloud"),
                             ("init", cmd_init, "create and migrate the database, bootstrap")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--listen", help="HOST:PORT (default 127.0.0.1:8080)")
        p.add_argument("--data-dir", help="where state lives (default ./data)")
        p.add_argument("--database-url", help="SQLAlchemy URL (default SQLite in the data dir)")
        p.add_argument("--public-url", help="the base URL clients use (default from --listen)")
        p.add_argument("--object-store-url", metavar="URL",
                       help="an external Swift-API engine for the catalog's object-store, "
                       "as http://HOST:PORT/v1/AUTH_%%(project_id)s (docs/object-store.md)")
        if name == "serve":
            p.add_argument("--access-log", action="store_true", help="log every request")
        p.set_defaults(func=func)
    p = sub.add_parser("teardown", help="remove from this host everything the cloud of "
                       "this data dir put there (containers, volumes, networks, iptables "
                       "rules); refused while it serves")
    p.add_argument("--data-dir", help="where state lives (default ./data)")
    p.add_argument("--database-url", help="SQLAlchemy URL (default SQLite in the data dir)")
    p.set_defaults(func=cmd_teardown, listen=None, public_url=None)
    p = sub.add_parser("status", help="the cloud of this data dir at a glance: serving, "
                       "engine, resources by status, reconciler, disk; exit 1 if unhealthy")
    p.add_argument("--data-dir", help="where state lives (default ./data)")
    p.add_argument("--database-url", help="SQLAlchemy URL (default SQLite in the data dir)")
    p.set_defaults(func=cmd_status, listen=None, public_url=None)
    p = sub.add_parser("chaos", help="inject faults into a project's servers while probing "
                       "them, then report the availability seen (docs/metrics.md)")
    p.add_argument("--data-dir", help="where state lives (default ./data)")
    p.add_argument("--database-url", help="SQLAlchemy URL (default SQLite in the data dir)")
    p.add_argument("--project", required=True, help="the project (name or id) to hit")
    p.add_argument("--group", help="only the members of this server group (id)")
    p.add_argument("--pool", help="a load balancer pool (id): its members are the victims, "
                   "its load balancer's VIP (floating IP) is probed")
    p.add_argument("--scaling-group", metavar="STACK/RESOURCE", help="a Heat "
                   "AutoScalingGroup or ResourceGroup of the project's stack: its servers "
                   "are the victims, drawn at each fault; a kill is watched until the group "
                   "replaced it (with --pool: the VIP probed, the member ONLINE)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--every", type=float, default=10.0,
                   help="seconds between faults (default 10, at least 2)")
    p.add_argument("--faults", default="pause",
                   help="among pause,kill,stop,netcut,dockerd (default pause; dockerd "
                   "restarts the host's container engine, only when named)")
    p.add_argument("--dockerd-pidfile", default="/var/run/docker.pid",
                   help="the pid file of the dockerd the dockerd fault restarts "
                   "(default /var/run/docker.pid)")
    p.add_argument("--cut-for", type=float, default=5.0,
                   help="seconds a netcut lasts before it is restored (default 5, 300 at most)")
    p.add_argument("--port", type=int, help="the probed port (default 80; with --pool, "
                   "its listener's port)")
    p.add_argument("--seed", type=int, help="the random choice's seed (a repeatable plan)")
    p.add_argument("--grace", type=float, help="seconds each victim is watched for its "
                   "recovery after its fault (default 30, or three reconcile intervals; "
                   "120 with --scaling-group: a replacement boots)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, touch nothing")
    p.set_defaults(func=cmd_chaos, listen=None, public_url=None)
    _image_commands(sub)
    args = parser.parse_args(argv)
    from cheptel.backends.firewall import FirewallError

    try:
        return args.func(args)
    except ValueError as exc:
        print(f"cheptel: {exc}", file=sys.stderr)
        return 2
    except FirewallError as exc:  # e.g. the chain prefix is another cloud's on this host
        print(f"cheptel: {exc}", file=sys.stderr)
        return 1
