"""``POST /build`` of a 10-step Dockerfile (FROM busybox and nine RUN/ENV/COPY
steps): cold (``nocache=1``) and cached (the same context again), on each
backend.  Skipped on a daemon that answers 501."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable

from benchmarks.backends import RUN_ID, Backend
from benchmarks.context import Context, ensure_busybox
from benchmarks.harness import Timing, measure
from benchmarks.rawhttp import UnixHTTPConnection, socket_path

NAME = "build"
DOCKERFILE = """\
FROM busybox
ENV STAGE=bench
COPY hello.txt /hello.txt
RUN echo one > /one
RUN echo two > /two
RUN mkdir -p /data && echo three > /data/three
WORKDIR /data
RUN cat /hello.txt /one /two > all.txt
RUN wc -c all.txt > size.txt
CMD ["cat", "/data/all.txt"]
"""


def _context() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (("Dockerfile", DOCKERFILE.encode()), ("hello.txt", b"hello\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class BuildNotImplemented(Exception):
    pass


def _build(backend: Backend, context: bytes, tag: str, nocache: bool, built: set[str]) -> None:
    """Build; add the image's ID to ``built`` (for cleanup)."""
    conn = UnixHTTPConnection(socket_path(backend.docker_host), timeout=600)
    query = f"t={tag}&rm=1&forcerm=1" + ("&nocache=1" if nocache else "")
    try:
        conn.request("POST", backend.v(f"/build?{query}"), body=context,
                     headers={"Content-Type": "application/x-tar"})  # fmt: skip
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status == 501:
        raise BuildNotImplemented(body.decode(errors="replace").strip())
    if response.status != 200:
        raise RuntimeError(f"build: {response.status} {body[:300]!r}")
    for line in body.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        if "error" in message:
            raise RuntimeError(f"build failed: {line[:300]!r}")
        image_id = (message.get("aux") or {}).get("ID")
        stream = str(message.get("stream") or "")
        if not image_id and stream.startswith("Successfully built "):
            image_id = stream.split()[-1]
        if image_id:
            built.add(image_id)


def _builder(
    backend: Backend, context: bytes, tag: str, nocache: bool, built: set[str]
) -> Callable[[], None]:
    return lambda: _build(backend, context, tag, nocache, built)


def run(ctx: Context) -> None:
    context = _context()
    tag = f"dockersdk-bench-build:{RUN_ID}"
    table = ctx.report.table(
        "Build of a 10-step Dockerfile (ms, median / p90)",
        ["backend", "cold (nocache)", "cached", "n"],
    )
    cold: dict[str, Timing] = {}
    for backend in ctx.backends:
        ensure_busybox(backend)
        n = ctx.scale(10, 3) if backend.is_mock else ctx.scale(3, 1)
        built: set[str] = set()
        try:
            _build(backend, context, tag, False, built)  # fills the cache for the cached runs
        except BuildNotImplemented as exc:
            ctx.report.skip(f"build on {backend.name}: not implemented (501: {exc})")
            continue
        try:
            cold[backend.name] = measure(_builder(backend, context, tag, True, built), n, 0)
            cached = measure(_builder(backend, context, tag, False, built), n, 1)
        finally:
            raw = backend.raw()
            # Each image this run built, with its untagged parents (the
            # classic builder's cache); nothing else on a shared engine.
            raw.call("DELETE", backend.v(f"/images/{tag}?force=1"))
            for image_id in built:
                raw.call("DELETE", backend.v(f"/images/{image_id}?force=1"))
        c = cold[backend.name]
        table.add(backend.name, f"{c.median_us / 1000:.1f} / {c.p90_us / 1000:.1f}",
                  f"{cached.median_us / 1000:.1f} / {cached.p90_us / 1000:.1f}", n)  # fmt: skip
    if "mock" in cold and "real" in cold:
        table.notes.append(
            f"cold build: the mock is {cold['real'].median_ns / cold['mock'].median_ns:.0f}x faster"
        )
