"""From a request to a handler's reply, the way dockerd's router and middlewares do it.

Routes come from the API document: every operation's path template becomes a
regular expression (greedy parameters, which dockerd registers as
``{name:.*}``, may contain ``/``), tried most specific first.  Then, as dockerd:
the ``/v1.NN`` prefix is checked by the version middleware, query parameters
are coerced by their declared types, a JSON body is decoded and checked, and
the handler registered for the operationId runs.  Errors become dockerd's
status and ``{"message": ...}``; nothing a handler raises escapes.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from mockd.errors import DaemonError, InvalidParameter, NotModified
from mockd.filters import parse_filters
from mockd.handlers.registry import HANDLERS, Handler
from mockd.http import Reply, Request, Response, StreamResponse, error_response, no_content
from mockd.spec import Operation, Parameter, Spec

if TYPE_CHECKING:
    from mockd.engine import Engine
    from mockd.faults import Interceptor
    from mockd.validation import ResponseValidator, ResponseViolation

log = logging.getLogger(__name__)

# Operations of these tags need swarm mode, which mockd never enters.
SWARM_TAGS = frozenset({"Swarm", "Node", "Service", "Task", "Secret", "Config"})
NOT_A_SWARM_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or '
    '"docker swarm join" to connect this node to swarm and try again.'
)

# dockerd's versionMatcher is "/v{version:[0-9.]+}".
_VERSION_PREFIX = re.compile(r"^/v([0-9.]+)(/.*)$")
_GO_INT = re.compile(r"^[+-]?[0-9]+$")
# httputils.BoolValue: these (after trimming and lower-casing) are false, all else true.
_FALSE_WORDS = frozenset({"", "0", "no", "false", "none"})


@dataclass(frozen=True)
class Route:
    operation: Operation
    pattern: re.Pattern[str]
    param_names: tuple[str, ...]
    # What a path must have for the pattern to be worth trying: its number of
    # slashes (None: a greedy parameter spans any) and its last segment (None: a parameter).
    slashes: int | None = None
    last_segment: str | None = None

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.match(path)
        if found is None:
            return None
        return {name: found.group(f"p{i}") for i, name in enumerate(self.param_names)}


def compile_route(operation: Operation) -> Route:
    """``/images/{name}/json`` → ``^/images/(?P<p0>.+)/json$`` (``[^/]++`` unless greedy)."""
    greedy = _greedy(operation)
    regex, names = _template_regex(operation.path, greedy)
    last = operation.path.rsplit("/", 1)[-1]
    return Route(
        operation,
        re.compile(f"^{regex}$", re.DOTALL),
        names,
        slashes=None if greedy else operation.path.count("/"),
        last_segment=None if "{" in last else last,
    )


class RouteGroup:
    """The routes of one method and first path segment, most specific first.

    A route's pattern is tried only on paths of its shape (as many slashes, the
    same literal last segment): ``POST /containers/{id}/start`` is one regex
    match, not one per route of the group (14 of them), each scanning a 64-character ID.
    """

    def __init__(self, operations: list[Operation]) -> None:
        self.routes = [compile_route(op) for op in operations]
        self._most_slashes = max((r.slashes or 0) for r in self.routes)
        self._last_segments = {r.last_segment for r in self.routes} - {None}
        # The routes a shape can match, found once per shape; shapes are few (a
        # last segment that no route has counts as a parameter's).
        self._by_shape: dict[tuple[int, str | None], list[Route]] = {}

    def match(self, path: str) -> tuple[Operation, dict[str, str]] | None:
        slashes = min(path.count("/"), self._most_slashes + 1)
        last: str | None = path[path.rfind("/") + 1 :]
        if last not in self._last_segments:
            last = None
        candidates = self._by_shape.get((slashes, last))
        if candidates is None:
            candidates = self._by_shape[slashes, last] = [
                route
                for route in self.routes
                if route.slashes in (None, slashes) and route.last_segment in (None, last)
            ]
        for route in candidates:
            params = route.match(path)
            if params is not None:
                return route.operation, params
        return None


def _greedy(operation: Operation) -> frozenset[str]:
    return frozenset(p.name for p in operation.parameters if p.location == "path" and p.greedy)


@functools.cache
def _template_regex(template: str, greedy: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    # Cached: every daemon of a process routes the same document.
    names: list[str] = []
    regex = ""
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{") and piece.endswith("}"):
            name = piece[1:-1]
            # Possessive: what follows a segment is "/" or the end, so giving back
            # characters never helps, and a 64-character ID is not retried 64 times.
            pattern = ".+" if name in greedy else "[^/]++"
            regex += f"(?P<p{len(names)}>{pattern})"
            names.append(name)
        else:
            regex += re.escape(piece)
    return regex, tuple(names)


def _specificity(operation: Operation) -> tuple[int, int]:
    literal = len(re.sub(r"\{[^}]+\}", "", operation.path))
    return (-literal, operation.path.count("{"))


def _first_segment(path: str) -> str:
    """``/containers/x/json`` → ``containers``: every route of the document starts with a literal."""
    return path[1:].split("/", 1)[0] if path.startswith("/") else ""


class Router:
    """The app the server runs: ``await router(request) -> reply``."""

    def __init__(
        self,
        spec: Spec,
        engine: Engine,
        handlers: Mapping[str, Handler] = HANDLERS,
        *,
        validate_responses: bool = False,
        violations: list[ResponseViolation] | None = None,
    ) -> None:
        self.spec = spec
        self.engine = engine
        self.handlers = handlers
        # Response validation (mockd.validation); MOCKD_VALIDATE_RESPONSES is read by
        # mockd.daemon.serve, not here, so routers built around stub handlers stay unchecked.
        self.validator: ResponseValidator | None = None
        if validate_responses:
            from mockd.validation import ResponseValidator  # imported only when checking

            self.validator = ResponseValidator(spec)
        # Every mismatch found, for the owner (MockDaemon, a test fixture) to assert on.
        self.violations: list[ResponseViolation] = [] if violations is None else violations
        # mockd.faults: injected faults before the handler, the request record after it.
        self.interceptor: Interceptor | None = None
        # The engine may play an older daemon (MockDaemon(api_version="1.41")): its
        # version, not the document's, is the newest one served and the one announced.
        self.max_version: str = engine.api_version
        # Operations by method and first path segment, most specific first; a group's
        # patterns are compiled when a request first needs them (most never do).
        groups: dict[tuple[str, str], list[Operation]] = defaultdict(list)
        for operation in spec.operations:
            groups[operation.method, _first_segment(operation.path)].append(operation)
        self._operations = {key: sorted(ops, key=_specificity) for key, ops in groups.items()}
        self._routes: dict[tuple[str, str], RouteGroup] = {}
        # Versions clients asked for that are served ("" is none), as tuples.
        self._served_versions: dict[str, tuple[int, int]] = {}
        # Set by dockerd's version middleware (even on its own errors) ...
        self._version_headers = {
            "Api-Version": self.max_version,
            "Server": engine.system.server_header,
            "Ostype": "linux",
        }
        # ... and by the experimental middleware inside it.
        self._api_headers = {**self._version_headers, "Docker-Experimental": "false"}

    def coverage(self) -> dict[str, tuple[int, int]]:
        """Per tag: (operations with a handler, operations in the document)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for operation in self.spec.operations:
            for tag in operation.tags or ("untagged",):
                counts[tag][1] += 1
                if operation.operation_id in self.handlers:
                    counts[tag][0] += 1
        return {tag: (done, total) for tag, (done, total) in sorted(counts.items())}

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        key = (method, _first_segment(path))
        group = self._routes.get(key)
        if group is None:
            operations = self._operations.get(key)
            if operations is None:
                return None  # no route starts so (and the key is not kept: paths are unbounded)
            group = self._routes[key] = RouteGroup(operations)
        return group.match(path)

    async def __call__(self, req: Request) -> Reply:
        path = unquote(req.path)
        version = ""
        prefixed = _VERSION_PREFIX.match(path)
        if prefixed:
            version, path = prefixed.group(1), prefixed.group(2)
        matched = self.match(req.method, path)
        if matched is None:
            # dockerd's NotFound and MethodNotAllowed handlers: no middleware, no API headers.
            return error_response(404, "page not found")
        operation, path_params = matched

        if version not in self._served_versions:  # each version is checked once
            refusal = self._check_version(version)
            if refusal is not None:
                refusal.headers.update(self._version_headers)
                return refusal
            served = _version_tuple(version or self.max_version)
            if len(self._served_versions) < 64:  # a fuzzer's variety stays unremembered
                self._served_versions[version] = served
            req.api_version = served
        else:
            req.api_version = self._served_versions[version]
        req.operation_id = operation.operation_id
        req.path_params = path_params

        interceptor = self.interceptor
        early = await interceptor.before(req) if interceptor is not None else None
        reply = early if early is not None else await self._run(operation, req)
        # An injected fault's reply is deliberate: it is not checked against the document.
        if self.validator is not None and early is None and operation.operation_id in self.handlers:
            reply = self._validated(operation, req, reply)
        for name, value in self._api_headers.items():
            reply.headers.setdefault(name, value)
        return interceptor.after(req, reply) if interceptor is not None else reply

    def _validated(self, operation: Operation, req: Request, reply: Reply) -> Reply:
        """Check ``reply`` against the document; a whole reply that does not fit becomes a 500."""
        assert self.validator is not None
        if isinstance(reply, Response):
            found = self.validator.check_reply(
                operation, reply.status, reply.body, reply.content_type, req.api_version
            )
            if not found:
                return reply
            self.violations.extend(found)
            for violation in found:
                log.error("response does not match the API document: %s", violation)
            return error_response(
                500, "mockd response validation: " + "; ".join(str(v) for v in found)
            )
        if isinstance(reply, StreamResponse):
            if not self.validator.status_declared(operation, reply.status):
                from mockd.validation import ResponseViolation

                violation = ResponseViolation(
                    operation.operation_id, reply.status, "$status", "status is not declared"
                )
                self.violations.append(violation)
                return error_response(500, f"mockd response validation: {violation}")
            # The status is out before the messages: a bad one is recorded, not answered.
            reply.chunks = self.validator.wrap_stream(
                operation, reply.status, req.api_version, reply.chunks, self._record
            )
        return reply

    def _record(self, violation: ResponseViolation) -> None:
        log.error("stream message does not match the API document: %s", violation)
        self.violations.append(violation)

    def _check_version(self, version: str) -> Response | None:
        if not version:
            return None
        if _compare_versions(version, self.spec.min_version) < 0:
            # dockerd answers clients older than 1.24 in plain text, which they can read.
            message = (
                f"client version {version} is too old. Minimum supported API version is "
                f"{self.spec.min_version}, please upgrade your client to a newer version"
            )
            return Response(
                status=400,
                body=message.encode() + b"\n",
                content_type="text/plain; charset=utf-8",
                headers={"X-Content-Type-Options": "nosniff"},
            )
        if _compare_versions(version, self.max_version) > 0:
            return error_response(
                400,
                f"client version {version} is too new. "
                f"Maximum supported API version is {self.max_version}",
            )
        return None

    async def _run(self, operation: Operation, req: Request) -> Reply:
        try:
            handler = self.handlers.get(operation.operation_id)
            if handler is None:
                if SWARM_TAGS.intersection(operation.tags):
                    return error_response(503, NOT_A_SWARM_MANAGER)
                return error_response(501, f"{operation.operation_id} is not implemented by mockd")
            req.params = coerce_query(operation, req.query)
            if operation.takes_json_body:
                req.json = decode_json_body(req)
                self.spec.check_body(operation, req.json)
            return await handler(req, self.engine)
        except NotModified:
            return no_content(304)
        except DaemonError as exc:
            if exc.status >= 500:
                log.error("Handler for %s %s returned error: %s", req.method, req.path, exc)
            return error_response(exc.status, exc.message)
        except Exception as exc:
            log.exception("Handler for %s %s failed", req.method, req.path)
            return error_response(500, str(exc) or type(exc).__name__)


def coerce_query(operation: Operation, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """Declared query parameters by type; absent ones take the document's default, if any.

    Undeclared parameters stay only in ``req.query``, as dockerd ignores them.
    """
    params: dict[str, Any] = {}
    for param in operation.query_params:
        values = query.get(param.name)
        if param.name == "filters":
            params["filters"] = parse_filters(values[0] if values else None)
        elif values is None or (param.type == "integer" and values[0] == ""):
            if param.has_default:
                params[param.name] = param.default
        else:
            params[param.name] = _coerce(param, values)
    return params


def _coerce(param: Parameter, values: list[str]) -> Any:
    if param.type == "array":
        return list(values)
    # Go's r.Form.Get: the first value wins.
    value = values[0]
    if param.type == "boolean":
        return value.strip().lower() not in _FALSE_WORDS
    if param.type == "integer":
        if not _GO_INT.match(value):
            raise InvalidParameter(f'strconv.ParseInt: parsing "{value}": invalid syntax')
        return int(value)
    if param.type == "number":
        try:
            return float(value)
        except ValueError:
            raise InvalidParameter(
                f'strconv.ParseFloat: parsing "{value}": invalid syntax'
            ) from None
    return value


def decode_json_body(req: Request) -> Any:
    """httputils.ReadJSON: JSON content type, one document, Go's messages; empty is ``None``."""
    content_type = req.headers.get("content-type", "")
    if not req.body and not content_type:
        return None
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise InvalidParameter(
            f"unsupported Content-Type header ({content_type}): must be 'application/json'"
        )
    if not req.body:
        return None
    text = req.body.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    if start == len(text):
        raise InvalidParameter("invalid JSON: got EOF while reading request body")
    try:
        value, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(f"invalid JSON: {_go_syntax_error(exc)}") from None
    rest = text[end:].lstrip()
    # json.Decoder.More(): anything but a closing bracket after the document.
    if rest and rest[0] not in "]}":
        raise InvalidParameter("unexpected content after JSON")
    return value


def _go_syntax_error(exc: json.JSONDecodeError) -> str:
    """Python's decoder message in the words of Go's (the ones clients show users)."""
    if exc.pos >= len(exc.doc) or exc.msg.startswith("Unterminated"):
        return "unexpected EOF"
    char = exc.doc[exc.pos]
    if exc.msg.startswith("Expecting property name"):
        return f"invalid character {char!r} looking for beginning of object key string"
    if exc.msg.startswith("Expecting ':'"):
        return f"invalid character {char!r} after object key"
    if exc.msg.startswith("Expecting ','"):
        return f"invalid character {char!r} after object key:value pair"
    return f"invalid character {char!r} looking for beginning of value"


def _compare_versions(a: str, b: str) -> int:
    """moby's versions.compare: dotted numbers, missing or non-numeric parts are 0."""

    def parts(v: str) -> list[int]:
        return [int(p) if p.isdigit() else 0 for p in v.split(".")]

    pa, pb = parts(a), parts(b)
    width = max(len(pa), len(pb))
    pa += [0] * (width - len(pa))
    pb += [0] * (width - len(pb))
    return (pa > pb) - (pa < pb)


def _version_tuple(version: str) -> tuple[int, int]:
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")] + [0, 0]
    return parts[0], parts[1]
