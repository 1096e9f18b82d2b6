"""A container's mounts as its ``/proc/mounts`` and ``statfs(2)`` show them (``df``, ``mount``).

The list follows what dockerd 20.10 and runc make, in the kernel's order:

1. the overlay rootfs;
2. runc's defaults: proc, the ``/dev`` tmpfs, devpts, sysfs, the cgroup
   mounts, mqueue, and the ``/dev/shm`` tmpfs (the defaults a user mount
   replaces are left out, as dockerd filters them);
3. the container's own mounts, which dockerd sorts by depth (number of path
   components) from this order: volumes and binds, the ``/etc`` files
   (resolv.conf, hostname, hosts), ``HostConfig.Tmpfs``, ``Mounts``' tmpfs;
4. ``HostConfig.ReadonlyPaths`` (proc bound read-only) then ``MaskedPaths``
   (a read-only tmpfs over a directory, ``/dev/null`` bound over a file),
   each only where the path exists: runc skips the missing ones, and the
   container's ``/proc`` and ``/sys`` are the host kernel's, so the host's
   own ``/proc`` and ``/sys`` tell which exist.

Sizes: the overlay and what is on the host's disk (volumes, binds, the ``/etc``
files) report ``statvfs`` of the host filesystem holding them.  dockerd keeps
layers, volumes and the ``/etc`` files under ``/var/lib/docker``; the mock keeps
them in memory, so the host's root filesystem stands for that disk.  The
device name, type and options shown for those are the host's (from
``/proc/self/mountinfo``), as a container sees its bind mounts' real device.
A tmpfs is as big as its ``size=`` (the kernel's default: half of RAM); its
Used counts the pages of the files in it, as the kernel does.
"""

from __future__ import annotations

import hashlib
import os
from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mockd.engine.system import host_facts
from mockd.fs import paths
from mockd.fs.api import FileSystem

if TYPE_CHECKING:
    from mockd.engine.mounts import Mount, MountTable

__all__ = ["PAGE", "HostMount", "MountInfo", "describe", "host_mounts"]

PAGE = 4096  # a tmpfs's block: the page size
DEV_SIZE = 64 * 1024 * 1024  # runc's /dev tmpfs: size=65536k
ETC_ORDER = ("/etc/resolv.conf", "/etc/hostname", "/etc/hosts")  # dockerd's NetworkMounts
_TMPFS_OPTIONS = "nosuid,nodev,noexec,relatime"  # dockerd's defaults for a user tmpfs
_PSEUDO_OPTIONS = "nosuid,nodev,noexec,relatime"


@dataclass(frozen=True)
class MountInfo:
    """One mount: its ``/proc/mounts`` line and its ``statfs`` in blocks of ``block_size``."""

    device: str
    mount_point: str
    fs_type: str
    options: str
    block_size: int = PAGE
    blocks: int = 0
    free: int = 0
    available: int = 0
    # Mounts of one filesystem share it (st_dev): ``df FILE`` shows the first of
    # them, as busybox matches a file's device against each mount in turn.
    identity: str = ""


@dataclass(frozen=True)
class HostMount:
    """A line of the host's ``/proc/self/mountinfo``."""

    mount_point: str
    device: str
    fs_type: str
    options: str  # the mount's then the superblock's, as /proc/mounts joins them


# -- the host ------------------------------------------------------------------


def _unescape(field: str) -> str:
    """A mountinfo path: spaces, tabs, newlines and backslashes are octal escapes."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def host_mounts() -> list[HostMount]:
    """The host's mounts ([] where there is no ``/proc/self/mountinfo``: not Linux)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    found: list[HostMount] = []
    for line in lines:
        # id parent major:minor root mount-point options [optional...] - type source super
        fields = line.split()
        if "-" not in fields or len(fields) < 6:
            continue
        dash = fields.index("-")
        if len(fields) < dash + 4:
            continue
        fs_type, source, super_options = fields[dash + 1 : dash + 4]
        extra = [o for o in super_options.split(",") if o not in ("rw", "ro")]
        options = ",".join([fields[5], *extra])
        found.append(HostMount(_unescape(fields[4]), _unescape(source), fs_type, options))
    return found


# Where /proc/self/mountinfo cannot tell (not Linux): what a Linux VM's disk looks like.
_UNKNOWN_DISK = HostMount("/", "/dev/sda1", "ext4", "rw,relatime")


def _host_mount_of(path: str, mounts: list[HostMount]) -> HostMount:
    """The host mount holding ``path`` (the last one mounted at the deepest point)."""
    real = os.path.realpath(path)
    best: HostMount | None = None
    for mount in mounts:
        point = mount.mount_point
        holds = real == point or point == "/" or real.startswith(point.rstrip("/") + "/")
        if holds and (best is None or len(point) >= len(best.mount_point)):
            best = mount
    return best or _UNKNOWN_DISK


def _statvfs(path: str) -> tuple[int, int, int, int]:
    try:
        st = os.statvfs(path)
    except OSError:
        return PAGE, 0, 0, 0
    return st.f_frsize or st.f_bsize, st.f_blocks, st.f_bfree, st.f_bavail


def _device_id(path: str) -> str:
    try:
        return f"dev:{os.stat(path).st_dev}"
    except OSError:
        return f"path:{path}"


# -- pieces of the list ------------------------------------------------------------


def _pages(size: int) -> int:
    return -(-size // PAGE)


def _half_ram_pages() -> int:
    return host_facts().mem_total // 2 // PAGE


def _used_pages(fs: FileSystem, top: str, skip: Iterable[str] = ()) -> int:
    """Pages of the files under ``top`` of ``fs`` (a hard link counted once); ``skip``:
    directories that are other mounts."""
    skipped = set(skip)
    seen: set[int] = set()
    total = 0
    todo = [top]
    while todo:
        directory = todo.pop()
        try:
            names = fs.listdir(directory)
        except OSError:
            continue
        for name in names:
            path = directory.rstrip("/") + "/" + name
            if path in skipped:
                continue
            try:
                st = fs.stat(path, follow_symlinks=False)
            except OSError:
                continue
            if st.kind == "dir":
                todo.append(path)
            elif st.kind in ("file", "hardlink") and (not st.inode or st.inode not in seen):
                if st.inode:
                    seen.add(st.inode)
                total += _pages(st.size)
    return total


def _tmpfs(
    device: str, mount_point: str, options: str, *, size: int, used: int, identity: str = ""
) -> MountInfo:
    """A tmpfs of ``size`` bytes (0: half of RAM) with ``used`` pages taken."""
    blocks = _pages(size) if size else _half_ram_pages()
    free = max(blocks - used, 0)
    return MountInfo(
        device, mount_point, "tmpfs", options, PAGE, blocks, free, free,
        identity or f"tmpfs:{mount_point}",
    )  # fmt: skip


def _pseudo(device: str, mount_point: str, fs_type: str, options: str) -> MountInfo:
    """A filesystem without blocks (proc, sysfs, devpts, cgroup, mqueue): ``df -a`` only."""
    return MountInfo(device, mount_point, fs_type, options, identity=f"{fs_type}:{mount_point}")


def _on_host_disk(
    mount_point: str, host_path: str, read_only: bool, host: list[HostMount]
) -> MountInfo:
    """A mount of something on the host's disk, shown with that disk's device and options."""
    disk = _host_mount_of(host_path, host)
    rest = [o for o in disk.options.split(",") if o not in ("rw", "ro")]
    options = ",".join(["ro" if read_only else "rw", *rest])
    size, blocks, free, available = _statvfs(host_path)
    return MountInfo(
        disk.device, mount_point, disk.fs_type, options, size, blocks, free, available,
        _device_id(host_path),
    )  # fmt: skip


def _short_link(seed: str) -> str:
    """overlay2's short lowerdir links: 26 base32 letters."""
    return b32encode(hashlib.sha256(seed.encode()).digest()).decode()[:26]


def _overlay(table: MountTable) -> MountInfo:
    # The names of overlay2's directories, made up (the mock has none): only their shape is real.
    layer = hashlib.sha256(table.layer_id.encode()).hexdigest()
    root = "/var/lib/docker/overlay2"
    options = ",".join([
        "ro" if table.root_read_only else "rw", "relatime",
        f"lowerdir={root}/l/{_short_link(layer + '-init')}:{root}/l/{_short_link(layer)}",
        f"upperdir={root}/{layer}/diff", f"workdir={root}/{layer}/work",
    ])  # fmt: skip
    size, blocks, free, available = _statvfs("/")
    return MountInfo("overlay", "/", "overlay", options, size, blocks, free, available, "overlay")


def _cgroups(host: list[HostMount]) -> list[MountInfo]:
    """runc's /sys/fs/cgroup: as the host has its hierarchies.

    On a cgroup v1 host a tmpfs with one read-only cgroup mount per
    hierarchy (the tmpfs is why the real ``df`` lists /sys/fs/cgroup there); on
    a cgroup v2 host (or one the mock cannot read) one cgroup2 mount, which
    has no blocks, so ``df`` does not list it.
    """
    at_root = [m for m in host if m.mount_point == "/sys/fs/cgroup"]
    if not at_root or at_root[-1].fs_type != "tmpfs":
        return [_pseudo("cgroup", "/sys/fs/cgroup", "cgroup2", f"ro,{_PSEUDO_OPTIONS}")]
    found = [_tmpfs("tmpfs", "/sys/fs/cgroup", f"rw,{_PSEUDO_OPTIONS},mode=755", size=0, used=0)]
    hierarchies: dict[str, HostMount] = {}
    for mount in host:
        if mount.fs_type == "cgroup" and os.path.dirname(mount.mount_point) == "/sys/fs/cgroup":
            hierarchies[mount.mount_point] = mount  # the last one mounted there is seen
    for point, mount in hierarchies.items():
        controllers = [o for o in mount.options.split(",")[1:] if o not in ("rw", "ro")]
        # The host's mount options (relatime...) come first: keep only what names the hierarchy.
        controllers = [o for o in controllers if o not in _PSEUDO_OPTIONS.split(",")]
        options = ",".join(["ro", _PSEUDO_OPTIONS, *controllers])
        found.append(_pseudo("cgroup", point, "cgroup", options))
    return found


def _user_mount(
    mount: Mount, order: int, host: list[HostMount]
) -> tuple[tuple[int, ...], MountInfo]:
    """A mount of the container's (sort key, line)."""
    depth = len(paths.split(mount.destination))
    if mount.kind == "etc" and mount.destination in ETC_ORDER:
        order = ETC_ORDER.index(mount.destination)
    key = (depth, mount.rank, order)
    if mount.kind == "tmpfs":
        options = ["ro" if mount.read_only else "rw", _TMPFS_OPTIONS]
        if mount.tmpfs_size:
            options.append(f"size={_pages(mount.tmpfs_size) * PAGE // 1024}k")
        if mount.tmpfs_options:
            options.append(mount.tmpfs_options)
        used = _used_pages(mount.fs, mount.source)
        info = _tmpfs(
            "tmpfs", mount.destination, ",".join(options), size=mount.tmpfs_size, used=used
        )
        return key, info
    return key, _on_host_disk(mount.destination, mount.host_path or "/", mount.read_only, host)


# -- the list ---------------------------------------------------------------------------


def describe(table: MountTable, host: list[HostMount] | None = None) -> list[MountInfo]:
    """The mounts of the container whose filesystem is ``table``, in the kernel's order."""
    host = host_mounts() if host is None else host
    dev = next((m for m in table.runtime_mounts if m.destination == "/dev"), None)
    dev_used = shm_used = 0
    if dev is not None:
        # /dev/shm, /dev/pts and /dev/mqueue are other filesystems inside the /dev tree.
        dev_used = _used_pages(dev.fs, "/", skip=("/shm", "/pts", "/mqueue"))
        shm_used = _used_pages(dev.fs, "/shm")
    dev_options = f"rw,nosuid,size={DEV_SIZE // 1024}k,mode=755"
    dev_info = _tmpfs("tmpfs", "/dev", dev_options, size=DEV_SIZE, used=dev_used)
    shm_options = f"rw,{_TMPFS_OPTIONS},size={_pages(table.shm_size) * PAGE // 1024}k"
    defaults = [
        _pseudo("proc", "/proc", "proc", f"rw,{_PSEUDO_OPTIONS}"),
        dev_info,
        _pseudo("devpts", "/dev/pts", "devpts", "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666"),
        _pseudo("sysfs", "/sys", "sysfs", f"ro,{_PSEUDO_OPTIONS}"),
        *_cgroups(host),
        _pseudo("mqueue", "/dev/mqueue", "mqueue", f"rw,{_PSEUDO_OPTIONS}"),
        _tmpfs("shm", "/dev/shm", shm_options, size=table.shm_size, used=shm_used),
    ]  # fmt: skip
    own = [
        _user_mount(mount, table.added.get(mount.destination, 0), host) for mount in table.mounts
    ]
    own_points = {m.destination for m in table.mounts}
    # dockerd drops the defaults a user mount replaces (and all of /dev's with a /dev mount).
    defaults = [
        d for d in defaults
        if d.mount_point not in own_points
        and not ("/dev" in own_points and d.mount_point.startswith("/dev/"))
    ]  # fmt: skip
    found = [_overlay(table), *defaults, *(info for _, info in sorted(own, key=lambda p: p[0]))]
    for path in table.readonly_paths:
        if os.path.exists(path):
            found.append(_pseudo("proc", path, "proc", f"ro,{_PSEUDO_OPTIONS}"))
    for path in table.masked_paths:
        if os.path.isdir(path):
            found.append(_tmpfs("tmpfs", path, "ro,relatime", size=0, used=0))
        elif os.path.exists(path):  # /dev/null bound over it: what df shows is /dev's tmpfs
            found.append(
                MountInfo(
                    "tmpfs",
                    path,
                    "tmpfs",
                    dev_options,
                    dev_info.block_size,
                    dev_info.blocks,
                    dev_info.free,
                    dev_info.available,
                    f"null:{path}",
                )
            )
    return found
