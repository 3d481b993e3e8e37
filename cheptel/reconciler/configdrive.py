"""The config drive: OpenStack's metadata files, read-only at /openstack in the server
(the same files as the metadata service's, cheptel.compute.metadata)."""

from __future__ import annotations

from cheptel.compute.metadata import Facts, openstack_files
from cheptel.compute.models import Server


def files(server: Server, metadata: dict[str, str]) -> dict[str, bytes]:
    """Paths (relative to the drive's root, mounted at /openstack) -> contents."""
    return {f"latest/{name}": body
            for name, body in openstack_files(Facts(server, metadata)).items()}
