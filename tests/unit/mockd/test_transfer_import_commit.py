"""docker import (with --change) and docker commit in the engine."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.commit import EMPTY_LAYER_DIFF_ID, commit_container
from mockd.engine.containers import containers_of
from mockd.engine.image_import import apply_changes, change_lines, go_config, import_image
from mockd.engine.images import images_of
from mockd.engine.references import parse_normalized
from mockd.errors import InvalidParameter, NotFound


def rootfs_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in {"etc/motd": b"welcome\n", "x/y": b"z"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def engine_with_busybox() -> Engine:
    engine = Engine(ManualClock())
    item = catalog.load("docker.io/library/busybox")
    store = images_of(engine)
    store.add_reference(store.add(item.config_bytes, item.layers), parse_normalized("busybox:latest"))
    return engine


# -- changes ------------------------------------------------------------------------------------


def test_changes_apply_as_dockerfile_instructions() -> None:
    config = apply_changes(
        {"Env": ["A=0", "KEEP=1"], "Cmd": ["old"]},
        change_lines(["CMD [\"sh\", \"-c\", \"echo hi\"]", "ENV A=1 B=\"two words\"",
                      "WORKDIR /x", "WORKDIR y", "EXPOSE 80 53/udp", "LABEL a=b",
                      "USER nobody", "VOLUME /data", "ENTRYPOINT [\"/bin/sh\"]"]),
    )  # fmt: skip
    assert config["Cmd"] == ["sh", "-c", "echo hi"]  # set in the same changes: kept
    assert config["Entrypoint"] == ["/bin/sh"]
    assert config["Env"] == ["KEEP=1", "A=1", "B=two words"]
    assert config["WorkingDir"] == "/x/y"
    assert config["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
    assert config["Labels"] == {"a": "b"}
    assert config["User"] == "nobody"
    assert config["Volumes"] == {"/data": {}}


def test_shell_form_cmd_and_entrypoint_dropping_inherited_cmd() -> None:
    assert apply_changes({}, ["CMD echo hi"])["Cmd"] == ["/bin/sh", "-c", "echo hi"]
    assert apply_changes({"Cmd": ["x"]}, ["ENTRYPOINT [\"top\"]"])["Cmd"] is None


@pytest.mark.parametrize("line", ["RUN echo", "FOO bar", "COPY a b"])
def test_other_instructions_are_refused_as_dockerd_does(line: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        apply_changes({}, [line])
    assert caught.value.message == f"{line.split()[0].lower()} is not a valid change command"


def test_go_config_has_every_key_in_go_order() -> None:
    config = go_config({"Cmd": ["sh"], "ExposedPorts": {"80/tcp": {}}})
    assert list(config)[:7] == ["Hostname", "Domainname", "User", "AttachStdin",
                                "AttachStdout", "AttachStderr", "ExposedPorts"]  # fmt: skip
    assert config["Env"] is None and config["Cmd"] == ["sh"] and "StopSignal" not in config


# -- import -----------------------------------------------------------------------------------


def test_import_makes_a_one_layer_image_with_the_changes() -> None:
    engine = Engine(ManualClock())
    store = images_of(engine)
    image = import_image(store, io.BytesIO(rootfs_tar()), repo="imported", tag="v1",
                         changes=["CMD [\"sh\"]", "ENV A=1"], message="")  # fmt: skip
    assert store.get("imported:v1") is image
    assert image.rootfs_view().read_file("/etc/motd") == b"welcome\n"
    config = json.loads(image.config_bytes)
    assert list(config) == sorted(config)  # Go marshals the image as a map: sorted keys
    assert config["comment"] == "Imported from -"
    assert config["history"] == [{"created": config["created"], "comment": "Imported from -"}]
    assert config["config"]["Cmd"] == ["sh"] and config["config"]["Env"] == ["A=1"]
    assert config["rootfs"]["diff_ids"] == [image.layers[0].diff_id]
    # The layer keeps the imported bytes.
    assert image.layers[0].tar_bytes() == rootfs_tar()


def test_import_of_a_broken_tar_changes_nothing() -> None:
    store = images_of(Engine(ManualClock()))
    with pytest.raises(InvalidParameter, match=r"Error processing tar file\(exit status 1\)"):
        import_image(store, io.BytesIO(b"not a tar" * 100), repo="broken")
    assert store.count() == 0
    with pytest.raises(InvalidParameter):
        import_image(store, io.BytesIO(rootfs_tar()), changes=["RUN x"])
    assert store.count() == 0


# -- commit -------------------------------------------------------------------------------------


def test_commit_turns_the_container_changes_into_a_layer() -> None:
    engine = engine_with_busybox()
    containers = containers_of(engine)
    container, _ = containers.create({"Image": "busybox", "Cmd": ["sh", "-c", "true"],
                                      "Env": ["X=2"]})  # fmt: skip
    container.fs.write_file("/f", b"hi\n")
    container.fs.remove("/bin/ls")
    container.fs.write_file("/etc/hostname", b"mounted by the daemon\n")
    parent = images_of(engine).get("busybox")
    image = commit_container(engine, container.id, repo="committed", tag="v1", comment="cmt",
                             author="me", changes=["ENV B=3"])  # fmt: skip
    store = images_of(engine)
    assert store.get("committed:v1") is image
    assert image.parent == parent.id
    assert image.diff_ids[:-1] == parent.diff_ids and len(image.layers) == 2
    view = image.rootfs_view()
    assert view.read_file("/f") == b"hi\n"
    assert not view.exists("/bin/ls")
    assert not image.layers[-1].root.children.get("etc")  # the daemon's files are not committed
    config = json.loads(image.config_bytes)
    assert "X=2" in config["config"]["Env"] and config["config"]["Env"][-1] == "B=3"
    assert config["container"] == container.id
    assert config["author"] == "me" and config["comment"] == "cmt"
    assert config["history"][-1]["created_by"] == "sh -c true"
    assert config["history"][-1]["comment"] == "cmt"


def test_commit_without_changes_adds_an_empty_history_entry_only() -> None:
    engine = engine_with_busybox()
    container, _ = containers_of(engine).create({"Image": "busybox"})
    image = commit_container(engine, container.id)
    parent = images_of(engine).get("busybox")
    assert image.diff_ids == parent.diff_ids
    assert json.loads(image.config_bytes)["history"][-1]["empty_layer"] is True
    assert EMPTY_LAYER_DIFF_ID.startswith("sha256:5f70bf18")


def test_commit_of_a_missing_container_is_404() -> None:
    with pytest.raises(NotFound) as caught:
        commit_container(engine_with_busybox(), "nope")
    assert caught.value.message == "No such container: nope"


def test_import_and_commit_publish_dockerds_events() -> None:
    engine = engine_with_busybox()
    image = import_image(images_of(engine), io.BytesIO(rootfs_tar()))
    container, _ = containers_of(engine).create({"Image": "busybox", "Labels": {"team": "a"}})
    committed = commit_container(engine, container.id, repo="made", comment="why")
    events = [(e.type, e.action, e.actor_id, dict(e.attributes)) for e in engine.events.history()]
    assert ("image", "import", image.id, {"name": image.id}) in events
    commit = next(e for e in events if e[1] == "commit")
    assert commit[0] == "container" and commit[2] == container.id
    assert commit[3]["imageID"] == committed.id and commit[3]["imageRef"] == "made:latest"
    assert commit[3]["comment"] == "why" and commit[3]["team"] == "a"
