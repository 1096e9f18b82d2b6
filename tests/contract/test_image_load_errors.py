"""``POST /images/load`` with a bad archive, on both backends.

dockerd 20.10 sends its 200 and ``Content-Type: application/json`` before it
reads the archive, so whatever is wrong with it (not a tar, no
``manifest.json``, a manifest naming a layer that is not there) arrives as one
``{"errorDetail": {"message": ...}, "error": ...}`` line, with ``quiet`` 0 or
1 alike, and no image is added.  Its messages name its temporary directory;
the mock's say the same without it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest
from backends import Backend


def tar(*files: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def missing_layer() -> bytes:
    """A manifest whose only layer (a diff_id no engine has) is not in the archive."""
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + os.urandom(32).hex()]},
    }).encode()  # fmt: skip
    name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = [{"Config": name, "RepoTags": ["load-errors:missing"],
                 "Layers": ["missing/layer.tar"]}]  # fmt: skip
    return tar((name, config), ("manifest.json", json.dumps(manifest).encode()))


CASES = {
    # name: (body, a part of the message)
    "garbage": (bytes(range(256)) * 12, "Error processing tar file"),
    "empty": (b"", "repositories: no such file or directory"),
    "no-manifest": (tar(("x", b"hi\n")), "repositories: no such file or directory"),
    "missing-layer": (missing_layer(), "missing/layer.tar: no such file or directory"),
}


def load(docker: Backend, body: bytes, quiet: int) -> tuple[int, str, bytes]:
    reply = docker.api(
        "POST",
        f"/v1.41/images/load?quiet={quiet}",
        data=body,
        headers={"Content-Type": "application/x-tar"},
    )
    return reply.status_code, reply.headers.get("Content-Type", ""), reply.content


def image_ids(docker: Backend) -> set[str]:
    return {str(image["Id"]) for image in docker.api("GET", "/v1.41/images/json?all=1").json()}


def error_message(status: int, body: bytes) -> str:
    """The error, however it came: a 4xx/5xx body or an error line in a 200 stream."""
    if status != 200:
        return str(json.loads(body)["message"])
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    errors = [line["error"] for line in lines if "error" in line]
    assert errors, body
    return str(errors[-1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_archive_message(docker: Backend, case: str) -> None:
    body, expected = CASES[case]
    before = image_ids(docker)
    status, _, content = load(docker, body, quiet=1)
    assert status < 500, content
    assert expected in error_message(status, content)
    assert image_ids(docker) == before


@pytest.mark.parametrize("quiet", [0, 1])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_archive_is_an_error_line_in_a_200(docker: Backend, case: str, quiet: int) -> None:
    body, expected = CASES[case]
    status, content_type, content = load(docker, body, quiet)
    assert (status, content_type) == (200, "application/json"), content
    lines = [json.loads(line) for line in content.splitlines() if line.strip()]
    assert len(lines) == 1, content
    assert lines[0]["errorDetail"] == {"message": lines[0]["error"]}
    assert expected in lines[0]["error"]
