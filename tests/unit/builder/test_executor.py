"""The classic builder on an in-process engine: steps, cache, layers, config, errors, events."""

from __future__ import annotations

import io
import re
import tarfile

import pytest

from mockd.builder import BuildOptions, prepare
from mockd.engine import Engine
from mockd.engine.images import images_of
from mockd.errors import InvalidParameter, SystemError_
from tests.unit.builder.helpers import build, built_id, error, text

MULTI_STAGE = """\
ARG BASE=busybox
FROM $BASE AS first
ENV GREETING="hello there"
WORKDIR /app
COPY a.txt ./
RUN echo "$GREETING" > greeting && cat a.txt
CMD ["sh"]
FROM busybox
COPY --from=first /app/greeting /greeting
CMD ["cat", "/greeting"]
"""


@pytest.fixture
def engine() -> Engine:
    return Engine()


def test_multi_stage_stream_and_result(engine: Engine) -> None:
    messages = build(engine, {"Dockerfile": MULTI_STAGE, "a.txt": "from context\n"}, tags=["app:1"])
    out = text(messages)
    steps = re.findall(r"^Step (\d+)/(\d+) : (.*)$", out, re.M)
    assert [s[0] for s in steps] == [str(i) for i in range(1, 11)]
    assert {s[1] for s in steps} == {"10"}
    assert steps[1][2] == "FROM $BASE AS first"
    assert "from context\n" in out  # the RUN's output is streamed
    assert re.search(
        r" ---> Running in ([0-9a-f]{12})\n(.*\n)?Removing intermediate container \1\n", out
    )
    image_id = built_id(messages)
    assert out.endswith(f"Successfully built {image_id[7:19]}\nSuccessfully tagged app:1\n")
    images = images_of(engine)
    image = images.get("app:1")
    assert image.id == image_id
    assert image.container_config["Cmd"] == ["cat", "/greeting"]
    assert image.rootfs_view().read_file("/greeting") == b"hello there\n"
    assert not image.rootfs_view().exists("/app")  # only what was copied from the first stage


def test_history_lines_are_the_engines(engine: Engine) -> None:
    dockerfile = (
        'FROM busybox\nENV K V W\nLABEL "a b"=c d=e\nEXPOSE 80 90/udp\nWORKDIR rel\n'
        'ARG X=1\nRUN true\nVOLUME /v\nENTRYPOINT echo\nSHELL ["/bin/sh", "-xc"]\n'
        "STOPSIGNAL SIGINT\nCOPY f /f\n"
    )
    image_id = built_id(build(engine, {"Dockerfile": dockerfile, "f": "x"}))
    image = images_of(engine).get(image_id)
    created_by = [h["created_by"] for h in image.history[-11:]]
    assert created_by[:10] == [
        "/bin/sh -c #(nop)  ENV K=V W",
        "/bin/sh -c #(nop)  LABEL a b=c d=e",
        "/bin/sh -c #(nop)  EXPOSE 80 90/udp",
        "/bin/sh -c #(nop) WORKDIR /rel",
        "/bin/sh -c #(nop)  ARG X=1",
        "|1 X=1 /bin/sh -c true",
        "/bin/sh -c #(nop)  VOLUME [/v]",
        '/bin/sh -c #(nop)  ENTRYPOINT ["/bin/sh" "-c" "echo"]',
        "/bin/sh -xc #(nop)  SHELL [/bin/sh -xc]",  # the new shell already
        "/bin/sh -xc #(nop)  STOPSIGNAL SIGINT",
    ]
    assert re.fullmatch(r"/bin/sh -xc #\(nop\) COPY file:[0-9a-f]{64} in /f ", created_by[10])
    config = image.container_config
    assert config["Env"][-1] == "K=V W"
    assert config["Labels"] == {"a b": "c", "d": "e"}
    assert config["ExposedPorts"] == {"80/tcp": {}, "90/udp": {}}
    assert config["WorkingDir"] == "/rel"
    assert config["Volumes"] == {"/v": {}}
    assert config["Entrypoint"] == ["/bin/sh", "-c", "echo"]
    assert config["Cmd"] is None  # a new ENTRYPOINT drops the inherited CMD
    assert config["Shell"] == ["/bin/sh", "-xc"]
    assert config["StopSignal"] == "SIGINT"
    empty = [bool(h.get("empty_layer")) for h in image.history[-11:]]
    assert empty == [True, True, True, False, True, False, True, True, True, True, False]
    # Config-only steps add no layer; WORKDIR, RUN and COPY each add one.
    base_layers = len(images_of(engine).get("busybox").layers)
    assert len(image.layers) == base_layers + 3


def test_identical_rebuild_uses_the_cache_and_a_change_invalidates_from_there(
    engine: Engine,
) -> None:
    dockerfile = (
        'FROM busybox\nENV A=1\nWORKDIR /app\nCOPY a.txt ./\nRUN cat a.txt > copy\nCMD ["sh"]\n'
    )
    files = {"Dockerfile": dockerfile, "a.txt": "one\n"}
    first = build(engine, files)
    assert "Using cache" not in text(first)
    again = build(engine, files)
    assert built_id(again) == built_id(first)
    assert text(again).count(" ---> Using cache\n") == 5
    assert "Running in" not in text(again)
    changed = build(engine, {**files, "a.txt": "two\n"})
    # ENV and WORKDIR still hit; COPY a.txt and everything after it rebuild.
    assert text(changed).count(" ---> Using cache\n") == 2
    image = images_of(engine).get(built_id(changed))
    assert image.rootfs_view().read_file("/app/copy") == b"two\n"
    assert built_id(changed) != built_id(first)


def test_nocache_rebuilds_every_step(engine: Engine) -> None:
    files = {"Dockerfile": 'FROM busybox\nRUN echo made-it\nCMD ["sh"]\n'}
    first = built_id(build(engine, files))
    again = build(engine, files, nocache=True)
    assert "Using cache" not in text(again)
    assert text(again).count("\nmade-it\n") == 1
    assert built_id(again) != first


def test_a_file_deleted_in_a_later_layer_still_counts_in_the_size(engine: Engine) -> None:
    base = built_id(build(engine, {"Dockerfile": 'FROM busybox\nCMD ["sh"]\n'}))
    dockerfile = (
        'FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=5\nRUN rm /big\nCMD ["sh"]\n'
    )
    image = images_of(engine).get(built_id(build(engine, {"Dockerfile": dockerfile})))
    grown = image.size - images_of(engine).get(base).size
    assert 5 * 1024 * 1024 <= grown < 5 * 1024 * 1024 + 64 * 1024
    assert not image.rootfs_view().exists("/big")


def test_run_layers_hold_only_what_run_changed(engine: Engine) -> None:
    image_id = built_id(build(engine, {"Dockerfile": "FROM busybox\nRUN echo hi > /f\n"}))
    layer = images_of(engine).get(image_id).layers[-1]
    # /etc/hosts, hostname and resolv.conf are the runtime's, not the step's.
    assert sorted(layer.root.children) == ["f"]


def test_onbuild_triggers_run_in_the_child_build(engine: Engine) -> None:
    parent = build(
        engine,
        {"Dockerfile": 'FROM busybox\nONBUILD RUN echo triggered > /t\nCMD ["sh"]\n'},
        tags=["parent:1"],
    )
    assert images_of(engine).get(built_id(parent)).container_config["OnBuild"] == [
        "RUN echo triggered > /t"
    ]
    child = build(engine, {"Dockerfile": 'FROM parent:1\nCMD ["cat", "/t"]\n'})
    out = text(child)
    assert "Step 1/2 : FROM parent:1\n# Executing 1 build trigger\n ---> Running in " in out
    image = images_of(engine).get(built_id(child))
    assert image.rootfs_view().read_file("/t") == b"triggered\n"
    assert not image.container_config.get("OnBuild")  # triggers do not pass to grandchildren


def test_build_args_meta_args_and_the_unused_warning(engine: Engine) -> None:
    dockerfile = "ARG TAG=latest\nFROM busybox:$TAG\nARG WHO=nobody\nRUN echo hello $WHO\n"
    messages = build(
        engine,
        {"Dockerfile": dockerfile},
        build_args={"WHO": "builder", "EXTRA": "x", "HTTP_PROXY": "p"},
    )
    out = text(messages)
    assert "hello builder\n" in out
    assert "[Warning] One or more build-args [EXTRA] were not consumed\n" in out
    image = images_of(engine).get(built_id(messages))
    assert image.history[-1]["created_by"] == "|1 WHO=builder /bin/sh -c echo hello $WHO"


def test_copy_directories_globs_chown_and_add_unpacks_tars(engine: Engine) -> None:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = b"inside\n"
        member = tarfile.TarInfo("pkg/inner.txt")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    files: dict[str, str | bytes] = {
        "Dockerfile": (
            "FROM busybox\nCOPY src /dst\nCOPY *.md /docs/\nCOPY --chown=1000:1000 a.md /owned\n"
            "ADD bundle.tar.gz /opt/\n"
        ),
        "src/one": "1",
        "src/sub/two": "2",
        "a.md": "a",
        "b.md": "b",
        "bundle.tar.gz": archive.getvalue(),
    }
    image = images_of(engine).get(built_id(build(engine, files)))
    view = image.rootfs_view()
    assert view.read_file("/dst/one") == b"1"
    assert view.read_file("/dst/sub/two") == b"2"
    assert view.listdir("/docs") == ["a.md", "b.md"]
    assert (view.stat("/owned").uid, view.stat("/owned").gid) == (1000, 1000)
    assert view.read_file("/opt/pkg/inner.txt") == b"inside\n"


@pytest.mark.parametrize(
    ("dockerfile", "message"),
    [
        ("FROM busybox\nCOPY nope /x\n",
         "COPY failed: file not found in build context or excluded by .dockerignore: "
         "stat nope: file does not exist"),
        ("FROM busybox\nRUN exit 3\n", "The command '/bin/sh -c exit 3' returned a non-zero code: 3"),
        ("FROM busybox\nCOPY ../x /x\n", "Forbidden path outside the build context: ../x ()"),
        ("FROM nosuchimage\n",
         "pull access denied for nosuchimage, repository does not exist or may require "
         "'docker login': denied: requested access to the resource is denied"),
    ],
)  # fmt: skip
def test_step_errors_are_in_the_stream(engine: Engine, dockerfile: str, message: str) -> None:
    failure = error(build(engine, {"Dockerfile": dockerfile}))
    assert failure["error"] == message
    assert failure["errorDetail"]["message"] == message


def test_a_failing_run_reports_its_code_and_keeps_its_container(engine: Engine) -> None:
    failure = error(build(engine, {"Dockerfile": "FROM busybox\nRUN exit 3\n"}))
    assert failure["errorDetail"]["code"] == 3
    from mockd.engine.containers import containers_of

    kept = containers_of(engine).all()
    assert len(kept) == 1 and kept[0].state.exit_code == 3
    error(build(engine, {"Dockerfile": "FROM busybox\nRUN exit 4\n"}, forcerm=True))
    assert len(containers_of(engine).all()) == 1


def test_add_of_a_url_fails_clearly_offline(engine: Engine) -> None:
    failure = error(build(engine, {"Dockerfile": "FROM busybox\nADD http://example.com/x /x\n"}))
    assert failure["error"].startswith('ADD failed: Get "http://example.com/x": ')


def test_copy_from_an_unknown_stage(engine: Engine) -> None:
    failure = error(build(engine, {"Dockerfile": "FROM busybox\nCOPY --from=nostage /a /b\n"}))
    assert failure["error"].startswith("invalid from flag value nostage: ")


def test_errors_before_the_stream_are_plain_errors(engine: Engine) -> None:
    from tests.unit.builder.helpers import context_tar

    with pytest.raises(InvalidParameter, match="unknown instruction: FOO"):
        prepare(engine, context_tar({"Dockerfile": "FROM busybox\nFOO bar\n"}), BuildOptions())
    with pytest.raises(InvalidParameter, match=r"^no build stage in current context$"):
        prepare(engine, context_tar({"Dockerfile": "RUN echo\n"}), BuildOptions())
    with pytest.raises(SystemError_, match="Cannot locate specified Dockerfile: Dockerfile"):
        prepare(engine, context_tar({"a": "x"}), BuildOptions())
    with pytest.raises(InvalidParameter, match="failed to reach build target nope in Dockerfile"):
        prepare(engine, context_tar({"Dockerfile": "FROM busybox\n"}), BuildOptions(target="nope"))


def test_target_stops_at_the_stage(engine: Engine) -> None:
    dockerfile = "FROM busybox AS one\nRUN echo one\nFROM busybox\nRUN echo two\n"
    out = text(build(engine, {"Dockerfile": dockerfile}, target="one"))
    assert "Step 2/2 : RUN echo one" in out
    assert "two" not in out


def test_labels_option_adds_one_step_per_label(engine: Engine) -> None:
    messages = build(engine, {"Dockerfile": "FROM busybox\n"}, labels={"zz": "v 1", "a": "$b"})
    out = text(messages)
    assert "Step 2/3 : LABEL a=$b\n" in out and "Step 3/3 : LABEL zz=v 1\n" in out
    assert images_of(engine).get(built_id(messages)).labels == {"a": "$b", "zz": "v 1"}


def test_quiet_streams_only_the_id(engine: Engine) -> None:
    messages = build(engine, {"Dockerfile": "FROM busybox\nRUN echo noisy\n"}, quiet=True)
    assert len(messages) == 1
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", messages[0]["stream"])


def test_dockerignore_hides_only_itself_and_the_dockerfile_from_the_daemon(engine: Engine) -> None:
    files = {
        "Dockerfile": "FROM busybox\nCOPY . /ctx\n",
        ".dockerignore": "Dockerfile\n.dockerignore\nsecret\n",
        "secret": "s",  # the client filters it; the daemon does not
        "kept": "k",
    }
    image = images_of(engine).get(built_id(build(engine, files)))
    assert image.rootfs_view().listdir("/ctx") == ["kept", "secret"]


def test_build_events(engine: Engine) -> None:
    build(engine, {"Dockerfile": "FROM busybox\nENV A=1\nRUN true\n"}, tags=["evt:1"])
    seen = [
        (e.type, e.action)
        for e in engine.events.history()
        if e.type == "container" or (e.type, e.action) == ("image", "tag")
    ]
    assert seen == [
        ("container", "create"), ("container", "destroy"),  # ENV
        ("container", "create"), ("container", "attach"), ("container", "start"),
        ("container", "die"),
        ("container", "destroy"),  # RUN
        ("image", "tag"),
    ]  # fmt: skip


def test_from_scratch(engine: Engine) -> None:
    messages = build(engine, {"Dockerfile": 'FROM scratch\nCOPY a /a\nCMD ["/a"]\n', "a": "x"})
    assert "Step 1/3 : FROM scratch\n ---> \nStep 2/3 : COPY a /a\n" in text(messages)
    image = images_of(engine).get(built_id(messages))
    assert image.parent != ""
    assert len(image.layers) == 1
    assert image.rootfs_view().listdir("/") == ["a"]


def test_repeated_tags_and_a_dockerfile_elsewhere_in_the_context(engine: Engine) -> None:
    files = {"build/Custom.df": "FROM busybox\nCOPY build/x /x\n", "build/x": "x"}
    messages = build(engine, files, dockerfile="build/Custom.df", tags=["one:latest", "two:1"])
    out = text(messages)
    assert out.endswith("Successfully tagged one:latest\nSuccessfully tagged two:1\n")
    assert images_of(engine).get("one").id == images_of(engine).get("two:1").id
