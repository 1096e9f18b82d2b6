"""Lesson 11: Networks: user-defined bridges and the addresses containers get.

Every container joins the default ``bridge`` network unless told otherwise.
A network you create has its own subnet; containers on it get an address
from it, and a running container can join (and leave) more networks.  The
addresses here are only read from inspect: nothing is sent to them.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, expect, run_lesson, say, show

import dockersdk
from dockersdk.models.containers import Container

NETWORK = "tour-net"


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say(f"create the network {NETWORK}: a bridge with a subnet of its own")
        network = cleanup.network(client.networks.create(NETWORK, driver="bridge", labels=LABELS))
        show("driver", network.attrs.driver)
        for pool in (network.attrs.ipam.config if network.attrs.ipam else None) or []:
            show("subnet", f"{pool.subnet} (gateway {pool.gateway})")

        say(f"a container started on {NETWORK} gets an address from its subnet")
        web = cleanup.container(
            client.containers.run(
                BUSYBOX,
                ["sleep", "300"],
                detach=True,
                name="tour-web",
                network=NETWORK,
                labels=LABELS,
            )
        )
        expect(NETWORK in show_addresses(web), f"tour-web on {NETWORK}")

        say("a container started without network= is on the default bridge")
        other = cleanup.container(
            client.containers.run(
                BUSYBOX, ["sleep", "300"], detach=True, name="tour-other", labels=LABELS
            )
        )
        show_addresses(other)

        say(f"connect it to {NETWORK} while it runs: one address per network")
        network.connect(other)
        expect(show_addresses(other) == ["bridge", NETWORK], f"tour-other on bridge and {NETWORK}")
        network.reload()
        members = network.attrs.containers or {}
        show(f"{NETWORK} members", sorted(member.name or "" for member in members.values()))

        say("disconnect it again; it keeps its bridge address")
        network.disconnect(other)
        expect(show_addresses(other) == ["bridge"], "tour-other on bridge only")


def show_addresses(container: Container) -> list[str]:
    """Print the container's address on each network; the names of those networks."""
    container.reload()
    settings = container.inspect.network_settings
    networks = (settings.networks if settings else None) or {}
    for name, endpoint in sorted(networks.items()):
        show(f"{container.name} on {name}", f"{endpoint.ip_address}/{endpoint.ip_prefix_len}")
    return sorted(networks)


if __name__ == "__main__":
    run_lesson(lesson)
