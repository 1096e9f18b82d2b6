"""Lesson 6: Environment variables.

A container's environment is the image's (``PATH``, ...) plus what you pass
with ``environment=``: a dict or a list of ``KEY=value``.  It is fixed when the
container is created; an exec can add variables for its own process only.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, exec_text, run_lesson, say, show

import dockersdk


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    image = client.images.get(BUSYBOX)
    image_env = (image.attrs.config.env if image.attrs.config else None) or []
    say("the image's environment: every container starts with it")
    for entry in image_env or ["(none)"]:
        print(f"   {entry}")

    say("environment= adds (or overrides) variables; the shell in the container expands them")
    greeting = client.containers.run(
        BUSYBOX,
        ["sh", "-c", 'echo "$GREETING, $NAME"'],
        remove=True,
        labels=LABELS,
        environment={"GREETING": "Hello", "NAME": "tour"},
    )
    show("output", greeting.decode().strip())

    with Cleanup(client) as cleanup:
        container = cleanup.container(
            client.containers.run(
                BUSYBOX,
                ["sleep", "300"],
                detach=True,
                name="tour-env",
                labels=LABELS,
                environment=["STAGE=lesson6", "COLOR=blue"],
            )
        )
        say("inspect shows the container's environment: the image's and ours merged")
        config = container.inspect.config
        for entry in (config.env if config else None) or []:
            print(f"   {entry}")

        say("an exec sees the container's environment, plus its own variables")
        _, output = exec_text(
            container,
            ["sh", "-c", "echo STAGE=$STAGE EXTRA=$EXTRA"],
            environment={"EXTRA": "exec only"},
        )
        show("exec", output.strip())
        _, output = exec_text(container, ["sh", "-c", "echo EXTRA=${EXTRA:-unset}"])
        show("next exec", output.strip())


if __name__ == "__main__":
    run_lesson(lesson)
