"""adduser/addgroup/deluser/delgroup, chown's owner specs, and tar's path safety (mock only:
the busybox image's busybox has no account applets)."""

from __future__ import annotations

import io
import tarfile

from tests.unit.programs.helpers import Box

NEW_APPLETS = ("addgroup", "adduser", "delgroup", "deluser", "chown", "chgrp", "tar")


def make_box() -> Box:
    """A test container whose /bin also links the applets under test (Alpine's layout has them)."""
    box = Box()
    for name in NEW_APPLETS:
        box.fs.symlink("/bin/busybox", "/bin/" + name)
    return box


def test_the_dockerfile_pattern_makes_a_system_user_in_its_group() -> None:
    box = make_box()
    box.fs.write_file("/etc/group", b"root:x:0:\nusers:x:100:\nnogroup:x:65533:\n")
    box.fs.write_file("/etc/shadow", b"root:*::0:::::\n")
    result = box.run(["busybox", "sh", "-c", "addgroup -S app && adduser -S -G app app"])
    assert (result.status, result.stderr) == (0, "")
    assert box.fs.read_file("/etc/group").decode().splitlines()[-1] == "app:x:101:app"
    passwd = box.fs.read_file("/etc/passwd").decode().splitlines()[-1]
    assert passwd == "app:x:100:101:Linux User,,,:/home/app:/sbin/nologin"
    assert box.fs.read_file("/etc/shadow").decode().splitlines()[-1].startswith("app:!:")
    home = box.fs.stat("/home/app")
    assert (home.uid, home.gid, home.mode) == (100, 101, 0o2755)


def test_adduser_options_members_and_errors() -> None:
    box = make_box()
    script = (
        "addgroup -g 1000 grp; adduser -D -u 1000 -G grp -h /home/x -s /bin/ash bob; "
        "adduser -D alice; addgroup alice grp; adduser -D bob; echo $?; addgroup grp; echo $?; "
        "adduser -D -u 1000 carol; echo $?; adduser -D -G nosuch z; echo $?; "
        "delgroup grp; echo $?; deluser alice; deluser --remove-home bob; echo $?"
    )
    result = box.run(["busybox", "sh", "-c", script])
    assert result.stdout == "1\n1\n1\n1\n1\n0\n"
    assert result.stderr.splitlines() == [
        "adduser: user 'bob' in use",
        "addgroup: group 'grp' in use",
        "adduser: uid '1000' in use",
        "adduser: unknown group nosuch",
        "delgroup: 'bob' still has 'grp' as their primary group!",
    ]
    assert b"bob" not in box.fs.read_file("/etc/passwd")
    assert box.fs.read_file("/etc/group").decode().splitlines()[-1] == "grp:x:1000:"
    assert not box.fs.exists("/home/x") and not box.fs.exists("/home/alice/..x")


def test_id_and_ls_see_the_new_names() -> None:
    box = make_box()
    result = box.run(
        ["busybox", "sh", "-c", "adduser -D -u 1234 dev; touch /tmp/f; chown dev /tmp/f; "
         "chgrp dev /tmp/f; ls -l /tmp/f; chown -R root:root /home/dev; ls -ld /home/dev"]
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0].startswith("-rw-r--r--    1 dev      dev ")
    assert lines[1].startswith("drwxr-sr-x    2 root     root ")


def test_tar_strips_unsafe_prefixes_and_makes_links_last() -> None:
    box = make_box()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as out:
        link = tarfile.TarInfo("l")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc"
        out.addfile(link)
        for name in ("../../evil", "l/passwd"):
            info = tarfile.TarInfo(name)
            info.size = 4
            out.addfile(info, io.BytesIO(b"bad\n"))
    box.fs.mkdir("/tmp/x")
    box.fs.write_file("/tmp/a.tar", buffer.getvalue())
    result = box.run(["busybox", "tar", "-xf", "/tmp/a.tar", "-C", "/tmp/x"])
    # The link comes last and cannot replace the directory "l/passwd" made: nothing escapes.
    assert result.stderr.splitlines() == [
        "tar: removing leading '../../' from member names",
        "tar: can't create symlink 'l': Directory not empty",
    ]
    assert box.fs.read_file("/tmp/x/evil") == b"bad\n"
    assert box.fs.read_file("/tmp/x/l/passwd") == b"bad\n"
    assert b"bad" not in box.fs.read_file("/etc/passwd")
