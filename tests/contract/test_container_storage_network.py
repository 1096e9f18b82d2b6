"""Containers with volumes, bind mounts, networks and published ports, on both backends.

Requests go to ``/v1.41`` (the real engine's version), so both sides answer in
the same shape.  Nothing here connects to a container or a published port.
"""

from __future__ import annotations

import ipaddress
import json
import random
import struct
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from backends import Backend

IMAGE = "busybox:latest"
V = "/v1.41"


@pytest.fixture
def d(docker: Backend) -> Backend:
    docker.ensure_busybox()
    return docker


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create(d: Backend, cmd: list[str], **extra: Any) -> str:
    body = {"Image": IMAGE, "Cmd": cmd, **extra}
    reply = d.api("POST", f"{V}/containers/create?name={unique('csn')}", json=body)
    assert reply.status_code == 201, reply.text
    return d.track("container", reply.json()["Id"])


def call(d: Backend, method: str, path: str, status: int = 204, **kwargs: Any) -> Any:
    reply = d.api(method, V + path, **kwargs)
    assert reply.status_code == status, reply.text
    return (
        reply.json() if reply.content and "json" in reply.headers.get("Content-Type", "") else None
    )


def inspect(d: Backend, ref: str) -> dict[str, Any]:
    result: dict[str, Any] = call(d, "GET", f"/containers/{ref}/json", 200)
    return result


def run_to_end(d: Backend, cmd: list[str], **extra: Any) -> tuple[str, bytes]:
    """Create, start and wait for a container; its ID and its stdout."""
    cid = create(d, cmd, **extra)
    call(d, "POST", f"/containers/{cid}/start")
    assert call(d, "POST", f"/containers/{cid}/wait", 200)["StatusCode"] == 0
    raw = d.api("GET", f"{V}/containers/{cid}/logs?stdout=1").content
    out = b""
    while raw:  # the multiplexed stream: 8-byte headers
        _, size = struct.unpack(">BxxxL", raw[:8])
        out += raw[8 : 8 + size]
        raw = raw[8 + size :]
    return cid, out


def remove(d: Backend, cid: str, *, volumes: bool = False) -> None:
    call(d, "DELETE", f"/containers/{cid}?force=1" + ("&v=1" if volumes else ""))


# -- volumes and binds -----------------------------------------------------------


def test_a_named_volume_is_shared_between_containers(d: Backend) -> None:
    volume = d.track("volume", unique("csn-vol"))
    host = {"Binds": [f"{volume}:/data"]}
    first, _ = run_to_end(d, ["sh", "-c", "echo shared > /data/f"], HostConfig=host)
    _, out = run_to_end(d, ["cat", "/data/f"], HostConfig=host)
    assert out == b"shared\n"
    (mount,) = inspect(d, first)["Mounts"]
    assert mount["Type"] == "volume" and mount["Name"] == volume
    assert mount["Destination"] == "/data" and mount["RW"] is True
    assert mount["Source"].endswith(f"/volumes/{volume}/_data")
    assert mount["Driver"] == "local"
    assert call(d, "GET", f"/volumes/{volume}", 200)["Name"] == volume  # made on first use


def test_anonymous_volume_goes_with_v_and_stays_without(d: Backend) -> None:
    names = []
    for with_v in (True, False):
        cid = create(d, ["true"], Volumes={"/anon": {}})
        (mount,) = inspect(d, cid)["Mounts"]
        assert mount["Type"] == "volume" and mount["Destination"] == "/anon"
        names.append(d.track("volume", mount["Name"]))
        remove(d, cid, volumes=with_v)
    assert d.api("GET", f"{V}/volumes/{names[0]}").status_code == 404
    assert call(d, "GET", f"/volumes/{names[1]}", 200)["Name"] == names[1]


def test_anonymous_volume_is_filled_from_the_image(d: Backend) -> None:
    _, out = run_to_end(d, ["cat", "/etc/passwd"])
    cid, from_volume = run_to_end(d, ["cat", "/etc/passwd"], Volumes={"/etc": {}})
    d.track("volume", inspect(d, cid)["Mounts"][0]["Name"])
    remove(d, cid, volumes=True)
    assert from_volume == out and b"root:" in out


def test_bind_mount_writes_stay_on_the_host(d: Backend, tmp_path: Path) -> None:
    cid, _ = run_to_end(
        d,
        ["sh", "-c", "echo from-container > /data/new"],
        HostConfig={"Binds": [f"{tmp_path}:/data"]},
    )
    (mount,) = inspect(d, cid)["Mounts"]
    assert mount == {
        "Type": "bind", "Source": str(tmp_path), "Destination": "/data", "Mode": "",
        "RW": True, "Propagation": "rprivate",
    }  # fmt: skip
    remove(d, cid)
    assert (tmp_path / "new").read_text() == "from-container\n"


def test_bind_over_an_image_path_hides_its_content(d: Backend, tmp_path: Path) -> None:
    (tmp_path / "mine").write_text("host\n")
    _, out = run_to_end(d, ["ls", "/etc"], HostConfig={"Binds": [f"{tmp_path}:/etc"]})
    listed = out.decode().split()
    assert "mine" in listed and "passwd" not in listed


def test_read_only_bind_refuses_writes(d: Backend, tmp_path: Path) -> None:
    cid = create(
        d, ["sh", "-c", "echo x > /data/f"], HostConfig={"Binds": [f"{tmp_path}:/data:ro"]}
    )
    call(d, "POST", f"/containers/{cid}/start")
    assert call(d, "POST", f"/containers/{cid}/wait", 200)["StatusCode"] != 0
    assert not (tmp_path / "f").exists()
    assert inspect(d, cid)["Mounts"][0]["RW"] is False


def test_read_only_rootfs_refuses_writes_outside_the_mounts(d: Backend) -> None:
    script = (
        "exec 2>&1; touch /x; mkdir /tmp/d; echo > /etc/hosts;"
        " touch /data/f && echo tmpfs-ok; touch /dev/shm/f && echo shm-ok; ls /x; true"
    )
    _, out = run_to_end(
        d, ["sh", "-c", script], HostConfig={"ReadonlyRootfs": True, "Tmpfs": {"/data": ""}}
    )
    assert out.decode().splitlines() == [
        "touch: /x: Read-only file system",
        "mkdir: can't create directory '/tmp/d': Read-only file system",
        "sh: can't create /etc/hosts: Read-only file system",
        "tmpfs-ok",
        "shm-ok",
        "ls: /x: No such file or directory",
    ]


def test_tmpfs_mode_and_owner(d: Backend) -> None:
    host = {
        "Tmpfs": {"/t": "", "/u": "size=1m,mode=700,uid=5"},
        "Mounts": [
            {"Type": "tmpfs", "Target": "/m"},
            {"Type": "tmpfs", "Target": "/n", "TmpfsOptions": {"Mode": 0o750}},
        ],
    }
    _, out = run_to_end(d, ["stat", "-c", "%n %a %u", "/t", "/u", "/m", "/n"], HostConfig=host)
    assert out == b"/t 1777 0\n/u 700 5\n/m 1777 0\n/n 750 0\n"


def test_missing_mounts_bind_source_is_refused(d: Backend) -> None:
    missing = f"/tmp/{unique('csn-missing')}"
    body = {"Image": IMAGE, "Cmd": ["true"],
            "HostConfig": {"Mounts": [{"Type": "bind", "Source": missing, "Target": "/x"}]}}  # fmt: skip
    reply = d.api("POST", f"{V}/containers/create", json=body)
    assert reply.status_code == 400
    assert reply.json()["message"] == (
        f'invalid mount config for type "bind": bind source path does not exist: {missing}'
    )


@pytest.mark.parametrize(("spec", "kind"), [("/tmp:rel", "bind"), ("somevolume:rel", "volume")])
def test_a_binds_entry_with_a_relative_target_is_refused(d: Backend, spec: str, kind: str) -> None:
    body = {"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"Binds": [spec]}}
    reply = d.api("POST", f"{V}/containers/create", json=body)
    # dockerd 20.10 answers 500; later engines (and the mock) class it as bad input.
    assert reply.status_code == (500 if d.is_real else 400)
    assert reply.json()["message"] == (
        f"invalid volume specification: '{spec}': invalid mount config for type \"{kind}\": "
        "invalid mount path: 'rel' mount path must be absolute"
    )


def test_volume_in_use_cannot_be_removed_until_its_container_is(d: Backend) -> None:
    volume = d.track("volume", unique("csn-inuse"))
    cid = create(d, ["true"], HostConfig={"Binds": [f"{volume}:/data"]})
    reply = d.api("DELETE", f"{V}/volumes/{volume}")
    assert reply.status_code == 409
    assert reply.json()["message"] == f"remove {volume}: volume is in use - [{cid}]"
    remove(d, cid)
    call(d, "DELETE", f"/volumes/{volume}")


def test_mount_and_unmount_events(d: Backend) -> None:
    volume = d.track("volume", unique("csn-ev"))
    since = str(int(time.time()) - 1) if d.is_real else "0"
    cid, _ = run_to_end(d, ["true"], HostConfig={"Binds": [f"{volume}:/data"]})
    reply = d.api("GET", f"{V}/events", params={
        "since": since, "until": str(int(time.time()) + 1),
        "filters": json.dumps({"type": ["volume"], "volume": [volume]}),
    })  # fmt: skip
    seen = [json.loads(line) for line in reply.iter_lines() if line]
    actions = [(e["Action"], e["Actor"]["Attributes"]) for e in seen]
    assert actions == [
        ("create", {"driver": "local"}),
        ("mount", {"container": cid, "destination": "/data", "driver": "local",
                   "propagation": "", "read/write": "true"}),
        ("unmount", {"container": cid, "driver": "local"}),
    ]  # fmt: skip


# -- networks -------------------------------------------------------------------------


def _network_containers(d: Backend, network: str) -> dict[str, Any]:
    result: dict[str, Any] = call(d, "GET", f"/networks/{network}", 200)["Containers"]
    return result


def _agree(d: Backend, cid: str, network: str, *, member: bool, running: bool) -> None:
    """The container's Networks and the network's Containers tell the same story."""
    networks = inspect(d, cid)["NetworkSettings"]["Networks"]
    members = _network_containers(d, network)
    assert (network in networks) == member
    assert (cid in members) == (member and running)
    if member and running:
        mine = networks[network]
        assert members[cid]["EndpointID"] == mine["EndpointID"] != ""
        assert members[cid]["IPv4Address"] == f"{mine['IPAddress']}/{mine['IPPrefixLen']}"
        assert members[cid]["MacAddress"] == mine["MacAddress"]
    elif member:
        assert networks[network]["IPAddress"] == "" and networks[network]["EndpointID"] == ""


def test_networks_agree_after_connect_disconnect_stop_start_rm(d: Backend) -> None:
    name = unique("csn-net")
    d.track("network", call(d, "POST", "/networks/create", 201, json={"Name": name})["Id"])
    cid = create(d, ["sleep", "300"])
    call(d, "POST", f"/networks/{name}/connect", 200, json={"Container": cid})
    _agree(d, cid, name, member=True, running=False)
    call(d, "POST", f"/containers/{cid}/start")
    _agree(d, cid, name, member=True, running=True)
    _agree(d, cid, "bridge", member=True, running=True)
    call(d, "POST", f"/networks/{name}/disconnect", 200, json={"Container": cid})
    _agree(d, cid, name, member=False, running=True)
    call(d, "POST", f"/networks/{name}/connect", 200,
         json={"Container": cid, "EndpointConfig": {"Aliases": ["web"]}})  # fmt: skip
    _agree(d, cid, name, member=True, running=True)
    assert "web" in inspect(d, cid)["NetworkSettings"]["Networks"][name]["Aliases"]
    call(d, "POST", f"/containers/{cid}/stop?t=0")
    _agree(d, cid, name, member=True, running=False)
    _agree(d, cid, "bridge", member=True, running=False)
    settings = inspect(d, cid)["NetworkSettings"]
    assert settings["IPAddress"] == "" and settings["Ports"] == {}  # the address went back
    call(d, "POST", f"/containers/{cid}/start")
    _agree(d, cid, name, member=True, running=True)
    remove(d, cid)
    assert cid not in _network_containers(d, name)
    assert cid not in _network_containers(d, "bridge")


def test_default_bridge_fields_while_running(d: Backend) -> None:
    cid = create(d, ["sleep", "300"])
    call(d, "POST", f"/containers/{cid}/start")
    settings = inspect(d, cid)["NetworkSettings"]
    bridge = settings["Networks"]["bridge"]
    (ipam,) = call(d, "GET", "/networks/bridge", 200)["IPAM"]["Config"]
    subnet = ipaddress.ip_network(ipam["Subnet"])
    assert settings["IPAddress"] == bridge["IPAddress"]
    assert ipaddress.ip_address(bridge["IPAddress"]) in subnet
    assert settings["Gateway"] == ipam["Gateway"] and settings["IPPrefixLen"] == subnet.prefixlen
    assert settings["MacAddress"] == bridge["MacAddress"]
    assert settings["EndpointID"] == bridge["EndpointID"]
    assert len(settings["SandboxID"]) == 64 and settings["SandboxKey"].endswith(
        settings["SandboxID"][:12]
    )
    assert bridge["Aliases"] is None and settings["Bridge"] == ""


def test_static_address_on_a_user_subnet(d: Backend) -> None:
    rng = random.Random()
    subnet = f"10.{rng.randrange(100, 250)}.{rng.randrange(0, 250)}"
    name = unique("csn-static")
    ipam = {"Config": [{"Subnet": f"{subnet}.0/24"}]}
    d.track(
        "network", call(d, "POST", "/networks/create", 201, json={"Name": name, "IPAM": ipam})["Id"]
    )
    cid = create(
        d, ["sleep", "300"], HostConfig={"NetworkMode": name},
        NetworkingConfig={"EndpointsConfig": {name: {"IPAMConfig": {"IPv4Address": f"{subnet}.42"}}}},
    )  # fmt: skip
    call(d, "POST", f"/containers/{cid}/start")
    mine = inspect(d, cid)["NetworkSettings"]["Networks"][name]
    assert mine["IPAddress"] == f"{subnet}.42" and mine["Gateway"] == f"{subnet}.1"
    assert mine["IPAMConfig"] == {"IPv4Address": f"{subnet}.42"}
    assert _network_containers(d, name)[cid]["IPv4Address"] == f"{subnet}.42/24"
    call(d, "POST", f"/containers/{cid}/stop?t=0")
    assert _network_containers(d, name) == {}
    assert inspect(d, cid)["NetworkSettings"]["Networks"][name]["IPAddress"] == ""


def test_static_address_on_the_default_bridge_fails_at_start(d: Backend) -> None:
    cid = create(
        d, ["true"],
        NetworkingConfig={"EndpointsConfig": {"bridge": {"IPAMConfig": {"IPv4Address": "172.17.0.99"}}}},
    )  # fmt: skip
    reply = d.api("POST", f"{V}/containers/{cid}/start")
    assert reply.status_code == 400
    assert reply.json()["message"] == (
        "user specified IP address is supported on user defined networks only"
    )
    assert inspect(d, cid)["State"]["Status"] == "created"


def test_extra_hosts_go_into_etc_hosts(d: Backend) -> None:
    extra = ["db:10.1.2.3", "v6:fd00::1", "gw:host-gateway"]
    _, out = run_to_end(d, ["cat", "/etc/hosts"], Hostname="eh", HostConfig={"ExtraHosts": extra})
    lines = out.decode().splitlines()
    gateway = call(d, "GET", "/networks/bridge", 200)["IPAM"]["Config"][0]["Gateway"]
    # After the defaults, before the container's own name, in the order given.
    assert lines[6:9] == ["10.1.2.3\tdb", "fd00::1\tv6", f"{gateway}\tgw"]
    assert lines[9].endswith("\teh")


def test_resolv_conf_on_the_default_bridge_and_on_a_user_network(d: Backend) -> None:
    _, out = run_to_end(d, ["cat", "/etc/resolv.conf"], HostConfig={"DnsSearch": ["a.example"]})
    lines = out.decode().splitlines()
    assert lines[0] == "search a.example"
    assert all(line.startswith("nameserver ") for line in lines[1:])
    assert "nameserver 127.0.0.11" not in lines  # the host's servers (or Google's)
    network = call(d, "POST", "/networks/create", 201, json={"Name": unique("dns")})["Id"]
    d.track("network", network)
    _, out = run_to_end(d, ["cat", "/etc/resolv.conf"], HostConfig={"NetworkMode": network})
    assert out == b"nameserver 127.0.0.11\noptions ndots:0\n"
    host = {"NetworkMode": network, "Dns": ["9.9.9.9"], "DnsSearch": ["x.example"],
            "DnsOptions": ["ndots:2", "timeout:1"]}  # fmt: skip
    _, out = run_to_end(d, ["cat", "/etc/resolv.conf"], HostConfig=host)
    assert out == b"search x.example\nnameserver 127.0.0.11\noptions ndots:2 timeout:1\n"


def test_joining_the_network_of_a_missing_or_stopped_container_fails_at_start(d: Backend) -> None:
    cid = create(d, ["true"], HostConfig={"NetworkMode": "container:csn-nonexistent"})
    reply = d.api("POST", f"{V}/containers/{cid}/start")
    assert (reply.status_code, reply.json()["message"]) == (
        404, "No such container: csn-nonexistent",
    )  # fmt: skip
    state = inspect(d, cid)["State"]
    assert (state["Status"], state["ExitCode"]) == ("created", 128)
    assert state["Error"] == "No such container: csn-nonexistent"
    owner = create(d, ["true"])
    joiner = create(d, ["true"], HostConfig={"NetworkMode": f"container:{owner}"})
    reply = d.api("POST", f"{V}/containers/{joiner}/start")
    assert (reply.status_code, reply.json()["message"]) == (
        409, f"cannot join network of a non running container: {owner}",
    )  # fmt: skip


def test_hostname_options_look_the_name_up_in_etc_hosts(d: Backend) -> None:
    script = (
        "hostname; hostname -f; hostname -s; hostname -d; hostname -i; hostname -i -s;"
        " tail -n 1 /etc/hosts | cut -f 1"  # the container's own line, which the runtime adds
    )
    _, out = run_to_end(d, ["sh", "-c", script], Hostname="hh.example.com")
    *lines, address = out.decode().splitlines()
    assert lines == ["hh.example.com", "hh.example.com", "hh", "example.com", address, "hh"]
    cid = create(d, ["hostname", "-i"], Hostname="hh", HostConfig={"NetworkMode": "none"})
    call(d, "POST", f"/containers/{cid}/start")
    assert call(d, "POST", f"/containers/{cid}/wait", 200)["StatusCode"] == 1
    logs = d.api("GET", f"{V}/containers/{cid}/logs?stderr=1").content
    assert logs.endswith(b"hostname: hh: Host name lookup failure\n")


def test_host_network_and_uts_take_the_hosts_name(d: Backend) -> None:
    # On the host's network the container is named as the host; with the host's UTS
    # namespace only its processes are (its /etc/hostname stays its own).
    script = ["sh", "-c", "hostname; cat /etc/hostname"]
    _, on_host_network = run_to_end(d, script, HostConfig={"NetworkMode": "host"})
    cid, uts = run_to_end(d, script, HostConfig={"UTSMode": "host"})
    host_name = on_host_network.decode().splitlines()[0]
    assert on_host_network.decode().splitlines() == [host_name, host_name]
    assert uts.decode().splitlines() == [host_name, cid[:12]]


def test_create_warning_and_a_missing_device_at_start(d: Backend) -> None:
    body = {"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"OomKillDisable": True}}
    reply = d.api("POST", f"{V}/containers/create", json=body)
    assert reply.status_code == 201, reply.text
    d.track("container", reply.json()["Id"])
    assert reply.json()["Warnings"] == [
        "OOM killer is disabled for the container, but no memory limit is set, "
        "this can result in the system running out of resources."
    ]
    device = {"PathOnHost": "/dev/csn-nonexistent", "PathInContainer": "/dev/x",
              "CgroupPermissions": "rwm"}  # fmt: skip
    cid = create(d, ["true"], HostConfig={"Devices": [device]})  # read at start, not create
    reply = d.api("POST", f"{V}/containers/{cid}/start")
    message = (
        "error gathering device information while adding custom device "
        '"/dev/csn-nonexistent": no such file or directory'
    )
    assert (reply.status_code, reply.json()["message"]) == (500, message)
    state = inspect(d, cid)["State"]
    assert (state["Status"], state["ExitCode"], state["Error"]) == ("created", 128, message)


def test_host_mode_discards_published_ports_with_a_warning(d: Backend) -> None:
    body = {"Image": IMAGE, "Cmd": ["true"],
            "HostConfig": {"NetworkMode": "host", "PortBindings": {"80/tcp": [{"HostPort": ""}]}}}  # fmt: skip
    reply = d.api("POST", f"{V}/containers/create", json=body)
    assert reply.status_code == 201, reply.text
    d.track("container", reply.json()["Id"])
    assert reply.json()["Warnings"] == [
        "Published ports are discarded when using host network mode"
    ]


# -- ports ------------------------------------------------------------------------------


def test_port_bindings_in_inspect_and_list(d: Backend) -> None:
    # An ephemeral host port, so that the real host's ports never collide.
    bindings = {"80/tcp": [{"HostIp": "", "HostPort": ""}]}
    cid = create(d, ["sleep", "300"], ExposedPorts={"80/tcp": {}, "443/tcp": {}},
                 HostConfig={"PortBindings": bindings})  # fmt: skip
    assert inspect(d, cid)["HostConfig"]["PortBindings"] == bindings
    call(d, "POST", f"/containers/{cid}/start")
    ports = inspect(d, cid)["NetworkSettings"]["Ports"]
    assert ports["443/tcp"] is None
    first, second = ports["80/tcp"]
    assert (first["HostIp"], second["HostIp"]) == ("0.0.0.0", "::")
    # Each address has its own serial allocator: the two ports may differ.
    v4, v6 = int(first["HostPort"]), int(second["HostPort"])
    assert 32768 <= v4 <= 60999 and 32768 <= v6 <= 60999
    (summary,) = call(
        d, "GET", "/containers/json", 200, params={"filters": json.dumps({"id": [cid]})}
    )
    published = sorted(
        (p.get("IP", ""), p["PrivatePort"], p.get("PublicPort", 0)) for p in summary["Ports"]
    )
    assert published == [("", 443, 0), ("0.0.0.0", 80, v4), ("::", 80, v6)]
    call(d, "POST", f"/containers/{cid}/stop?t=0")
    assert inspect(d, cid)["NetworkSettings"]["Ports"] == {}


def test_a_released_address_is_the_next_one_given(d: Backend) -> None:
    """libnetwork's default allocation takes the lowest free address (no traffic is sent:
    the addresses are only read back)."""
    name = unique("ipreuse")
    ipam = {"Config": [{"Subnet": "10.213.7.0/24"}]}
    d.track(
        "network", call(d, "POST", "/networks/create", 201, json={"Name": name, "IPAM": ipam})["Id"]
    )
    endpoint = {
        "NetworkingConfig": {"EndpointsConfig": {name: {}}},
        "HostConfig": {"NetworkMode": name},
    }

    def started() -> tuple[str, str]:
        cid = create(d, ["sleep", "300"], **endpoint)
        call(d, "POST", f"/containers/{cid}/start")
        return cid, inspect(d, cid)["NetworkSettings"]["Networks"][name]["IPAddress"]

    first, first_ip = started()
    second, second_ip = started()
    assert (first_ip, second_ip) == ("10.213.7.2", "10.213.7.3")
    remove(d, first)
    assert started()[1] == "10.213.7.2"
    remove(d, second)


def test_an_ipv6_network_needs_its_subnet(d: Backend) -> None:
    """dockerd 20.10 has no default IPv6 pools."""
    reply = d.api("POST", f"{V}/networks/create", json={"Name": unique("v6"), "EnableIPv6": True})
    assert (reply.status_code, reply.json()) == (404, {"message": (
        "could not find an available, non-overlapping IPv6 address pool among the defaults "
        "to assign to the network"
    )})  # fmt: skip
