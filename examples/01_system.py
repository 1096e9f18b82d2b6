"""Lesson 1: Is the daemon there? Ping, version and info.

``docker version`` and ``docker info`` in code: the first calls anyone makes
to check that a client reaches a daemon and which one it is.
"""

from __future__ import annotations

from _common import human_size, run_lesson, say, show

import dockersdk


def lesson(client: dockersdk.DockerClient) -> None:
    say("ping: the cheapest call, and the headers that come back with it")
    ping = client.ping_info()
    show("answers", "OK" if ping.ok else "no")
    show("API version", ping.api_version)
    show("OS type", ping.os_type)

    say("version: what the daemon is, and which API versions it speaks")
    version = client.version()
    show("engine", version.version)
    show("API", f"{version.api_version} (oldest it accepts: {version.min_api_version})")
    show("OS/arch", f"{version.os}/{version.arch}")
    show("client speaks", f"API {client.api_version} (negotiated)")

    say("info: the daemon's state and its host")
    info = client.info()
    show("name", info.name)
    show("containers", f"{info.containers} ({info.containers_running} running)")
    show("images", info.images)
    show("CPUs", info.ncpu)
    show("memory", human_size(info.mem_total))
    show("storage driver", info.driver)
    show("operating system", info.operating_system)


if __name__ == "__main__":
    run_lesson(lesson)
