"""Where the daemon is and how to talk to it, resolved as the docker CLI does.

Pure functions of an environment mapping and the files under the docker config
directory, so tests drive them with a dict and a temporary directory.

Precedence (docker CLI): explicit argument > DOCKER_HOST > DOCKER_CONTEXT >
``currentContext`` in config.json > ``unix:///var/run/docker.sock``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from dockersdk.errors import ConfigError

DEFAULT_HOST = "unix:///var/run/docker.sock"
DEFAULT_CONTEXT = "default"
# dockerd's conventional ports (moby opts.ParseHost): 2375 plain, 2376 TLS.
DEFAULT_TCP_PORT = 2375
DEFAULT_TLS_PORT = 2376

Scheme = Literal["unix", "http", "https"]


@dataclass(frozen=True)
class TLSConfig:
    """TLS material for a tcp:// daemon.

    ``verify=False`` accepts any server certificate (the CLI's ``--tls`` without
    ``--tlsverify``, or a context's ``SkipTLSVerify``).  ``assert_hostname``
    names the host expected in the certificate, or ``False`` to check the CA
    chain but not the name.
    """

    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify: bool = True
    assert_hostname: str | Literal[False] | None = None

    def __post_init__(self) -> None:
        if (self.client_cert is None) != (self.client_key is None):
            raise ConfigError("a TLS client certificate needs both client_cert and client_key")


@dataclass(frozen=True)
class Endpoint:
    """A parsed daemon address: a unix socket path, or host and port."""

    scheme: Scheme
    address: str  # socket path for unix, "host:port" otherwise
    tls: TLSConfig | None = None

    @property
    def host(self) -> str:
        """The address in DOCKER_HOST form, for messages."""
        if self.scheme == "unix":
            return f"unix://{self.address}"
        return f"tcp://{self.address}" + (" (TLS)" if self.scheme == "https" else "")

    @property
    def base_url(self) -> str:
        """The URL prefix requests uses; unix sockets go through requests-unixsocket's
        ``http+unix://<percent-encoded path>`` scheme."""
        if self.scheme == "unix":
            return "http+unix://" + quote(self.address, safe="")
        return f"{self.scheme}://{self.address}"

    @property
    def hostname(self) -> str:
        return self.address.rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])


@dataclass(frozen=True)
class ClientConfig:
    endpoint: Endpoint
    api_version: str | None  # None: negotiate with the daemon
    source: str  # where the endpoint came from, for messages: "DOCKER_HOST", "context x", ...


def parse_host(host: str, tls: TLSConfig | None = None) -> Endpoint:
    """Parse a DOCKER_HOST-style address.  ``tcp://`` becomes https when ``tls``
    is given; ``http://`` and ``https://`` say so themselves."""
    if host.startswith("npipe:"):
        raise ConfigError(
            f"{host!r}: named pipes (npipe://) exist only on Windows; this SDK speaks "
            "unix://, tcp://, http:// and https://"
        )
    if host.startswith("/"):
        host = "unix://" + host
    parts = urlsplit(host)
    scheme = parts.scheme.lower()
    if scheme == "unix":
        path = (parts.netloc + parts.path) or "/var/run/docker.sock"
        return Endpoint("unix", path)
    if scheme == "ssh":
        raise ConfigError(f"{host!r}: ssh:// hosts are not supported; forward the socket instead")
    if scheme not in ("tcp", "http", "https"):
        raise ConfigError(f"{host!r}: unsupported scheme {parts.scheme!r} in Docker host")
    if not parts.hostname:
        raise ConfigError(f"{host!r}: no host name in Docker host")
    if parts.path not in ("", "/"):
        raise ConfigError(f"{host!r}: a Docker host takes no path")
    secure = scheme == "https" or (scheme == "tcp" and tls is not None)
    port = parts.port or (DEFAULT_TLS_PORT if secure else DEFAULT_TCP_PORT)
    hostname = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if secure:
        return Endpoint("https", f"{hostname}:{port}", tls or TLSConfig())
    return Endpoint("http", f"{hostname}:{port}")


def config_dir(env: Mapping[str, str]) -> Path:
    """The docker CLI's config directory: $DOCKER_CONFIG, else ~/.docker."""
    configured = env.get("DOCKER_CONFIG")
    if configured:
        return Path(configured)
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".docker"


def tls_from_cert_dir(cert_dir: Path, *, verify: bool) -> TLSConfig:
    """TLS material from a directory of ca.pem, cert.pem, key.pem (files that
    are absent are left out, as the CLI does)."""

    def present(name: str) -> str | None:
        path = cert_dir / name
        return str(path) if path.is_file() else None

    cert, key = present("cert.pem"), present("key.pem")
    if cert is None or key is None:
        cert = key = None
    return TLSConfig(ca_cert=present("ca.pem"), client_cert=cert, client_key=key, verify=verify)


def tls_from_env(env: Mapping[str, str]) -> TLSConfig | None:
    """DOCKER_TLS_VERIFY (any non-empty value, as in the CLI) turns on verified
    TLS with the material in DOCKER_CERT_PATH (default: the config directory)."""
    if not env.get("DOCKER_TLS_VERIFY"):
        return None
    cert_dir = Path(env.get("DOCKER_CERT_PATH") or config_dir(env))
    return tls_from_cert_dir(cert_dir, verify=True)


def current_context(env: Mapping[str, str]) -> str:
    """DOCKER_CONTEXT, else ``currentContext`` from config.json, else "default"."""
    name = env.get("DOCKER_CONTEXT")
    if name:
        return name
    config_file = config_dir(env) / "config.json"
    try:
        config = json.loads(config_file.read_text())
    except FileNotFoundError:
        return DEFAULT_CONTEXT
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {config_file}: {exc}") from exc
    name = config.get("currentContext") if isinstance(config, dict) else None
    return name or DEFAULT_CONTEXT


def context_id(name: str) -> str:
    """Contexts are stored under the sha256 of their name (docker CLI's store)."""
    return hashlib.sha256(name.encode()).hexdigest()


def context_endpoint(name: str, env: Mapping[str, str]) -> Endpoint:
    """The docker endpoint of a named context from the CLI's context store."""
    store = config_dir(env) / "contexts"
    meta_file = store / "meta" / context_id(name) / "meta.json"
    try:
        meta = json.loads(meta_file.read_text())
        docker = meta["Endpoints"]["docker"]
        host = docker.get("Host") or DEFAULT_HOST
        skip_verify = bool(docker.get("SkipTLSVerify", False))
    except FileNotFoundError as exc:
        raise ConfigError(f"context {name!r} not found ({meta_file} is missing)") from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"context {name!r}: cannot read {meta_file}: {exc!r}") from exc
    tls_dir = store / "tls" / context_id(name) / "docker"
    tls = None
    if tls_dir.is_dir() and any(tls_dir.iterdir()):
        tls = tls_from_cert_dir(tls_dir, verify=not skip_verify)
    elif skip_verify:
        tls = TLSConfig(verify=False)
    return parse_host(host, tls)


def resolve(
    base_url: str | None = None,
    version: str | None = None,
    tls: TLSConfig | None = None,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """The endpoint and API version to use, from arguments and environment."""
    env = os.environ if env is None else env
    api_version = version or env.get("DOCKER_API_VERSION") or None
    if api_version == "auto":
        api_version = None
    if base_url:
        return ClientConfig(parse_host(base_url, tls), api_version, "argument")
    if env.get("DOCKER_HOST"):
        endpoint = parse_host(env["DOCKER_HOST"], tls or tls_from_env(env))
        return ClientConfig(endpoint, api_version, "DOCKER_HOST")
    name = current_context(env)
    if name != DEFAULT_CONTEXT:
        return ClientConfig(context_endpoint(name, env), api_version, f"context {name!r}")
    return ClientConfig(parse_host(DEFAULT_HOST, tls), api_version, "default")
