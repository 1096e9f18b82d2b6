"""``POST /build`` (the classic builder) on both backends.

Every Dockerfile starts with a LABEL that is unique to the test, so no step
can hit a cache entry made by anyone else; what a build made (its images and
the containers a failed RUN leaves) is tracked for removal on the real engine.
The real engine's busybox has no CMD, so the Dockerfiles set one.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from backends import Backend

from dockersdk.api.build import BuildError

V = "/v1.41"


def context_tar(files: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mode = 0o644
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _prune_leftover_build_images(docker: Backend) -> Iterator[None]:
    """On the real engine, prune untagged images the test's builds left (cache chains
    that outlive the tracked tops); every build here labels its images ``test.nonce``."""
    yield
    if docker.is_real:
        docker.api("POST", "/images/prune", params={"filters": json.dumps({"label": ["test.nonce"]})})


def header() -> str:
    return f"FROM busybox\nLABEL test.nonce={uuid.uuid4().hex}\n"


def track_build(docker: Backend, messages: list[dict[str, Any]]) -> None:
    """Track what the build made: each stage's last image (removing it with its untagged
    parents removes the stage's intermediate images) and the containers of its steps.

    Only the tops are tracked: dockerd refuses to remove an image with children,
    so removing intermediates one by one depends on the order.
    """
    last = ""
    after_from = False
    for message in messages:
        line = str(message.get("stream", ""))
        if line.startswith("Step "):
            after_from = " : FROM " in line.upper()
            if after_from and last:
                docker.track("image", last)
                last = ""
        running = re.match(r" ---> Running in ([0-9a-f]{12})", line)
        if running:
            docker.track("container", running.group(1))
        made = re.match(r" ---> ([0-9a-f]{12})\n", line)
        if made and not after_from:
            last = made.group(1)
    if last:
        docker.track("image", last)


def build(
    docker: Backend, files: Mapping[str, str | bytes], **query: Any
) -> tuple[int, list[dict[str, Any]]]:
    reply = docker.api(
        "POST", f"{V}/build", params=query, data=context_tar(files),
        headers={"Content-Type": "application/x-tar"}, timeout=120,
    )  # fmt: skip
    if reply.status_code != 200:
        return reply.status_code, [reply.json()]
    messages = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    track_build(docker, messages)
    return 200, messages


def text(messages: list[dict[str, Any]]) -> str:
    return "".join(str(m.get("stream", "")) for m in messages)


def built_id(messages: list[dict[str, Any]]) -> str:
    ids = [m["aux"]["ID"] for m in messages if "aux" in m]
    assert ids, f"the build failed: {messages[-1]}"
    return str(ids[-1])


def inspect(docker: Backend, image: str) -> dict[str, Any]:
    reply = docker.api("GET", f"{V}/images/{image}/json")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_multi_stage_build_with_copy_from(docker: Backend) -> None:
    tag = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:1")
    dockerfile = header().replace("FROM busybox", "FROM busybox AS first") + (
        "WORKDIR /app\nCOPY a.txt ./\nRUN cat a.txt > greeting && echo from-first\n"
        "FROM busybox\nCOPY --from=first /app/greeting /greeting\nRUN cat /greeting\n"
        'CMD ["cat", "/greeting"]\n'
    )
    status, messages = build(docker, {"Dockerfile": dockerfile, "a.txt": "hello\n"}, t=tag)
    assert status == 200
    out = text(messages)
    steps = re.findall(r"^Step (\d+)/(\d+) : ", out, re.M)
    assert [int(n) for n, _ in steps] == list(range(1, 10))
    assert "from-first\n" in out and "\nhello\n" in out
    assert re.search(
        r" ---> Running in ([0-9a-f]{12})\n(?:.*\n)*?Removing intermediate container \1\n", out
    )
    image_id = built_id(messages)
    assert out.endswith(f"Successfully built {image_id[7:19]}\nSuccessfully tagged {tag}\n")
    body = inspect(docker, tag)
    assert body["Id"] == image_id
    assert body["Config"]["Cmd"] == ["cat", "/greeting"]
    history = docker.api("GET", f"{V}/images/{tag}/history").json()
    assert history[0]["CreatedBy"] == '/bin/sh -c #(nop)  CMD ["cat" "/greeting"]'
    assert history[1]["CreatedBy"] == "/bin/sh -c cat /greeting"
    assert re.fullmatch(r"/bin/sh -c #\(nop\) COPY file:[0-9a-f]{64} in /greeting ",
                        history[2]["CreatedBy"])  # fmt: skip


def test_identical_rebuild_hits_the_cache_and_a_changed_file_misses(docker: Backend) -> None:
    dockerfile = header() + 'ENV A=1\nCOPY a.txt /a.txt\nRUN cat /a.txt\nCMD ["sh"]\n'
    files = {"Dockerfile": dockerfile, "a.txt": "one\n"}
    _, first = build(docker, files)
    assert "Using cache" not in text(first)
    _, again = build(docker, files)
    assert built_id(again) == built_id(first)
    assert text(again).count(" ---> Using cache\n") == 5  # LABEL, ENV, COPY, RUN, CMD
    assert "Running in" not in text(again)
    _, changed = build(docker, {**files, "a.txt": "two\n"})
    out = text(changed)
    assert out.count(" ---> Using cache\n") == 2  # LABEL and ENV only
    assert "\ntwo\n" in out
    assert built_id(changed) != built_id(first)


def test_removing_a_build_keeps_the_cache_steps_another_build_uses(docker: Backend) -> None:
    # Two builds share their first steps; removing one removes its own steps and stops,
    # quietly, at the first parent the other still has as a child.
    common = header() + "RUN echo shared > /a\n"
    _, one = build(docker, {"Dockerfile": common + "RUN echo 1 > /b\n"})
    _, two = build(docker, {"Dockerfile": common + "RUN echo 2 > /b\n"})
    first, second = built_id(one), built_id(two)
    parent = inspect(docker, first)["Parent"]
    assert parent and parent == inspect(docker, second)["Parent"]
    reply = docker.api("DELETE", f"{V}/images/{first}")
    assert reply.status_code == 200, reply.text
    deleted = [record["Deleted"] for record in reply.json()]
    assert deleted[0] == first and parent not in deleted  # then the freed layer's chain ID
    assert docker.api("GET", f"{V}/images/{parent}/json").status_code == 200
    reply = docker.api("DELETE", f"{V}/images/{second}")
    assert reply.status_code == 200, reply.text
    deleted = [record["Deleted"] for record in reply.json()]
    assert deleted[0] == second and parent in deleted  # now the shared step goes too


def test_nocache_rebuilds(docker: Backend) -> None:
    files = {"Dockerfile": header() + 'CMD ["sh"]\n'}
    _, first = build(docker, files)
    _, again = build(docker, files, nocache=1)
    assert "Using cache" not in text(again)
    assert built_id(again) != built_id(first)


def test_dockerignore_excludes_a_file_through_the_sdk(docker: Backend, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(header() + 'COPY . /ctx\nRUN ls /ctx\nCMD ["sh"]\n')
    (tmp_path / ".dockerignore").write_text("secret.txt\n")
    (tmp_path / "secret.txt").write_text("s")
    (tmp_path / "kept.txt").write_text("k")
    tag = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:ign")
    image, logs = docker.client().images.build(path=str(tmp_path), tag=tag)
    track_build(docker, logs)
    listing = "".join(str(entry.get("stream", "")) for entry in logs)
    assert "kept.txt\n" in listing
    assert "secret.txt" not in listing
    assert tag in image.tags


def test_onbuild_trigger_runs_in_the_child(docker: Backend) -> None:
    parent = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:parent")
    build(docker, {"Dockerfile": header() + 'ONBUILD RUN echo triggered\nCMD ["sh"]\n'}, t=parent)
    assert inspect(docker, parent)["Config"]["OnBuild"] == ["RUN echo triggered"]
    _, child = build(docker, {"Dockerfile": f'FROM {parent}\nCMD ["true"]\n'})
    out = text(child)
    assert f"Step 1/2 : FROM {parent}\n# Executing 1 build trigger\n ---> Running in " in out
    assert "\ntriggered\n" in out
    assert not inspect(docker, built_id(child))["Config"]["OnBuild"]


def test_entrypoint_and_cmd_when_run(docker: Backend) -> None:
    _, messages = build(
        docker, {"Dockerfile": header() + 'ENTRYPOINT ["echo", "hello"]\nCMD ["world"]\n'}
    )
    image_id = built_id(messages)
    created = docker.api("POST", f"{V}/containers/create", json={"Image": image_id})
    assert created.status_code == 201, created.text
    cid = docker.track("container", created.json()["Id"])
    assert docker.api("POST", f"{V}/containers/{cid}/start").status_code == 204
    assert docker.api("POST", f"{V}/containers/{cid}/wait", timeout=30).json()["StatusCode"] == 0
    logs = docker.api("GET", f"{V}/containers/{cid}/logs?stdout=1").content
    assert logs[8:] == b"hello world\n"  # after the stdout frame header


def test_a_file_deleted_in_a_later_step_still_counts_in_the_size(docker: Backend) -> None:
    busybox_size = inspect(docker, "busybox")["Size"] if docker.is_real else None
    dockerfile = header() + 'RUN dd if=/dev/zero of=/big bs=1M count=5\nRUN rm /big\nCMD ["sh"]\n'
    _, messages = build(docker, {"Dockerfile": dockerfile})
    size = inspect(docker, built_id(messages))["Size"]
    base = busybox_size if busybox_size is not None else inspect(docker, "busybox")["Size"]
    assert 5 * 1024 * 1024 <= size - base < 5 * 1024 * 1024 + 64 * 1024


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ("COPY nope /x\n",
         "COPY failed: file not found in build context or excluded by .dockerignore: "
         "stat nope: file does not exist", None),
        ("RUN exit 3\n", "The command '/bin/sh -c exit 3' returned a non-zero code: 3", 3),
    ],
)  # fmt: skip
def test_step_errors(docker: Backend, body: str, message: str, code: int | None) -> None:
    status, messages = build(docker, {"Dockerfile": header() + body})
    assert status == 200
    last = messages[-1]
    assert last["error"] == message
    assert last["errorDetail"].get("message") == message
    assert last["errorDetail"].get("code") == code


def test_parse_errors_are_a_400(docker: Backend) -> None:
    status, body = build(docker, {"Dockerfile": "FROM busybox\nRUN echo a\nFOO bar\n"})
    assert (status, body[0]["message"]) == (
        400,
        "dockerfile parse error line 3: unknown instruction: FOO",
    )
    status, body = build(docker, {"Dockerfile": "RUN echo a\n"})
    assert (status, body[0]["message"]) == (400, "no build stage in current context")


def test_sdk_build_error_carries_the_log(docker: Backend) -> None:
    with pytest.raises(BuildError) as caught:
        docker.client().images.build(fileobj=(header() + "RUN exit 7\n").encode())
    track_build(docker, caught.value.build_log)
    assert caught.value.reason == "The command '/bin/sh -c exit 7' returned a non-zero code: 7"
    assert any("Running in" in str(m.get("stream", "")) for m in caught.value.build_log)


def test_quiet_build_streams_only_the_id(docker: Backend) -> None:
    status, messages = build(docker, {"Dockerfile": header() + "RUN echo noisy\n"}, q=1)
    assert status == 200
    assert len(messages) == 1
    image_id = messages[0]["stream"].strip()
    docker.track("image", image_id)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image_id)


def test_build_prune_reports_nothing_for_the_classic_builder(docker: Backend) -> None:
    reply = docker.api("POST", f"{V}/build/prune")
    assert reply.status_code == 200
    assert set(reply.json()) == {"CachesDeleted", "SpaceReclaimed"}


def test_build_events(docker: Backend) -> None:
    since = time.time() - 1
    tag = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:events")
    _, messages = build(docker, {"Dockerfile": header() + "RUN true\n"}, t=tag)
    image_id = built_id(messages)
    steps = re.findall(r" ---> Running in ([0-9a-f]{12})", text(messages))
    reply = docker.api(
        "GET", f"{V}/events", params={"since": f"{since:.3f}", "until": f"{time.time() + 1:.3f}"},
    )  # fmt: skip
    events = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    # Other clients may use the engine meanwhile: keep this build's events only.
    mine = [
        e for e in events
        if (e["Type"] == "container" and e["Actor"]["ID"][:12] in steps)
        or (e["Type"] == "image" and e["Actor"]["Attributes"].get("name") == tag)
    ]  # fmt: skip
    assert [(e["Type"], e["Action"]) for e in mine] == [
        ("container", "create"), ("container", "destroy"),  # LABEL
        ("container", "create"), ("container", "attach"), ("container", "start"),
        ("container", "die"), ("container", "destroy"),  # RUN
        ("image", "tag"),
    ]  # fmt: skip
    assert mine[-1]["Actor"]["ID"] == image_id


def test_docker_py_builds(docker: Backend, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(header() + 'ARG WHO\nRUN echo "hi $WHO"\nCMD ["sh"]\n')
    tag = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:py")
    image, logs = docker.dockerpy().images.build(
        path=str(tmp_path), tag=tag, buildargs={"WHO": "docker-py"}, labels={"from": "py"}
    )
    entries = list(logs)
    track_build(docker, entries)
    assert "hi docker-py\n" in "".join(str(e.get("stream", "")) for e in entries)
    assert tag in image.tags
    assert image.labels["from"] == "py"


def test_repeated_tags_a_gzipped_context_and_a_dockerfile_path(docker: Backend) -> None:
    one = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:one")
    two = docker.track("image", f"buildtest-{uuid.uuid4().hex[:8]}:two")
    data = gzip.compress(context_tar({"sub/Dockerfile.x": header() + 'CMD ["sh"]\n'}))
    reply = docker.api(
        "POST", f"{V}/build", params=[("t", one), ("t", two), ("dockerfile", "./sub/Dockerfile.x")],
        data=data, headers={"Content-Type": "application/x-tar"}, timeout=120,
    )  # fmt: skip
    messages = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    track_build(docker, messages)
    assert text(messages).endswith(f"Successfully tagged {one}\nSuccessfully tagged {two}\n")
    assert inspect(docker, one)["Id"] == inspect(docker, two)["Id"] == built_id(messages)


def history_lines(docker: Backend, image: str) -> list[str]:
    reply = docker.api("GET", f"{V}/images/{image}/history")
    assert reply.status_code == 200, reply.text
    return [str(entry["CreatedBy"]) for entry in reply.json()]


def test_history_and_config_as_dockerd_writes_them(docker: Backend) -> None:
    """EXPOSE's ports sorted, COPY --chown's note glued to the digest, an ARG without a
    default in a stage taking the one before FROM, and a base without PATH given it."""
    nonce = uuid.uuid4().hex
    dockerfile = (
        f"ARG BASE=busybox\nFROM ${{BASE}}\nLABEL test.nonce={nonce}\nARG BASE\n"
        'RUN echo "base=$BASE"\nEXPOSE 80 443/udp 53\nCOPY --chown=1:2 f /f\n'
        f"FROM scratch\nLABEL test.nonce={nonce}\nCOPY f /f\n"
    )
    status, messages = build(docker, {"Dockerfile": dockerfile, "f": "x\n"})
    assert status == 200
    assert "base=busybox\n" in text(messages)
    created = history_lines(docker, built_id(messages))
    assert created[0].startswith("/bin/sh -c #(nop) COPY file:")
    config = inspect(docker, built_id(messages))["Config"]
    assert config["Env"] == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    # The first stage's image: what its last step (COPY --chown) made.
    chown_step = next(step for step in text(messages).split("Step ") if "--chown" in step)
    first_stage_id = re.findall(r" ---> ([0-9a-f]{12})\n", chown_step)[-1]
    docker.track("image", first_stage_id)
    lines = history_lines(docker, first_stage_id)
    assert lines[0].startswith("/bin/sh -c #(nop) COPY --chown=1:2file:")
    assert lines[1] == "/bin/sh -c #(nop)  EXPOSE 443/udp 53 80"
    assert lines[2] == '|1 BASE=busybox /bin/sh -c echo "base=$BASE"'
