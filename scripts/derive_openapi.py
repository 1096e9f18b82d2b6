"""Derive the project's API document from the upstream Docker Engine API spec.

Usage::

    python scripts/derive_openapi.py UPSTREAM_YAML OUT_DIR \
        [--history engine-v1.41.yaml engine-v1.44.yaml ...]

Writes ``OUT_DIR/engine-api.json``: the upstream Swagger 2.0 document reduced to
its facts (paths, operations, parameters, status codes, schemas), with all prose
dropped, plus the project's own ``x-mockd-*`` annotations (stream framing,
connection hijacking, path parameters that may contain slashes).  With
``--history``, the definitions also get back the properties earlier versions had
(``x-mockd-absent-from``), since daemons of those versions still send them.

With ``--history``, also writes ``OUT_DIR/field-versions.json``: for every
operation, operation query parameter and definition property, the first of the
given API versions in which it appears and, if it later disappears, the first in
which it is gone.

The output is deterministic (sorted keys, fixed indentation) so that a
regeneration from the same inputs is byte-identical; the drift test relies on it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")

# Keys that carry prose or presentation only; never copied.
PROSE_KEYS = frozenset({"description", "summary", "example", "examples", "title", "x-displayName"})

# Operation-level keys we keep; the rest (summary, description) is prose.
OPERATION_KEYS = ("operationId", "tags", "parameters", "responses", "produces", "consumes")

TITLE = "Docker Engine API, as served by mockd and consumed by dockersdk"

# --- Project facts the upstream document does not express -----------------------------
# How each streaming operation frames its response body.
#   json-lines          one JSON object per line, flushed as produced
#   multiplexed-or-raw  stdcopy frames (8-byte header per chunk) unless the container
#                       has a TTY, in which case the raw bytes
#   tar                 a tar archive, streamed
STREAM_FRAMING: dict[str, str] = {
    "SystemEvents": "json-lines",
    "ImageCreate": "json-lines",
    "ImagePush": "json-lines",
    "ImageBuild": "json-lines",
    "ImageLoad": "json-lines",
    "ContainerStats": "json-lines",
    "PluginPull": "json-lines",
    "PluginUpgrade": "json-lines",
    "PluginPush": "json-lines",
    "ContainerLogs": "multiplexed-or-raw",
    "ContainerAttach": "multiplexed-or-raw",
    "ExecStart": "multiplexed-or-raw",
    "ServiceLogs": "multiplexed-or-raw",
    "TaskLogs": "multiplexed-or-raw",
    "ContainerExport": "tar",
    "ContainerArchive": "tar",
    "ImageGet": "tar",
    "ImageGetAll": "tar",
}
# Operations that stream only when a boolean query parameter is true; otherwise they
# answer with one JSON document.  Value: the parameter's name.
STREAM_WHEN_PARAM: dict[str, str] = {"ContainerStats": "stream"}

# Query parameters the document types as integers but dockerd parses as
# timestamps, "seconds[.nanoseconds]" (the CLI and SDKs send the fraction).
TIMESTAMP_PARAMS: dict[str, frozenset[str]] = {
    "ContainerLogs": frozenset({"since", "until"}),
    "ServiceLogs": frozenset({"since"}),
    "TaskLogs": frozenset({"since"}),
}
# Operations that take over the connection: the daemon answers 101 Switching Protocols
# when the client asked for an upgrade (or a bare 200 otherwise) and from then on the
# socket carries the stream in both directions.  Value: the Upgrade protocol.
HIJACK: dict[str, str] = {
    "ContainerAttach": "tcp",
    "ExecStart": "tcp",
    "ContainerAttachWebsocket": "websocket",
    "Session": "h2c",
}
# Operations whose response headers dockerd flushes before the body is ready, so that
# the client knows the request is registered (e.g. `docker run` waits before starting).
EARLY_HEADERS = frozenset({"ContainerWait", "SystemEvents"})
# Tags whose path parameters dockerd routes as `{name:.*}`: the value may contain '/'
# (image references such as `library/busybox:latest`, and any name or id).
GREEDY_PATH_TAGS = frozenset(
    {"Container", "Exec", "Image", "Volume", "Network", "Plugin", "Distribution"}
)


def strip_prose(node: Any) -> Any:
    """Copy a schema-like node, dropping prose and x-go-* keys at keyword positions.

    Inside maps whose keys are names (``properties``, ``headers``) every key is kept.
    Values of ``enum`` and ``default`` are data and are copied as they are.
    """
    if isinstance(node, list):
        return [strip_prose(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        key = str(key)
        if key in PROSE_KEYS or key.startswith("x-go-"):
            continue
        if key in ("properties", "headers"):
            out[key] = {str(name): strip_prose(sub) for name, sub in value.items()}
        elif key in ("enum", "default"):
            out[key] = value
        else:
            out[key] = strip_prose(value)
    return out


def derive_operation(op: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in OPERATION_KEYS:
        if key not in op:
            continue
        if key == "responses":
            # PyYAML loads bare status codes as ints; JSON keys must be strings.
            out[key] = {str(code): strip_prose(resp) for code, resp in op[key].items()}
        else:
            out[key] = strip_prose(op[key])
    op_id = op["operationId"]
    if op_id in STREAM_FRAMING:
        out["x-mockd-stream"] = STREAM_FRAMING[op_id]
    if op_id in STREAM_WHEN_PARAM:
        out["x-mockd-stream-when-param"] = STREAM_WHEN_PARAM[op_id]
    if op_id in HIJACK:
        out["x-mockd-hijack"] = HIJACK[op_id]
    if op_id in EARLY_HEADERS:
        out["x-mockd-early-headers"] = True
    for param in out.get("parameters", ()):
        if param.get("name") in TIMESTAMP_PARAMS.get(op_id, ()) and param.get("in") == "query":
            param["type"] = "string"
            param["format"] = "x-mockd-unix-timestamp"
    if set(op.get("tags", ())) & GREEDY_PATH_TAGS:
        for param in out.get("parameters", ()):
            if param.get("in") == "path":
                param["x-mockd-greedy"] = True
    return out


def tag_names(upstream: dict[str, Any]) -> list[str]:
    """The upstream tag list, completed with tags that operations use but it omits."""
    names = [str(tag["name"]) for tag in upstream.get("tags", [])]
    used = {
        t
        for item in upstream["paths"].values()
        for m, op in item.items()
        if m in HTTP_METHODS
        for t in op.get("tags", ())
    }
    return names + sorted(used - set(names))


def restore_removed(definitions: dict[str, Any], history: Iterable[dict[str, Any]]) -> None:
    """Put back, into ``definitions``, the properties earlier API versions had and
    this one dropped, each marked ``x-mockd-absent-from``: the first of the given
    versions that lacks it (it went at that version or between it and the one before).

    Daemons of those versions still send them (``NetworkSettings.IPAddress`` at
    1.41), so the models must decode them; the mock sends them only below that
    version.  Definitions such properties refer to that are gone come back too.
    """
    newest_first = sorted(history, key=lambda d: version_key(str(d["info"]["version"])))[::-1]
    gone_since: dict[str, str] = {}  # a property's key -> the version that dropped it
    next_version = {
        str(older["info"]["version"]): str(newer["info"]["version"])
        for newer, older in itertools.pairwise(newest_first)
    }
    first = str(newest_first[0]["info"]["version"]) if newest_first else ""
    pending = list(definitions)
    while pending:
        name = pending.pop()
        schema = definitions[name]
        properties = schema.get("properties")
        if not isinstance(properties, dict):
            continue
        for older in newest_first[1:]:
            old_schema = older["definitions"].get(name) or {}
            for prop, sub in (old_schema.get("properties") or {}).items():
                if prop in properties:
                    continue
                removed_in = gone_since.setdefault(
                    f"{name}.{prop}", next_version.get(str(older["info"]["version"]), first)
                )
                properties[prop] = {**strip_prose(sub), "x-mockd-absent-from": removed_in}
                for ref in _refs(sub):
                    if ref not in definitions and ref in older["definitions"]:
                        definitions[ref] = {
                            **strip_prose(older["definitions"][ref]),
                            "x-mockd-absent-from": removed_in,
                        }
                        pending.append(ref)


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def derive_document(
    upstream: dict[str, Any], history: Iterable[dict[str, Any]] = ()
) -> dict[str, Any]:
    version = str(upstream["info"]["version"])
    definitions = {name: strip_prose(s) for name, s in upstream["definitions"].items()}
    restore_removed(definitions, [upstream, *history])
    paths: dict[str, Any] = {}
    for path, item in upstream["paths"].items():
        paths[path] = {m: derive_operation(op) for m, op in item.items() if m in HTTP_METHODS}
    return {
        "swagger": upstream["swagger"],
        "info": {"title": TITLE, "version": version},
        "basePath": upstream.get("basePath", f"/v{version}"),
        "schemes": upstream.get("schemes", ["http"]),
        "produces": upstream.get("produces", []),
        "consumes": upstream.get("consumes", []),
        "tags": [{"name": name} for name in tag_names(upstream)],
        "paths": paths,
        "definitions": dict(sorted(definitions.items())),
        "x-mockd-derived-from": f"upstream Engine API {version}",
    }


# --- Field history --------------------------------------------------------------------


def _properties(
    doc: dict[str, Any], schema: Any, prefix: str, out: set[str], depth: int, seen: frozenset[str]
) -> None:
    """Collect property paths of a schema (``A``, ``A.B``), following ``$ref``, ``allOf``
    and array items, down to ``depth`` levels; ``seen`` stops recursive schemas."""
    if not isinstance(schema, dict) or depth == 0:
        return
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        if name not in seen:
            _properties(doc, doc["definitions"][name], prefix, out, depth, seen | {name})
        return
    for part in schema.get("allOf", ()):
        _properties(doc, part, prefix, out, depth, seen)
    if isinstance(schema.get("items"), dict):
        _properties(doc, schema["items"], prefix, out, depth, seen)
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        out.add(path)
        _properties(doc, sub, f"{path}.", out, depth - 1, seen)


def facts_of(doc: dict[str, Any]) -> dict[str, set[str]]:
    """The named things of one document whose presence we track across versions.

    Definitions are tracked by their own names, one level deep (inline objects
    included).  Because upstream renamed many definitions (1.41 described most
    responses inline), the success response and the body of each operation are
    also tracked by operationId, following references, three levels deep.
    """
    facts: dict[str, set[str]] = {
        k: set() for k in ("operations", "query", "properties", "responses", "bodies")
    }
    for item in doc["paths"].values():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            op_id = op["operationId"]
            facts["operations"].add(op_id)
            for param in op.get("parameters", ()):
                if param.get("in") == "query":
                    facts["query"].add(f"{op_id}\0{param['name']}")
                elif param.get("in") == "body":
                    found: set[str] = set()
                    _properties(doc, param.get("schema"), "", found, 3, frozenset())
                    facts["bodies"].update(f"{op_id}\0{p}" for p in found)
            for code, response in op.get("responses", {}).items():
                if str(code).startswith("2"):
                    found = set()
                    _properties(doc, response.get("schema"), "", found, 3, frozenset())
                    facts["responses"].update(f"{op_id}\0{p}" for p in found)
    for name, schema in doc["definitions"].items():
        found = set()
        for part in [schema, *schema.get("allOf", ())]:
            if "$ref" not in part:
                _properties(
                    doc, {"properties": part.get("properties", {})}, "", found, 2, frozenset({name})
                )
        facts["properties"].update(f"{name}\0{p}" for p in found)
    return facts


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def field_versions(docs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(docs, key=lambda d: version_key(str(d["info"]["version"])))
    versions = [str(d["info"]["version"]) for d in ordered]
    facts = [facts_of(d) for d in ordered]

    def spans(kind: str) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        every = set().union(*(f[kind] for f in facts))
        for item in every:
            present = [item in f[kind] for f in facts]
            span = {"added": versions[present.index(True)]}
            first = present.index(True)
            if False in present[first:]:
                span["removed"] = versions[first + present[first:].index(False)]
            result[item] = span
        return result

    def nest(flat: dict[str, dict[str, str]]) -> dict[str, dict[str, dict[str, str]]]:
        out: dict[str, dict[str, dict[str, str]]] = {}
        for key, span in flat.items():
            owner, name = key.split("\0")
            out.setdefault(owner, {})[name] = span
        return out

    return {
        "versions": versions,
        "operations": spans("operations"),
        "query": nest(spans("query")),
        "definitions": nest(spans("properties")),
        "responses": nest(spans("responses")),
        "bodies": nest(spans("bodies")),
    }


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


def write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upstream", type=Path, help="upstream Engine API spec (Swagger 2.0 YAML)")
    parser.add_argument("out_dir", type=Path, help="where to write engine-api.json")
    parser.add_argument(
        "--history",
        type=Path,
        nargs="+",
        default=[],
        help="upstream specs of earlier versions, for field-versions.json",
    )
    args = parser.parse_args(argv)

    upstream = load_yaml(args.upstream)
    docs = [load_yaml(p) for p in args.history if p.resolve() != args.upstream.resolve()]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_json(args.out_dir / "engine-api.json", derive_document(upstream, docs))
    if args.history:
        write_json(args.out_dir / "field-versions.json", field_versions([*docs, upstream]))


if __name__ == "__main__":
    main()
