"""Reading a stack's made resources from its template's functions: get_resource (a
resource's reference) and get_attr (its attributes, read from the other services as
whoever asks: the engine as the stack's owner, the API as the caller). Outputs too."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from cheptel.errors import CheptelError
from cheptel.orchestration.models import Stack, StackResource
from cheptel.orchestration.resources.base import Record, reason, walk
from cheptel.orchestration.service.cloud import Cloud
from cheptel.orchestration.template.functions import Scope, evaluate

if TYPE_CHECKING:
    from cheptel.orchestration.service.nested import Kinds


def record(row: StackResource, stack: Stack) -> Record:
    return Record(physical_id=row.physical_id, data=dict(row.data or {}),
                  name=f"{stack.name}-{row.name}-{secrets.token_hex(4)}"[:255],
                  resource=row.name, stack=stack, properties=dict(row.properties or {}))


class Resolver:
    def __init__(self, cloud: Cloud, stack: Stack, rows: dict[str, StackResource],
                 kinds: Kinds) -> None:
        self.cloud, self.stack, self.rows, self.kinds = cloud, stack, rows, kinds

    def bind(self, scope: Scope) -> Scope:
        scope.ref, scope.attr = self.ref, self.attr
        return scope

    def ref(self, name: str) -> Any:
        row = self.rows.get(name)
        if row is None or row.status == "INIT":
            return None
        kind = self.kinds.of_row(row.type)
        if kind.reference_in is not None:
            return kind.reference_in(self.cloud, record(row, self.stack))
        return kind.reference(record(row, self.stack))

    def attr(self, name: str, attribute: str, path: list[Any]) -> Any:
        row = self.rows.get(name)
        if row is None or not row.physical_id:
            return None
        kind = self.kinds.of_row(row.type)
        if kind.read is not None:
            return kind.read(self.cloud, record(row, self.stack), attribute, path)
        return walk(kind.attribute(self.cloud, record(row, self.stack), attribute), path)

    def outputs(self, template_outputs: dict[str, Any], scope: Scope,
                only: str | None = None) -> list[dict[str, Any]]:
        """Heat's outputs: key, value, description (an output_error if it cannot be read)."""
        out = []
        for key, d in template_outputs.items():
            if only is not None and key != only:
                continue
            item: dict[str, Any] = {"output_key": key,
                                    "description": d.get("description", "No description "
                                                         "given")}
            try:
                item["output_value"] = evaluate(d.get("value"), scope)
            except CheptelError as exc:
                item["output_value"] = None
                item["output_error"] = reason(exc)
            out.append(item)
        return out
