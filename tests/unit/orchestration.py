"""Helpers for the orchestration tests: Heat's API over the in-process cloud."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.reconcile import Cloud

NET_SERVER = """
heat_template_version: 2018-08-31
description: a network, a subnet, a port and a server on it
parameters:
  cidr:
    type: string
    default: 10.77.1.0/24
    constraints:
      - allowed_pattern: "[0-9./]+"
  flavor:
    type: string
    default: m1.tiny
resources:
  net:
    type: OS::Neutron::Net
    properties:
      name: heat-net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: {get_param: cidr}
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips:
        - subnet: {get_resource: subnet}
  server:
    type: OS::Nova::Server
    properties:
      image: busybox
      flavor: {get_param: flavor}
      networks:
        - port: {get_resource: port}
outputs:
  address:
    description: the server's address
    value: {get_attr: [server, first_address]}
  port_ip:
    value: {get_attr: [port, fixed_ips, 0, ip_address]}
  net_name:
    value: {get_attr: [net, name]}
"""


def heat(cloud: Cloud, method: str, path: str, body: Any = None,
         token: str | None = None, project: str | None = None,
         follow: bool = True) -> httpx.Response:
    project = project or project_of(cloud, token or cloud.token)
    return cloud.api.client.request(
        method, f"/orchestration/v1/{project}{path}", json=body,
        headers={"X-Auth-Token": token or cloud.token}, follow_redirects=follow)


def project_of(cloud: Cloud, token: str) -> str:
    r = cloud.api.client.get("/identity/v3/auth/tokens",
                             headers={"X-Auth-Token": token, "X-Subject-Token": token})
    return str(r.json()["token"]["project"]["id"])


def quiet(cloud: Cloud) -> None:
    """The converger looks again a second later in production (a timer); here at once:
    the kick goes to the tests' pool, which runs it after the work queued before it."""
    converger = cloud.deps.reconciler.convergers["orchestration"]
    converger.later = lambda seconds, kick: kick()
