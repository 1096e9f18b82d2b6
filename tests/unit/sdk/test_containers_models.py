"""Stats helpers (what ``docker stats`` shows) and exec_run's result shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses

import dockersdk
from dockersdk.api.exec import ExecAPI
from dockersdk.models.containers import cpu_percent, memory_percent, memory_usage
from dockersdk.streams import STDERR, STDOUT, Stream

BASE = "http://127.0.0.1:2375/v1.41"
CID = "ab" * 32


def sample(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": 3_000_000, "percpu_usage": [1, 2]},
            "system_cpu_usage": 20_000_000,
            "online_cpus": 4,
        },
        "precpu_stats": {
            "cpu_usage": {"total_usage": 1_000_000},
            "system_cpu_usage": 10_000_000,
        },
        "memory_stats": {"usage": 100, "limit": 400, "stats": {}},
    }
    base.update(overrides)
    return base


def test_cpu_percent_follows_the_cli_formula() -> None:
    # (2e6 / 1e7) * 4 CPUs * 100
    assert cpu_percent(sample()) == pytest.approx(80.0)


def test_cpu_percent_counts_percpu_when_online_is_missing() -> None:
    stats = sample()
    del stats["cpu_stats"]["online_cpus"]
    assert cpu_percent(stats) == pytest.approx(40.0)


def test_cpu_percent_without_previous_sample_counts_from_zero() -> None:
    # As the CLI: an empty precpu_stats (one-shot) counts from zero: 3e6 / 2e7 * 4 * 100.
    assert cpu_percent(sample(precpu_stats={})) == pytest.approx(60.0)
    assert cpu_percent(sample(cpu_stats={})) == 0.0


def test_memory_usage_subtracts_inactive_file_v1_and_v2() -> None:
    v1 = sample(memory_stats={"usage": 100, "limit": 400,
                              "stats": {"total_inactive_file": 30, "inactive_file": 5}})  # fmt: skip
    v2 = sample(memory_stats={"usage": 100, "limit": 400, "stats": {"inactive_file": 20}})
    assert memory_usage(v1) == 70
    assert memory_usage(v2) == 80
    assert memory_percent(v2) == pytest.approx(20.0)
    # A cache larger than the usage is not subtracted (the CLI's guard).
    assert memory_usage(sample(memory_stats={"usage": 10, "stats": {"inactive_file": 50}})) == 10


# -- exec_run ---------------------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[dockersdk.DockerClient]:
    with dockersdk.DockerClient(base_url="tcp://127.0.0.1:2375", version="1.41") as c:
        yield c


def _exec_setup(monkeypatch: pytest.MonkeyPatch, exit_code: int) -> Any:
    responses.get(f"{BASE}/containers/{CID}/json", json={"Id": CID, "Config": {"Tty": False}})
    create = responses.post(f"{BASE}/containers/{CID}/exec", json={"Id": "e1"})
    responses.get(f"{BASE}/exec/e1/json", json={"ID": "e1", "ExitCode": exit_code})
    frames = [(STDOUT, b"a\n"), (STDERR, b"b\n"), (STDOUT, b"c\n")]
    monkeypatch.setattr(
        ExecAPI, "start_stream", lambda self, *a, **k: Stream(iter(frames), lambda: None)
    )
    return create


@responses.activate
def test_exec_run_output_in_order_and_exit_code(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    create = _exec_setup(monkeypatch, 5)
    container = client.containers.get(CID)
    result = container.exec_run("sh -c 'exit 5'", environment={"K": "v"}, workdir="/tmp", user="1")
    assert result.exit_code == 5 and result.output == b"a\nb\nc\n"
    exit_code, _ = result  # a tuple, as docker-py's namedtuple
    assert exit_code == 5
    body = json.loads(create.calls[0].request.body)
    assert body["Cmd"] == ["sh", "-c", "exit 5"] and body["Env"] == ["K=v"]
    assert body["WorkingDir"] == "/tmp" and body["User"] == "1"
    assert body["AttachStdout"] and body["AttachStderr"] and not body["AttachStdin"]


@responses.activate
def test_exec_run_demux_and_stream(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _exec_setup(monkeypatch, 0)
    container = client.containers.get(CID)
    assert container.exec_run(["x"], demux=True).output == (b"a\nc\n", b"b\n")
    streamed = container.exec_run(["x"], stream=True)
    assert streamed.exit_code is None
    assert isinstance(streamed.output, Stream)
    assert b"".join(streamed.output) == b"a\nb\nc\n"


@responses.activate
def test_exec_run_detach_starts_detached(client: dockersdk.DockerClient) -> None:
    responses.get(f"{BASE}/containers/{CID}/json", json={"Id": CID})
    responses.post(f"{BASE}/containers/{CID}/exec", json={"Id": "e2"})
    start = responses.post(f"{BASE}/exec/e2/start", status=200)
    result = client.containers.get(CID).exec_run(["sleep", "1"], detach=True)
    assert result == (None, None)
    assert json.loads(start.calls[0].request.body) == {"Detach": True, "Tty": False}
