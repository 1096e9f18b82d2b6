"""The reference grammar: normalisation and dockerd's messages (checked on dockerd 20.10)."""

from __future__ import annotations

import pytest

from mockd.engine.references import (
    ReferenceError_,
    parse_any,
    parse_normalized,
)

HEX = "a" * 64


@pytest.mark.parametrize(
    ("text", "full", "familiar"),
    [
        ("busybox", "docker.io/library/busybox", "busybox"),
        ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
        ("library/busybox", "docker.io/library/busybox", "busybox"),
        ("docker.io/busybox:latest", "docker.io/library/busybox:latest", "busybox:latest"),
        ("index.docker.io/library/alpine", "docker.io/library/alpine", "alpine"),
        ("user/app:v1", "docker.io/user/app:v1", "user/app:v1"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000/app", "127.0.0.1:5000/app"),
        ("localhost/app:1", "localhost/app:1", "localhost/app:1"),
        ("registry.example.com/a/b/c", "registry.example.com/a/b/c", "registry.example.com/a/b/c"),
        ("a__b.c-d", "docker.io/library/a__b.c-d", "a__b.c-d"),
        (
            f"busybox@sha256:{HEX}",
            f"docker.io/library/busybox@sha256:{HEX}",
            f"busybox@sha256:{HEX}",
        ),
        ("busybox:UPPER_tag", "docker.io/library/busybox:UPPER_tag", "busybox:UPPER_tag"),
    ],
)
def test_normalises_like_dockerd(text: str, full: str, familiar: str) -> None:
    ref = parse_normalized(text)
    assert str(ref) == full
    assert ref.familiar() == familiar


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("UPPER", "invalid reference format: repository name must be lowercase"),
        ("user/UPPER", "invalid reference format: repository name must be lowercase"),
        ("a//b", "invalid reference format"),
        ("busybox@sha256:abc", "invalid reference format"),
        ("-busybox", "invalid reference format"),
        ("busybox:", "invalid reference format"),
        ("busybox:-tag", "invalid reference format"),
        ("a" * 256, "repository name must not be more than 255 characters"),
        (HEX, f"invalid repository name ({HEX}), cannot specify 64-byte hexadecimal strings"),
    ],
)
def test_rejects_with_dockerds_message(text: str, message: str) -> None:
    with pytest.raises(ReferenceError_) as info:
        parse_normalized(text)
    assert info.value.message == message
    assert info.value.status == 400


def test_default_tag_and_tag_validation() -> None:
    assert str(parse_normalized("busybox").with_default_tag()) == "docker.io/library/busybox:latest"
    assert parse_normalized("busybox:1").with_default_tag().tag == "1"
    with pytest.raises(ReferenceError_, match=r"^invalid tag format$"):
        parse_normalized("busybox").with_tag("Bad!")


def test_parse_any_tells_ids_from_names() -> None:
    assert parse_any(HEX) == "sha256:" + HEX
    assert parse_any("sha256:" + HEX) == "sha256:" + HEX
    # "sha256:zzz" is a name with a tag, as in dockerd ("No such image: sha256:zzz").
    named = parse_any("sha256:zzz")
    assert not isinstance(named, str)
    assert named.familiar() == "sha256:zzz"
