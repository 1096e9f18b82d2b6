"""The ``mockd`` command: ``serve`` as a real process, and ``coverage``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import requests_unixsocket

from mockd.cli import coverage_rows, main

REPO = Path(__file__).resolve().parents[3]


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "mockd.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _wait_for_docker_host(proc: subprocess.Popen[str]) -> list[str]:
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("export DOCKER_HOST="):
            return lines
    raise AssertionError(f"mockd serve ended early: {lines} {proc.stderr.read() if proc.stderr else ''}")


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[str, str]:
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=15)
    return out, err


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, list[str]]]:
    sock = tmp_path / "d.sock"
    proc = _spawn("serve", "--socket", str(sock), "--insecure-registry", "myreg:5000")
    try:
        yield proc, sock, _wait_for_docker_host(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)


def test_serve_on_a_socket_answers_and_stops_on_sigterm(
    served: tuple[subprocess.Popen[str], Path, list[str]],
) -> None:
    proc, sock, lines = served
    assert lines[-1] == f"export DOCKER_HOST=unix://{sock}"
    assert any(f"listening on unix://{sock}" in line for line in lines)
    base = "http+unix://" + quote(str(sock), safe="")
    with requests_unixsocket.Session() as session:
        assert session.get(base + "/_ping").text == "OK"
        info = session.get(base + "/v1.55/info").json()
        assert info["RegistryConfig"]["IndexConfigs"]["myreg:5000"]["Secure"] is False
        missing = session.get(base + "/v1.55/nope")
        assert missing.status_code == 404
    out, err = _stop(proc)
    assert proc.returncode == 0, err
    assert "mockd: stopped" in out
    assert not sock.exists()


def test_serve_stops_on_sigint(served: tuple[subprocess.Popen[str], Path, list[str]]) -> None:
    proc, sock, _ = served
    _, err = _stop(proc, signal.SIGINT)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not sock.exists()


def test_serve_over_tls_with_client_certificates(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_cert = ca.issue_cert("localhost", "127.0.0.1")
    client_cert = ca.issue_cert("client")
    files = {
        "ca.pem": ca.cert_pem,
        "cert.pem": server_cert.cert_chain_pems[0],
        "key.pem": server_cert.private_key_pem,
        "client-cert.pem": client_cert.cert_chain_pems[0],
        "client-key.pem": client_cert.private_key_pem,
    }
    for name, blob in files.items():
        blob.write_to_path(str(tmp_path / name))
    proc = _spawn(
        "serve", "--tcp", "127.0.0.1:0",
        "--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem"),
        "--tls-ca", str(tmp_path / "ca.pem"), "--tlsverify",
    )  # fmt: skip
    try:
        lines = _wait_for_docker_host(proc)
        host = lines[-1].removeprefix("export DOCKER_HOST=tcp://")
        url = f"https://{host}/_ping"
        ok = requests.get(
            url,
            verify=str(tmp_path / "ca.pem"),
            cert=(str(tmp_path / "client-cert.pem"), str(tmp_path / "client-key.pem")),
            timeout=10,
        )
        assert ok.text == "OK"
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(url, verify=str(tmp_path / "ca.pem"), timeout=10)  # no client cert
    finally:
        _stop(proc)


def test_serve_needs_somewhere_to_listen(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 2
    assert "--socket" in capsys.readouterr().err
    assert main(["serve", "--socket", "/tmp/x.sock", "--tls-cert", "c.pem"]) == 2


def test_coverage_counts_operations_per_tag(capsys: pytest.CaptureFixture[str]) -> None:
    rows = coverage_rows()
    by_tag = {tag: (done, total) for tag, done, total in rows}
    assert by_tag["System"][0] >= 5  # ping, ping head, version, info, events
    assert rows[-1][0] == "Total"
    assert rows[-1][1] == sum(done for _, done, _ in rows[:-1])
    assert rows[-1][2] == sum(total for _, _, total in rows[:-1]) > 100
    assert all(0 <= done <= total for _, done, total in rows)

    assert main(["coverage"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == len(rows)
    assert text[-1].split()[0] == "Total"

    assert main(["coverage", "--markdown"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "| Tag | Implemented | Total | Share |"
    assert f"| System | {by_tag['System'][0]} | {by_tag['System'][1]} |" in "\n".join(table)
