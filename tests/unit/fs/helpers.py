"""Helpers for the mockd.fs tests: small tars, the reference engine probe."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable

import pytest

# The real engine the suite compares with: the one CI names, else scripts/real-engine's.
REAL_SOCKET = os.environ.get(
    "DOCKERSDK_REAL_DOCKER_HOST", "unix:///tmp/dockersdk-real-engine/docker.sock"
).removeprefix("unix://")
REAL_DOCKER_HOST = "unix://" + REAL_SOCKET


def make_tar(build: Callable[[tarfile.TarFile], None], *, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as archive:
        build(archive)
    return out.getvalue()


def add_file(archive: tarfile.TarFile, name: str, data: bytes = b"", mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 1_700_000_000
    archive.addfile(info, io.BytesIO(data))


def add_entry(archive: tarfile.TarFile, name: str, kind: bytes, linkname: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mtime = kind, linkname, 1_700_000_000
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o777
    archive.addfile(info)


def real_engine_available() -> bool:
    if not os.path.exists(REAL_SOCKET):
        return False
    try:
        import requests_unixsocket  # type: ignore[import-untyped]

        session = requests_unixsocket.Session()
        return bool(session.get(_url("/_ping"), timeout=3).ok)
    except Exception:
        return False


def _url(path: str) -> str:
    return "http+unix://" + REAL_SOCKET.replace("/", "%2F") + "/v1.41" + path


needs_real_engine = pytest.mark.skipif(
    not real_engine_available(), reason=f"no real engine answers at {REAL_SOCKET}"
)
