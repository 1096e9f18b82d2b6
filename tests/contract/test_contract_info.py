"""``/info``: the shape clients read and the sums that must add up."""

from __future__ import annotations

from backends import Backend


def test_info_shape_and_self_consistency(docker: Backend) -> None:
    reply = docker.api("GET", "/info")
    assert reply.status_code == 200
    info = reply.json()
    for key in (
        "ID",
        "Driver",
        "OperatingSystem",
        "OSType",
        "Architecture",
        "KernelVersion",
        "ServerVersion",
        "Name",
        "DockerRootDir",
        "LoggingDriver",
        "CgroupDriver",
    ):
        assert isinstance(info[key], str), key
        assert info[key], key
    for key in (
        "Containers",
        "ContainersRunning",
        "ContainersPaused",
        "ContainersStopped",
        "Images",
        "NCPU",
        "MemTotal",
    ):
        assert isinstance(info[key], int), key
        assert info[key] >= 0, key
    assert info["Containers"] == (
        info["ContainersRunning"] + info["ContainersPaused"] + info["ContainersStopped"]
    )
    assert info["NCPU"] > 0
    assert info["MemTotal"] > 0
    assert info["OSType"] == "linux"
    assert isinstance(info["DriverStatus"], list)
    assert isinstance(info["Plugins"]["Volume"], list)
    assert isinstance(info["RegistryConfig"]["IndexConfigs"], dict)
    assert isinstance(info["Swarm"]["LocalNodeState"], str)
    assert info["DefaultRuntime"] in info["Runtimes"]


def test_info_agrees_with_version(docker: Backend) -> None:
    info = docker.api("GET", "/info").json()
    version = docker.api("GET", "/version").json()
    assert info["ServerVersion"] == version["Version"]
    assert info["KernelVersion"] == version["KernelVersion"]
    assert info["OSType"] == version["Os"]


def test_sdk_info_matches_the_wire(docker: Backend) -> None:
    wire = docker.api("GET", "/info").json()
    info = docker.client().info()
    assert info.id == wire["ID"]
    assert info.driver == wire["Driver"]
    assert info.ncpu == wire["NCPU"]
    assert info.mem_total == wire["MemTotal"]
    assert info.server_version == wire["ServerVersion"]
    assert info.containers == wire["Containers"]
