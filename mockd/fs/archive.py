"""Archives of a container's filesystem: export / GET archive, and PUT archive.

``tar_of_view`` lays entries out as dockerd does: an archive of ``/etc`` holds
``etc`` then ``etc/...``; an archive of ``/`` (``docker export``) holds the
root's contents with no entry for the root itself.

``extract_into`` validates the whole archive first (``read_entries``), then
applies it to the container with its upper tree snapshotted, restoring the
snapshot on any failure, so a refused archive changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from mockd.fs import paths
from mockd.fs.container import ContainerFS
from mockd.fs.errors import TarSafetyError
from mockd.fs.nodes import Node, deep_copy
from mockd.fs.tarread import StagedEntry, TarLimits, read_entries
from mockd.fs.tarwrite import iter_tar
from mockd.fs.union import UnionView


class ExtractConflictError(Exception):
    """``noOverwriteDirNonDir``: a directory and a non-directory would replace each other."""


def tar_of_view(
    view: UnionView, path: str = "/", *, follow_symlinks: bool = False, rebase: str | None = None
) -> Iterator[bytes]:
    """Stream a tar of ``path`` in ``view`` (entries named under its basename)."""
    node = view.node(path, follow_symlinks=follow_symlinks)
    if paths.clean(path) == "/" and rebase is None:
        entries = ((p[1:], n) for p, n in view.walk("/"))
        return iter_tar(entries, layer_markers=False)
    name = rebase if rebase is not None else paths.basename(path)

    def entries_under() -> Iterator[tuple[str, Node]]:
        yield name, node
        if node.is_dir:
            real = view.realpath(path)
            for sub, child in view.walk(real):
                yield name + sub[len(real.rstrip("/")) :], child

    return iter_tar(entries_under(), layer_markers=False)


def tar_bytes_of_view(view: UnionView, path: str = "/") -> bytes:
    return b"".join(tar_of_view(view, path))


def extract_into(
    fs: ContainerFS,
    dest_path: str,
    tar_stream: IO[bytes],
    *,
    no_overwrite_dir_non_dir: bool = False,
    copy_uid_gid: bool = False,
    limits: TarLimits | None = None,
) -> None:
    """Unpack a (possibly compressed) tar into the directory ``dest_path``.

    Raises ``TarSafetyError`` for a hostile archive, ``ExtractConflictError``
    for a dir/non-dir clash under ``no_overwrite_dir_non_dir``, and
    ``FileNotFoundError`` / ``NotADirectoryError`` for a bad destination;
    in every case the container is left as it was.  ``limits`` default to the
    daemon's (``mockd.fs.tarread.limits_in_effect``).
    """
    if not fs.node(dest_path).is_dir:
        raise NotADirectoryError(20, "Not a directory", dest_path)
    entries, _, _ = read_entries(tar_stream, limits, whiteouts=False)
    dest = fs.realpath(dest_path)
    saved = deep_copy(fs.upper)
    try:
        _apply(fs, dest, entries, no_overwrite_dir_non_dir, copy_uid_gid)
    except BaseException:
        fs.upper = saved
        raise


def _apply(
    fs: ContainerFS,
    dest: str,
    entries: list[StagedEntry],
    no_overwrite: bool,
    copy_ids: bool,
) -> None:
    dir_mtimes: list[tuple[str, float]] = []
    for entry in entries:
        target = paths.clean(f"{dest}/{entry.path}")
        node = entry.node
        uid, gid = (node.uid, node.gid) if copy_ids else (0, 0)
        fs.mkdir(paths.parent_of(target), parents=True)
        existing = fs.node(target, follow_symlinks=False) if fs.lexists(target) else None
        if node.kind == "dir":
            if existing is not None and not existing.is_dir:
                if no_overwrite:
                    raise ExtractConflictError(
                        f"cannot overwrite non-directory {target!r} with directory {entry.path!r}"
                    )
                fs.remove(target)
                existing = None
            if existing is None:
                fs.mkdir(target)
            fs.set_attrs(target, mode=node.mode, uid=uid, gid=gid)
            dir_mtimes.append((target, node.mtime))
            continue
        if existing is not None:
            if existing.is_dir and no_overwrite:
                raise ExtractConflictError(
                    f"cannot overwrite directory {target!r} with non-directory {entry.path!r}"
                )
            fs.remove(target, recursive=True)
        if entry.link_to is not None:
            try:
                fs.link(paths.clean(f"{dest}/{entry.link_to}"), target)
            except OSError as exc:
                raise TarSafetyError(
                    f"invalid hardlink {entry.path!r} -> {entry.link_to!r}: {exc.strerror}"
                ) from None
            continue
        if node.kind == "file":
            fs.write_file(target, node.data)
        elif node.kind == "symlink":
            fs.symlink(node.target, target)
        else:
            fs.mknod(target, node.kind, mode=node.mode, rdev=node.rdev)
        fs.set_attrs(
            target, mode=node.mode, uid=uid, gid=gid, mtime=node.mtime, follow_symlinks=False
        )
    # Directory mtimes last, as moby does: creating entries inside bumped them.
    for target, mtime in reversed(dir_mtimes):
        fs.set_attrs(target, mtime=mtime)
