"""The persona matrix's tables for compute and image (test_policy_matrix): the personas,
what each rule lets each of them get, every route's rule (EXPECT), the answers an allowed
persona may get that are not a 2xx (ANSWERS), where a path parameter points (AIM), the
microversion a route needs (VERSIONS) and each write's minimal body (BODIES)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.integration.compute import matrix_metadefs as metadefs

if TYPE_CHECKING:
    from tests.integration.compute.test_policy_matrix import World

PASSWORD = "matrix-pw-1"
PERSONAS = ("reader_a", "member_a", "admin_a", "member_b")
OK = "ok"
# What each persona gets, in PERSONAS order: OK (let through: any answer but 401, 403 or
# 404, or the route's own ANSWERS), else the refusal: 403 (forbidden) or 404 (not seen).
RULES: dict[str, tuple[object, ...]] = {
    "anyone": (OK, OK, OK, OK),  # discovery: no token needed either
    "open": (OK, OK, OK, OK),  # any project token, on the caller's own or shared things
    "create": (403, OK, OK, OK),  # a member creates in its own project
    "read_a": (OK, OK, OK, 404),  # reading an object of A: B cannot see it
    "write_a": (403, OK, OK, 404),  # changing an object of A
    "admin": (403, 403, OK, 403),  # admin-only APIs
    "admin_on_a": (403, 403, OK, 404),  # an admin-only action on an object of A
    "quota_a": (OK, OK, OK, 403),  # A's quotas: a policy target, not an object
    "owner_of_shared": (403, OK, OK, 403),  # the owner manages who shares (B sees it)
    "consumer": (403, 403, OK, OK),  # B answers for its own membership, not the owner
    "own_keypair": (404, OK, 404, 404),  # member_a's keypair by name: each looks up its own
    "user_keypair": (403, OK, OK, 403),  # ?user_id=member_a: that user or an admin
}
C, G = "compute", "image"
S, ONE = "/v2.1/servers", "/v2.1/servers/{server_id}"
FL, SPECS = "/v2.1/flavors/{flavor_id}", "/v2.1/flavors/{flavor_id}/os-extra_specs"
KP, QS, QC = "/v2.1/os-keypairs", "/v2.1/os-quota-sets/{project_id}", \
    "/v2.1/os-quota-class-sets/{class_name}"
HV, SVC, AGG, SG = "/v2.1/os-hypervisors", "/v2.1/os-services", "/v2.1/os-aggregates", \
    "/v2.1/os-server-groups"
HOSTS = "/v2.1/os-hosts"
VA = ONE + "/os-volume_attachments"
VOLS, SNAPS, USAGE = "/v2.1/os-volumes", "/v2.1/os-snapshots", "/v2.1/os-simple-tenant-usage"
IMG, MEM = "/v2/images/{image_id}", "/v2/images/{image_id}/members"
IMAGE_NOT_IMPLEMENTED = ("/v2/tasks", "/v2/cache", IMG + "/locations",
                         "/v2/info/usage")
SERVER_READS = ("", "/metadata", "/metadata/{key}", "/tags", "/tags/{tag}", "/ips",
                "/ips/{network}", "/os-instance-actions", "/os-instance-actions/{request_id}",
                "/os-security-groups", "/os-interface", "/os-interface/{port_id}",
                "/os-server-password")
SERVER_WRITES = (("PUT", ""), ("DELETE", ""), ("PUT", "/metadata"), ("POST", "/metadata"),
                 ("PUT", "/metadata/{key}"), ("DELETE", "/metadata/{key}"), ("PUT", "/tags"),
                 ("DELETE", "/tags"), ("PUT", "/tags/{tag}"), ("DELETE", "/tags/{tag}"),
                 ("POST", "/action"), ("POST", "/remote-consoles"), ("POST", "/os-interface"),
                 ("DELETE", "/os-interface/{port_id}"), ("DELETE", "/os-server-password"))
Key = tuple[str, str, str]  # service, method, path as in the route table
EXPECT: dict[Key, str] = {
    **{(C, "GET", p): "anyone" for p in ("/", "/v2", "/v2/", "/v2.1", "/v2.1/")},
    (C, "GET", S): "open", (C, "GET", S + "/detail"): "open", (C, "POST", S): "create",
    **{(C, "GET", ONE + p): "read_a" for p in SERVER_READS},
    **{(C, m, ONE + p): "write_a" for m, p in SERVER_WRITES},
    (C, "GET", ONE + "/diagnostics"): "admin_on_a",  # os-server-diagnostics: admin
    # os-server-external-events:create: admin or the service role (no persona holds it)
    (C, "POST", "/v2.1/os-server-external-events"): "admin",
    (C, "GET", "/v2.1/flavors"): "open", (C, "GET", "/v2.1/flavors/detail"): "open",
    (C, "POST", "/v2.1/flavors"): "admin", (C, "GET", FL): "open", (C, "PUT", FL): "admin",
    (C, "DELETE", FL): "admin", (C, "POST", FL + "/action"): "admin",
    (C, "GET", FL + "/os-flavor-access"): "admin", (C, "GET", SPECS): "open",
    (C, "POST", SPECS): "admin", (C, "GET", SPECS + "/{key}"): "open",
    (C, "PUT", SPECS + "/{key}"): "admin", (C, "DELETE", SPECS + "/{key}"): "admin",
    (C, "GET", KP): "open", (C, "POST", KP): "open",
    (C, "GET", KP + "/{keypair_name}"): "own_keypair",
    (C, "DELETE", KP + "/{keypair_name}"): "own_keypair",
    (C, "GET", "/v2.1/limits"): "open",
    (C, "GET", QS): "quota_a", (C, "PUT", QS): "admin", (C, "DELETE", QS): "admin",
    (C, "GET", QS + "/detail"): "quota_a", (C, "GET", QS + "/defaults"): "open",
    (C, "GET", QC): "admin", (C, "PUT", QC): "admin",
    (C, "GET", "/v2.1/os-availability-zone"): "open",
    (C, "GET", "/v2.1/os-availability-zone/detail"): "admin",
    **{(C, "GET", HV + p): "admin" for p in ("", "/detail", "/statistics", "/{hypervisor_id}",
                                             "/{hypervisor_id}/uptime", "/{pattern}/search",
                                             "/{pattern}/servers")},
    (C, "GET", SVC): "admin", (C, "PUT", SVC + "/{service_id}"): "admin",
    (C, "DELETE", SVC + "/{service_id}"): "admin",
    **{(C, m, p): "admin" for m, p in (("GET", AGG), ("POST", AGG),
                                       ("GET", AGG + "/{aggregate_id}"))},
    (C, "GET", SG): "open", (C, "POST", SG): "create", (C, "GET", SG + "/{group_id}"): "read_a",
    (C, "DELETE", SG + "/{group_id}"): "write_a",
    (C, "GET", ONE + "/topology"): "read_a",  # 2.78; PROJECT_READER_OR_ADMIN
    (C, "GET", "/v2.1/os-migrations"): "admin",  # PROJECT_MANAGER_OR_ADMIN; no manager here
    (C, "GET", "/v2.1/os-floating-ip-pools"): "open",  # RULE_ANY, before 2.36
    **{(C, m, HOSTS + p): "admin" for m, p in (
        ("GET", ""), ("GET", "/{host_name}"), ("PUT", "/{host_name}"),
        ("GET", "/{host_name}/reboot"), ("GET", "/{host_name}/shutdown"),
        ("GET", "/{host_name}/startup"))},  # os-hosts, before 2.43
    # volumes: attachments of A's server; the proxies (before 2.36); usage
    (C, "GET", VA): "read_a", (C, "POST", VA): "write_a",
    (C, "GET", VA + "/{volume_id}"): "read_a", (C, "PUT", VA + "/{volume_id}"): "write_a",
    (C, "DELETE", VA + "/{volume_id}"): "write_a",
    (C, "GET", VOLS): "open", (C, "GET", VOLS + "/detail"): "open", (C, "POST", VOLS): "create",
    (C, "GET", VOLS + "/{volume_id}"): "read_a", (C, "DELETE", VOLS + "/{volume_id}"): "write_a",
    (C, "GET", VOLS + "/"): "open", (C, "DELETE", VOLS + "/"): "open",  # Nova's 404 (ANSWERS)
    (C, "GET", SNAPS): "open", (C, "GET", SNAPS + "/detail"): "open",
    (C, "POST", SNAPS): "create",  # B names A's volume: Cinder's 404 relayed as a 400
    (C, "GET", SNAPS + "/{snapshot_id}"): "read_a",
    (C, "DELETE", SNAPS + "/{snapshot_id}"): "write_a",
    (C, "GET", USAGE): "admin", (C, "GET", USAGE + "/{project_id}"): "quota_a",
    (C, "GET", USAGE + "/"): "open",  # Nova's 404 (ANSWERS)
    **{(G, m, p + tail): "open" for p in IMAGE_NOT_IMPLEMENTED for tail in ("", "/{rest:path}")
       for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    **{(G, "GET", p): "anyone" for p in ("/", "/versions", "/v2", "/v2/")},
    **{(G, "GET", p): "open" for p in ("/v2/schemas/{name}", "/v2/info/import",
                                       "/v2/info/stores", "/v2/info/stores/detail",
                                       "/v2/images")},
    (G, "POST", "/v2/images"): "create", (G, "GET", IMG): "read_a", (G, "PATCH", IMG): "write_a",
    (G, "GET", IMG + "/tasks"): "read_a",
    (G, "DELETE", IMG): "write_a", (G, "PUT", IMG + "/file"): "write_a",
    (G, "GET", IMG + "/file"): "read_a",  # Glance's default wants a member: see the report
    (G, "PUT", IMG + "/stage"): "open",  # 404 for all: no glance-direct (ANSWERS)
    (G, "POST", IMG + "/import"): "open",  # 400 for all: no import method, checked first
    (G, "PUT", IMG + "/tags/{tag}"): "write_a", (G, "DELETE", IMG + "/tags/{tag}"): "write_a",
    (G, "POST", IMG + "/actions/deactivate"): "write_a",
    (G, "POST", IMG + "/actions/reactivate"): "write_a",
    (G, "GET", MEM): "open", (G, "POST", MEM): "owner_of_shared",
    (G, "GET", MEM + "/{member_id}"): "open", (G, "PUT", MEM + "/{member_id}"): "consumer",
    (G, "DELETE", MEM + "/{member_id}"): "owner_of_shared",
    **metadefs.EXPECT,
}
# The keypair routes again, for another user's keypairs (?user_id= / body user_id, 2.10+).
EXPECT_USER: dict[Key, str] = {(C, m, p): "user_keypair" for m, p in (
    ("GET", KP), ("POST", KP), ("GET", KP + "/{keypair_name}"),
    ("DELETE", KP + "/{keypair_name}"))}
# Where the allowed answer is itself a 404 or a 501: (status, text of its message).
ANSWERS: dict[Key, tuple[int, str]] = {
    (C, "GET", ONE + "/ips/{network}"): (404, "not a member of specified network"),
    # the shared server has no port of that id: the allowed answer is the 404
    (C, "GET", ONE + "/os-interface/{port_id}"): (404, "Network interface"),
    (C, "DELETE", ONE + "/os-interface/{port_id}"): (404, "Network interface"),
    (C, "GET", AGG + "/{aggregate_id}"): (404, "Aggregate 1 could not be found"),
    (C, "POST", AGG): (501, "not supported"),
    # Nova's libvirt driver implements none of these either: 501 once the host is known
    **{(C, m, HOSTS + p): (501, "not supported") for m, p in (
        ("PUT", "/{host_name}"), ("GET", "/{host_name}/reboot"),
        ("GET", "/{host_name}/shutdown"), ("GET", "/{host_name}/startup"))},
    **{(C, m, p + "/"): (404, "could not be found") for m, p in (
        ("GET", VOLS), ("DELETE", VOLS), ("GET", USAGE))},
    (G, "GET", "/v2/info/stores"): (404, "Multi backend"),
    (G, "GET", "/v2/info/stores/detail"): (404, "Multi backend"),
    (G, "PUT", IMG + "/stage"): (404, "glance-direct"),
    **{k: (501, "not implemented") for k in EXPECT if k[0] == G and k[2].startswith(
        IMAGE_NOT_IMPLEMENTED)},
}
# Path parameters aimed elsewhere than the shared fixtures ("spare:" = a throwaway).
AIM: dict[Key, dict[str, str]] = {
    (C, "DELETE", ONE): {"server_id": "spare:server"},
    (C, "DELETE", FL): {"flavor_id": "spare:flavor"},
    (C, "POST", FL + "/action"): {"flavor_id": "flavor_private"},
    (C, "GET", FL + "/os-flavor-access"): {"flavor_id": "flavor_private"},
    (C, "DELETE", KP + "/{keypair_name}"): {"keypair_name": "spare:keypair"},
    (C, "PUT", QS): {"project_id": "project_c"}, (C, "DELETE", QS): {"project_id": "project_c"},
    (C, "DELETE", SG + "/{group_id}"): {"group_id": "spare:group"},
    (C, "DELETE", VA + "/{volume_id}"): {"volume_id": "spare:attached"},
    (C, "DELETE", VOLS + "/{volume_id}"): {"volume_id": "spare:volume"},
    (C, "DELETE", SNAPS + "/{snapshot_id}"): {"snapshot_id": "spare:snapshot"},
    (G, "DELETE", IMG): {"image_id": "spare:image"},
    (G, "PUT", IMG + "/file"): {"image_id": "spare:image"},
    (G, "POST", IMG + "/actions/deactivate"): {"image_id": "image_active"},
    (G, "POST", IMG + "/actions/reactivate"): {"image_id": "image_active"},
    **{(G, m, p): {"image_id": "image_shared"} for m, p in (
        ("GET", MEM), ("POST", MEM), ("GET", MEM + "/{member_id}"),
        ("PUT", MEM + "/{member_id}"), ("DELETE", MEM + "/{member_id}"))},
    **metadefs.AIM,
}
VERSIONS = {HV + "/statistics": "2.87", HV + "/{hypervisor_id}/uptime": "2.87",
            HV + "/{pattern}/search": "2.52", HV + "/{pattern}/servers": "2.52",
            "/v2.1/os-floating-ip-pools": "2.35",
            **{p + tail: "2.35" for p in (VOLS, SNAPS)
               for tail in ("", "/", "/detail", "/{volume_id}", "/{snapshot_id}")},
            **{HOSTS + p: "2.42" for p in ("", "/{host_name}", "/{host_name}/reboot",
                                           "/{host_name}/shutdown", "/{host_name}/startup")}}
PATCH_MEDIA = "application/openstack-images-v2.1-json-patch"
Body = Callable[["World"], object]
BODIES: dict[Key, Body] = {
    (C, "POST", S): lambda w: {"server": {"name": uniq(), "imageRef": w.ids["busybox"],
                                          "flavorRef": w.ids["tiny"], "networks": "none"}},
    (C, "PUT", ONE): lambda w: {"server": {"name": "mx-server"}},
    (C, "PUT", ONE + "/metadata"): lambda w: {"metadata": {"mx": "1"}},
    (C, "POST", ONE + "/metadata"): lambda w: {"metadata": {"mx": "1"}},
    (C, "PUT", ONE + "/metadata/{key}"): lambda w: {"meta": {"mx": "1"}},
    (C, "POST", "/v2.1/os-server-external-events"): lambda w: {"events": [
        {"name": "network-changed", "server_uuid": w.ids["server_id"]}]},
    (C, "PUT", ONE + "/tags"): lambda w: {"tags": ["mx"]},
    (C, "POST", ONE + "/action"): lambda w: {"os-getConsoleOutput": {"length": 5}},
    (C, "POST", ONE + "/remote-consoles"): lambda w: {
        "remote_console": {"protocol": "serial", "type": "serial"}},
    (C, "POST", ONE + "/os-interface"): lambda w: {"interfaceAttachment": {}},
    (C, "POST", "/v2.1/flavors"): lambda w: {"flavor": {"name": uniq(), "ram": 64, "vcpus": 1,
                                                        "disk": 0}},
    (C, "PUT", FL): lambda w: {"flavor": {"description": "mx"}},
    (C, "POST", FL + "/action"): lambda w: {"addTenantAccess": {"tenant": w.ids["project_b"]}},
    (C, "POST", SPECS): lambda w: {"extra_specs": {"mx": "1"}},
    (C, "PUT", SPECS + "/{key}"): lambda w: {"mx": "1"},
    (C, "POST", KP): lambda w: {"keypair": {"name": uniq()}},
    (C, "PUT", QS): lambda w: {"quota_set": {"instances": 10}},
    (C, "PUT", QC): lambda w: {"quota_class_set": {"instances": 10}},
    (C, "PUT", SVC + "/{service_id}"): lambda w: {"status": "enabled"},
    (C, "PUT", HOSTS + "/{host_name}"): lambda w: {"status": "enable"},
    (C, "POST", AGG): lambda w: {"aggregate": {"name": uniq()}},
    (C, "POST", SG): lambda w: {"server_group": {"name": uniq(), "policy": "affinity"}},
    (C, "POST", VA): lambda w: {"volumeAttachment": {"volumeId": w.make("volume")}},
    (C, "PUT", VA + "/{volume_id}"): lambda w: {"volumeAttachment": {
        "volumeId": w.ids["volume_id"], "delete_on_termination": False}},
    (C, "POST", VOLS): lambda w: {"volume": {"size": 1}},
    (C, "POST", SNAPS): lambda w: {"snapshot": {"volume_id": w.make("volume")}},
    (G, "POST", "/v2/images"): lambda w: {"name": uniq(), "disk_format": "raw",
                                          "container_format": "bare"},
    (G, "PATCH", IMG): lambda w: [{"op": "replace", "path": "/name", "value": "mx-image"}],
    (G, "PUT", IMG + "/file"): lambda w: b"matrix data",
    (G, "PUT", IMG + "/stage"): lambda w: b"matrix data",
    (G, "POST", IMG + "/import"): lambda w: {"method": {"name": "glance-direct"}},
    (G, "POST", MEM): lambda w: {"member": w.ids["project_c"]},
    (G, "PUT", MEM + "/{member_id}"): lambda w: {"status": "pending"},
    **{k: (lambda w: {}) for k in EXPECT if k[0] == G and k[1] in ("POST", "PUT", "PATCH")
       and k[2].startswith(IMAGE_NOT_IMPLEMENTED)},
    **metadefs.BODIES,
}
NO_BODY = {(C, "PUT", ONE + "/tags/{tag}"), (G, "PUT", IMG + "/tags/{tag}"),
           (G, "POST", IMG + "/actions/deactivate"), (G, "POST", IMG + "/actions/reactivate"),
           *metadefs.NO_BODY}


def uniq(prefix: str = "mx") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
