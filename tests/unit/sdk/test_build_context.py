"""Build context tars and the /build query."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from dockersdk.build_context import build_query, make_context
from dockersdk.params import InvalidArgument


def write(root: Path, relative: str, content: str = "x", mode: int = 0o644) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(tmp_path, "Dockerfile", "FROM busybox\n")
    write(tmp_path, "app.py", "print(1)\n", 0o755)
    write(tmp_path, "README.md")
    write(tmp_path, "notes.md")
    write(tmp_path, "build/out.bin")
    write(tmp_path, "docs/guide.md")
    write(tmp_path, "docs/keep/this.md")
    write(tmp_path, "docs/keep/not.txt")
    write(tmp_path, "src/pkg/mod.py")
    write(tmp_path, "src/pkg/__pycache__/mod.pyc")
    write(tmp_path, "src/.env")
    os.symlink("app.py", tmp_path / "link.py")
    return tmp_path


def members(data: bytes) -> dict[str, tarfile.TarInfo]:
    # tarfile drops the "/" that directory names carry in the archive; put it back.
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {
            member.name + ("/" if member.isdir() else ""): member for member in archive.getmembers()
        }


def read(data: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        extracted = archive.extractfile(name)
        assert extracted is not None
        return extracted.read()


def test_whole_tree_without_dockerignore(tree: Path) -> None:
    context = make_context(tree)
    names = list(members(context.data))
    assert names == [
        "Dockerfile",
        "README.md",
        "app.py",
        "build/",
        "build/out.bin",
        "docs/",
        "docs/guide.md",
        "docs/keep/",
        "docs/keep/not.txt",
        "docs/keep/this.md",
        "link.py",
        "notes.md",
        "src/",
        "src/.env",
        "src/pkg/",
        "src/pkg/__pycache__/",
        "src/pkg/__pycache__/mod.pyc",
        "src/pkg/mod.py",
    ]
    assert context.dockerfile == "Dockerfile"
    info = members(context.data)
    assert info["app.py"].mode == 0o755
    assert info["link.py"].issym() and info["link.py"].linkname == "app.py"
    assert info["app.py"].uid == 0 and info["app.py"].gid == 0
    assert read(context.data, "app.py") == b"print(1)\n"
    assert b"src/pkg/\0" in context.data  # directory entries end with "/" as Go writes them


def test_dockerignore_rules(tree: Path) -> None:
    write(
        tree,
        ".dockerignore",
        "# build output\nbuild\n*.md\n!README.md\ndocs\n!docs/keep/*.md\n**/__pycache__\n**/.env\nDockerfile\n.dockerignore\n",
    )
    names = set(members(make_context(tree).data))
    assert names == {
        ".dockerignore",  # always sent: dockerd reads it
        "Dockerfile",  # always sent, although ignored
        "README.md",
        "app.py",
        "docs/keep/this.md",  # re-included from inside an excluded directory
        "link.py",
        "src/",
        "src/pkg/",
        "src/pkg/mod.py",
    }


def test_dockerignore_can_be_disabled(tree: Path) -> None:
    write(tree, ".dockerignore", "*\n")
    assert "src/pkg/mod.py" in members(make_context(tree, dockerignore=False).data)
    assert set(members(make_context(tree).data)) == {".dockerignore", "Dockerfile"}


def test_deterministic_and_gzip(tree: Path) -> None:
    first = make_context(tree, gzip=True)
    second = make_context(tree, gzip=True)
    assert first.data == second.data
    assert first.gzip
    assert members(gzip.decompress(first.data)).keys() == members(make_context(tree).data).keys()


def test_dockerfile_inside_the_context(tree: Path) -> None:
    write(tree, "docker/dev.Dockerfile", "FROM scratch\n")
    write(tree, ".dockerignore", "docker\n")
    context = make_context(tree, "docker/dev.Dockerfile")
    assert context.dockerfile == "docker/dev.Dockerfile"
    names = set(members(context.data))
    assert "docker/dev.Dockerfile" in names
    assert make_context(tree, tree / "docker/dev.Dockerfile").dockerfile == "docker/dev.Dockerfile"


def test_dockerfile_outside_the_context(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("other") / "Dockerfile.ci"
    elsewhere.write_text("FROM alpine\n")
    write(tree, ".dockerignore", "build\n")
    context = make_context(tree, elsewhere)
    assert context.dockerfile.startswith(".dockerfile.")
    assert len(context.dockerfile) == len(".dockerfile.") + 20
    assert read(context.data, context.dockerfile) == b"FROM alpine\n"
    assert read(context.data, ".dockerignore") == f"build\n\n{context.dockerfile}\n".encode()
    assert list(members(context.data)).count(".dockerignore") == 1


def test_dockerfile_text(tree: Path) -> None:
    context = make_context(tree, dockerfile_text="FROM busybox\nRUN true\n")
    assert read(context.data, context.dockerfile) == b"FROM busybox\nRUN true\n"
    # No .dockerignore in the tree: one is made, as the CLI does.
    assert read(context.data, ".dockerignore") == f".dockerignore\n{context.dockerfile}\n".encode()


def test_lowercase_dockerfile_fallback_and_missing(tmp_path: Path) -> None:
    write(tmp_path, "dockerfile", "FROM busybox\n")
    assert make_context(tmp_path).dockerfile == "dockerfile"
    with pytest.raises(InvalidArgument, match="Cannot locate"):
        make_context(tmp_path, "nope/Dockerfile")
    with pytest.raises(InvalidArgument):
        make_context(tmp_path / "missing")


def test_build_query() -> None:
    query = build_query(
        tag=["app:1", "app:latest"],
        dockerfile="docker/Dockerfile",
        buildargs={"VERSION": "1.2", "FROM_ENV": None},
        labels={"team": "core"},
        target="runtime",
        nocache=True,
        pull=True,
        rm=False,
        forcerm=False,
        extra_hosts={"db": "10.0.0.2"},
        network_mode="host",
        platform="linux/amd64",
        cachefrom=["app:cache"],
        shmsize="64m",
        memory="1g",
        memswap=-1,
        cpusetcpus="0-1",
    )
    assert query.count(("t", "app:1")) == 1 and ("t", "app:latest") in query
    as_dict = dict(query)
    assert json.loads(as_dict["buildargs"]) == {"VERSION": "1.2", "FROM_ENV": None}
    assert json.loads(as_dict["labels"]) == {"team": "core"}
    assert json.loads(as_dict["cachefrom"]) == ["app:cache"]
    assert as_dict["nocache"] == "1" and as_dict["pull"] == "1"
    assert as_dict["rm"] == "0" and as_dict["forcerm"] == "0"
    assert as_dict["extrahosts"] == "db:10.0.0.2"
    assert as_dict["shmsize"] == str(64 << 20)
    assert as_dict["memory"] == str(1 << 30)
    assert as_dict["memswap"] == "-1"
    assert as_dict["dockerfile"] == "docker/Dockerfile"
    assert as_dict["networkmode"] == "host"
    assert as_dict["target"] == "runtime"
    assert as_dict["cpusetcpus"] == "0-1"
    assert build_query(tag="one") == [("t", "one")]
    assert build_query() == []
    with pytest.raises(InvalidArgument):
        build_query(shmsize="64q")
    with pytest.raises(InvalidArgument):
        build_query(cpushares="2")  # type: ignore[arg-type]
