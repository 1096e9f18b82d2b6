"""Contract fuzzing: schemathesis-generated requests for every operation mockd implements.

Each implemented operation gets ``MOCKD_FUZZ_EXAMPLES`` (default 10) requests
built from ``openapi/engine-api.json``; path parameters are sometimes swapped
for objects that exist (a running container, an exec, an image, a volume, a
network), so the handlers get past "no such ..." too.  For every answer:

* no 5xx other than those in ``ALLOWED_5XX`` (each with the reason dockerd also
  answers it);
* the response head arrives within ``REQUEST_TIMEOUT`` (no hang);
* the status is declared (or an errdefs status, see ``mockd.validation``) and a
  JSON body conforms to the declared schema;
* the daemon, running with response validation on, recorded no violation.

Afterwards the daemon must still answer ping, container list and events.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import mockd.handlers  # noqa: F401  (registers the handlers)
from mockd.daemon import MockDaemon
from mockd.handlers.registry import HANDLERS
from mockd.spec import default_spec_path, load_spec
from mockd.validation import ResponseValidator

EXAMPLES = int(os.environ.get("MOCKD_FUZZ_EXAMPLES", "10"))
REQUEST_TIMEOUT = 10.0  # seconds for the response head, and for a whole non-streamed body

# Tar bodies (image load, import) are bytes like any octet stream.
schemathesis.serializer.alias("application/x-tar", "application/octet-stream")

SPEC = load_spec()
SCHEMA = schemathesis.openapi.from_path(str(default_spec_path()))
VALIDATOR = ResponseValidator(SPEC)

# Operations not fuzzed, and why.
SKIPPED = {
    # Input names a registry (any host): a pull, push or manifest lookup would go out to
    # it, and these tests talk to loopback only.
    "ImageCreate": "may contact the registry named by fromImage",
    "ImagePush": "contacts the registry named by the image reference",
    "DistributionInspect": "contacts the registry named by the image reference",
    "SystemAuth": "logs in to the registry named by serveraddress",
    "PluginPull": "names a remote plugin in a registry",
    "GetPluginPrivileges": "names a remote plugin in a registry",
    "PluginUpgrade": "names a remote plugin in a registry",
    "PluginPush": "pushes to the registry named by the plugin reference",
}

# 5xx answers that are dockerd's own for the case: op -> [(status, part of the message)].
# Each checked against dockerd 20.10 (/tmp/probe) or moby's source.
ALLOWED_5XX: dict[str, list[tuple[int, str]]] = {
    # errdefs.NotImplemented, for what mockd does not support (URL imports, some drivers).
    "*": [(501, "")],
    # daemon/unpause.go returns a plain error: dockerd answers 500 "is not paused".
    "ContainerUnpause": [(500, "is not paused")],
    # A context that is not a tar (dockerd 20.10: 500 "unexpected EOF"), or a tar
    # without the Dockerfile (dockerd 20.10: 500, the same message).
    "ImageBuild": [(500, "build context"), (500, "Cannot locate specified Dockerfile")],
    # A subnet that is not a CIDR: dockerd 20.10 answers 500 "invalid CIDR address".
    "NetworkCreate": [(500, "invalid CIDR address")],
    # Disconnecting a container that is not on the network: dockerd 20.10 answers 500
    # ("... is not connected to the network ...").
    "NetworkDisconnect": [(500, "is not connected to")],
    # enablePlugin does strconv.Atoi(timeout) and returns the plain error: without a
    # timeout parameter dockerd answers 500 'strconv.Atoi: parsing "": invalid syntax'.
    "PluginEnable": [(500, "strconv.Atoi")],
    # putVolumesUpdate without swarm: errdefs.Unavailable.
    "VolumeUpdate": [(503, "swarm is not initialized")],
}

# Bugs found by fuzzing and not yet fixed by their owners: tolerated here so that the
# fuzzing keeps guarding everything else; each has a strict xfail test that turns red
# once it is fixed (then remove the entry).
KNOWN_BUGS: dict[str, list[tuple[int, str]]] = {
    # mockd/fs/tarread.py read_entries catches tarfile.TarError but not the EOFError
    # that gzip raises on a truncated stream: test_hostile_input.py::
    # test_truncated_compressed_archive_is_not_a_500.
    "ImageLoad": [(500, "Compressed file ended")],
    # mockd/engine/framing.py parse_detach_keys takes one *character* as a key where Go
    # takes one *byte*: a non-ASCII key is a 500 instead of dockerd's 400.
    # test_hostile_input.py::test_non_ascii_detach_keys_are_a_400.
    "ContainerAttach": [(500, "byte must be in range")],
    "ContainerExec": [(500, "byte must be in range")],
    "ExecStart": [(500, "byte must be in range")],
}

# Limits of the mock, answered as 500 by design of their owner (not dockerd's answer
# for the case; a 501 would say "not implemented" better).  Reported, tolerated.
MOCK_LIMITS: dict[str, list[tuple[int, str]]] = {
    "PluginCreate": [(500, "no plugin store")],
}

# Query parameters stripped from generated requests: they fetch from the network.
NETWORK_PARAMS = {"ImageBuild": ("remote",)}
# Seconds to wait before killing (stop, restart, delete): dockerd waits that long too,
# and `sleep` as PID 1 ignores SIGTERM, so a large (or -1: forever) value is a
# legitimately slow answer.
GRACE_PARAMS = ("t", "timeout")
MAX_GRACE = 1

# Operations whose 200 is a stream that may never end: read a little, then hang up.
STREAMING = {
    op.operation_id for op in SPEC.operations if op.stream or op.hijack or op.early_headers
}

FUZZED = sorted(op for op in HANDLERS if op not in SKIPPED)


class World:
    """The daemon under test and the objects it should hold before each example."""

    def __init__(self, daemon: MockDaemon) -> None:
        self.daemon = daemon
        host, port = daemon.tcp_address or ("", 0)
        self.base = f"http://{host}:{port}"
        self.session = requests.Session()
        self.pool: dict[str, list[str]] = {}

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return self.session.request(method, self.base + path, **kwargs)

    def reseed(self) -> None:
        """Make sure the named objects exist (an example may have removed them)."""
        pulled = self.api("POST", "/images/create?fromImage=busybox&tag=latest")
        assert pulled.status_code == 200, pulled.text
        if self.api("GET", "/containers/fuzz-c/json").status_code == 404:
            reply = self.api(
                "POST",
                "/containers/create?name=fuzz-c",
                # A short grace: `sleep` ignores SIGTERM, and stop waits that long.
                json={"Image": "busybox:latest", "Cmd": ["sleep", "3600"], "StopTimeout": 1},
            )
            assert reply.status_code == 201, reply.text
        container = self.api("GET", "/containers/fuzz-c/json").json()
        if container["State"]["Paused"]:
            self.api("POST", "/containers/fuzz-c/unpause")
        if not container["State"]["Running"]:
            self.api("POST", "/containers/fuzz-c/start")
        exec_id = ""
        reply = self.api("POST", "/containers/fuzz-c/exec", json={"Cmd": ["true"]})
        if reply.status_code == 201:
            exec_id = reply.json()["Id"]
        if self.api("GET", "/volumes/fuzz-v").status_code == 404:
            self.api("POST", "/volumes/create", json={"Name": "fuzz-v"})
        if self.api("GET", "/networks/fuzz-n").status_code == 404:
            self.api("POST", "/networks/create", json={"Name": "fuzz-n"})
        self.pool = {
            "Container": ["fuzz-c", container["Id"]],
            "Exec": [exec_id] if exec_id else [],
            "Image": ["busybox:latest", "busybox"],
            "Volume": ["fuzz-v"],
            "Network": ["fuzz-n", "bridge"],
        }

    def known(self, tags: tuple[str, ...]) -> list[str]:
        return [value for tag in tags for value in self.pool.get(tag, [])]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with MockDaemon(tcp="127.0.0.1:0", validate_responses=True) as daemon:
        yield World(daemon)
        assert daemon.response_violations == [], "\n".join(map(str, daemon.response_violations))


def _send(world: World, case: Any, streaming: bool) -> tuple[int, bytes, str | None]:
    kwargs = case.as_transport_kwargs(base_url=world.base)
    kwargs["headers"].pop("X-Schemathesis-TestCaseId", None)
    kwargs.pop("cookies", None)
    # A fresh connection per example: a hijacked or half-read one cannot be reused.
    with requests.Session() as session:
        reply = session.request(**kwargs, stream=True, timeout=REQUEST_TIMEOUT)
        try:
            if streaming and reply.status_code < 300:
                # The head came in time; the body may rightly go on forever (follow, wait).
                return reply.status_code, b"", reply.headers.get("Content-Type")
            body = reply.content
            return reply.status_code, body, reply.headers.get("Content-Type")
        finally:
            reply.close()


@pytest.mark.parametrize("operation_id", FUZZED)
def test_operation_survives_fuzzing(world: World, operation_id: str) -> None:
    operation = SPEC.operation(operation_id)
    api_op = SCHEMA.find_operation_by_id(operation_id)
    streaming = operation_id in STREAMING

    @given(case=api_op.as_strategy(), pick=st.integers(min_value=0, max_value=5))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        # No shrinking: it re-runs slow failures (timeouts) many times; the failing
        # example is reported as generated.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, pick: int) -> None:
        world.reseed()
        known = world.known(operation.tags)
        # Half the examples aim at an object that exists.
        if known and pick % 2 == 0 and case.path_parameters:
            for name in case.path_parameters:
                case.path_parameters[name] = known[pick // 2 % len(known)]
        for name in NETWORK_PARAMS.get(operation_id, ()):
            if case.query:
                case.query.pop(name, None)
        for name in GRACE_PARAMS:
            if case.query and isinstance(case.query.get(name), int):
                case.query[name] = max(0, min(case.query[name], MAX_GRACE))
        where = f"{operation_id} {case.method} {case.formatted_path} query={case.query!r}"
        try:
            status, body, content_type = _send(world, case, streaming)
        except requests.exceptions.Timeout:
            pytest.fail(f"{where}: no answer within {REQUEST_TIMEOUT} s")
        if status >= 500:
            allowed = [
                *ALLOWED_5XX["*"],
                *ALLOWED_5XX.get(operation_id, []),
                *KNOWN_BUGS.get(operation_id, []),
                *MOCK_LIMITS.get(operation_id, []),
            ]
            message = body.decode("utf-8", "replace")
            assert any(status == code and part in message for code, part in allowed), (
                f"{where}: {status} {message[:500]}"
            )
        problems = VALIDATOR.check_reply(
            operation, status, body, content_type, _served_version(world)
        )
        if streaming and status < 300:
            problems = [p for p in problems if p.path == "$status"]
        assert not problems, f"{where}: " + "; ".join(map(str, problems))

    run()
    assert world.api("GET", "/_ping").text == "OK"


def _served_version(world: World) -> tuple[int, int]:
    major, minor = world.daemon.engine.api_version.split(".")[:2]
    return int(major), int(minor)


def test_daemon_is_healthy_after_fuzzing(world: World) -> None:
    assert world.api("GET", "/_ping").text == "OK"
    containers = world.api("GET", "/containers/json?all=1")
    assert containers.status_code == 200 and isinstance(containers.json(), list)
    # dockerd's events take unix seconds (the CLI converts other forms before sending).
    until = f"{world.daemon.engine.clock.now_ns() / 1e9:.9f}"
    events = world.api("GET", "/events", params={"since": "0", "until": until})
    assert events.status_code == 200, events.text
    lines = [json.loads(line) for line in events.text.splitlines() if line.strip()]
    assert lines, "the fuzzing created containers, so there are events to replay"
    times = [e["timeNano"] for e in lines]
    assert times == sorted(times)
    for path in ("/volumes", "/networks", "/images/json", "/info", "/version"):
        assert world.api("GET", path).status_code == 200, path
