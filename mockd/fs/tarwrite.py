"""Writing trees as tar streams, the way moby's ``pkg/archive`` lays them out.

Header fields come from Python's ``tarfile`` (``TarInfo.tobuf``, PAX format:
plain ustar headers unless a field does not fit, like Go's archive/tar).  We go
around ``tarfile`` in two places, both to match Go's output byte for byte:

* the mode field keeps the file-type bits (0o40755 for a directory), which
  moby sets and ``tarfile`` masks off, so the header is patched and its
  checksum recomputed;
* the archive ends with two zero blocks and no padding to a 10 KiB record
  (``TarFile.close`` pads; Go does not), so we stream blocks ourselves, which
  also lets exports stream without building the whole archive in memory.

Output is a pure function of the tree (sorted order, whole-second mtimes,
numeric ids, ``root`` as the name of id 0), so equal trees give equal diff_ids.
"""

from __future__ import annotations

import stat
import tarfile
from collections.abc import Iterable, Iterator

from mockd.fs.nodes import Node

BLOCK = tarfile.BLOCKSIZE
WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"

_TAR_TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}

# moby's fillGo18FileTypeBits: the st_mode type bits it keeps in the header.
_TYPE_BITS = {
    "file": stat.S_IFREG,
    "dir": stat.S_IFDIR,
    "symlink": stat.S_IFLNK,
    "char": stat.S_IFCHR,
    "block": stat.S_IFBLK,
    "fifo": stat.S_IFIFO,
    "socket": stat.S_IFSOCK,
}


def _padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def _with_mode(header: bytes, mode: int) -> bytes:
    """Rewrite the mode field of the last header block and its checksum."""
    head = bytearray(header[-BLOCK:])
    head[100:108] = b"%07o\0" % mode
    head[148:156] = b" " * 8
    head[148:156] = b"%06o\0 " % sum(head)
    return header[:-BLOCK] + bytes(head)


def _info(name: str, node: Node, kind: str, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = _TAR_TYPES.get(kind, tarfile.REGTYPE)
    info.mode = mode & 0o7777
    info.uid, info.gid = node.uid, node.gid
    info.uname = "root" if node.uid == 0 else ""
    info.gname = "root" if node.gid == 0 else ""
    info.mtime = int(node.mtime)  # moby truncates to the second
    if kind in ("char", "block"):
        info.devmajor, info.devminor = node.rdev
    return info


def _header(info: tarfile.TarInfo, mode: int) -> bytes:
    buf = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    return _with_mode(buf, mode)


def iter_tar(entries: Iterable[tuple[str, Node]], *, layer_markers: bool = True) -> Iterator[bytes]:
    """Stream a tar of ``(relative name, node)`` entries, in the given order.

    A node met a second time (a hardlink) becomes a link entry to its first
    name; whiteout nodes become ``.wh.NAME`` files and opaque directories get
    a ``.wh..wh..opq`` file, as the engine writes layer diffs (unless
    ``layer_markers`` is False: an export of a merged view has none).
    """
    first_name: dict[int, str] = {}
    for name, node in entries:
        if node.kind == "whiteout":
            parent, _, base = name.rpartition("/")
            wh_name = (parent + "/" if parent else "") + WHITEOUT_PREFIX + base
            info = _info(wh_name, node, "file", 0o600)
            yield _header(info, 0o600)
            continue
        if node.kind == "socket":
            continue  # tar has no socket type; moby skips them too
        mode = node.mode | _TYPE_BITS[node.kind]
        if node.kind == "file" and id(node) in first_name:
            info = _info(name, node, "file", mode)
            info.type = tarfile.LNKTYPE
            info.linkname = first_name[id(node)]
            yield _header(info, mode)
            continue
        info = _info(name, node, node.kind, mode)
        if node.kind == "symlink":
            info.linkname = node.target
        if node.kind == "file":
            first_name[id(node)] = name
            info.size = len(node.data)
        yield _header(info, mode)
        if node.kind == "file" and node.data:
            yield node.data
            yield _padding(len(node.data))
        if node.kind == "dir" and node.opaque and layer_markers:
            marker = _info(f"{name}/{OPAQUE_MARKER}", node, "file", node.mode)
            yield _header(marker, node.mode & 0o7777)
    yield b"\0" * (2 * BLOCK)


def tree_entries(root: Node, prefix: str = "") -> Iterator[tuple[str, Node]]:
    """A tree's entries in sorted pre-order, named relative to ``root``."""
    for name in sorted(root.children):
        child = root.children[name]
        rel = prefix + name
        yield rel, child
        if child.kind == "dir":
            yield from tree_entries(child, rel + "/")
