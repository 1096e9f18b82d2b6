"""Building on an in-process engine: context tars and a build that collects its messages."""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import Mapping
from typing import Any

from mockd.builder import BuildOptions, prepare
from mockd.engine import Engine


def context_tar(files: Mapping[str, str | bytes], *, mode: int = 0o644) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mode = mode
            member.mtime = 1_700_000_000
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def build(engine: Engine, files: Mapping[str, str | bytes], **options: Any) -> list[dict[str, Any]]:
    """Run one build to its end; every message it streamed."""

    async def go() -> list[dict[str, Any]]:
        prepared = prepare(engine, context_tar(files), BuildOptions(**options))
        return [message async for message in prepared.run()]

    return asyncio.run(go())


def text(messages: list[dict[str, Any]]) -> str:
    return "".join(str(m.get("stream", "")) for m in messages)


def built_id(messages: list[dict[str, Any]]) -> str:
    ids = [m["aux"]["ID"] for m in messages if "aux" in m]
    assert ids, f"the build failed: {messages[-1]}"
    return str(ids[-1])


def error(messages: list[dict[str, Any]]) -> dict[str, Any]:
    assert "errorDetail" in messages[-1], f"the build did not fail: {text(messages)}"
    return messages[-1]
