"""build_create_body against the body docker-py sends for the same arguments."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dockersdk.params import InvalidArgument, UnexpectedArgument, build_create_body

GIB = 1 << 30


def docker_py_request(
    image: str, command: Any = None, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What docker-py's containers.create() would POST, captured without a daemon."""
    import docker
    from docker.models.containers import _create_container_args

    api = docker.APIClient(base_url="unix:///nonexistent.sock", version="1.41")
    captured: dict[str, Any] = {}

    def post_json(url: str, data: dict[str, Any], **options: Any) -> None:
        captured["body"] = json.loads(json.dumps({k: v for k, v in data.items() if v is not None}))
        captured["query"] = {
            k: v for k, v in (options.get("params") or {}).items() if v is not None
        }

    api._post_json = post_json
    api._result = lambda *args, **kw: {"Id": "0"}
    create_kwargs = _create_container_args(
        dict(kwargs, image=image, command=command, version="1.41")
    )
    api.create_container(use_config_proxy=False, **create_kwargs)
    return captured["body"], captured["query"]


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


SAME_AS_DOCKER_PY: list[dict[str, Any]] = [
    {},
    {"detach": True},
    {"stdin_open": True, "tty": True},
    {
        "name": "web",
        "hostname": "h",
        "domainname": "example.com",
        "user": 1000,
        "working_dir": "/w",
    },
    {"environment": {"A": "1", "B": None}},
    {"environment": ["A=1", "B"]},
    {"entrypoint": "sh -c", "labels": {"a": "b"}},
    {"entrypoint": ["/bin/sh", "-c"], "stop_signal": "SIGINT"},
    {"ports": {"80/tcp": 8080, "81": ("127.0.0.1", 9000), "82/udp": None, "83": [1, 2]}},
    {"volumes": {"/host": {"bind": "/ctr", "mode": "ro"}, "vol": {"bind": "/data", "mode": "rw"}}},
    {"volumes": ["/host:/ctr:ro", "vol:/data"]},
    {"mem_limit": "512m", "memswap_limit": -1, "mem_reservation": "256m", "shm_size": "64m"},
    {"mem_limit": 1.5 * GIB, "mem_swappiness": 10, "oom_kill_disable": True, "pids_limit": 100},
    {"nano_cpus": 1_500_000_000, "cpu_shares": 512, "cpuset_cpus": "0-2,4", "cpuset_mems": "0"},
    {"cpu_period": 100000, "cpu_quota": 50000, "blkio_weight": 500},
    {
        "device_read_bps": [{"Path": "/dev/sda", "Rate": 1048576}],
        "device_write_iops": [{"Path": "/dev/sda", "Rate": 100}],
    },
    {"restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3}},
    {"log_config": {"type": "json-file", "config": {"max-size": "10m"}}},
    {"healthcheck": {"test": ["CMD", "true"], "Interval": 1_000_000_000, "retries": 3}},
    {"healthcheck": {"test": "curl -f localhost"}},
    {"ulimits": [{"name": "nofile", "soft": 1024, "hard": 2048}]},
    {"devices": ["/dev/sda:/dev/xvda:rwm", "/dev/null"]},
    {
        "extra_hosts": {"db": "10.0.0.2", "cache": "10.0.0.3"},
        "dns": ["1.1.1.1"],
        "dns_search": ["x"],
    },
    {
        "cap_add": ["NET_ADMIN"],
        "cap_drop": ["MKNOD"],
        "privileged": True,
        "security_opt": ["no-new-privileges"],
    },
    {
        "sysctls": {"net.core.somaxconn": 1024},
        "group_add": [10, "wheel"],
        "init": True,
        "read_only": True,
    },
    {"links": {"db": "database", "cache": None}, "volumes_from": "a,b"},
    {"pid_mode": "host", "ipc_mode": "shareable", "userns_mode": "host", "uts_mode": "host"},
    {"runtime": "runc", "auto_remove": True, "publish_all_ports": True, "network_mode": "bridge"},
    {"tmpfs": {"/run": "size=64m"}, "mac_address": "02:42:ac:11:00:02", "platform": "linux/amd64"},
    {"cgroupns": "private", "oom_score_adj": 100, "dns_opt": ["ndots:2"], "cgroup_parent": "/p"},
]


@pytest.mark.parametrize("kwargs", SAME_AS_DOCKER_PY)
def test_same_body_as_docker_py(kwargs: dict[str, Any]) -> None:
    body, query = build_create_body("busybox", "echo hi", **kwargs)
    theirs, their_query = docker_py_request("busybox", "echo hi", **kwargs)
    theirs = without_nulls(theirs)
    # docker-py also lists bind targets in Volumes; we, like the CLI, list only
    # anonymous volumes there.
    if "volumes" in kwargs:
        theirs.pop("Volumes", None)
    assert body == theirs
    assert query == their_query


def test_readable_aliases() -> None:
    body, _ = build_create_body(
        "busybox", memory="1g", memory_swap="2g", memory_reservation="512m", cpus=1.5
    )
    assert body["HostConfig"] | {} == {
        "Memory": GIB,
        "MemorySwap": 2 * GIB,
        "MemoryReservation": GIB // 2,
        "NanoCpus": 1_500_000_000,
        "NetworkMode": "default",
    }


def test_readable_forms_beyond_docker_py() -> None:
    body, _ = build_create_body(
        "busybox",
        ["sh", "-c", "echo $A"],
        ports=["127.0.0.1:8080:80/tcp", "53:53/udp"],
        expose=[9000],
        volumes=["/anon", "/h:/c:ro"],
        labels=["tier=web", "flag"],
        restart_policy="on-failure:3",
        log_config="local",
        healthcheck={"test": "true", "interval": "30s", "timeout": 5},
        device_read_bps=["/dev/sda:1mb"],
        blkio_weight_device=["/dev/sda:200"],
        ulimits=["nofile=1024:2048"],
        network="backend",
        stop_signal=15,
    )
    assert body["Cmd"] == ["sh", "-c", "echo $A"]
    assert body["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}, "9000/tcp": {}}
    assert body["Volumes"] == {"/anon": {}}
    assert body["Labels"] == {"tier": "web", "flag": ""}
    assert body["Healthcheck"] == {
        "Test": ["CMD-SHELL", "true"],
        "Interval": 30_000_000_000,
        "Timeout": 5_000_000_000,
    }
    assert body["StopSignal"] == "15"
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"backend": {}}}
    host = body["HostConfig"]
    assert host["PortBindings"] == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
        "53/udp": [{"HostIp": "", "HostPort": "53"}],
    }
    assert host["Binds"] == ["/h:/c:ro"]
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert host["LogConfig"] == {"Type": "local", "Config": {}}
    assert host["BlkioDeviceReadBps"] == [{"Path": "/dev/sda", "Rate": 1 << 20}]
    assert host["BlkioWeightDevice"] == [{"Path": "/dev/sda", "Weight": 200}]
    assert host["Ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]
    assert host["NetworkMode"] == "backend"


def test_unknown_argument_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'") as caught:
        build_create_body("busybox", colour="red")
    assert isinstance(caught.value, UnexpectedArgument)
    with pytest.raises(UnexpectedArgument, match="'a', 'b'"):
        build_create_body("busybox", b=1, a=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mem_limit": "512q"},
        {"memory": "1g", "mem_limit": "1g"},
        {"cpus": -1},
        {"cpus": 1.0000000001},
        {"cpus": 1, "cpu_quota": 50000},
        {"cpuset_cpus": "0-"},
        {"cpuset_cpus": "2-1"},
        {"blkio_weight": 5},
        {"blkio_weight": 1001},
        {"mem_swappiness": 101},
        {"cpu_shares": "512"},
        {"device_read_bps": ["sda:1mb"]},
        {"device_read_iops": ["/dev/sda:1mb"]},
        {"ulimits": ["nofile=2048:1024"]},
        {"devices": ["/dev/sda:/dev/xvda:rwx"]},
        {"network_mode": "host", "ports": {"80": 80}},
        {"network": "a", "network_mode": "b"},
        {"tty": "yes"},
        {"environment": "A=1"},
        {"environment": {"": "x"}},
        {"command": "echo 'unterminated"},
        {"uts_mode": "private"},
        {"oom_score_adj": 2000},
        {"stop_timeout": -5},
        {"name": ""},
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any]) -> None:
    command = kwargs.pop("command", None)
    with pytest.raises(InvalidArgument):
        build_create_body("busybox", command, **kwargs)


def test_nano_cpus_exact() -> None:
    body, _ = build_create_body("busybox", cpus="0.000000001")
    assert body["HostConfig"]["NanoCpus"] == 1
    body, _ = build_create_body("busybox", cpus=2)
    assert body["HostConfig"]["NanoCpus"] == 2_000_000_000


def test_query_and_image() -> None:
    body, query = build_create_body("busybox:latest", name="x", platform="linux/arm64")
    assert query == {"name": "x", "platform": "linux/arm64"}
    assert body["Image"] == "busybox:latest"
    with pytest.raises(InvalidArgument):
        build_create_body("")


def test_stop_timeout() -> None:
    body, _ = build_create_body("busybox", stop_timeout=5)
    assert body["StopTimeout"] == 5
