"""volumes=, mounts= and tmpfs=."""

from __future__ import annotations

from typing import Any

import pytest

from dockersdk.params import (
    InvalidArgument,
    Mount,
    build_mounts,
    build_tmpfs,
    build_volumes,
    parse_volume_spec,
)


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("/data", (None, "/data", "")),
        ("/host:/ctr", ("/host", "/ctr", "")),
        ("/host:/ctr:ro", ("/host", "/ctr", "ro")),
        ("/host:/ctr:rw", ("/host", "/ctr", "rw")),
        ("/host:/ctr:z", ("/host", "/ctr", "z")),
        ("/host:/ctr:Z", ("/host", "/ctr", "Z")),
        ("/host:/ctr:ro,z", ("/host", "/ctr", "ro,z")),
        ("/host:/ctr:rshared", ("/host", "/ctr", "rshared")),
        ("/host:/ctr:ro,rslave,Z", ("/host", "/ctr", "ro,rslave,Z")),
        ("name:/data", ("name", "/data", "")),
        ("my_vol.1:/data:ro", ("my_vol.1", "/data", "ro")),
        ("name:/data:nocopy", ("name", "/data", "nocopy")),
        ("/host:/ctr:cached", ("/host", "/ctr", "cached")),
    ],
)
def test_volume_specs(spec: str, parsed: tuple[str | None, str, str]) -> None:
    assert parse_volume_spec(spec) == parsed


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "data",  # target must be absolute
        "/host:ctr",
        "/host:/ctr:xx",
        "/host:/ctr:ro,rw",  # two access modes
        "/host:/ctr:z,Z",
        "/host:/ctr:shared,slave",
        "/host:/ctr:nocopy",  # nocopy is for named volumes
        "/host:/ctr:ro:extra",
        "/host::ro",
        "./rel:/ctr",
        "C:\\data:/ctr",
        "a:/ctr",  # volume names have two characters at least
        "/host:/",
    ],
)
def test_invalid_volume_specs(spec: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_volume_spec(spec)


def test_volume_list_splits_binds_and_anonymous_volumes() -> None:
    result = build_volumes(["/host:/ctr:ro", "name:/data", "/anon"])
    assert result.binds == ["/host:/ctr:ro", "name:/data"]
    assert result.anonymous == {"/anon": {}}


@pytest.mark.parametrize(
    ("volumes", "binds"),
    [
        ({"/host": {"bind": "/ctr", "mode": "ro"}}, ["/host:/ctr:ro"]),
        ({"/host": {"bind": "/ctr"}}, ["/host:/ctr:rw"]),
        ({"/host": {"bind": "/ctr", "ro": True}}, ["/host:/ctr:ro"]),
        ({"/host": {"bind": "/ctr", "ro": False}}, ["/host:/ctr:rw"]),
        ({"/host": "/ctr"}, ["/host:/ctr:rw"]),
        ({"vol": {"bind": "/data", "mode": "rw"}}, ["vol:/data:rw"]),
        ({"/h": {"bind": "/c", "mode": "ro", "propagation": "rshared"}}, ["/h:/c:ro,rshared"]),
    ],
)
def test_volume_dict_agrees_with_docker_py(volumes: dict[str, Any], binds: list[str]) -> None:
    from docker.utils.utils import convert_volume_binds

    assert build_volumes(volumes).binds == binds == convert_volume_binds(volumes)
    assert build_volumes(volumes).anonymous == {}


@pytest.mark.parametrize(
    "volumes",
    [
        {"/host": {"mode": "ro"}},
        {"/host": {"bind": "/ctr", "mode": "ro", "ro": True}},
        {"/host": {"bind": "/ctr", "mode": "bogus"}},
        {"/host": {"bind": "/ctr", "propagation": "sideways"}},
        {"/host": 5},
        ["/ok:/ok", 7],
    ],
)
def test_invalid_volume_arguments(volumes: Any) -> None:
    with pytest.raises(InvalidArgument):
        build_volumes(volumes)


def test_mounts_match_docker_py_types() -> None:
    from docker.types import Mount as DockerPyMount

    cases = [
        (
            Mount(target="/ctr", source="/host", type="bind", read_only=True),
            DockerPyMount(target="/ctr", source="/host", type="bind", read_only=True),
        ),
        (
            Mount(target="/ctr", source="/host", type="bind", propagation="rshared"),
            DockerPyMount(target="/ctr", source="/host", type="bind", propagation="rshared"),
        ),
        (
            Mount(target="/data", source="vol", no_copy=True, labels={"a": "b"}, subpath="sub"),
            DockerPyMount(
                target="/data", source="vol", no_copy=True, labels={"a": "b"}, subpath="sub"
            ),
        ),
        (
            Mount(target="/run", type="tmpfs", tmpfs_size="64m", tmpfs_mode=0o1777),
            DockerPyMount(
                target="/run", source=None, type="tmpfs", tmpfs_size="64m", tmpfs_mode=0o1777
            ),
        ),
        (Mount(target="/anon"), DockerPyMount(target="/anon", source=None)),
    ]
    for ours, theirs in cases:
        assert ours.to_api() == dict(theirs)


def test_tmpfs_size_in_bytes() -> None:
    mount = Mount(target="/run", type="tmpfs", tmpfs_size="1g")
    assert mount.to_api()["TmpfsOptions"] == {"SizeBytes": 1 << 30}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target": "/c", "type": "nfs"},
        {"target": "relative", "source": "v"},
        {"target": "/c", "type": "bind"},  # a bind needs a source
        {"target": "/c", "source": "/h", "type": "bind", "no_copy": True},
        {"target": "/c", "source": "/h", "type": "bind", "propagation": "sideways"},
        {"target": "/c", "source": "v", "propagation": "rshared"},
        {"target": "/c", "source": "v", "tmpfs_size": 10},
        {"target": "/c", "source": "/h", "type": "tmpfs"},
        {"target": "/c", "type": "tmpfs", "labels": {"a": "b"}},
        {"target": "/c", "type": "tmpfs", "tmpfs_mode": "755"},
        {"target": "/c", "consistency": "eventually"},
    ],
)
def test_invalid_mounts(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        Mount(**kwargs)


def test_build_mounts_accepts_strings_and_api_dicts() -> None:
    api_shaped = {"Target": "/x", "Source": "v", "Type": "volume", "ReadOnly": False}
    assert build_mounts(["/h:/c:ro", "vol:/data", api_shaped]) == [
        {"Target": "/c", "Source": "/h", "Type": "bind", "ReadOnly": True},
        {"Target": "/data", "Source": "vol", "Type": "volume", "ReadOnly": False},
        api_shaped,
    ]
    with pytest.raises(InvalidArgument):
        build_mounts([{"Source": "v"}])


def test_mount_parse_keeps_propagation_for_binds() -> None:
    assert Mount.parse("/h:/c:ro,rslave").to_api() == {
        "Target": "/c",
        "Source": "/h",
        "Type": "bind",
        "ReadOnly": True,
        "BindOptions": {"Propagation": "rslave"},
    }
    assert Mount.parse("vol:/d:nocopy").to_api()["VolumeOptions"] == {"NoCopy": True}


def test_tmpfs_forms() -> None:
    assert build_tmpfs({"/run": "size=64m", "/tmp": ""}) == {"/run": "size=64m", "/tmp": ""}
    assert build_tmpfs(["/run:size=64m,mode=1777", "/tmp"]) == {
        "/run": "size=64m,mode=1777",
        "/tmp": "",
    }
    for bad in (["run"], "/run", [3]):
        with pytest.raises(InvalidArgument):
            build_tmpfs(bad)  # type: ignore[arg-type]
