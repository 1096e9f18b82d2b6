"""Response validation: does what the mock sends match the API document?

With validation on (``MockDaemon(validate_responses=True)``, ``Router(...,
validate_responses=True)`` or ``MOCKD_VALIDATE_RESPONSES=1``), the router checks
every JSON reply against the response schema the document declares for the
operation and status, and every JSON-lines stream message against the declared
item type.  A mismatch is a :class:`ResponseViolation`, kept in a list the
daemon exposes; a whole reply that does not conform is replaced by a 500 naming
the operation and the JSON path, so a test sees it fail rather than pass on a
log line.

What is checked, and why no more: JSON types; ``required`` properties (unless
the field-version table says the field is absent at the version served);
``enum`` for strings; and ``null`` only where Go could not produce it: a
scalar field that is not ``x-nullable`` (Go encodes nil slices, maps and
pointers to structs as ``null``, so dockerd sends those however the document
marks them).  Unknown properties are allowed: dockerd adds fields before the
document describes them.  Hand-written for the same reasons as the body
checker in ``mockd.spec``: Swagger 2.0 with ``x-nullable`` and ``allOf`` is
not JSON Schema, and jsonschema is not a dependency.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockd.spec import Operation, Spec, json_fits, schema_type

ENV_SWITCH = "MOCKD_VALIDATE_RESPONSES"

# Scalars that are Go pointers in moby's types (so dockerd sends null when unset) but
# that the document does not mark x-nullable.  Seen as null from dockerd 20.10.
GO_POINTER_SCALARS = frozenset(
    {
        ("Resources", "MemorySwappiness"),  # *int64
        ("Resources", "OomKillDisable"),  # *bool
        ("ExecInspect", "ExitCode"),  # *int, null while the process runs (inline schema)
    }
)

# The document lists the error statuses typical of each operation, but dockerd maps
# errors to statuses centrally (errdefs: invalid parameter 400, forbidden 403, not
# found 404, conflict 409, not implemented 501, unavailable 503), so any handler may
# answer these.  Seen undeclared from dockerd: VolumeCreate 400 (bad name),
# NetworkCreate 409 (name taken), ContainerResize 409 (not running), ContainerLogs
# 501 (driver cannot be read).  Such a reply must still be an ErrorResponse.
ERRDEFS_STATUSES = frozenset({400, 403, 404, 409, 501, 503})
_ERROR_RESPONSE: Mapping[str, Any] = {"$ref": "#/definitions/ErrorResponse"}
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def enabled_by_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``MOCKD_VALIDATE_RESPONSES`` asks for validation."""
    env = os.environ if environ is None else environ
    return env.get(ENV_SWITCH, "").strip().lower() in _TRUE_WORDS


@dataclass(frozen=True)
class ResponseViolation:
    """One place where a reply departs from the document."""

    operation_id: str
    status: int
    path: str  # JSON path in the body, "$" for the whole body; "$status" for the status
    message: str
    stream_item: int | None = None  # the message's index, for JSON-lines streams

    def __str__(self) -> str:
        where = f" (stream message {self.stream_item})" if self.stream_item is not None else ""
        return f"{self.operation_id} {self.status}{where}: {self.path}: {self.message}"


class ResponseValidationError(AssertionError):
    """Raised by :func:`assert_no_violations`: the mock sent what the document forbids."""


def assert_no_violations(violations: list[ResponseViolation]) -> None:
    if violations:
        lines = "\n  ".join(str(v) for v in violations[:20])
        more = f"\n  ... and {len(violations) - 20} more" if len(violations) > 20 else ""
        raise ResponseValidationError(
            f"{len(violations)} response(s) do not match the API document:\n  {lines}{more}"
        )


@functools.cache
def _field_versions(path: Path) -> Mapping[str, Any]:
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        return {}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


class ResponseValidator:
    """Checks decoded reply bodies against ``spec``; returns the violations found."""

    def __init__(self, spec: Spec, field_versions: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        if field_versions is None:
            from mockd.spec import default_spec_path

            field_versions = _field_versions(default_spec_path().with_name("field-versions.json"))
        self._definition_fields: Mapping[str, Any] = field_versions.get("definitions", {})

    # -- whole replies ------------------------------------------------------

    def status_declared(self, operation: Operation, status: int) -> bool:
        """Declared by the document, or an errdefs status any dockerd handler may answer."""
        return (
            str(status) in operation.responses
            or "default" in operation.responses
            or status in ERRDEFS_STATUSES
        )

    def response_schema(self, operation: Operation, status: int) -> Mapping[str, Any] | None:
        """The declared JSON schema of a reply, or ``None`` when it is not JSON (or not given)."""
        declared = operation.responses.get(str(status)) or operation.responses.get("default")
        if not declared:
            return _ERROR_RESPONSE if status in ERRDEFS_STATUSES else None
        schema = declared.get("schema")
        if not schema:
            return None
        resolved = self.spec.resolve(schema)
        if resolved.get("type") == "string" and resolved.get("format") == "binary":
            return None
        return schema  # type: ignore[no-any-return]

    def check_reply(
        self,
        operation: Operation,
        status: int,
        body: bytes,
        content_type: str | None,
        api_version: tuple[int, int],
    ) -> list[ResponseViolation]:
        """Check a complete reply: its status is declared, its JSON body fits the schema."""
        found: list[ResponseViolation] = []
        if not self.status_declared(operation, status):
            found.append(
                ResponseViolation(
                    operation.operation_id,
                    status,
                    "$status",
                    f"status {status} is not declared (declared: {sorted(operation.responses)})",
                )
            )
        schema = self.response_schema(operation, status)
        if schema is None or status in (204, 304):
            return found
        if not _is_json(content_type):
            if self.spec.resolve(schema).get("type") != "string":
                found.append(
                    ResponseViolation(
                        operation.operation_id,
                        status,
                        "$",
                        f"JSON declared, but sent with Content-Type {content_type!r}",
                    )
                )
            return found
        try:
            value = json.loads(body) if body.strip() else None
        except ValueError as exc:
            found.append(ResponseViolation(operation.operation_id, status, "$", f"not JSON: {exc}"))
            return found
        found.extend(self.check_value(operation, status, schema, value, api_version))
        return found

    def check_value(
        self,
        operation: Operation,
        status: int,
        schema: Mapping[str, Any],
        value: Any,
        api_version: tuple[int, int],
        stream_item: int | None = None,
    ) -> list[ResponseViolation]:
        walker = _Walker(self, api_version)
        # An inline schema is known by its operation (see GO_POINTER_SCALARS).
        walker.check(schema, value, "$", operation.operation_id)
        return [
            ResponseViolation(operation.operation_id, status, path, message, stream_item)
            for path, message in walker.problems
        ]

    def version_has_field(
        self, definition: str | None, field: str, api_version: tuple[int, int]
    ) -> bool:
        """Whether ``definition.field`` exists at ``api_version`` per the field-version table."""
        if definition is None:
            return True
        entry = self._definition_fields.get(definition, {}).get(field)
        if not entry:
            return True
        added = entry.get("added")
        removed = entry.get("removed")
        if added and _version_key(added) > api_version:
            return False
        return not (removed and _version_key(removed) <= api_version)

    # -- streams --------------------------------------------------------------

    def stream_item_schema(self, operation: Operation, status: int) -> Mapping[str, Any] | None:
        """The declared type of each message of a JSON-lines stream, when there is one."""
        if operation.stream != "json-lines":
            return None
        return self.response_schema(operation, status)

    def wrap_stream(
        self,
        operation: Operation,
        status: int,
        api_version: tuple[int, int],
        chunks: AsyncIterator[bytes],
        record: Callable[[ResponseViolation], None],
    ) -> AsyncIterator[bytes]:
        """Pass ``chunks`` through, checking each complete JSON line as it goes by."""
        schema = self.stream_item_schema(operation, status)
        if schema is None:
            return chunks
        return _ValidatedStream(self, operation, status, api_version, schema, chunks, record)


class _ValidatedStream:
    """An async iterator over chunks that validates the JSON lines they carry."""

    def __init__(
        self,
        validator: ResponseValidator,
        operation: Operation,
        status: int,
        api_version: tuple[int, int],
        schema: Mapping[str, Any],
        chunks: AsyncIterator[bytes],
        record: Callable[[ResponseViolation], None],
    ) -> None:
        self._validator = validator
        self._operation = operation
        self._status = status
        self._api_version = api_version
        self._schema = schema
        self._chunks = chunks
        self._record = record
        self._pending = b""
        self._index = 0

    def __aiter__(self) -> _ValidatedStream:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._chunks.__anext__()
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            self._check_line(line)
        return chunk

    def _check_line(self, line: bytes) -> None:
        if not line.strip():
            return
        index = self._index
        self._index += 1
        try:
            value = json.loads(line)
        except ValueError as exc:
            self._record(
                ResponseViolation(
                    self._operation.operation_id, self._status, "$", f"not JSON: {exc}", index
                )
            )
            return
        for violation in self._validator.check_value(
            self._operation, self._status, self._schema, value, self._api_version, index
        ):
            self._record(violation)

    async def aclose(self) -> None:
        aclose = getattr(self._chunks, "aclose", None)
        if aclose is not None:
            await aclose()


class _Walker:
    """One walk over a value, collecting ``(json path, problem)`` pairs."""

    def __init__(self, validator: ResponseValidator, api_version: tuple[int, int]) -> None:
        self.validator = validator
        self.spec = validator.spec
        self.api_version = api_version
        self.problems: list[tuple[str, str]] = []

    def check(
        self,
        schema: Mapping[str, Any],
        value: Any,
        path: str,
        definition: str | None,
        owner: tuple[str, str] | None = None,
    ) -> None:
        """``owner`` is (definition, property) when ``value`` is a property's value."""
        nullable = bool(schema.get("x-nullable"))
        if "$ref" in schema:
            definition = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = self.spec.resolve(schema)
        nullable = nullable or bool(schema.get("x-nullable"))
        if value is None and nullable:
            return
        if "allOf" in schema and "type" not in schema and "properties" not in schema:
            # A wrapper ({"allOf": [{"$ref": "#/definitions/MountType"}]}): the value
            # must satisfy every part; it is not an object unless the parts say so.
            for part in schema["allOf"]:
                self.check(part, value, path, definition, owner)
            return
        kind = schema_type(schema)
        if value is None:
            # Go writes nil slices, maps and struct pointers as null, whatever the document says.
            if kind in ("string", "integer", "number", "boolean") and not nullable:
                if owner is not None and owner in GO_POINTER_SCALARS:
                    return
                self.problems.append((path, f"null where the document requires a {kind}"))
            return
        if kind is None:
            return
        if not json_fits(kind, value):
            self.problems.append((path, f"expected {kind}, got {_json_kind(value)}"))
            return
        if kind == "string":
            allowed = schema.get("enum")
            if allowed and value not in allowed and value != "":
                self.problems.append((path, f"{value!r} is not one of {allowed}"))
        elif kind == "array":
            items = schema.get("items")
            if isinstance(items, Mapping):
                for i, item in enumerate(value):
                    self.check(items, item, f"{path}[{i}]", None)
        elif kind == "object":
            self._check_object(schema, value, path, definition)

    def _check_object(
        self, schema: Mapping[str, Any], value: dict[str, Any], path: str, definition: str | None
    ) -> None:
        properties: dict[str, Any] = {}
        required: set[str] = set()
        owners: dict[str, str | None] = {}
        self._collect(schema, definition, properties, required, owners)
        for name in sorted(required):
            if name not in value and self.validator.version_has_field(
                owners.get(name), name, self.api_version
            ):
                self.problems.append((f"{path}.{name}", "required property missing"))
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                owner = owners.get(key)
                self.check(
                    properties[key],
                    item,
                    f"{path}.{key}",
                    None,
                    (owner, key) if owner is not None else None,
                )
            elif isinstance(extra, Mapping):
                self.check(extra, item, f"{path}[{key!r}]", None)

    def _collect(
        self,
        schema: Mapping[str, Any],
        definition: str | None,
        properties: dict[str, Any],
        required: set[str],
        owners: dict[str, str | None],
    ) -> None:
        """Properties and required names of a schema and the ``allOf`` parts it embeds."""
        for part in schema.get("allOf", ()):
            part_definition = str(part["$ref"]).rsplit("/", 1)[-1] if "$ref" in part else definition
            self._collect(self.spec.resolve(part), part_definition, properties, required, owners)
        for name, sub in schema.get("properties", {}).items():
            properties[name] = sub
            owners[name] = definition
        for name in schema.get("required", ()):
            required.add(name)
            owners.setdefault(name, definition)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
