"""What a daemon's start leaves for later: handler modules by the index, routes by group.

The first daemon of a process pays for every module it imports, so handlers
(and what they pull in: the builder, wsproto, the registry client) are imported
on first use.  These tests keep that true, and keep the shortcuts exact: the
index names the module of every handler, a stale index still finds handlers,
and grouped routes match as the full ordered scan did.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mockd.engine.container_config import json_copy
from mockd.handlers._index import MODULES
from mockd.handlers.registry import HANDLERS, render_index
from mockd.router import Router, compile_route
from mockd.spec import load_spec

SPEC = load_spec()
ROOT = Path(__file__).resolve().parents[3]


def _run(code: str) -> Any:
    """Run ``code`` in a fresh interpreter (nothing imported yet); it prints JSON."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no MOCKD_VALIDATE_RESPONSES
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def test_the_index_names_the_module_that_registers_each_handler() -> None:
    # Fails after adding or moving a handler: run ``python -m mockd.handlers``.
    assert HANDLERS.index() == MODULES
    assert (Path(__file__).parents[3] / "mockd/handlers/_index.py").read_text() == render_index(
        MODULES
    )


def test_a_started_daemon_has_imported_no_handler_before_its_first_call() -> None:
    loaded = _run(
        """
        import json, sys, http.client, socket
        from mockd import MockDaemon
        daemon = MockDaemon().start()
        before = sorted(m for m in sys.modules if m.startswith("mockd.handlers."))
        heavy = [m for m in ("mockd.builder", "wsproto", "mockd.registry_client",
                             "mockd.validation") if m in sys.modules]
        conn = http.client.HTTPConnection("localhost")
        conn.sock = socket.socket(socket.AF_UNIX)
        conn.sock.connect(daemon.socket_path)
        conn.request("GET", "/v1.41/_ping")
        status = conn.getresponse().status
        after = sorted(m for m in sys.modules if m.startswith("mockd.handlers."))
        daemon.stop()
        print(json.dumps({"before": before, "heavy": heavy, "status": status, "after": after}))
        """
    )
    assert loaded["status"] == 200
    assert loaded["before"] == ["mockd.handlers._index", "mockd.handlers.registry"]
    # Only what the ping needed: its own module (and the private helpers it uses).
    handlers_after = [m for m in loaded["after"] if not m.split(".")[-1].startswith("_")]
    assert handlers_after == ["mockd.handlers.registry", "mockd.handlers.system"]
    # mockd.validation is imported by daemon.serve for its environment switch only.
    assert set(loaded["heavy"]) <= {"mockd.validation"}


def test_a_stale_index_still_finds_every_handler() -> None:
    found = _run(
        """
        import json
        from mockd.handlers.registry import HANDLERS
        HANDLERS._index = {"ContainerCreate": "volumes"}  # wrong module; the rest missing
        print(json.dumps([HANDLERS.get(op).__module__ for op in ("ContainerCreate", "VolumeList")]))
        """
    )
    assert found == ["mockd.handlers.containers", "mockd.handlers.volumes"]


def test_an_operation_without_a_handler_is_absent_after_all_modules_are_loaded() -> None:
    assert HANDLERS.get("SwarmInit") is None
    assert "SwarmInit" not in HANDLERS
    assert "ContainerCreate" in HANDLERS
    assert len(HANDLERS) == len(MODULES)


def _sample_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "abc", template)


def test_grouped_routes_match_as_the_full_scan_in_specificity_order() -> None:
    engine: Any = type(
        "E", (), {"api_version": "1.55", "system": type("S", (), {"server_header": "x"})}
    )
    router = Router(SPEC, engine, handlers={})

    def reference(method: str, path: str) -> tuple[str, dict[str, str]] | None:
        routes = [compile_route(op) for op in SPEC.operations if op.method == method]
        routes.sort(
            key=lambda r: (-len(re.sub(r"\{[^}]+\}", "", r.operation.path)), len(r.param_names))
        )
        for route in routes:  # every route, no shape filter
            params = route.match(path)
            if params is not None:
                return route.operation.operation_id, params
        return None

    paths = {_sample_path(op.path) for op in SPEC.operations}
    paths |= {re.sub(r"\{[^}]+\}", "x/y", op.path) for op in SPEC.operations}  # greedy names
    paths |= {"/containers/a/b/json", "/images/docker.io/library/busybox:latest/json", "/", "",
              "//containers/json", "/nothing/here", "containers/json"}  # fmt: skip
    for method in ("GET", "POST", "DELETE", "PUT", "HEAD"):
        for path in sorted(paths):
            matched = router.match(method, path)
            got = (matched[0].operation_id, matched[1]) if matched else None
            assert got == reference(method, path), (
                method,
                path,
            )


@pytest.mark.parametrize(
    "value",
    [None, "x", 1, 1.5, True, [], {}, {"a": [1, {"b": None}], "c": {"d": ["e"]}}, [[1], [2, [3]]]],
)
def test_json_copy_is_an_equal_value_sharing_no_container(value: Any) -> None:
    copied = json_copy(value)
    assert copied == value

    def containers(v: Any) -> list[int]:
        if isinstance(v, dict):
            return [id(v), *(i for x in v.values() for i in containers(x))]
        if isinstance(v, list):
            return [id(v), *(i for x in v for i in containers(x))]
        return []

    assert not set(containers(copied)) & set(containers(value))
