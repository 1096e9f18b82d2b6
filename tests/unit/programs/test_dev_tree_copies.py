"""``dev_tree`` copies one prebuilt tree: each copy must still be a /dev of its own."""

from __future__ import annotations

from mockd.fs.nodes import walk
from mockd.programs.devices import dev_tree, dev_until_start


def test_each_tree_is_new_and_made_at_its_clocks_time() -> None:
    first = dev_tree(lambda: 10.0)
    first.write_file("/shm/left", b"x")
    first.mkdir("/pts/9")
    first.chmod("/null", 0o600)
    first.remove("/stdout")

    second = dev_tree(lambda: 20.0)
    assert second.listdir("/shm") == [] and second.listdir("/pts") == ["ptmx"]
    assert second.stat("/null").mode == 0o666
    assert second.readlink("/stdout") == "/proc/self/fd/1"
    entries = walk(second.upper)
    assert len(entries) == 15 and {node.mtime for _, node in entries} == {20.0}
    assert second.stat("/").mtime == 20.0

    # What happened to the second did not reach the first, nor the other way round.
    assert first.read_file("/shm/left") == b"x" and first.stat("/null").mode == 0o600
    assert first.stat("/zero").mtime == 10.0


def test_a_tree_has_its_own_nodes() -> None:
    one, two = dev_tree(), dev_tree()
    ones = {id(node) for _, node in walk(one.upper)} | {id(one.upper)}
    twos = {id(node) for _, node in walk(two.upper)} | {id(two.upper)}
    assert not ones & twos


def test_the_dev_before_a_start_is_a_view_its_writes_stay_in() -> None:
    before = dev_until_start(lambda: 5.0)
    assert before.listdir("/") == dev_tree().listdir("/")
    assert before.stat("/null").rdev == (1, 3) and before.readlink("/fd") == "/proc/self/fd"
    before.write_file("/shm/put", b"x")  # what an archive put or a mount point makes
    before.mkdir("/pts/mnt")
    before.chmod("/null", 0o600)
    before.remove("/stdin")
    assert before.stat("/shm/put").mtime == 5.0
    for other in (dev_until_start(), dev_tree()):  # the template they share is untouched
        assert other.listdir("/shm") == [] and other.listdir("/pts") == ["ptmx"]
        assert other.stat("/null").mode == 0o666 and other.readlink("/stdin") == "/proc/self/fd/0"
