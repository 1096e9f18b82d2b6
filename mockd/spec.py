"""The API document, loaded once: operations to route and schemas to check bodies against.

``load_spec()`` reads ``engine-api.json`` (Swagger 2.0) and turns each path and
method into an :class:`Operation`.  :meth:`Spec.check_body` checks a decoded JSON
body the way dockerd's Go decoder does, no more.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from mockd.errors import InvalidParameter

# dockerd's config.MinAPIVersion: the oldest version the daemon still serves.
MIN_API_VERSION = "1.24"

_METHODS = ("get", "head", "post", "put", "delete", "patch", "options")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "query", "path", "header" or "body"
    type: str | None = None  # Swagger type of a non-body parameter
    items_type: str | None = None  # for type "array"
    default: Any = None
    has_default: bool = False
    required: bool = False
    greedy: bool = False  # a path parameter that may contain "/" (x-mockd-greedy)
    schema: Mapping[str, Any] | None = None  # for the body parameter


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case, as on the wire
    path: str  # the template, e.g. "/images/{name}/json"
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    body: Parameter | None
    consumes: tuple[str, ...]
    produces: tuple[str, ...]
    responses: Mapping[str, Any]
    stream: str | None = None  # x-mockd-stream: "json-lines", "multiplexed-or-raw", "tar"
    stream_when_param: str | None = None  # x-mockd-stream-when-param
    hijack: str | None = None  # x-mockd-hijack: "tcp", "websocket", "h2c"
    early_headers: bool = False  # x-mockd-early-headers

    @property
    def query_params(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    @property
    def takes_json_body(self) -> bool:
        """Whether the body is a JSON document (rather than a tar, a file or plain text)."""
        if self.body is None or self.body.schema is None:
            return False
        return self.body.schema.get("type") != "string"


class Spec:
    """The loaded document: versions, operations and the definitions they refer to."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.version: str = str(document["info"]["version"])
        self.min_version = MIN_API_VERSION
        self.definitions: Mapping[str, Any] = document.get("definitions", {})
        self.operations: list[Operation] = list(_operations(document))
        self._by_id = {op.operation_id: op for op in self.operations}

    def operation(self, operation_id: str) -> Operation:
        return self._by_id[operation_id]

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow ``$ref`` (repeatedly) to the schema it names."""
        while "$ref" in schema:
            ref = schema["$ref"]
            prefix = "#/definitions/"
            if not ref.startswith(prefix):
                raise ValueError(f"unsupported $ref {ref!r}")
            schema = self.definitions[ref[len(prefix) :]]
        return schema

    def check_body(self, operation: Operation, value: Any) -> None:
        """Raise :class:`InvalidParameter` where dockerd's JSON decoder would refuse ``value``."""
        if operation.body is None or operation.body.schema is None:
            return
        schema = operation.body.schema
        _BodyChecker(self).check(schema, value, _struct_name(schema, operation), ())


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Spec:
    return Spec(msgspec.json.decode(path.read_bytes()))


def load_spec(path: Path | None = None) -> Spec:
    """Load (once per path) the document of an installed wheel or of a checkout."""
    return _load((path or default_spec_path()).resolve())


def default_spec_path() -> Path:
    here = Path(__file__).parent
    installed = here / "_openapi" / "engine-api.json"
    if installed.exists():
        return installed
    return here.parent / "openapi" / "engine-api.json"


def _operations(document: Mapping[str, Any]) -> Iterator[Operation]:
    for template, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = tuple(_parameter(p) for p in [*shared, *op.get("parameters", [])])
            yield Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=template,
                tags=tuple(op.get("tags", ())),
                parameters=params,
                body=next((p for p in params if p.location == "body"), None),
                consumes=tuple(op.get("consumes", document.get("consumes", ()))),
                produces=tuple(op.get("produces", document.get("produces", ()))),
                responses=op.get("responses", {}),
                stream=op.get("x-mockd-stream"),
                stream_when_param=op.get("x-mockd-stream-when-param"),
                hijack=op.get("x-mockd-hijack"),
                early_headers=bool(op.get("x-mockd-early-headers", False)),
            )


def _parameter(raw: Mapping[str, Any]) -> Parameter:
    items = raw.get("items") or {}
    return Parameter(
        name=raw["name"],
        location=raw["in"],
        type=raw.get("type"),
        items_type=items.get("type"),
        default=raw.get("default"),
        has_default="default" in raw,
        required=bool(raw.get("required", False)),
        greedy=bool(raw.get("x-mockd-greedy", False)),
        schema=raw.get("schema"),
    )


def _struct_name(schema: Mapping[str, Any], operation: Operation) -> str:
    """The name dockerd's messages give the body's Go struct; the definition is our best proxy."""
    for part in [schema, *schema.get("allOf", ())]:
        if "$ref" in part:
            return str(part["$ref"]).rsplit("/", 1)[-1]
    return operation.operation_id + "Request"


# Fields dockerd decodes with strslice.StrSlice, which takes a string as well as a list.
_STRING_OR_LIST_FIELDS = frozenset({"Cmd", "Entrypoint", "Shell", "CapAdd", "CapDrop"})

_GO_TYPES = {"integer": "int64", "number": "float64", "boolean": "bool", "string": "string"}


class _BodyChecker:
    """Check decoded JSON against a Swagger schema the way Go's ``encoding/json`` would.

    Hand-written on purpose: jsonschema is not a dependency, and Swagger 2.0
    schemas (``x-nullable``, ``allOf`` used for struct embedding) are not plain
    JSON Schema anyway.  Go's decoder only refuses values whose JSON type cannot
    go into the field's Go type; it ignores unknown fields, accepts ``null``
    anywhere and enforces neither ``required`` nor ``enum`` (dockerd's handlers
    check those themselves, with their own messages), so neither does this.
    """

    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def check(
        self, schema: Mapping[str, Any], value: Any, struct: str, path: tuple[str, ...]
    ) -> None:
        if value is None:
            return
        schema = self.spec.resolve(schema)
        if path and path[-1] in _STRING_OR_LIST_FIELDS and isinstance(value, str):
            return
        if "allOf" in schema and "type" not in schema and "properties" not in schema:
            # A wrapper such as {"allOf": [{"$ref": ".../MountType"}]} (a string enum):
            # the parts say what the value is, not "object".
            for part in schema["allOf"]:
                self.check(part, value, struct, path)
            return
        kind = schema_type(schema)
        if kind is None:
            return
        if not json_fits(kind, value):
            self._refuse(schema, value, struct, path)
        if kind == "array":
            items = schema.get("items")
            if items is not None:
                for item in value:
                    self.check(items, item, struct, path)
        elif kind == "object":
            properties = self._properties(schema)
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if key in properties:
                    self.check(properties[key], item, struct, (*path, key))
                elif isinstance(extra, Mapping):
                    self.check(extra, item, struct, (*path, key))

    def _properties(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for part in schema.get("allOf", ()):
            merged.update(self._properties(self.spec.resolve(part)))
        merged.update(schema.get("properties", {}))
        return merged

    def _refuse(
        self, schema: Mapping[str, Any], value: Any, struct: str, path: tuple[str, ...]
    ) -> None:
        got = _json_kind(value)
        if got == "number":
            got = f"number {value!r}" if isinstance(value, float) else "number"
        target = self._go_type(schema)
        if path:
            where = f"Go struct field {struct}.{'.'.join(path)}"
        else:
            where = "Go value"
        raise InvalidParameter(f"json: cannot unmarshal {got} into {where} of type {target}")

    def _go_type(self, schema: Mapping[str, Any]) -> str:
        kind = schema_type(schema)
        if kind == "array":
            items = schema.get("items")
            return "[]" + (self._go_type(self.spec.resolve(items)) if items else "interface {}")
        if kind == "object":
            extra = schema.get("additionalProperties")
            if isinstance(extra, Mapping) and not schema.get("properties"):
                return "map[string]" + self._go_type(self.spec.resolve(extra))
            return "struct"
        return _GO_TYPES.get(kind or "", "interface {}")


def schema_type(schema: Mapping[str, Any]) -> str | None:
    """A schema's JSON type; a schema with properties or allOf and no type is an object."""
    kind = schema.get("type")
    if kind is None and ("properties" in schema or "allOf" in schema):
        return "object"
    return kind if isinstance(kind, str) else None


def json_fits(kind: str, value: Any) -> bool:
    """Whether a decoded JSON value is of a schema's type (bool is not an integer)."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
