"""Metadata definition schemas: the request checks and the documents Glance serves at
/v2/schemas/metadefs/*.

Glance validates each metadef body against the same JSON schema it publishes (unknown
top-level keys refused, `additionalProperties: false`), after refusing read-only
attributes with a 403. A property definition is itself a small JSON schema (type, title,
enum, minimum...): the `property` definition below.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from cheptel.errors import BadRequest, Forbidden

_STR = {"type": "string"}
_TIME = {"type": "string", "readOnly": True, "format": "date-time"}
TYPES = ["array", "boolean", "integer", "number", "object", "string", None]
# What a stored property keeps (Glance's PropertyType model): other keys are dropped.
PROPERTY_KEYS = ("name", "type", "title", "description", "operators", "default", "readonly",
                 "minimum", "maximum", "enum", "pattern", "minLength", "maxLength",
                 "confidential", "items", "uniqueItems", "minItems", "maxItems",
                 "additionalItems")


def _property_fields() -> dict:
    """The fields of one property definition."""
    return {
        "name": {"type": "string", "maxLength": 80},
        "title": _STR,
        "description": _STR,
        "operators": {"type": "array", "items": _STR},
        "type": {"type": "string", "enum": TYPES},
        "required": {"$ref": "#/definitions/stringArray"},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "maxLength": {"$ref": "#/definitions/positiveInteger"},
        "minLength": {"$ref": "#/definitions/positiveIntegerDefault0"},
        "pattern": {"type": "string", "format": "regex"},
        "enum": {"type": "array"},
        "readonly": {"type": "boolean"},
        "default": {},
        "items": {"type": "object", "properties": {
            "type": {"type": "string", "enum": TYPES}, "enum": {"type": "array"}}},
        "maxItems": {"$ref": "#/definitions/positiveInteger"},
        "minItems": {"$ref": "#/definitions/positiveIntegerDefault0"},
        "uniqueItems": {"type": "boolean", "default": False},
        "additionalItems": {"type": "boolean"},
    }


def _definitions(string_array_min: int = 0) -> dict:
    string_array: dict[str, Any] = {"type": "array", "items": _STR, "uniqueItems": True}
    if string_array_min:
        string_array["minItems"] = string_array_min
    defs: dict[str, Any] = {
        "positiveInteger": {"type": "integer", "minimum": 0},
        "positiveIntegerDefault0": {"allOf": [{"$ref": "#/definitions/positiveInteger"},
                                              {"default": 0}]},
        "stringArray": string_array,
    }
    if not string_array_min:
        defs["property"] = {"type": "object", "additionalProperties": {
            "type": "object", "required": ["title", "type"], "properties": _property_fields()}}
    return defs


def _links() -> dict:
    return {"schema": {"readOnly": True, "type": "string"},
            "self": {"readOnly": True, "type": "string"}}


def _namespace_fields() -> dict:
    return {
        "namespace": {"type": "string", "description": "The unique namespace text.",
                      "maxLength": 80},
        "display_name": {"type": "string", "description": "The user friendly name for the "
                         "namespace. Used by UI if available.", "maxLength": 80},
        "description": {"type": "string", "description": "Provides a user friendly "
                        "description of the namespace.", "maxLength": 500},
        "visibility": {"type": "string", "description": "Scope of namespace accessibility.",
                       "enum": ["public", "private"]},
        "protected": {"type": "boolean",
                      "description": "If true, namespace will not be deletable."},
        "owner": {"type": "string", "description": "Owner of the namespace.",
                  "maxLength": 255},
        "created_at": {**_TIME, "description": "Date and time of namespace creation"},
        "updated_at": {**_TIME, "description": "Date and time of the last namespace "
                       "modification"},
        **_links(),
        "resource_type_associations": {"type": "array", "items": {
            "type": "object", "properties": {"name": _STR, "prefix": _STR,
                                             "properties_target": _STR}}},
        "properties": {"$ref": "#/definitions/property"},
        "objects": {"type": "array", "items": {"type": "object", "properties": {
            "name": _STR, "description": _STR,
            "required": {"$ref": "#/definitions/stringArray"},
            "properties": {"$ref": "#/definitions/property"}}}},
        "tags": {"type": "array", "items": {"type": "object", "properties": {"name": _STR}}},
    }


def _object_fields() -> dict:
    return {
        "name": {"type": "string", "maxLength": 80},
        "description": _STR,
        "required": {"$ref": "#/definitions/stringArray"},
        "properties": {"$ref": "#/definitions/property"},
        **_links(),
        "created_at": {**_TIME, "description": "Date and time of object creation"},
        "updated_at": {**_TIME, "description": "Date and time of the last object "
                       "modification"},
    }


def _resource_type_fields() -> dict:
    return {
        "name": {"type": "string", "maxLength": 80, "description": "Resource type names "
                 "should be aligned with Heat resource types whenever possible."},
        "prefix": {"type": "string", "maxLength": 80, "description": "Specifies the prefix "
                   "to use for the given resource type. Any properties in the namespace "
                   "should be prefixed with this prefix when being applied to the specified "
                   "resource type. Must include prefix separator (e.g. a colon :)."},
        "properties_target": {"type": "string", "maxLength": 80, "description": "Some "
                              "resource types allow more than one key / value pair per "
                              "instance. This property allows a namespace target to remove "
                              "the ambiguity."},
        "created_at": {**_TIME, "description": "Date and time of resource type association"},
        "updated_at": {**_TIME, "description": "Date and time of the last resource type "
                       "association modification"},
    }


def _tag_fields() -> dict:
    return {
        "name": {"type": "string", "maxLength": 80},
        "created_at": {**_TIME, "description": "Date and time of tag creation"},
        "updated_at": {**_TIME, "description": "Date and time of the last tag modification"},
    }


def _schema(name: str, properties: dict, required: list[str] | None = None,
            definitions: dict | None = None) -> dict:
    """Glance's Schema.raw(): closed objects."""
    raw: dict[str, Any] = {"name": name, "properties": properties,
                           "additionalProperties": False}
    if definitions:
        raw["definitions"] = definitions
    if required:
        raw["required"] = required
    return raw


def _collection(name: str, item: dict, as_dict: bool = False) -> dict:
    """Glance's CollectionSchema (a list) or DictCollectionSchema (name -> item)."""
    item = copy.deepcopy(item)
    definitions = item.pop("definitions", None)
    container = ({"type": "object", "additionalProperties": item} if as_dict
                 else {"type": "array", "items": item})
    raw: dict[str, Any] = {
        "name": name,
        "properties": {name: container, "first": _STR, "next": _STR, "schema": _STR},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}],
    }
    if definitions:
        raw["definitions"] = definitions
    return raw


NAMESPACE = _schema("namespace", _namespace_fields(), ["namespace"], _definitions())
OBJECT = _schema("object", _object_fields(), ["name"], _definitions())
PROPERTY = _schema("property", _property_fields(), ["type", "title", "name"],
                   _definitions(string_array_min=1))
PROPERTY_UNNAMED = _schema("property", _property_fields(), ["type", "title"],
                           _definitions(string_array_min=1))
RESOURCE_TYPE = _schema("resource_type_association", _resource_type_fields(), ["name"])
TAG = _schema("tag", _tag_fields(), ["name"])
TAG_LIST = _schema("tags", {"tags": {"type": "array", "items": {
    "type": "object", "properties": {"name": _STR}, "required": ["name"],
    "additionalProperties": False}}})

DOCUMENTS = {
    "metadefs/namespace": NAMESPACE,
    "metadefs/namespaces": _collection("namespaces", NAMESPACE),
    "metadefs/object": OBJECT,
    "metadefs/objects": _collection("objects", OBJECT),
    "metadefs/property": PROPERTY,
    "metadefs/properties": _collection("properties", PROPERTY_UNNAMED, as_dict=True),
    "metadefs/resource_type": RESOURCE_TYPE,
    "metadefs/resource_types": _collection("resource_type_associations", RESOURCE_TYPE),
    "metadefs/tag": TAG,
    "metadefs/tags": _collection("tags", TAG),
}


def document(name: str) -> dict | None:
    doc = DOCUMENTS.get(name)
    return copy.deepcopy(doc) if doc is not None else None


_validators = {id(s): Draft4Validator(s) for s in
               (NAMESPACE, OBJECT, PROPERTY, PROPERTY_UNNAMED, RESOURCE_TYPE, TAG, TAG_LIST)}


def check(schema: dict, body: Any, read_only: tuple[str, ...] = ()) -> dict:
    """Glance's metadef deserializers: a body is required, read-only attributes are a 403,
    then the schema (400 "Provided object does not match schema ...")."""
    if body is None:
        raise BadRequest("Body expected in request.")
    if not isinstance(body, dict):  # the documents (Glance's) leave the top type unsaid
        raise BadRequest(f"Provided object does not match schema '{schema['name']}': "
                         f"{json.dumps(body)[:100]} is not of type 'object'")
    for key in read_only:
        if key in body:
            raise Forbidden(f"Attribute '{key}' is read-only.")
    error = best_match(_validators[id(schema)].iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        detail = f"{where}: {error.message}" if where else error.message
        raise BadRequest(f"Provided object does not match schema '{schema['name']}': "
                         f"{detail[:400]}")
    return body


def check_property(value: Any) -> None:
    """A property inside an object or namespace body, checked as Glance checks it."""
    check(PROPERTY_UNNAMED, value)


def clean_property(value: dict) -> dict:
    """The stored form of a property definition: the keys Glance's model keeps."""
    return {k: value[k] for k in PROPERTY_KEYS if k in value}
