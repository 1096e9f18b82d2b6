"""``/events``: a bounded window replays what happened in it, and then the stream ends."""

from __future__ import annotations

import time
import uuid

from backends import Backend


def test_empty_window_in_the_past_ends_at_once(docker: Backend) -> None:
    started = time.monotonic()
    reply = docker.api("GET", "/events", params={"since": "1", "until": "2"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.content == b""
    assert time.monotonic() - started < 5


def test_sdk_events_in_an_empty_window(docker: Backend) -> None:
    assert list(docker.client().events(since=1, until=2)) == []


def test_volume_create_and_remove_are_reported(docker: Backend) -> None:
    name = f"dockersdk-test-{uuid.uuid4().hex[:12]}"
    since = int(time.time()) - 1
    created = docker.api("POST", "/volumes/create", json={"Name": name})
    assert created.status_code == 201, created.text
    docker.track("volume", name)
    removed = docker.api("DELETE", f"/volumes/{name}")
    assert removed.status_code == 204, removed.text
    until = int(time.time()) + 1

    events = list(docker.client().events(since=since, until=until, filters={"type": ["volume"]}))
    ours = [e for e in events if e.actor is not None and e.actor.id == name]
    assert [e.action for e in ours] == ["create", "destroy"]
    for event in ours:
        assert event.type == "volume"
        assert event.scope == "local"
        assert event.actor is not None
        assert event.actor.attributes is not None
        assert event.actor.attributes["driver"] == "local"
        assert event.time is not None and since <= event.time <= until
        assert event.time_nano is not None and event.time_nano // 10**9 == event.time
    assert all(e.type == "volume" for e in events), "the type filter let others through"


def test_container_create_and_remove_are_reported(docker: Backend) -> None:
    if docker.is_mock:
        # The mock starts with no images; it pulls busybox from its built-in catalogue.
        pulled = docker.api(
            "POST", "/images/create", params={"fromImage": "busybox", "tag": "latest"}
        )
        assert pulled.status_code == 200, pulled.text
    name = f"dockersdk-test-{uuid.uuid4().hex[:12]}"
    since = int(time.time()) - 1
    created = docker.api(
        "POST",
        "/containers/create",
        params={"name": name},
        json={"Image": "busybox:latest", "Cmd": ["true"]},
    )
    assert created.status_code == 201, created.text
    ident = docker.track("container", created.json()["Id"])
    removed = docker.api("DELETE", f"/containers/{ident}")
    assert removed.status_code == 204, removed.text
    until = int(time.time()) + 1

    events = list(
        docker.client().events(
            since=since, until=until, filters={"type": ["container"], "container": [ident]}
        )
    )
    assert [e.action for e in events] == ["create", "destroy"]
    for event in events:
        assert event.type == "container"
        assert event.scope == "local"
        assert event.actor is not None
        assert event.actor.id == ident
        assert event.actor.attributes is not None
        assert event.actor.attributes["name"] == name
        assert event.actor.attributes["image"] == "busybox:latest"
        assert event.time is not None and since <= event.time <= until


def test_a_containers_life_in_dockerds_order(docker: Backend) -> None:
    """die before the network's disconnect; exec actions in dockerd's words (the
    entrypoint, a space, its arguments); a running container's network disconnect is two
    events (the endpoint's and the daemon's), a stopped one's one."""
    docker.ensure_busybox()
    client = docker.client(timeout=60)
    name = docker.track("container", f"dockersdk-evorder-{uuid.uuid4().hex[:8]}")
    network = f"dockersdk-evnet-{uuid.uuid4().hex[:8]}"
    since = time.time() - 0.5
    container = client.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    container.exec_run(["true"])
    created = docker.api("POST", "/networks/create", json={"Name": network})
    docker.track("network", created.json()["Id"])
    for _ in range(2):
        assert docker.api("POST", f"/networks/{network}/connect", json={"Container": name}).ok
        assert docker.api("POST", f"/networks/{network}/disconnect", json={"Container": name}).ok
    container.kill()
    container.wait(timeout=60)
    assert docker.api("POST", f"/networks/{network}/connect", json={"Container": name}).ok
    assert docker.api("POST", f"/networks/{network}/disconnect", json={"Container": name}).ok
    time.sleep(0.2)
    events = list(client.events(since=since, until=time.time() + 0.5))
    ours = [
        (e.type, e.action)
        for e in events
        if e.actor is not None
        and e.actor.attributes is not None
        and (e.actor.id == container.id or e.actor.attributes.get("container") == container.id)
    ]
    assert ours == [
        ("container", "create"), ("network", "connect"), ("container", "start"),
        ("container", "exec_create: true "), ("container", "exec_start: true "),
        ("container", "exec_die"),
        ("network", "connect"), ("network", "disconnect"), ("network", "disconnect"),
        ("network", "connect"), ("network", "disconnect"), ("network", "disconnect"),
        ("container", "kill"), ("container", "die"), ("network", "disconnect"),
        ("network", "disconnect"),  # the stopped container's: no endpoint, one event
    ]  # fmt: skip
