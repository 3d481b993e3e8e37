"""The two shapes of GET /servers/{id}/diagnostics, from one container reading.

Before 2.48 Nova answers its driver's own flat dict; cheptel's uses the key names of
Nova's libvirt driver (cpuN_time, memory in KiB, <disk>_read, <iface>_rx, ...) for what
Docker counts, and leaves out what it does not. From 2.48 the standard body (nova/api/
openstack/compute/views/server_diagnostics.py): every field present, null when unknown.

`driver` is an enum in Nova's 2.48 response schema (libvirt, xenapi, vmwareapi, ironic;
Tempest also accepts hyperv): none of them is Docker. cheptel answers "libvirt", the one
whose diagnostics ours follow field for field and units for unit, and which runs
containers too (virt_type=lxc); `hypervisor`, free text (libvirt's virt_type), says
"docker", so the engine is not hidden.

What the fields hold: memory_details the container's memory limit (the flavor's RAM) and
its working set (usage less inactive page cache), MiB; cpu_details the CPU time spent on
each host CPU when the engine accounts per CPU (cgroup v1; a container is not pinned, so
these are the host's CPUs), else one entry with the total and a null id; num_cpus the
flavor's vCPUs (the container's CPU quota); nic_details each interface inside the
container (eth0, ...) with its MAC; one disk, the container's root filesystem, with the
container's block I/O; config_drive the server's (as Nova's configdrive.required_by);
uptime the seconds since the container last started. A one-shot reading has no earlier
sample, so rates and CPU utilisation are null.
"""

from __future__ import annotations

from cheptel.backends.engine import ContainerStats
from cheptel.compute import states
from cheptel.compute.models import Server

DRIVER = "libvirt"
HYPERVISOR = "docker"
MIB, KIB = 1024 * 1024, 1024


def _per(value: int | None, unit: int) -> int | None:
    return None if value is None else value // unit


def standard(server: Server, stats: ContainerStats, now: float) -> dict:
    """The 2.48 body."""
    if stats.cpu_per_cpu:
        cpus = [{"id": i, "time": t, "utilisation": None}
                for i, t in enumerate(stats.cpu_per_cpu)]
    else:
        cpus = [{"id": None, "time": stats.cpu_total, "utilisation": None}]
    nics = [{"mac_address": n.mac, "rx_octets": n.rx_bytes, "rx_errors": n.rx_errors,
             "rx_drop": n.rx_dropped, "rx_packets": n.rx_packets, "rx_rate": None,
             "tx_octets": n.tx_bytes, "tx_errors": n.tx_errors, "tx_drop": n.tx_dropped,
             "tx_packets": n.tx_packets, "tx_rate": None} for n in stats.nics]
    disks = [{"read_bytes": stats.disk_read_bytes, "read_requests": stats.disk_read_ops,
              "write_bytes": stats.disk_write_bytes, "write_requests": stats.disk_write_ops,
              "errors_count": None}]
    return {
        "state": states.POWER_NAMES[states.RUNNING], "driver": DRIVER,
        "hypervisor": HYPERVISOR, "hypervisor_os": stats.platform,
        "uptime": None if stats.started_at is None else max(0, int(now - stats.started_at)),
        "config_drive": bool(server.config_drive),
        "num_cpus": int(server.flavor.get("vcpus") or len(cpus)),
        "num_nics": len(nics), "num_disks": len(disks),
        "cpu_details": cpus, "nic_details": nics, "disk_details": disks,
        "memory_details": {"maximum": _per(stats.memory_limit, MIB),
                           "used": _per(stats.memory_used, MIB)},
    }


def legacy(stats: ContainerStats) -> dict:
    """The driver-specific body before 2.48, in the libvirt driver's key names."""
    out: dict[str, int | None] = {}
    if stats.cpu_per_cpu:
        out.update({f"cpu{i}_time": t for i, t in enumerate(stats.cpu_per_cpu)})
    else:
        out["cpu_time"] = stats.cpu_total
    out["memory"] = _per(stats.memory_limit, KIB)
    out["memory-used"] = _per(stats.memory_used, KIB)
    out.update({"root_read": stats.disk_read_bytes, "root_read_req": stats.disk_read_ops,
                "root_write": stats.disk_write_bytes, "root_write_req": stats.disk_write_ops})
    for n in stats.nics:
        out.update({f"{n.name}_rx": n.rx_bytes, f"{n.name}_rx_packets": n.rx_packets,
                    f"{n.name}_rx_errors": n.rx_errors, f"{n.name}_rx_drop": n.rx_dropped,
                    f"{n.name}_tx": n.tx_bytes, f"{n.name}_tx_packets": n.tx_packets,
                    f"{n.name}_tx_errors": n.tx_errors, f"{n.name}_tx_drop": n.tx_dropped})
    return {k: v for k, v in out.items() if v is not None}
