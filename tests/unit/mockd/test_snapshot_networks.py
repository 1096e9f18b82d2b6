"""A state snapshot keeps the networks as dockerd's store does: IDs and IPAM state.

The predefined networks keep their IDs (containers' ``NetworkSettings`` name
them), user networks keep theirs and their address management (whether the
subnet was the user's, where allocation resumes); exec instances are gone, as
after a dockerd restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests_unixsocket
from backends import http_base

from mockd import snapshot
from mockd.daemon import MockDaemon


class Api:
    def __init__(self, daemon: MockDaemon) -> None:
        self.base = http_base(daemon.docker_host)
        self.session = requests_unixsocket.Session()

    def __call__(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        reply = self.session.request(method, self.base + path, timeout=30, **kwargs)
        assert reply.status_code == status, reply.text
        if reply.headers.get("Content-Type") != "application/json" or not reply.content:
            return None
        if "\n" in reply.text.strip():  # a progress stream
            return None
        return reply.json()


def networks_by_name(api: Api) -> dict[str, dict[str, Any]]:
    return {n["Name"]: n for n in api("GET", "/networks")}


def run(api: Api, name: str, network: str, policy: str = "always") -> str:
    body = {"Image": "busybox:latest", "Cmd": ["sleep", "999"],
            "HostConfig": {"NetworkMode": network, "RestartPolicy": {"Name": policy}}}  # fmt: skip
    cid = str(api("POST", f"/containers/create?name={name}", 201, json=body)["Id"])
    api("POST", f"/containers/{cid}/start", 204)
    return cid


def address(api: Api, cid: str, network: str) -> str:
    settings = api("GET", f"/containers/{cid}/json")["NetworkSettings"]["Networks"][network]
    return str(settings["IPAddress"])


def test_network_ids_and_ipam_state_survive_a_restore(tmp_path: Path) -> None:
    state = tmp_path / "mockd.state"
    with MockDaemon(state_file=state) as daemon:
        api = Api(daemon)
        api("POST", "/images/create?fromImage=busybox&tag=latest")
        api("POST", "/networks/create", 201, json={"Name": "auto"})
        api("POST", "/networks/create", 201,
            json={"Name": "mine", "IPAM": {"Config": [{"Subnet": "10.9.0.0/24"}]}})  # fmt: skip
        on_bridge = run(api, "on-bridge", "bridge")
        on_auto = run(api, "on-auto", "auto")
        # A short-lived container took the next address and left it free.
        gone = run(api, "gone", "auto", policy="no")
        taken = address(api, gone, "auto")
        api("DELETE", f"/containers/{gone}?force=1", 204)
        exec_id = api("POST", f"/containers/{on_bridge}/exec", 201, json={"Cmd": ["true"]})["Id"]
        before = networks_by_name(api)
        bridge_id_seen = api("GET", f"/containers/{on_bridge}/json")["NetworkSettings"]["Networks"][
            "bridge"
        ]["NetworkID"]
        assert bridge_id_seen == before["bridge"]["Id"]

    with MockDaemon(state_file=state) as daemon:
        api = Api(daemon)
        after = networks_by_name(api)
        assert {n: after[n]["Id"] for n in after} == {n: before[n]["Id"] for n in before}
        assert {n: after[n]["Created"] for n in after} == {n: before[n]["Created"] for n in before}
        assert {n: after[n]["IPAM"] for n in after} == {n: before[n]["IPAM"] for n in before}
        # The containers' settings point at networks that exist.
        networks = api("GET", f"/containers/{on_bridge}/json")["NetworkSettings"]["Networks"]
        assert networks["bridge"]["NetworkID"] == after["bridge"]["Id"]
        api("GET", f"/networks/{networks['bridge']['NetworkID']}")
        auto_settings = api("GET", f"/containers/{on_auto}/json")["NetworkSettings"]["Networks"]
        assert auto_settings["auto"]["NetworkID"] == after["auto"]["Id"]
        # An engine-chosen subnet still refuses static addresses; the user's accepts them.
        static = {
            "Image": "busybox:latest",
            "Cmd": ["sleep", "9"],
            "NetworkingConfig": {
                "EndpointsConfig": {"auto": {"IPAMConfig": {"IPv4Address": "172.18.0.200"}}}
            },
        }
        api("POST", "/containers/create?name=static-auto", 201, json=static)
        refused = api.session.post(api.base + "/containers/static-auto/start", timeout=30)
        assert refused.status_code == 400
        assert "user configured subnets" in refused.json()["message"]
        static["NetworkingConfig"] = {
            "EndpointsConfig": {"mine": {"IPAMConfig": {"IPv4Address": "10.9.0.200"}}}
        }
        api("POST", "/containers/create?name=static-mine", 201, json=static)
        api("POST", "/containers/static-mine/start", 204)
        assert address(api, "static-mine", "mine") == "10.9.0.200"
        # The restored pool knows what is taken: a newcomer gets the lowest free address,
        # the one the short-lived container left, and not one a container still holds.
        newcomer = run(api, "newcomer", "auto", policy="no")
        assert address(api, newcomer, "auto") == taken
        # As after a dockerd restart: no exec instance is known.
        api("GET", f"/exec/{exec_id}/json", 404)


def test_a_state_file_without_predefined_networks_still_restores(tmp_path: Path) -> None:
    """Files written before the IDs were kept: the predefined networks get fresh ones."""
    state = tmp_path / "old.state"
    with MockDaemon() as daemon:
        Api(daemon)("POST", "/networks/create", 201, json={"Name": "appnet"})
        saved = daemon.call(_capture(daemon))
    saved.predefined_networks = []
    for network in saved.networks:
        network.user_subnet = None
        network.last_address = ""
    state.write_bytes(snapshot.encode(saved))
    with MockDaemon(state_file=state) as daemon:
        names = networks_by_name(Api(daemon))
        assert sorted(names) == ["appnet", "bridge", "host", "none"]
        assert names["appnet"]["Id"] == saved.networks[0].id


async def _capture(daemon: MockDaemon) -> snapshot.Snapshot:
    return snapshot.capture(daemon.engine)
