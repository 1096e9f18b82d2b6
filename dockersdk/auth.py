"""Registry credentials, found as the docker CLI finds them.

``config.json`` (in ``$DOCKER_CONFIG`` or ``~/.docker``) holds them three ways:

* ``auths``: per registry, a base64 ``user:password`` in ``auth``, or an
  ``identitytoken`` (an OAuth refresh token);
* ``credHelpers``: per registry, the name of a credential helper;
* ``credsStore``: the helper for every registry not in ``credHelpers``.

A helper is the program ``docker-credential-<name>``: ``get`` reads a server
address on stdin and writes ``{"ServerURL", "Username", "Secret"}``; a
``Username`` of ``<token>`` means the secret is an identity token.

Credentials travel to the daemon as base64url JSON: one ``AuthConfig`` in
``X-Registry-Auth`` (pull, push), or a map of them in ``X-Registry-Config``
(build).  Secrets never appear in a repr, a log line or an exception message.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from dockersdk.config import config_dir
from dockersdk.errors import DockerError

INDEX_SERVER: Final = "https://index.docker.io/v1/"
# Names that all mean Docker Hub's index (the CLI stores its credentials under INDEX_SERVER).
_HUB_NAMES: Final = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)
HELPER_PREFIX: Final = "docker-credential-"
_TOKEN_USERNAME: Final = "<token>"
_HELPER_TIMEOUT: Final = 60.0  # seconds; a helper may prompt a keychain, but must not hang us
_NOT_FOUND_MESSAGE: Final = "credentials not found in native keychain"


class CredentialsError(DockerError):
    """Credentials could not be read (a broken config.json, a failing helper)."""


class CredentialHelperNotFound(CredentialsError):
    """``config.json`` names a credential helper that is not on PATH."""

    def __init__(self, helper: str) -> None:
        self.helper = helper
        super().__init__(
            f"credential helper {HELPER_PREFIX}{helper} (named in config.json) is not on PATH"
        )


@dataclass(frozen=True, repr=False)
class AuthConfig:
    """Credentials for one registry, as the daemon takes them.

    ``repr`` shows who, never the secrets (``password``, ``identitytoken``,
    ``registrytoken``), so an ``AuthConfig`` is safe in logs and tracebacks.
    """

    username: str | None = None
    password: str | None = None
    serveraddress: str | None = None
    email: str | None = None
    identitytoken: str | None = None
    registrytoken: str | None = None

    @classmethod
    def of(cls, value: AuthConfig | Mapping[str, Any]) -> AuthConfig:
        """An ``AuthConfig`` from itself or docker-py's dict form (case-insensitive keys)."""
        if isinstance(value, AuthConfig):
            return value
        lowered = {str(k).lower(): v for k, v in value.items()}
        fields = ("username", "password", "serveraddress", "email", "identitytoken",
                  "registrytoken")  # fmt: skip
        return cls(**{f: None if lowered.get(f) is None else str(lowered[f]) for f in fields})

    def to_wire(self) -> dict[str, str]:
        """The JSON object the daemon reads (empty fields left out)."""
        return {key: value for key, value in vars(self).items() if value}

    def __repr__(self) -> str:
        secrets = [name for name in ("password", "identitytoken", "registrytoken")
                   if getattr(self, name)]  # fmt: skip
        hidden = f", secrets=<hidden: {', '.join(secrets)}>" if secrets else ""
        return (
            f"AuthConfig(username={self.username!r}, serveraddress={self.serveraddress!r}{hidden})"
        )

    __str__ = __repr__


# -- names ----------------------------------------------------------------------------------


def normalize_registry(name: str) -> str:
    """The key credentials are stored under: Docker Hub's names all become
    ``https://index.docker.io/v1/``; any other is its bare ``host[:port]``."""
    host = name.strip()
    for scheme in ("https://", "http://"):
        if host.startswith(scheme):
            host = host[len(scheme) :]
            break
    host = host.split("/", 1)[0].lower()
    return INDEX_SERVER if host in _HUB_NAMES or not host else host


def registry_of(repository: str) -> str:
    """The registry a repository lives on, normalised (Docker Hub when none is named)."""
    first, sep, _ = repository.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return normalize_registry(first)
    return INDEX_SERVER


# -- config.json ----------------------------------------------------------------------------


def _read_config(env: Mapping[str, str]) -> dict[str, Any]:
    path = config_dir(env) / "config.json"
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CredentialsError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # The position only: the message could quote the file, which holds secrets.
        raise CredentialsError(f"{path} is not valid JSON (line {exc.lineno})") from None
    return data if isinstance(data, dict) else {}


def _from_auths_entry(entry: Any, server: str) -> AuthConfig | None:
    if not isinstance(entry, dict):
        return None
    username = password = None
    if entry.get("auth"):
        try:
            decoded = base64.b64decode(str(entry["auth"]), validate=False).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise CredentialsError(
                f"the auth entry for {server} is not base64 user:password"
            ) from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise CredentialsError(f"the auth entry for {server} is not base64 user:password")
    elif entry.get("username"):
        username, password = str(entry["username"]), str(entry.get("password") or "")
    identitytoken = str(entry["identitytoken"]) if entry.get("identitytoken") else None
    if username is None and identitytoken is None:
        return None
    return AuthConfig(
        username=username,
        password=password,
        serveraddress=server,
        email=str(entry["email"]) if entry.get("email") else None,
        identitytoken=identitytoken,
    )


def _find_auths_entry(auths: Mapping[str, Any], registry: str) -> AuthConfig | None:
    """The ``auths`` entry for ``registry``, whatever form its key was written in."""
    for key, entry in auths.items():
        if normalize_registry(key) == registry:
            found = _from_auths_entry(entry, registry)
            if found is not None:
                return found
    return None


# -- credential helpers ---------------------------------------------------------------------


def _run_helper(
    helper: str, action: str, stdin: str, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    program = shutil.which(HELPER_PREFIX + helper, path=env.get("PATH", os.defpath))
    if program is None:
        raise CredentialHelperNotFound(helper)
    try:
        return subprocess.run(
            [program, action], input=stdin, capture_output=True, text=True,
            timeout=_HELPER_TIMEOUT, env=dict(env), check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise CredentialsError(
            f"credential helper {HELPER_PREFIX}{helper} did not answer within {_HELPER_TIMEOUT:g}s"
        ) from None
    except OSError as exc:
        raise CredentialsError(f"cannot run {HELPER_PREFIX}{helper}: {exc.strerror}") from None


def helper_get(helper: str, server: str, env: Mapping[str, str] | None = None) -> AuthConfig | None:
    """Credentials for ``server`` from ``docker-credential-<helper> get``; ``None``
    when the helper has none."""
    environment = os.environ if env is None else env
    result = _run_helper(helper, "get", server, environment)
    if result.returncode != 0:
        if _NOT_FOUND_MESSAGE in result.stdout or _NOT_FOUND_MESSAGE in result.stderr:
            return None
        # The helper's own output is left out: nothing guarantees it holds no secret.
        raise CredentialsError(
            f"credential helper {HELPER_PREFIX}{helper} failed for {server} "
            f"(exit status {result.returncode})"
        )
    try:
        reply = json.loads(result.stdout)
        username, secret = str(reply["Username"]), str(reply["Secret"])
    except (ValueError, KeyError, TypeError):
        raise CredentialsError(
            f"credential helper {HELPER_PREFIX}{helper} gave an unreadable answer for {server}"
        ) from None
    if username == _TOKEN_USERNAME:
        return AuthConfig(serveraddress=server, identitytoken=secret)
    return AuthConfig(username=username, password=secret, serveraddress=server)


def helper_list(helper: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The server addresses ``docker-credential-<helper> list`` holds credentials for."""
    environment = os.environ if env is None else env
    result = _run_helper(helper, "list", "", environment)
    if result.returncode != 0:
        raise CredentialsError(
            f"credential helper {HELPER_PREFIX}{helper} could not list its servers "
            f"(exit status {result.returncode})"
        )
    try:
        servers = json.loads(result.stdout or "{}")
    except ValueError:
        raise CredentialsError(
            f"credential helper {HELPER_PREFIX}{helper} gave an unreadable list"
        ) from None
    return [str(server) for server in servers] if isinstance(servers, dict) else []


# -- lookups --------------------------------------------------------------------------------


class CredentialStore:
    """The credentials one ``config.json`` gives access to.

    ``env`` is the environment to read ``DOCKER_CONFIG``/``HOME``/``PATH`` from
    (``os.environ`` by default), so tests drive it with a dict.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        config = _read_config(self.env)
        auths = config.get("auths")
        helpers = config.get("credHelpers")
        self.auths: dict[str, Any] = dict(auths) if isinstance(auths, dict) else {}
        self.cred_helpers: dict[str, str] = (
            {normalize_registry(k): str(v) for k, v in helpers.items()}
            if isinstance(helpers, dict) else {}
        )  # fmt: skip
        store = config.get("credsStore")
        self.creds_store: str | None = str(store) if store else None

    def helper_for(self, registry: str) -> str | None:
        """The helper that holds ``registry``'s credentials, if any."""
        return self.cred_helpers.get(normalize_registry(registry), self.creds_store)

    def get(self, registry: str) -> AuthConfig | None:
        """Credentials for ``registry`` (any of its names), or ``None``.

        As the CLI: a registry's ``credHelpers`` entry wins, then ``credsStore``,
        then the ``auths`` entry.
        """
        key = normalize_registry(registry)
        helper = self.helper_for(key)
        if helper is not None:
            found = helper_get(helper, key, self.env)
            if found is not None:
                return found
        return _find_auths_entry(self.auths, key)

    def all(self) -> dict[str, AuthConfig]:
        """Every registry's credentials, keyed by server address (for ``X-Registry-Config``)."""
        servers = {normalize_registry(key): key for key in self.auths}
        for server in self.cred_helpers:
            servers.setdefault(server, server)
        if self.creds_store is not None:
            for server in helper_list(self.creds_store, self.env):
                servers.setdefault(normalize_registry(server), server)
        found: dict[str, AuthConfig] = {}
        for key, original in servers.items():
            auth = self.get(key)
            if auth is not None:
                found[original] = auth
        return found


def resolve_auth(
    repository: str,
    auth_config: AuthConfig | Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> AuthConfig | None:
    """The credentials for pulling or pushing ``repository``: ``auth_config``
    when given, else what ``config.json`` holds for its registry."""
    if auth_config is not None:
        return AuthConfig.of(auth_config)
    return CredentialStore(env).get(registry_of(repository))


# -- headers --------------------------------------------------------------------------------


def _encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def registry_auth_header(auth: AuthConfig | None) -> dict[str, str]:
    """``X-Registry-Auth``: base64url JSON of the credentials (``{}`` when none,
    which is what the CLI sends for an anonymous pull)."""
    return {"X-Registry-Auth": _encode(auth.to_wire() if auth is not None else {})}


def registry_config_header(auths: Mapping[str, AuthConfig]) -> dict[str, str]:
    """``X-Registry-Config`` for a build: base64url JSON of ``{server: AuthConfig}``."""
    return {"X-Registry-Config": _encode({k: v.to_wire() for k, v in auths.items()})}


def build_registry_config(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``X-Registry-Config`` for ``POST /build``, holding every credential
    ``config.json`` gives access to (the builder may pull from any registry)."""
    return registry_config_header(CredentialStore(env).all())


__all__ = [
    "INDEX_SERVER",
    "AuthConfig",
    "CredentialHelperNotFound",
    "CredentialStore",
    "CredentialsError",
    "build_registry_config",
    "helper_get",
    "helper_list",
    "normalize_registry",
    "registry_auth_header",
    "registry_config_header",
    "registry_of",
    "resolve_auth",
]
