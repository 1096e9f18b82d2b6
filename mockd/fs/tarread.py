"""Reading tar streams safely: into a new ``Layer``, or into a container.

``tarfile`` parses headers (stream mode, so nothing is seeked or buffered
whole); everything it would do to a real filesystem is replaced by building a
``Node`` tree, after checks moby makes (``pkg/archive``'s breakout checks)
plus limits against tar bombs.  A hostile archive raises ``TarSafetyError``
before anything visible changes.

Tar bombs are refused early and without holding what they expand to: an
archive that can be rewound (every body the daemon reads is in memory) is
first walked header to header (``_walk_headers``: no entry is built, file
data is skipped), so an archive declaring more than the limits allow is
refused at the header that crosses them, whatever follows it.  The limits in
effect are the daemon's (``use_limits``, set by ``mockd.daemon.serve`` from
``Engine.tar_limits``) unless a caller passes its own.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import tarfile
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, cast

from mockd.fs import paths
from mockd.fs.errors import TarSafetyError
from mockd.fs.layer import Layer
from mockd.fs.nodes import Node, new_dir
from mockd.fs.tarwrite import OPAQUE_MARKER, WHITEOUT_PREFIX


@dataclass(frozen=True)
class TarLimits:
    """How much an archive may hold before it counts as a tar bomb."""

    max_total_bytes: int = 8 << 30  # uncompressed stream
    max_entries: int = 1_000_000
    max_path_length: int = 4096  # Linux PATH_MAX
    allow_devices: bool = True  # image layers carry /dev nodes; PUT archive may forbid


DEFAULT_LIMITS = TarLimits()

# The limits of the daemon whose request is being served.  A context variable, not a
# parameter, because archives are read from code paths (builder, registry client, the
# handlers) that never see the engine; tasks and asyncio.to_thread inherit it.
_LIMITS: ContextVar[TarLimits] = ContextVar("mockd_tar_limits", default=DEFAULT_LIMITS)

BLOCK = 512
_ZERO_BLOCK = bytes(BLOCK)
# Go's archive/tar refuses PAX and GNU long-name data larger than this (maxSpecialFileSize).
MAX_SPECIAL_FILE_SIZE = 1 << 20
# A layer's bytes after its end-of-archive marker are hashed into its diff_id (moby drains
# them) and kept; tar writers pad with at most a record (10 KiB; 1 MiB with -b 2048).
MAX_TRAILING_BYTES = 16 << 20
# Entry types whose size field means nothing: tarfile (and Go) skip no data for them.
_HEADER_ONLY_TYPES = frozenset(b"123456")


def limits_in_effect() -> TarLimits:
    """The limits of the daemon serving the current request (``DEFAULT_LIMITS`` outside one)."""
    return _LIMITS.get()


def use_limits(limits: TarLimits) -> None:
    """Make ``limits`` the ones in effect for this context and the tasks it starts."""
    _LIMITS.set(limits)


class _CountingReader(io.RawIOBase):
    """Hashes and counts the uncompressed bytes ``tarfile`` consumes."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self.count = 0
        self.sha256 = hashlib.sha256()
        self.keep: bytearray | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self.count += len(data)
        if self.count > self._limit:
            raise TarSafetyError(f"archive is larger than the limit of {self._limit} bytes")
        self.sha256.update(data)
        if self.keep is not None:
            self.keep += data
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Read what follows the end of the archive (a layer's diff_id covers it), within bounds."""
        end = self.count
        while self.read(1 << 16):
            if self.count - end > MAX_TRAILING_BYTES + (1 << 16):
                raise TarSafetyError(
                    f"more than {MAX_TRAILING_BYTES} bytes of data after the end of the archive"
                )


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _decompressed(stream: IO[bytes]) -> IO[bytes]:
    """Undo gzip / bzip2 / xz by their magic bytes, as moby's DecompressStream does."""
    head = stream.read(6)
    raw = io.BufferedReader(_Prefixed(head, stream))
    if head.startswith(b"\x1f\x8b"):
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw))
    if head.startswith(b"BZh"):
        return cast(IO[bytes], bz2.BZ2File(raw))
    if head.startswith(b"\xfd7zXZ\x00"):
        return cast(IO[bytes], lzma.LZMAFile(raw))
    return raw


def _too_large(limits: TarLimits) -> str:
    return f"archive is larger than the limit of {limits.max_total_bytes} bytes"


def _pax_size(data: bytes) -> int | None:
    """The ``size`` record of PAX extended header data, if any (records: ``LEN key=value\\n``)."""
    size = None
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        length = int(data[pos:space])
        if length <= 0:
            raise ValueError("bad PAX record length")
        key, _, value = data[space + 1 : pos + length - 1].partition(b"=")
        if key == b"size":
            size = int(value)
        pos += length
    return size


def _number(field: bytes) -> int:
    """A numeric header field: octal text (the fast, common case) or GNU base-256."""
    if field[0] == 0x80:
        return int.from_bytes(field[1:], "big")
    if field[0] & 0x80:
        raise ValueError("negative or malformed base-256 number")
    return int(field.split(b"\0", 1)[0].strip() or b"0", 8)


def _checksum_ok(header: bytes) -> bool:
    stored = _number(header[148:156])
    return stored == sum(header) - sum(header[148:156]) + 8 * 32  # the field counts as spaces


def _refuse(header: bytes, why: str) -> None:
    """Raise for a valid header; a corrupt one ends the walk (the full parse reports it)."""
    if _checksum_ok(header):
        raise TarSafetyError(why)
    raise _WalkEnded


class _WalkEnded(Exception):
    """The walk met something it does not follow."""


def _skip(source: IO[bytes], count: int) -> bool:
    """Read past ``count`` bytes; False when the stream ends first."""
    while count > 0:
        chunk = source.read(min(count, 1 << 20))
        if not chunk:
            return False
        count -= len(chunk)
    return True


def _walk_headers(source: IO[bytes], limits: TarLimits, *, trailing: bool) -> None:
    """Follow the archive header to header and refuse it as soon as it crosses a limit.

    Only counts and sizes are looked at, so this is several times faster than
    ``tarfile`` and holds nothing.  Anything it does not follow (a bad header,
    GNU sparse files, global PAX headers) ends the walk quietly: the full parse
    that comes next judges it, with the same limits.  With ``trailing``, the
    data after the end-of-archive marker is counted too (layers hash it).
    """
    offset = entries = 0
    size_override: int | None = None
    while True:
        header = source.read(BLOCK)
        if len(header) < BLOCK or header == _ZERO_BLOCK:
            break
        try:
            # Checksums cost more than the rest of the walk: only the first header's is
            # checked (is this a tar at all?) and the one of a header that is refused.
            if offset == 0 and not _checksum_ok(header):
                return
            size = _number(header[124:136])
        except ValueError:
            return
        kind = header[156]
        if kind in b"xLK":  # describes the entry after it
            if size > MAX_SPECIAL_FILE_SIZE:
                _refuse(header, f"extended header of {size} bytes is too long")
            data = source.read(size)
            offset += BLOCK + -(-size // BLOCK) * BLOCK
            if offset > limits.max_total_bytes:
                _refuse(header, _too_large(limits))
            if len(data) < size or not _skip(source, -size % BLOCK):
                return
            if kind == ord("x"):
                try:
                    size_override = _pax_size(data)
                except ValueError:
                    return
            continue
        if kind in b"gS":
            return
        entries += 1
        if entries > limits.max_entries:
            _refuse(header, f"archive has more than {limits.max_entries} entries")
        if size_override is not None:
            size, size_override = size_override, None
        if kind in _HEADER_ONLY_TYPES:
            size = 0
        offset += BLOCK + -(-size // BLOCK) * BLOCK
        if offset > limits.max_total_bytes:
            _refuse(header, _too_large(limits))
        if size and not _skip(source, -(-size // BLOCK) * BLOCK):
            return
    if trailing:
        rest = source.read(MAX_TRAILING_BYTES + 1)
        if offset + len(rest) > limits.max_total_bytes:
            raise TarSafetyError(_too_large(limits))
        if len(rest) > MAX_TRAILING_BYTES:
            raise TarSafetyError(
                f"more than {MAX_TRAILING_BYTES} bytes of data after the end of the archive"
            )


def _check_ahead(stream: IO[bytes], limits: TarLimits, *, trailing: bool) -> None:
    """Walk a rewindable archive's headers first (see ``_walk_headers``), then rewind it."""
    if not stream.seekable():
        return
    start = stream.tell()
    try:
        # Buffered in C: the walk reads one 512-byte header at a time.
        source = io.BufferedReader(cast(io.RawIOBase, _decompressed(stream)), 1 << 20)
        _walk_headers(cast(IO[bytes], source), limits, trailing=trailing)
    except TarSafetyError:
        raise
    except (_WalkEnded, tarfile.TarError, OSError, EOFError, ValueError, lzma.LZMAError):
        pass  # a broken stream: the full parse reports it
    finally:
        stream.seek(start)


def clean_member_name(name: str) -> str:
    """The entry's path relative to the extraction root, or TarSafetyError.

    Like moby: the name is cleaned and joined to the root (so a leading ``/``
    is harmless), and a name that still climbs out with ``..`` is refused.
    """
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise TarSafetyError(f"{name!r} is outside of the extraction root")
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


@dataclass
class StagedEntry:
    """One validated archive entry: a relative path and its node (or a marker)."""

    path: str  # relative, cleaned; "" is the extraction root itself
    node: Node
    link_to: str | None = None  # hardlink target (relative, cleaned)
    whiteout: bool = False
    opaque: bool = False
    ignored: bool = False  # aufs metadata (.wh..wh.*) that layers don't carry


def _check_symlink(path: str, target: str) -> None:
    # moby refuses relative targets that climb above the root from the
    # entry's directory; absolute targets resolve inside the container root.
    if target.startswith("/"):
        return
    try:
        clean_member_name(paths.parent_of("/" + path).lstrip("/") + "/" + target)
    except TarSafetyError:
        raise TarSafetyError(f"invalid symlink {path!r} -> {target!r}") from None


def read_entries(
    stream: IO[bytes],
    limits: TarLimits | None = None,
    *,
    keep: bool = False,
    whiteouts: bool = True,
) -> tuple[list[StagedEntry], str, bytes | None]:
    """Parse and validate a whole archive: (entries, sha256 diff id, raw tar if ``keep``).

    ``limits`` default to the ones in effect (``limits_in_effect``).  With
    ``whiteouts`` False (a plain archive, not a layer diff) ``.wh.`` files are
    ordinary files.  Like moby, a layer (``keep``) is read to its very end for
    its diff_id, and a plain archive only up to its end-of-archive marker.
    """
    limits = limits if limits is not None else limits_in_effect()
    _check_ahead(stream, limits, trailing=keep)
    reader = _CountingReader(_decompressed(stream), limits.max_total_bytes)
    if keep:
        reader.keep = bytearray()
    entries: list[StagedEntry] = []
    try:
        with tarfile.open(fileobj=io.BufferedReader(reader), mode="r|") as archive:
            for member in archive:
                entries.append(_stage(archive, member, limits, len(entries), whiteouts))
    except tarfile.ReadError as exc:
        if "empty file" not in str(exc) or entries:
            raise TarSafetyError(_go_tar_error(exc)) from exc
        # No byte at all: Go's reader meets EOF at once, an archive without entries.
    except (tarfile.TarError, EOFError) as exc:  # gzip raises EOFError on a truncated stream
        raise TarSafetyError(_go_tar_error(exc)) from exc
    if keep:
        reader.drain()
    raw = bytes(reader.keep) if reader.keep is not None else None
    return entries, "sha256:" + reader.sha256.hexdigest(), raw


def _go_tar_error(exc: Exception) -> str:
    """What Go's archive/tar says for the failure Python's tarfile met (dockerd's words)."""
    if isinstance(exc, EOFError) or "truncated" in str(exc) or "unexpected end" in str(exc):
        return "unexpected EOF"
    return "archive/tar: invalid tar header"


def _stage(
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    limits: TarLimits,
    seen: int,
    whiteouts: bool,
) -> StagedEntry:
    if seen + 1 > limits.max_entries:
        raise TarSafetyError(f"archive has more than {limits.max_entries} entries")
    if len(member.name) > limits.max_path_length:
        raise TarSafetyError(
            f"path longer than {limits.max_path_length} bytes: {member.name[:80]!r}..."
        )
    if member.isreg() and member.offset_data + member.size > limits.max_total_bytes:
        # Refused on its header: the data it promises is never read.
        raise TarSafetyError(_too_large(limits))
    path = clean_member_name(member.name)
    node = Node(
        kind="file",
        mode=member.mode & 0o7777,
        uid=member.uid,
        gid=member.gid,
        mtime=float(member.mtime),
    )
    base = path.rpartition("/")[2]
    if whiteouts and base.startswith(WHITEOUT_PREFIX):
        parent = path.rpartition("/")[0]
        if base == OPAQUE_MARKER:
            return StagedEntry(parent, node, opaque=True)
        if base.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
            return StagedEntry(
                path, node, opaque=False, whiteout=False, link_to=""
            )  # aufs metadata: ignored
        hidden = (parent + "/" if parent else "") + base[len(WHITEOUT_PREFIX) :]
        return StagedEntry(hidden, node, whiteout=True)
    if member.isreg():
        handle = archive.extractfile(member)
        node.data = handle.read() if handle is not None else b""
    elif member.isdir():
        node.kind = "dir"
    elif member.issym():
        _check_symlink(path, member.linkname)
        node.kind, node.target, node.mode = "symlink", member.linkname, 0o777
    elif member.islnk():
        try:
            target = clean_member_name(member.linkname)
        except TarSafetyError:
            raise TarSafetyError(
                f"invalid hardlink {member.name!r} -> {member.linkname!r}"
            ) from None
        return StagedEntry(path, node, link_to=target)
    elif member.ischr() or member.isblk():
        if not limits.allow_devices:
            raise TarSafetyError(f"device files are not allowed: {member.name!r}")
        node.kind = "char" if member.ischr() else "block"
        node.rdev = (member.devmajor, member.devminor)
    elif member.isfifo():
        node.kind = "fifo"
    else:
        raise TarSafetyError(f"unsupported entry type {member.type!r} for {member.name!r}")
    return StagedEntry(path, node)


class _TreeBuilder:
    """Builds one layer tree from staged entries (later entries win, like tar)."""

    def __init__(self, root_mtime: float) -> None:
        self.root = new_dir(mtime=root_mtime)

    def _dir(self, rel: str, origin: str) -> Node:
        node = self.root
        for part in paths.split(rel):
            child = node.children.get(part)
            if child is None or child.kind == "whiteout":
                child = new_dir(mtime=node.mtime)
                node.children[part] = child
            elif child.kind != "dir":
                raise TarSafetyError(f"{origin!r} is written through the non-directory {part!r}")
            node = child
        return node

    def _lookup(self, rel: str) -> Node | None:
        node: Node | None = self.root
        for part in paths.split(rel):
            node = node.children.get(part) if node is not None and node.kind == "dir" else None
        return node

    def add(self, entry: StagedEntry) -> None:
        if entry.ignored:
            return
        if entry.opaque:
            self._dir(entry.path, entry.path).opaque = True
            return
        if entry.path == "":
            if entry.node.kind == "dir":  # the "./" entry: the root's metadata
                self.root.mode, self.root.uid, self.root.gid = (
                    entry.node.mode,
                    entry.node.uid,
                    entry.node.gid,
                )
                self.root.mtime = entry.node.mtime
            return
        parent_rel, _, name = entry.path.rpartition("/")
        parent = self._dir(parent_rel, entry.path)
        if entry.whiteout:
            parent.children[name] = Node(kind="whiteout", mode=0, mtime=entry.node.mtime)
            return
        node = entry.node
        if entry.link_to is not None:
            target = self._lookup(entry.link_to)
            if target is None or target.kind in ("dir", "whiteout"):
                raise TarSafetyError(
                    f"hardlink {entry.path!r} -> {entry.link_to!r}: no such file in the archive"
                )
            node = target
            node.links += 1
        existing = parent.children.get(name)
        if existing is not None and existing.kind == "dir" and node.kind == "dir":
            existing.mode, existing.uid, existing.gid, existing.mtime = (
                node.mode,
                node.uid,
                node.gid,
                node.mtime,
            )
            return
        parent.children[name] = node


def layer_from_tar(stream: IO[bytes], limits: TarLimits | None = None) -> Layer:
    """A layer from a (possibly compressed) tar diff: whiteouts and opaque dirs kept.

    The diff_id is the sha256 of the uncompressed stream, and the stream is
    kept so the layer is saved back byte for byte.
    """
    entries, diff_id, raw = read_entries(stream, limits, keep=True)
    builder = _TreeBuilder(root_mtime=0.0)
    for entry in entries:
        builder.add(entry)
    return Layer(builder.root, diff_id=diff_id, tar=raw)
