"""The build context tar for ``POST /build``, and the query that goes with it.

``make_context`` follows the docker CLI (classic builder): a sorted walk of the
directory, ``.dockerignore`` applied with moby's rules, the Dockerfile and
``.dockerignore`` always sent (dockerd reads them, then drops them if ignored),
a Dockerfile from outside the context (or given as text) added under a
generated ``.dockerfile.<hex>`` name that is appended to ``.dockerignore``.
Entries are owned by 0:0 and keep their modes, mtimes and symlinks.

One difference from the CLI: a relative ``dockerfile`` is relative to the
context directory (as in docker-py), not to the current directory.
"""

from __future__ import annotations

import gzip as gzip_module
import hashlib
import io
import json
import os
import stat
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from dockersdk.dockerignore import PatternMatcher, read_patterns
from dockersdk.params.errors import InvalidArgument
from dockersdk.params.resources import cpuset
from dockersdk.params.units import ByteSize, parse_bytes

DOCKERIGNORE = ".dockerignore"


@dataclass(frozen=True)
class BuildContext:
    """A ready-to-send context and the ``dockerfile`` query value that names its Dockerfile."""

    data: bytes
    dockerfile: str
    gzip: bool = False


def make_context(
    path: str | os.PathLike[str],
    dockerfile: str | os.PathLike[str] = "Dockerfile",
    *,
    dockerignore: bool = True,
    gzip: bool = False,
    dockerfile_text: str | bytes | None = None,
) -> BuildContext:
    """Tar the directory ``path`` as the docker CLI would send it to ``/build``."""
    root = Path(path)
    if not root.is_dir():
        raise InvalidArgument(f"build context {str(root)!r} is not a directory", argument="path")
    root = root.resolve()

    external: bytes | None = None
    if dockerfile_text is not None:
        external = dockerfile_text.encode() if isinstance(dockerfile_text, str) else dockerfile_text
        relative_dockerfile = None
    else:
        relative_dockerfile, external = _locate_dockerfile(root, Path(dockerfile))

    patterns: list[str] = []
    ignore_file = root / DOCKERIGNORE
    if dockerignore and ignore_file.is_file():
        patterns = read_patterns(ignore_file.read_text(encoding="utf-8"))
    matcher = PatternMatcher(patterns)
    # The CLI re-includes the two files dockerd itself must read.
    if matcher.matches(DOCKERIGNORE):
        patterns.append("!" + DOCKERIGNORE)
    if relative_dockerfile is not None and matcher.matches(relative_dockerfile):
        patterns.append("!" + relative_dockerfile)
    matcher = PatternMatcher(patterns)

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        extra_name = _external_name(external) if external is not None else None
        rewritten = False
        for relative, full in _walk(root, matcher):
            if relative == DOCKERIGNORE and extra_name is not None:
                # Rewritten in place with the extra name in it, as the CLI does.
                original = os.lstat(full)
                _add_bytes(
                    archive,
                    DOCKERIGNORE,
                    full.read_bytes() + f"\n{extra_name}\n".encode(),
                    mode=stat.S_IMODE(original.st_mode),
                    mtime=int(original.st_mtime),
                )
                rewritten = True
            else:
                _add(archive, full, relative)
        if external is not None and extra_name is not None:
            if not rewritten:
                content = f"{DOCKERIGNORE}\n{extra_name}\n".encode()
                _add_bytes(archive, DOCKERIGNORE, content)
            _add_bytes(archive, extra_name, external)
            relative_dockerfile = extra_name
    assert relative_dockerfile is not None
    data = buffer.getvalue()
    if gzip:
        data = gzip_module.compress(data, mtime=0)
    return BuildContext(data=data, dockerfile=relative_dockerfile, gzip=gzip)


def _locate_dockerfile(root: Path, dockerfile: Path) -> tuple[str | None, bytes | None]:
    """(name inside the context, None) or (None, content of a Dockerfile outside it)."""
    candidate = dockerfile if dockerfile.is_absolute() else root / dockerfile
    if (
        str(dockerfile) == "Dockerfile"
        and not candidate.exists()
        and (root / "dockerfile").exists()
    ):
        candidate = root / "dockerfile"  # the CLI's fallback
    if not candidate.is_file():
        raise InvalidArgument(
            f"Cannot locate specified Dockerfile: {str(dockerfile)!r}", argument="dockerfile"
        )
    resolved = Path(os.path.abspath(candidate))
    try:
        relative = resolved.relative_to(root)
    except ValueError:
        return None, resolved.read_bytes()
    return relative.as_posix(), None


def _external_name(content: bytes) -> str:
    # The CLI uses a random id; a content hash keeps the archive reproducible.
    return ".dockerfile." + hashlib.sha256(content).hexdigest()[:20]


def _walk(root: Path, matcher: PatternMatcher) -> Iterator[tuple[str, Path]]:
    """(relative slash path, full path) of each entry to send, in byte-sorted order."""

    def visit(directory: Path, prefix: str) -> Iterator[tuple[str, Path]]:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: os.fsencode(entry.name))
        for entry in entries:
            relative = prefix + entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if matcher.matches(relative):
                # An excluded directory is still walked when an exception
                # pattern could re-include something in it (moby's archiver).
                if is_dir and matcher.may_match_inside(relative):
                    yield from visit(Path(entry.path), relative + "/")
                continue
            yield relative, Path(entry.path)
            if is_dir:
                yield from visit(Path(entry.path), relative + "/")

    yield from visit(root, "")


def _add(archive: tarfile.TarFile, full: Path, relative: str) -> None:
    info = os.lstat(full)
    member = tarfile.TarInfo(relative)
    member.mode = stat.S_IMODE(info.st_mode)
    member.mtime = int(info.st_mtime)
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    if stat.S_ISDIR(info.st_mode):
        member.type = tarfile.DIRTYPE
        member.name = relative + "/"
        archive.addfile(member)
    elif stat.S_ISLNK(info.st_mode):
        member.type = tarfile.SYMTYPE
        member.linkname = os.readlink(full)
        archive.addfile(member)
    elif stat.S_ISREG(info.st_mode):
        member.size = info.st_size
        with open(full, "rb") as content:
            archive.addfile(member, content)
    # Sockets, fifos and devices are skipped: a build has no use for them.


def _add_bytes(
    archive: tarfile.TarFile, name: str, content: bytes, *, mode: int = 0o600, mtime: int = 0
) -> None:
    # 0600 is the mode the CLI gives the entries it generates.
    member = tarfile.TarInfo(name)
    member.mode = mode
    member.size = len(content)
    member.mtime = mtime
    archive.addfile(member, io.BytesIO(content))


def build_query(
    *,
    tag: str | Iterable[str] | None = None,
    dockerfile: str | None = None,
    buildargs: Mapping[str, str | None] | None = None,
    labels: Mapping[str, str] | None = None,
    target: str | None = None,
    nocache: bool | None = None,
    pull: bool | None = None,
    rm: bool | None = None,
    forcerm: bool | None = None,
    quiet: bool | None = None,
    extra_hosts: Mapping[str, str] | Iterable[str] | None = None,
    network_mode: str | None = None,
    platform: str | None = None,
    cachefrom: Iterable[str] | None = None,
    shmsize: ByteSize | None = None,
    memory: ByteSize | None = None,
    memswap: ByteSize | None = None,
    cpushares: int | None = None,
    cpusetcpus: str | None = None,
    cpuperiod: int | None = None,
    cpuquota: int | None = None,
    remote: str | None = None,
) -> list[tuple[str, str]]:
    """The ``/build`` query as (name, value) pairs (``t`` and ``extrahosts`` repeat).

    buildargs, labels and cachefrom are JSON, as dockerd decodes them;
    booleans are "1"/"0"; sizes take units ("1g").
    """
    query: list[tuple[str, str]] = []
    if dockerfile is not None:
        query.append(("dockerfile", dockerfile))
    tags = [tag] if isinstance(tag, str) else list(tag or ())
    query.extend(("t", name) for name in tags)
    if remote is not None:
        query.append(("remote", remote))
    for name, flag in (
        ("q", quiet),
        ("nocache", nocache),
        ("pull", pull),
        ("rm", rm),
        ("forcerm", forcerm),
    ):
        if flag is not None:
            query.append((name, "1" if flag else "0"))
    if buildargs is not None:
        query.append(("buildargs", json.dumps(_string_map(buildargs, "buildargs", nullable=True))))
    if labels is not None:
        query.append(("labels", json.dumps(_string_map(labels, "labels", nullable=False))))
    if cachefrom is not None:
        if isinstance(cachefrom, str):
            cachefrom = [cachefrom]
        query.append(("cachefrom", json.dumps([str(image) for image in cachefrom])))
    if target is not None:
        query.append(("target", target))
    if extra_hosts is not None:
        if isinstance(extra_hosts, Mapping):
            hosts = [f"{host}:{address}" for host, address in sorted(extra_hosts.items())]
        else:
            hosts = [str(entry) for entry in extra_hosts]
        query.extend(("extrahosts", entry) for entry in hosts)
    if network_mode is not None:
        query.append(("networkmode", network_mode))
    if platform is not None:
        query.append(("platform", platform))
    for name, size, unlimited in (
        ("shmsize", shmsize, False),
        ("memory", memory, False),
        ("memswap", memswap, True),
    ):
        if size is not None:
            query.append((name, str(parse_bytes(size, argument=name, allow_unlimited=unlimited))))
    for name, number in (
        ("cpushares", cpushares),
        ("cpuperiod", cpuperiod),
        ("cpuquota", cpuquota),
    ):
        if number is not None:
            if isinstance(number, bool) or not isinstance(number, int):
                raise InvalidArgument(f"{name} must be an int", argument=name)
            query.append((name, str(number)))
    if cpusetcpus is not None:
        query.append(("cpusetcpus", cpuset(cpusetcpus, argument="cpusetcpus")))
    return query


def _string_map(
    value: Mapping[str, str | None], argument: str, *, nullable: bool
) -> dict[str, str | None]:
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{argument} must be a dict", argument=argument)
    result: dict[str, str | None] = {}
    for key, item in value.items():
        if item is None and nullable:
            result[str(key)] = None  # a build arg taken from the environment of the build
        else:
            result[str(key)] = str(item)
    return result
