import pytest

from mockd.engine import Engine, ManualClock
from mockd.engine.networks import NetworkStore, networks_of
from mockd.errors import Conflict, DaemonError, Forbidden, InvalidParameter, NotFound


@pytest.fixture
def engine() -> Engine:
    return Engine(ManualClock(), seed=1)


@pytest.fixture
def store(engine: Engine) -> NetworkStore:
    return networks_of(engine)


def test_predefined_networks(store: NetworkStore) -> None:
    assert [n.name for n in store.all()] == ["none", "host", "bridge"]
    bridge = store.get("bridge").to_wire(api_version=(1, 41))
    assert bridge["IPAM"]["Config"][0]["Subnet"] == "172.17.0.0/16"
    assert bridge["Driver"] == "bridge" and "EnableIPv4" not in bridge
    assert store.get("none").driver == "null"
    for name in ("bridge", "host", "none"):
        with pytest.raises(Forbidden, match=f"{name} is a pre-defined network"):
            store.remove(name)
    with pytest.raises(Forbidden, match="predefined bridge network"):
        store.create("bridge")


def test_subnets_come_from_the_default_pools_in_order(store: NetworkStore) -> None:
    a = store.create("a")
    store.create("b", ipam={"Config": [{"Subnet": "172.19.0.0/16"}]})
    c = store.create("c")
    assert a.ipam_config == [{"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"}]
    assert c.ipam_config[0]["Subnet"] == "172.20.0.0/16"
    with pytest.raises(Forbidden, match="Pool overlaps"):
        store.create("d", ipam={"Config": [{"Subnet": "172.20.1.0/24"}]})
    with pytest.raises(Conflict, match="network with name a already exists"):
        store.create("a")
    store.remove("a")
    assert store.create("e").ipam_config[0]["Subnet"] == "172.18.0.0/16"


def test_lookup_by_name_id_and_prefix(store: NetworkStore) -> None:
    n = store.create("look")
    assert store.get(n.id) is store.get("look") is store.get(n.id[:12])
    with pytest.raises(NotFound, match="network nope not found"):
        store.get("nope")


def test_connect_allocates_and_disconnect_releases(engine: Engine, store: NetworkStore) -> None:
    n = store.create("net", ipam={"Config": [{"Subnet": "10.1.0.0/24"}]})
    ep = store.connect(n, "c" * 64, "web", aliases=["w"])
    assert ep is not None
    assert (str(ep.ipv4), ep.gateway, ep.prefix_len, ep.mac) == (
        "10.1.0.2", "10.1.0.1", 24, "02:42:0a:01:00:02",
    )  # fmt: skip
    assert n.to_wire()["Containers"]["c" * 64]["IPv4Address"] == "10.1.0.2/24"
    settings = store.endpoint_settings("c" * 64)["net"]
    assert settings["Aliases"] == ["w", "cccccccccccc"] and settings["IPAddress"] == "10.1.0.2"
    with pytest.raises(Forbidden, match="endpoint with name web already exists in network net"):
        store.connect(n, "c" * 64, "web")
    with pytest.raises(Forbidden, match="has active endpoints"):
        store.remove("net")
    store.disconnect(n, "c" * 64)
    with pytest.raises(DaemonError, match="is not connected to network net"):
        store.disconnect(n, "c" * 64)
    actions = [(e.action, dict(e.attributes)) for e in engine.events.history()][-4:]
    assert actions == [
        ("create", {"name": "net", "type": "bridge"}),
        ("connect", {"container": "c" * 64, "name": "net", "type": "bridge"}),
        # The endpoint's and the daemon's, as dockerd logs a running container's.
        ("disconnect", {"container": "c" * 64, "name": "net", "type": "bridge"}),
        ("disconnect", {"container": "c" * 64, "name": "net", "type": "bridge"}),
    ]
    store.remove("net")


def test_static_address_rules(store: NetworkStore) -> None:
    auto = store.create("auto")
    with pytest.raises(InvalidParameter, match="user configured subnets"):
        store.connect(auto, "a" * 64, "a", ipv4="172.18.0.9")
    user = store.create("user", ipam={"Config": [{"Subnet": "10.2.0.0/24"}]})
    with pytest.raises(DaemonError, match="does not belong"):
        store.connect(user, "a" * 64, "a", ipv4="10.9.0.9")
    ep = store.connect(user, "a" * 64, "a", ipv4="10.2.0.9")
    assert ep is not None and str(ep.ipv4) == "10.2.0.9"


def test_stop_releases_and_start_allocates_again(store: NetworkStore) -> None:
    bridge = store.bridge
    assert store.connect(bridge, "a" * 64, "a", running=False) is None
    first = store.activate("a" * 64, "a")[0].ipv4
    store.deactivate("a" * 64)
    assert store.endpoint_settings("a" * 64)["bridge"]["IPAddress"] == ""
    second = store.activate("a" * 64, "a")[0].ipv4
    assert (str(first), str(second)) == ("172.17.0.2", "172.17.0.2")  # the lowest free again
    store.forget("a" * 64)
    assert store.attachments("a" * 64) == {} and bridge.endpoints == {}


def test_list_filters_and_prune(engine: Engine, store: NetworkStore) -> None:
    store.create("keep", labels={"keep": "1"})
    store.create("drop")
    names = lambda f: sorted(n.name for n in store.list_networks(f))  # noqa: E731
    assert names({"type": ["custom"]}) == ["drop", "keep"]
    assert names({"type": ["builtin"]}) == ["bridge", "host", "none"]
    assert names({"label": ["keep=1"]}) == ["keep"]
    assert names({"driver": ["null"]}) == ["none"]
    assert names({"dangling": ["true"]}) == ["drop", "keep"]
    with pytest.raises(InvalidParameter):
        store.list_networks({"type": ["other"]})
    assert store.prune({"label!": ["keep"]}) == ["drop"]
    engine.clock.advance(3600)  # type: ignore[attr-defined]
    assert store.prune({"until": ["10m"]}) == ["keep"]
