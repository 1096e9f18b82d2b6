"""Lexical path helpers for absolute POSIX paths inside a container."""

from __future__ import annotations


def split(path: str) -> list[str]:
    """Components of a path, without empty ones and ``.``; ``..`` is kept."""
    return [part for part in path.split("/") if part not in ("", ".")]


def join(parts: list[str]) -> str:
    return "/" + "/".join(parts)


def clean(path: str) -> str:
    """Lexically clean an absolute path; ``..`` at the root stays at the root."""
    out: list[str] = []
    for part in split(path):
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return join(out)


def parent_of(path: str) -> str:
    return clean(path + "/..")


def basename(path: str) -> str:
    parts = split(clean(path))
    return parts[-1] if parts else "/"
