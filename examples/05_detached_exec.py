"""Lesson 5: Detached containers, and exec into them.

``detach=True`` starts a container and returns at once; it keeps running
while you do other things.  ``exec_run`` starts another process inside it, as
``docker exec``, and returns that process's exit code and output.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, exec_text, expect, run_lesson, say, show

import dockersdk


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say("run detached: the call returns while the container keeps running")
        server = cleanup.container(
            client.containers.run(
                BUSYBOX, ["sleep", "300"], detach=True, name="tour-sleeper", labels=LABELS
            )
        )
        server.reload()
        show("status", server.status)
        running = client.containers.list(filters={"name": "tour-sleeper"})
        show("in `docker ps`", [c.name for c in running])

        say("exec: another process in the same container")
        exit_code, output = exec_text(server, ["sh", "-c", "echo hello from $(hostname); ls /"])
        show("exit code", exit_code)
        lines = output.splitlines()
        show("first line", lines[0])
        show("root directory", " ".join(lines[1:]))

        say("the exec's exit code is its own: the container keeps running")
        failed_code, _ = exec_text(server, ["sh", "-c", "exit 3"])
        server.reload()
        show("exec exit code", failed_code)
        show("container", server.status)
        expect(failed_code == 3 and server.status == "running", "exit 3, container running")

        say("top: the container's processes (the exec has ended)")
        top = server.top()
        for process in top.processes or []:
            print(f"   {process[-1]}")

        say("stop: SIGTERM, then SIGKILL after the timeout; sleep as PID 1 ignores SIGTERM")
        server.stop(timeout=1)
        server.reload()
        show("status", server.status)
        state = server.inspect.state
        show("exit code", f"{state.exit_code if state else '?'} (128 + 9: killed)")


if __name__ == "__main__":
    run_lesson(lesson)
