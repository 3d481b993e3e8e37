"""OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition
(heat/engine/resources/openstack/heat/wait_condition{,_handle}.py).

The handle makes a stack user (service/stack_users.py) and gives its token and the
resource's signal URL (Heat's `POST /v1/{project}/stacks/{stack}/{id}/resources/{handle}
/signal`): a server's user_data runs `curl_cli` (or wget) with a body such as
{"status": "SUCCESS", "reason": ..., "data": ..., "id": ...}. The signal is stored with
the handle (service/signals.py) and wakes the stack. The wait condition is done once
`count` signals say SUCCESS; a FAILURE fails it with the reasons
(WaitConditionFailure), and `timeout` seconds without enough fails it
(WaitConditionTimeout: "0 of 1 received"). Its `data` attribute is the signals' data by
id, as JSON. signal_transport TOKEN_SIGNAL (Heat's default) and NO_SIGNAL (no user, the
condition is met at once) are supported; the others are refused.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from cheptel.orchestration.errors import InvalidTemplate, ResourceFailure
from cheptel.orchestration.models import StackResource
from cheptel.orchestration.resources.base import (
    Prop,
    Record,
    ResourceType,
    now,
    orchestration_url,
)
from cheptel.orchestration.service import stack_users
from cheptel.orchestration.service.cloud import Cloud, InProcess

HANDLE = "OS::Heat::WaitConditionHandle"
TRANSPORTS = ("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL", "NO_SIGNAL", "ZAQAR_SIGNAL",
              "TOKEN_SIGNAL")
SUPPORTED = ("TOKEN_SIGNAL", "NO_SIGNAL")


def _engine(cloud: Cloud) -> InProcess:
    """A handle's user and signals are the orchestration service's own rows, in the
    engine's transaction."""
    if not isinstance(cloud, InProcess):
        raise TypeError("a wait condition needs the engine's in-process cloud")
    return cloud


def _validate_handle(name: str, p: dict[str, Any]) -> None:
    transport = p.get("signal_transport")
    if transport is not None and transport not in TRANSPORTS:
        raise InvalidTemplate(f"Property error: resources.{name}.properties."
                              f"signal_transport: \"{transport}\" is not an allowed value "
                              f"[{', '.join(TRANSPORTS)}]")
    if transport is not None and transport not in SUPPORTED:
        raise InvalidTemplate(f"Property error: resources.{name}.properties."
                              f"signal_transport: {transport} is not supported here "
                              f"(only {', '.join(SUPPORTED)})")


def _create_handle(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    r.physical_id = r.name
    r.data = {"signals": {}, "transport": p.get("signal_transport") or "TOKEN_SIGNAL"}
    if r.data["transport"] == "TOKEN_SIGNAL":
        ip = _engine(cloud)
        user_id, token = stack_users.create(ip.deps, ip.db, cloud.project_id, r.name)
        r.data.update(user_id=user_id, token=token)


def _delete_handle(cloud: Cloud, r: Record) -> None:
    if r.data.get("user_id"):
        stack_users.delete(_engine(cloud).db, str(r.data["user_id"]))


def endpoint(cloud: Cloud, r: Record) -> str:
    assert r.stack is not None
    return (f"{orchestration_url(cloud)}/stacks/{quote(r.stack.name, safe='')}/"
            f"{r.stack.id}/resources/{quote(r.resource, safe='')}/signal")


def _show_handle(cloud: Cloud, r: Record) -> dict[str, Any]:
    token = r.data.get("token")
    if not token:  # NO_SIGNAL: Heat's None for every attribute
        return {"token": None, "endpoint": None, "curl_cli": None, "signal": None}
    url = endpoint(cloud, r)
    return {"token": token, "endpoint": url,
            "curl_cli": (f"curl -i -X POST -H 'X-Auth-Token: {token}' -H 'Content-Type: "
                         f"application/json' -H 'Accept: application/json' {url}"),
            "signal": json.dumps({"endpoint": url, "token": token})}


WAIT_CONDITION_HANDLE = ResourceType(
    name=HANDLE, description="Resource for managing instance signals.",
    properties={"signal_transport": Prop(
        "string", "How the client will signal the wait condition: TOKEN_SIGNAL (an HTTP "
        "POST to the Heat API's signal URL with the provided Keystone token) or NO_SIGNAL "
        "(signalled at once).", default="TOKEN_SIGNAL")},
    attributes={"token": "Token for stack-user which can be used for signalling handle.",
                "endpoint": "Endpoint/url which can be used for signalling handle.",
                "curl_cli": "Convenience attribute, provides curl CLI command prefix, which "
                "can be used for signalling handle completion or failure: add "
                "--data-binary '{\"status\": \"SUCCESS\"}' (or FAILURE).",
                "signal": "JSON serialized map that includes the endpoint and token to "
                "use for signalling this handle."},
    create=_create_handle, delete=_delete_handle, show=_show_handle,
    validate=_validate_handle)


def _handle_row(cloud: Cloud, r: Record) -> StackResource:
    assert r.stack is not None
    ref = str(r.properties.get("handle") or "")
    for row in _engine(cloud).db.scalars(select(StackResource).where(
            StackResource.stack_id == r.stack.id, StackResource.type == HANDLE)):
        if ref in (row.physical_id, row.name):
            return row
    raise ResourceFailure(f"WaitConditionHandle {ref!r} could not be found in the stack.")


def _create_wait(cloud: Cloud, p: dict[str, Any], r: Record) -> None:
    r.physical_id = r.name
    r.data = {"started": now(cloud)}


def _waited(cloud: Cloud, r: Record) -> bool:
    handle = _handle_row(cloud, r)
    data = handle.data or {}
    if data.get("transport") == "NO_SIGNAL":
        return True
    signals = list((data.get("signals") or {}).values())
    failed = [str(s.get("reason")) for s in signals if s.get("status") == "FAILURE"]
    if failed:
        raise ResourceFailure(f"WaitConditionFailure: resources.{r.resource}: "
                              + ";".join(failed))
    count = int(r.properties.get("count") or 1)
    done = sum(1 for s in signals if s.get("status") == "SUCCESS")
    if done >= count:
        return True
    if now(cloud) - float(r.data.get("started") or 0) > float(r.properties["timeout"]):
        raise ResourceFailure(f"WaitConditionTimeout: resources.{r.resource}: {done} of "
                              f"{count} received")
    return False


def _show_wait(cloud: Cloud, r: Record) -> dict[str, Any]:
    signals = (_handle_row(cloud, r).data or {}).get("signals") or {}
    return {"data": json.dumps({k: s.get("data") for k, s in signals.items()})}


def _validate_wait(name: str, p: dict[str, Any]) -> None:
    timeout, count = p.get("timeout"), p.get("count")
    if timeout is not None and not 1 <= timeout <= 43200:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.timeout: "
                              f"{timeout} is out of range (min: 1, max: 43200)")
    if count is not None and count < 1:
        raise InvalidTemplate(f"Property error: resources.{name}.properties.count: "
                              f"{count} is out of range (min: 1, max: None)")


WAIT_CONDITION = ResourceType(
    name="OS::Heat::WaitCondition",
    description="Resource for handling signals received by WaitConditionHandle.",
    properties={"handle": Prop("string", "A reference to the wait condition handle used "
                               "to signal this wait condition.", required=True),
                "timeout": Prop("number", "The number of seconds to wait for the correct "
                                "number of signals to arrive.", required=True),
                "count": Prop("integer", "The number of success signals that must be "
                              "received before the stack creation process continues.",
                              default=1, update_allowed=True)},
    attributes={"data": "JSON string containing data associated with wait condition "
                "signals sent to the handle."},
    create=_create_wait, delete=lambda cloud, r: None, show=_show_wait, ready=_waited,
    update=lambda cloud, changed, r: r.data.update(started=now(cloud)),  # waits again
    validate=_validate_wait)

TYPES = [WAIT_CONDITION_HANDLE, WAIT_CONDITION]
