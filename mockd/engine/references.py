"""Image references: distribution/reference's grammar, normalisation and messages.

``busybox`` is ``docker.io/library/busybox``; its familiar (display) form drops
``docker.io/`` and ``library/``.  The regular expressions are the grammar of
``github.com/distribution/reference`` (``regexp.go``), and the errors carry its
messages, which dockerd returns verbatim.  Hand-written because no maintained
Python package implements this grammar with dockerd's exact messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockd.errors import InvalidParameter

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"

REFERENCE_RE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
TAG_RE = re.compile(rf"^{_TAG}$")
DIGEST_RE = re.compile(rf"^{_DIGEST}$")
HEX64_RE = re.compile(r"^[a-f0-9]{64}$")

# distribution/reference's error values.
ERR_FORMAT = "invalid reference format"
ERR_UPPERCASE = "invalid reference format: repository name must be lowercase"
ERR_EMPTY = "repository name must have at least one component"
ERR_TOO_LONG = f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
ERR_TAG = "invalid tag format"


class ReferenceError_(InvalidParameter):
    """An unparsable reference (400, with distribution/reference's message)."""


@dataclass(frozen=True)
class Reference:
    """A normalised reference: ``domain/path`` with an optional tag and digest."""

    domain: str
    path: str
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        """The full repository name: ``docker.io/library/busybox``."""
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """The repository as people write it: ``busybox``, ``user/app``, ``127.0.0.1:5000/app``."""
        if self.domain == DEFAULT_DOMAIN:
            return self.path.removeprefix(OFFICIAL_REPO_PREFIX)
        return self.name

    def __str__(self) -> str:
        return self.name + self._suffix()

    def familiar(self) -> str:
        """``reference.FamiliarString``: ``busybox:latest``, ``busybox@sha256:...``."""
        return self.familiar_name + self._suffix()

    def _suffix(self) -> str:
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    @property
    def is_name_only(self) -> bool:
        return not self.tag and not self.digest

    def with_default_tag(self) -> Reference:
        """``reference.TagNameOnly``: add ``:latest`` to a bare name."""
        return Reference(self.domain, self.path, DEFAULT_TAG) if self.is_name_only else self

    def with_tag(self, tag: str) -> Reference:
        if not TAG_RE.match(tag):
            raise ReferenceError_(ERR_TAG)
        return Reference(self.domain, self.path, tag)

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.domain, self.path, "", digest)

    def repository(self) -> Reference:
        return Reference(self.domain, self.path)


def _split_domain(name: str) -> tuple[str, str]:
    """splitDockerDomain: the first component is a domain only if it looks like one."""
    first, sep, rest = name.partition("/")
    if not sep or (
        "." not in first and ":" not in first and first != "localhost" and first.lower() == first
    ):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, rest
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


def _check_digest(digest: str) -> None:
    algorithm, _, encoded = digest.partition(":")
    lengths = {"sha256": 64, "sha384": 96, "sha512": 128}
    if algorithm not in lengths:
        raise ReferenceError_("unsupported digest algorithm")
    if len(encoded) != lengths[algorithm]:
        raise ReferenceError_("invalid checksum digest length")
    if encoded != encoded.lower():
        raise ReferenceError_("invalid checksum digest format")


def _parse(text: str) -> Reference:
    """reference.Parse on an already normalised string."""
    match = REFERENCE_RE.match(text)
    if match is None:
        if not text:
            raise ReferenceError_(ERR_EMPTY)
        if REFERENCE_RE.match(text.lower()):
            raise ReferenceError_("repository name must be lowercase")
        raise ReferenceError_(ERR_FORMAT)
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise ReferenceError_(ERR_TOO_LONG)
    if digest:
        _check_digest(digest)
    domain, _, path = name.partition("/")
    return Reference(domain, path, tag, digest)


def parse_normalized(text: str) -> Reference:
    """reference.ParseNormalizedNamed: ``busybox`` → ``docker.io/library/busybox``."""
    if HEX64_RE.match(text):
        raise ReferenceError_(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_domain(text)
    # The tag or digest may hold upper case; the repository name may not.
    end = len(remainder)
    for sep in ("@", ":"):
        idx = remainder.find(sep)
        if idx != -1:
            end = min(end, idx)
    if remainder[:end].lower() != remainder[:end]:
        raise ReferenceError_(ERR_UPPERCASE)
    return _parse(f"{domain}/{remainder}")


def parse_any(text: str) -> Reference | str:
    """reference.ParseAnyReference: a 64-hex ID or ``sha256:`` digest gives the digest
    string (``sha256:...``); anything else a normalised ``Reference``."""
    if HEX64_RE.match(text):
        return "sha256:" + text
    if DIGEST_RE.match(text):
        try:
            _check_digest(text)
        except ReferenceError_:
            pass
        else:
            return text
    return parse_normalized(text)


def familiar_string(text: str) -> str:
    """The familiar form of a reference string (``docker.io/library/a:b`` → ``a:b``)."""
    return parse_normalized(text).familiar()
