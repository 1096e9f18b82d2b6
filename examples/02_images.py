"""Lesson 2: Images: pull, list, inspect, tag, history, remove a tag.

An image is a read-only stack of layers plus a config (command, environment,
working directory).  A tag is only a name pointing at an image: removing a tag
leaves the image alone while another name still points at it.
"""

from __future__ import annotations

from _common import BUSYBOX, ensure_image, human_size, run_lesson, say, short_id, show

import dockersdk

EXTRA_TAG = ("tour/busybox", "lesson2")


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)

    say("list: the images the daemon has")
    for summary in client.images.api.list():
        tags = ", ".join(summary.repo_tags or ["<none>"])
        print(f"   {short_id(summary.id)}  {human_size(summary.size):>10}  {tags}")

    say(f"inspect {BUSYBOX}: the image's config and layers")
    image = client.images.get(BUSYBOX)
    attrs = image.attrs
    show("id", image.short_id)
    show("os/arch", f"{attrs.os}/{attrs.architecture}")
    show("size", human_size(attrs.size))
    show("layers", len(attrs.root_fs.layers or []) if attrs.root_fs else 0)
    config = attrs.config
    show("default command", (config.cmd if config else None) or "(none)")

    say("history: how the image was built, newest step first")
    for step in image.history():
        print(f"   {human_size(step.size):>10}  {step.created_by or '(not recorded)'}")

    repository, tag = EXTRA_TAG
    name = f"{repository}:{tag}"
    say(f"tag it as {name}: a second name, the same image ID")
    image.tag(repository, tag)
    try:
        tagged = client.images.get(name)
        show("same image", tagged.id == image.id)
        show("its names", ", ".join(sorted(tagged.tags)))
    finally:
        say(f"remove the tag {name}: the image stays, under its other name")
        for item in client.images.api.remove(name):
            if item.untagged:
                show("untagged", item.untagged)
            if item.deleted:
                show("deleted", item.deleted)
    show("names left", ", ".join(client.images.get(image.id).tags))


if __name__ == "__main__":
    run_lesson(lesson)
