"""OS::Heat::SoftwareConfig, OS::Heat::CloudConfig and OS::Heat::MultipartMime
(heat/engine/resources/openstack/heat/{software_config,cloud_config,multi_part}.py):
each makes a software config through the orchestration API's /software_configs, whose
id is its reference and whose text is its `config` attribute. A server's user_data that
is a config's id (user_data_format RAW or SOFTWARE_CONFIG) boots with that config's
text (OS::Nova::Server, resources/nova.py)."""

from __future__ import annotations

import email.mime.multipart
import email.mime.text
from email import message_from_string
from typing import Any

import yaml

from cheptel.errors import NotFound
from cheptel.orchestration.errors import InvalidTemplate
from cheptel.orchestration.resources.base import (
    UUID,
    Prop,
    Record,
    ResourceType,
    gone_when_missing,
    ignore_missing,
)
from cheptel.orchestration.service.cloud import Cloud

ORCH = "orchestration"
UNGROUPED = "Heat::Ungrouped"


def _path(cloud: Cloud, tail: str = "") -> str:
    return f"/v1/{cloud.project_id}/software_configs{tail}"


def config_text(cloud: Cloud, ref: str) -> str | None:
    """The text of the software config `ref` names, or None if it names none."""
    if not UUID.match(ref):
        return None
    try:
        return str(cloud.call(ORCH, "GET", _path(cloud, f"/{ref}"))["software_config"]
                   ["config"])
    except NotFound:
        return None


def _made(cloud: Cloud, r: Record, body: dict[str, Any]) -> None:
    body = {"name": r.name, **{k: v for k, v in body.items() if v is not None}}
    r.physical_id = cloud.call(ORCH, "POST", _path(cloud), body)["software_config"]["id"]


def _show(cloud: Cloud, r: Record) -> dict[str, Any]:
    return dict(cloud.call(ORCH, "GET", _path(cloud, f"/{r.physical_id}"))["software_config"])


def _delete(cloud: Cloud, r: Record) -> None:
    if r.physical_id:
        ignore_missing(lambda: cloud.call(ORCH, "DELETE", _path(cloud, f"/{r.physical_id}")))


def _gone(cloud: Cloud, r: Record) -> bool:
    return not r.physical_id or gone_when_missing(lambda: _show(cloud, r))


def _type(name: str, description: str, properties: dict[str, Prop], body: Any,
          validate: Any = None) -> ResourceType:
    return ResourceType(
        name=name, description=description, properties=properties,
        attributes={"config": "The config value of the software config."},
        create=lambda cloud, p, r: _made(cloud, r, body(cloud, p)), delete=_delete,
        show=_show, gone=_gone, validate=validate)


GROUP = Prop("string", "Namespace to group this software config by when delivered to a "
             "server.", default=UNGROUPED)

SOFTWARE_CONFIG = _type(
    "OS::Heat::SoftwareConfig", "A resource for describing and storing software config.",
    {"group": GROUP,
     "config": Prop("string", "Configuration script or manifest which specifies what "
                    "actual configuration is performed."),
     "options": Prop("map", "Map containing options specific to the configuration "
                     "management tool used by this resource."),
     "inputs": Prop("list", "Schema representing the inputs that this software config "
                    "is expecting."),
     "outputs": Prop("list", "Schema representing the outputs that this software config "
                     "will produce.")},
    lambda cloud, p: {k: p.get(k) for k in ("group", "config", "options", "inputs",
                                             "outputs")})


def _cloud_config(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    text = yaml.safe_dump(p.get("cloud_config") or {}, default_flow_style=False)
    return {"group": UNGROUPED, "config": "#cloud-config\n" + text}


CLOUD_CONFIG = _type(
    "OS::Heat::CloudConfig", "A configuration resource for representing cloud-init "
    "cloud-config.",
    {"cloud_config": Prop("map", "Map representing the cloud-config data structure which "
                          "will be formatted as YAML.")}, _cloud_config)

PART_TYPES = ("text", "multipart")


def _part_config(cloud: Cloud, ref: str) -> str:
    text = config_text(cloud, ref)
    return ref if text is None else text


def _multipart(cloud: Cloud, p: dict[str, Any]) -> dict[str, Any]:
    message = email.mime.multipart.MIMEMultipart()
    for part in p.get("parts") or []:
        text = _part_config(cloud, str(part.get("config") or ""))
        if (part.get("type") or "text") == "multipart":
            for sub in message_from_string(text).walk():
                if not sub.is_multipart():
                    message.attach(sub)
            continue
        sub = email.mime.text.MIMEText(text, part.get("subtype") or "x-shellscript",
                                       "utf-8")
        if part.get("filename"):
            sub.add_header("Content-Disposition", "attachment",
                           filename=str(part["filename"]))
        message.attach(sub)
    return {"group": p.get("group") or UNGROUPED, "config": message.as_string()}


def _validate_parts(name: str, p: dict[str, Any]) -> None:
    for i, part in enumerate(p.get("parts") or []):
        if not isinstance(part, dict) or "config" not in part:  # None: not made yet
            raise InvalidTemplate(f"Property error: resources.{name}.properties.parts[{i}]"
                                  ": Property config not assigned")
        unknown = sorted(set(part) - {"config", "filename", "type", "subtype"})
        if unknown:
            raise InvalidTemplate(f"Property error: resources.{name}.properties.parts[{i}]"
                                  f": Unknown Property {unknown[0]}")
        if part.get("type", "text") not in PART_TYPES:
            raise InvalidTemplate(f"Property error: resources.{name}.properties.parts[{i}]"
                                  f".type: \"{part['type']}\" is not an allowed value "
                                  f"[{', '.join(PART_TYPES)}]")


MULTIPART_MIME = _type(
    "OS::Heat::MultipartMime", "Assembles a collection of software configurations as a "
    "multi-part mime message.",
    {"group": GROUP,
     "parts": Prop("list", "Parts belonging to this message: config (a software config's "
                   "id or text), filename, type (text or multipart), subtype.",
                   default=[])}, _multipart, _validate_parts)

TYPES = [SOFTWARE_CONFIG, CLOUD_CONFIG, MULTIPART_MIME]
