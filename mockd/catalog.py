"""The built-in catalogue: small images "pulled" offline.

``busybox`` (``latest``, ``1.36``), ``alpine`` (``latest``, ``3.20``) and
``hello-world`` (``latest``) are built from code, deterministically (fixed
timestamps, sorted trees), so their IDs and digests are the same in every
process.  Executables hold the program marker of ``mockd.programs``:
``/bin/busybox`` runs the multi-call program, and every applet of busybox
1.35 is a symlink to it, placed where ``busybox --list-full`` puts it.  The
layout is fixed rather than taken from the applets ``mockd.programs``
implements, so image IDs do not change as applets are added; an applet not
implemented yet fails as a real busybox without it does ("applet not found").
Each image is built once per process, on first use.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import msgspec

from mockd.engine.clock import NANOS
from mockd.engine.platforms import host_arch
from mockd.engine.references import Reference, parse_normalized
from mockd.fs.layer import Layer
from mockd.fs.nodes import Node, new_dir
from mockd.programs.api import DEFAULT_PATH, ProgramContext
from mockd.programs.registry import ProgramRegistry, marker

# busybox --list-full (v1.35): where each applet's link lives.
_APPLET_DIRS = {
    "bin": """arch ash base64 cat chgrp chmod chown cp cpio cttyhack date dd df dmesg
        dnsdomainname dumpkmap echo ed egrep false fatattr fgrep getopt grep gunzip gzip
        hostname ionice ipcalc kill link linux32 linux64 ln login ls lzop mkdir mknod mktemp
        more mount mt mv netstat nuke pidof ping ping6 ps pwd readlink resume rev rm rmdir rpm
        run-parts sed setpriv sh sleep stat stty su sync tar touch true umount uname uncompress
        usleep vi watch zcat""",
    "sbin": """acpid adjtimex arp blockdev depmod devmem fdisk findfs freeramdisk fstrim
        getty halt hwclock ifconfig ifdown ifup init insmod ip ipneigh klogd loadkmap logread
        losetup lsmod mdev mkdosfs mke2fs mkswap modinfo modprobe nameif pivot_root poweroff
        reboot rmmod route run-init start-stop-daemon sulogin swapoff swapon switch_root
        sysctl syslogd tc tunctl udhcpc uevent vconfig watchdog""",
    "usr/bin": """[ [[ ar ascii awk basename bc blkdiscard bunzip2 bzcat bzip2 cal chvt clear
        cmp crc32 crontab cut dc deallocvt diff dirname dos2unix dpkg dpkg-deb du dumpleases
        env expand expr factor fallocate find fold free ftpget ftpput groups head hexdump hostid
        id killall last less logger logname lsscsi lzcat lzma md5sum microcom mkfifo mkpasswd nc
        nl nproc nsenter nslookup od openvt passwd paste patch printf realpath renice reset
        rpm2cpio seq setkeycodes setsid sha1sum sha256sum sha3sum sha512sum shred shuf sort
        ssl_client strings svc svok tac tail taskset tee telnet test tftp time timeout top tr
        traceroute traceroute6 truncate ts tty unexpand uniq unix2dos unlink unlzma unshare unxz
        unzip uptime uudecode uuencode w wc wget which who whoami xargs xxd xz xzcat yes""",
    "usr/sbin": """arping brctl chroot crond fsfreeze httpd i2cdetect i2cdump i2cget i2cset
        i2ctransfer loadfont mim nologin partprobe rdate telnetd ubirename udhcpd""",
}
APPLET_DIR = {name: d for d, names in _APPLET_DIRS.items() for name in names.split()}
# Alpine's busybox has these too (Debian's, in the busybox image, does not).
ALPINE_APPLET_DIR = {
    **APPLET_DIR,
    **dict.fromkeys(("addgroup", "adduser", "delgroup", "deluser"), "usr/sbin"),
    **dict.fromkeys(("pgrep", "pkill"), "usr/bin"),
}

BUSYBOX_PROGRAM = "busybox"
HELLO_PROGRAM = "hello"


HELLO_TEXT = """
Hello from Docker!
This message shows that your installation appears to be working correctly.

To generate this message, Docker took the following steps:
 1. The Docker client contacted the Docker daemon.
 2. The Docker daemon pulled the "hello-world" image from the Docker Hub.
    ({arch})
 3. The Docker daemon created a new container from that image which runs the
    executable that produces the output you are currently reading.
 4. The Docker daemon streamed that output to the Docker client, which sent it
    to your terminal.

To try something more ambitious, you can run an Ubuntu container with:
 $ docker run -it ubuntu bash

Share images, automate workflows, and more with a free Docker ID:
 https://hub.docker.com/

For more examples and ideas, visit:
 https://docs.docker.com/get-started/

"""


async def hello_main(ctx: ProgramContext) -> int:
    """hello-world's ``/hello``: print the message, exit 0."""
    await ctx.stdout.write(HELLO_TEXT.format(arch=host_arch()).encode())
    return 0


@dataclass(frozen=True)
class CatalogImage:
    """One built image: its config bytes, layers and manifest (for the digest)."""

    repository: str  # "docker.io/library/busybox"
    tags: tuple[str, ...]
    config_bytes: bytes
    layers: tuple[Layer, ...]
    manifest_bytes: bytes

    @property
    def digest(self) -> str:
        """The manifest digest: what ``RepoDigests`` and the pull's ``Digest:`` show."""
        return "sha256:" + hashlib.sha256(self.manifest_bytes).hexdigest()


@dataclass(frozen=True)
class _Recipe:
    tags: tuple[str, ...]
    created: str
    files: str  # which tree to build: "busybox", "alpine", "hello"
    cmd: tuple[str, ...]
    created_by: str


_RECIPES = {
    "docker.io/library/busybox": _Recipe(
        ("latest", "1.36"), "2024-09-26T21:31:42Z", "busybox", ("sh",),
        "BusyBox 1.36.1 (glibc), Debian 12",
    ),
    "docker.io/library/alpine": _Recipe(
        ("latest", "3.20"), "2024-09-06T22:20:07Z", "alpine", ("/bin/sh",),
        "ADD file:5758b97d8301c84a204a6e516241275d785a7cade40b2fb99f01fe122482e283 in / ",
    ),
    "docker.io/library/hello-world": _Recipe(
        ("latest",), "2023-05-02T16:49:27Z", "hello", ("/hello",),
        "COPY hello / # buildkit",
    ),
}  # fmt: skip


def repositories() -> list[str]:
    return sorted(_RECIPES)


def tags_of(repository: str) -> tuple[str, ...]:
    recipe = _RECIPES.get(repository)
    return recipe.tags if recipe else ()


def _file(data: bytes, mode: int, mtime: float) -> Node:
    return Node(kind="file", mode=mode, data=data, mtime=mtime)


def _dir_at(root: Node, path: str, mtime: float, mode: int = 0o755) -> Node:
    node = root
    for part in path.strip("/").split("/"):
        child = node.children.get(part)
        if child is None:
            child = new_dir(mode, mtime)
            node.children[part] = child
        node = child
    return node


_PASSWD = (
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "bin:x:2:2:bin:/bin:/bin/false\n"
    "sys:x:3:3:sys:/dev:/bin/false\n"
    "sync:x:100:65534:sync:/bin:/bin/sync\n"
    "mail:x:8:8:mail:/var/spool/mail:/bin/false\n"
    "www-data:x:33:33:www-data:/var/www:/bin/false\n"
    "operator:x:37:37:Operator:/var:/bin/false\n"
    "nobody:x:65534:65534:nobody:/home:/bin/false\n"
)
_GROUP = (
    "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\n"
    "wheel:x:10:root\nmail:x:8:\nwww-data:x:33:\noperator:x:37:\nstaff:x:50:\n"
    "users:x:100:\nnogroup:x:65534:\n"
)


def build_tree(kind: str, created: str) -> Node:
    """The root of an image's single layer."""
    from mockd.filter_time import parse_rfc3339_ns

    mtime = float(parse_rfc3339_ns(created) // NANOS)
    root = new_dir(0o755, mtime)
    if kind == "hello":
        root.children["hello"] = _file(marker(HELLO_PROGRAM), 0o755, mtime)
        return root
    for directory in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "home", "root", "var",
                      "dev", "proc", "sys", "usr/local/bin"):  # fmt: skip
        _dir_at(root, directory, mtime, 0o700 if directory == "root" else 0o755)
    root.children["tmp"] = new_dir(0o1777, mtime)
    bin_dir = root.children["bin"]
    bin_dir.children["busybox"] = _file(marker(BUSYBOX_PROGRAM), 0o755, mtime)
    links = ALPINE_APPLET_DIR if kind == "alpine" else APPLET_DIR
    for name, where in sorted(links.items()):
        _dir_at(root, where, mtime).children[name] = Node(
            kind="symlink", mode=0o777, target="/bin/busybox", mtime=mtime
        )
    etc = root.children["etc"]
    etc.children["passwd"] = _file(_PASSWD.encode(), 0o644, mtime)
    etc.children["group"] = _file(_GROUP.encode(), 0o644, mtime)
    if kind == "alpine":
        etc.children["alpine-release"] = _file(b"3.20.3\n", 0o644, mtime)
        etc.children["os-release"] = _file(
            b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n'
            b'PRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\n',
            0o644,
            mtime,
        )
        etc.children["shells"] = _file(b"/bin/sh\n/bin/ash\n", 0o644, mtime)
    return root


def _encode(obj: Any) -> bytes:
    # Keys in a fixed order (insertion order), no spaces, as Go's encoder writes them.
    return msgspec.json.encode(obj)


def build(repository: str) -> CatalogImage:
    """Build a catalogue image from scratch (``load`` caches this per process)."""
    recipe = _RECIPES[repository]
    layer = Layer(build_tree(recipe.files, recipe.created))
    config = {
        "architecture": host_arch(),
        "config": {"Env": [f"PATH={DEFAULT_PATH}"], "Cmd": list(recipe.cmd)},
        "created": recipe.created,
        "history": [
            {"created": recipe.created, "created_by": recipe.created_by},
            {
                "created": recipe.created,
                "created_by": "CMD " + _encode(list(recipe.cmd)).decode(),
                "comment": "buildkit.dockerfile.v0",
                "empty_layer": True,
            },
        ],
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
    }
    config_bytes = _encode(config)
    tar_size = len(layer.tar_bytes())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config_bytes),
            "digest": "sha256:" + hashlib.sha256(config_bytes).hexdigest(),
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar",
                "size": tar_size,
                "digest": layer.diff_id,
            }
        ],
    }
    return CatalogImage(repository, recipe.tags, config_bytes, (layer,), _encode(manifest))


@functools.cache
def load(repository: str) -> CatalogImage:
    """The catalogue image of ``repository``, built once per process."""
    return build(repository)


def register_programs(registry: ProgramRegistry) -> None:
    """Bind the catalogue's own programs (hello-world's ``/hello``) in ``registry``."""
    registry.register(HELLO_PROGRAM, hello_main)


def find(ref: Reference) -> CatalogImage | None:
    """The catalogue image a tagged reference names, if the catalogue has it."""
    recipe = _RECIPES.get(ref.name)
    if recipe is None or (ref.tag and ref.tag not in recipe.tags):
        return None
    image = load(ref.name)
    if ref.digest and ref.digest != image.digest:
        return None
    return image


def lookup(text: str) -> CatalogImage | None:
    return find(parse_normalized(text).with_default_tag())
