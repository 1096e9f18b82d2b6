"""HTTP to the daemon: one pooled requests session over unix, TCP or TLS.

``Transport.request`` is the single way out: it prefixes ``/v{version}``
(negotiated lazily, like the Go client), encodes query parameters as dockerd
reads them, and turns error answers and connection failures into
``dockersdk.errors`` exceptions.
"""

from __future__ import annotations

import errno
import http.client
import io
import os
import socket
import ssl
import stat
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit

import msgspec
import requests
import requests.adapters
import urllib3.connectionpool
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict
from requests_unixsocket.adapters import UnixAdapter, UnixHTTPConnection, UnixHTTPConnectionPool

from dockersdk.chunked import Read, dechunk
from dockersdk.config import Endpoint, TLSConfig
from dockersdk.errors import (
    APIError,
    DaemonUnreachable,
    ReadTimeout,
    StreamError,
    UnsupportedAPIVersion,
    api_error,
)

MIN_API_VERSION: Final = "1.41"
MAX_API_VERSION: Final = "1.55"
# What the Go client assumes when /_ping carries no API-Version header.
FALLBACK_API_VERSION: Final = "1.24"


def version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise UnsupportedAPIVersion(f"not an API version: {version!r}") from None


@dataclass(frozen=True)
class Timeout:
    """Seconds to wait for the connection, and between bytes of the answer
    (``None``: wait forever)."""

    connect: float | None = 60
    read: float | None = 60

    @classmethod
    def of(cls, value: float | Timeout | None) -> Timeout:
        if isinstance(value, Timeout):
            return value
        return cls(connect=value, read=value)


# Marks "no timeout given": None already means "no timeout".
_DEFAULT: Any = object()

QueryValue = str | int | float | bool | Mapping[str, Any] | list[Any] | tuple[Any, ...] | None


def encode_params(params: Mapping[str, QueryValue] | None) -> list[tuple[str, str]]:
    """Query parameters as dockerd parses them: None dropped, bools as 1/0
    (like docker-py), ``filters`` and other mappings as JSON, lists repeated."""
    if not params:
        return []
    encoded: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if key == "filters" and isinstance(value, Mapping):
            encoded.append((key, encode_filters(value)))
        elif isinstance(value, Mapping):
            encoded.append((key, msgspec.json.encode(value).decode()))
        elif isinstance(value, list | tuple):
            encoded.extend((key, _scalar(item)) for item in value)
        else:
            encoded.append((key, _scalar(value)))
    return encoded


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def encode_filters(filters: Mapping[str, Any]) -> str:
    """dockerd's filter JSON: ``{"name": ["a", "b"]}``.  A single string is
    wrapped in a list; a bool is written "true"/"false" (e.g. ``dangling``)."""
    normalized: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            normalized[key] = ["true" if value else "false"]
        elif isinstance(value, str | int):
            normalized[key] = [str(value)]
        elif isinstance(value, Mapping):  # the legacy {"value": true} form passes through
            normalized[key] = dict(value)
        else:
            normalized[key] = [str(item) for item in value]
    return msgspec.json.encode(normalized).decode()


class _UnixConnectionPool(UnixHTTPConnectionPool):  # type: ignore[misc]
    """requests-unixsocket's pool, with a size: its own keeps urllib3's default
    of one connection, so concurrent calls would open and drop extra ones."""

    def __init__(self, socket_url: str, maxsize: int) -> None:
        urllib3.connectionpool.HTTPConnectionPool.__init__(self, "localhost", maxsize=maxsize)
        self.socket_path = socket_url

    def _new_conn(self) -> UnixHTTPConnection:
        # urllib3 sets the connect timeout of each request before connecting.
        return UnixHTTPConnection(self.socket_path)


class _UnixSocketAdapter(UnixAdapter):  # type: ignore[misc]
    """requests-unixsocket 0.4.1 keys its pools by the full request URL, so every
    distinct path opens a new connection; key them by socket instead, so
    keep-alive connections are reused across calls."""

    def __init__(self, pool_size: int) -> None:
        super().__init__()
        self._pool_size = pool_size

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ) -> UnixHTTPConnectionPool:
        return self.get_connection(request.url, proxies)

    def get_connection(self, url: str | bytes | None, proxies: Any = None) -> Any:
        socket_url = "http+unix://" + urlsplit(str(url)).netloc
        with self.pools.lock:
            pool = self.pools.get(socket_url)
            if pool is None:
                pool = _UnixConnectionPool(socket_url, self._pool_size)
                self.pools[socket_url] = pool
        return pool


class _TLSAdapter(requests.adapters.HTTPAdapter):
    """Passes ``assert_hostname`` to urllib3, which requests has no option for."""

    def __init__(self, assert_hostname: str | bool | None) -> None:
        self._assert_hostname = assert_hostname
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._assert_hostname is not None:
            kwargs["assert_hostname"] = self._assert_hostname
        super().init_poolmanager(*args, **kwargs)


def ssl_context(tls: TLSConfig, server_hostname: str) -> ssl.SSLContext:
    """An SSL context equivalent to what the requests session verifies, for
    sockets opened outside it (hijacked connections)."""
    context = ssl.create_default_context(cafile=tls.ca_cert)
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif tls.assert_hostname is False:
        context.check_hostname = False
    if tls.client_cert and tls.client_key:
        context.load_cert_chain(tls.client_cert, tls.client_key)
    return context


class Transport:
    """A connection pool to one daemon, speaking one API version."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        version: str | None = None,
        timeout: float | Timeout | None = 60,
        user_agent: str | None = None,
        pool_size: int = 10,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = Timeout.of(timeout)
        self._version = version  # None until negotiated
        self._version_lock = threading.Lock()
        if version is not None:
            version_tuple(version)
        self.session = requests.Session()
        # Proxies and .netrc from the environment must not apply to the daemon.
        self.session.trust_env = False
        if user_agent:
            self.session.headers["User-Agent"] = user_agent
        adapter: requests.adapters.HTTPAdapter
        if endpoint.scheme == "unix":
            adapter, prefix = _UnixSocketAdapter(pool_size), "http+unix://"
        elif endpoint.scheme == "https":
            tls = endpoint.tls or TLSConfig()
            self.session.verify = (tls.ca_cert or True) if tls.verify else False
            if tls.client_cert and tls.client_key:
                self.session.cert = (tls.client_cert, tls.client_key)
            adapter, prefix = _TLSAdapter(tls.assert_hostname), "https://"
        else:
            adapter, prefix = requests.adapters.HTTPAdapter(pool_maxsize=pool_size), "http://"
        self.session.mount(prefix, adapter)  # the session closes it
        self._adapter = adapter  # every request goes to the daemon: no per-URL lookup
        verify = self.session.verify
        self._verify: bool | str = True if verify is None else verify
        self._headers = {k: str(v) for k, v in self.session.headers.items()}

    # -- version ------------------------------------------------------------

    @property
    def api_version(self) -> str:
        """The API version in use; the first call pings the daemon unless pinned."""
        if self._version is None:
            with self._version_lock:
                if self._version is None:
                    self._version = self._negotiate()
        return self._version

    @property
    def version_pinned(self) -> bool:
        return self._version is not None

    def _negotiate(self) -> str:
        response = self.ping()
        server = response.headers.get("API-Version") or FALLBACK_API_VERSION
        if version_tuple(server) < version_tuple(MIN_API_VERSION):
            raise UnsupportedAPIVersion(
                f"the daemon at {self.endpoint.host} speaks API {server}; this SDK needs "
                f"{MIN_API_VERSION} or newer (Docker Engine 20.10+)"
            )
        return min(server, MAX_API_VERSION, key=version_tuple)

    def ping(self, method: str = "GET") -> requests.Response:
        """``/_ping`` without a version prefix; its headers describe the daemon.
        An error status still carries them, so it is returned, not raised."""
        response = self._send(method, self.endpoint.base_url + "/_ping", timeout=self.timeout)
        response.close()
        return response

    # -- requests -----------------------------------------------------------

    def target(
        self,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        versioned: bool = True,
    ) -> str:
        """The request target: ``/v{version}`` + path (filled, percent-encoded) + query."""
        if path_params:
            path = path.format_map({k: quote(str(v), safe="") for k, v in path_params.items()})
        prefix = f"/v{self.api_version}" if versioned else ""
        query = encode_params(params)
        return f"{prefix}{path}" + (f"?{urlencode(query)}" if query else "")

    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | Timeout | None = _DEFAULT,
        operation: str | None = None,
        versioned: bool = True,
    ) -> requests.Response:
        """Send one request and return the response (2xx/3xx); raise on errors.

        ``path`` may be a template (``"/containers/{id}/json"``) filled from
        ``path_params`` (percent-encoded); the template then names the operation
        in errors unless ``operation`` is given.  ``json`` is encoded with
        msgspec, so Structs can be passed as they are.  A streaming request has
        no read timeout unless one is given.
        """
        operation = operation or f"{method} {path}"
        url = self.endpoint.base_url + self.target(
            path, path_params=path_params, params=params, versioned=versioned
        )
        send_headers = dict(headers or {})
        if json is not None:
            data = msgspec.json.encode(json)
            send_headers.setdefault("Content-Type", "application/json")
        if timeout is _DEFAULT:
            timeout = Timeout(self.timeout.connect, None) if stream else self.timeout
        response = self._send(
            method, url, data=data, headers=send_headers, stream=stream, timeout=Timeout.of(timeout)
        )
        if response.status_code >= 400:
            raise self.error_for(response, operation)
        return response

    def _send(
        self,
        method: str,
        url: str,
        *,
        timeout: Timeout,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        prepared = self._prepare(method, url, headers, data)
        try:
            # Straight to the adapter: ``Session.request``/``send`` would merge settings
            # (cookies, auth, hooks, environment, redirects) the daemon never uses, and
            # that bookkeeping cost more than the mock's whole answer.
            response = self._adapter.send(
                prepared,
                stream=stream,
                timeout=(timeout.connect, timeout.read),  # type: ignore[arg-type]
                verify=self._verify,
                cert=self.session.cert,
                proxies={},
            )
            if not stream:
                response.content  # noqa: B018  # read it all: the connection goes back to the pool
            return response
        except requests.exceptions.ReadTimeout as exc:
            raise ReadTimeout(
                f"the daemon at {self.endpoint.host} did not answer within {timeout.read}s"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise DaemonUnreachable(self.endpoint.host, diagnose(self.endpoint, exc)) from exc

    def _prepare(
        self, method: str, url: str, headers: Mapping[str, str] | None, data: Any
    ) -> requests.PreparedRequest:
        """The request as requests sends it.  ``url`` is already encoded (``target``),
        so requests' URL parsing and its cookie and hook steps are skipped."""
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = CaseInsensitiveDict({**self._headers, **(headers or {})})
        prepared.prepare_body(data, None)
        return prepared

    def error_for(
        self, response: requests.Response, operation: str
    ) -> APIError | DaemonUnreachable:
        """The exception for an error answer, with dockerd's message."""
        body = response.content
        response.close()
        message = error_message(body)
        if self.endpoint.scheme == "http" and "HTTP request to an HTTPS server" in message:
            return DaemonUnreachable(
                self.endpoint.host,
                "plain HTTP was sent to a TLS port; set DOCKER_TLS_VERIFY=1 and "
                "DOCKER_CERT_PATH, or pass tls=TLSConfig(...)",
            )
        return api_error(response.status_code, message, operation, response)

    # -- raw sockets (hijacked connections) -----------------------------------

    def connect_socket(self, timeout: float | None = None) -> socket.socket:
        """A new socket to the daemon (TLS-wrapped for https), outside the pool."""
        endpoint = self.endpoint
        try:
            if endpoint.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout.connect)
                try:
                    sock.connect(endpoint.address)
                except BaseException:
                    sock.close()
                    raise
            else:
                sock = socket.create_connection(
                    (endpoint.hostname, endpoint.port), timeout=self.timeout.connect
                )
                if endpoint.scheme == "https":
                    tls = endpoint.tls or TLSConfig()
                    hostname = (
                        tls.assert_hostname if isinstance(tls.assert_hostname, str) else None
                    ) or endpoint.hostname
                    sock = ssl_context(tls, hostname).wrap_socket(sock, server_hostname=hostname)
        except OSError as exc:
            raise DaemonUnreachable(endpoint.host, diagnose(endpoint, exc)) from exc
        sock.settimeout(timeout)
        return sock

    def close(self) -> None:
        self.session.close()


def iter_chunks(response: requests.Response, size: int = 65536) -> Iterator[bytes]:
    """The body of a streamed response as it arrives, each read's worth at once.

    A chunked body (every stream dockerd sends) is read off the connection by
    ``chunked_body_reads`` and its framing undone by ``dechunk``: urllib3 and
    ``http.client`` hand out one HTTP chunk per call, and dockerd writes one
    chunk per log frame or event, so reading through them costs a library call
    per frame.  Other bodies go through urllib3's ``read1``, which already
    returns what one read brings.
    """
    reads = chunked_body_reads(response, size)
    if reads is not None:
        yield from dechunk(reads)
        return
    try:
        while chunk := response.raw.read1(size):
            yield chunk
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise _read_timeout(exc) from exc
    except (urllib3.exceptions.ProtocolError, OSError, ValueError) as exc:
        # ValueError: the socket file was closed under the reader.
        raise _broken_stream(exc) from exc


def chunked_body_reads(response: requests.Response, size: int = 65536) -> Read | None:
    """Reads of a chunked body nobody has read from yet, taken off the
    connection below urllib3 and ``http.client`` (``None`` for any other body).

    The first read empties what ``http.client`` buffered with the head (less
    than ``size``), the rest come straight off the socket: each read through
    the socket file costs two Python-level calls (``read1``,
    ``SocketIO.readinto``), and a daemon that paces its stream (dockerd
    reading json-file logs) makes a read per frame.  Errors come out as
    ``ReadTimeout`` and ``StreamError``.
    """
    body_file = _chunked_body_file(response)
    if body_file is None:
        return None
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    # The socket only when a read of ``size`` could not leave bytes in the file's buffer.
    recv = sock.recv if isinstance(sock, socket.socket) and size > io.DEFAULT_BUFFER_SIZE else None
    first = True

    def read() -> bytes:
        nonlocal first
        try:
            if first or recv is None:
                first = False
                return body_file.read1(size)
            return recv(size)
        except TimeoutError as exc:
            raise _read_timeout(exc) from exc
        except (OSError, ValueError) as exc:  # ValueError: the socket file was closed
            raise _broken_stream(exc) from exc

    return read


def _read_timeout(exc: BaseException) -> ReadTimeout:
    return ReadTimeout(f"no data from the daemon within the read timeout: {exc}")


def _broken_stream(exc: BaseException) -> StreamError:
    return StreamError(f"the daemon's stream broke off: {exc}")


def _chunked_body_file(response: requests.Response) -> io.BufferedReader | None:
    """The buffered socket file under a chunked response nobody has read from
    yet, else ``None``.  urllib3 keeps the ``http.client`` response as ``_fp``
    and ``http.client`` the socket file as ``fp``; anything else (a test
    double, a compressed body, a body already partly read) takes the urllib3
    path."""
    raw = response.raw
    inner = getattr(raw, "_fp", None)
    if not isinstance(raw, urllib3.HTTPResponse) or not isinstance(inner, http.client.HTTPResponse):
        return None
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    if not inner.chunked or inner.chunk_left is not None or raw.chunk_left is not None:
        return None
    body_file = inner.fp
    return body_file if isinstance(body_file, io.BufferedReader) else None


def error_message(body: bytes) -> str:
    """dockerd's ``{"message": ...}``, else the body text."""
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        decoded = None
    if isinstance(decoded, dict):
        message = decoded.get("message")
        if isinstance(message, str):
            return message
    return body.decode(errors="replace").strip()


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps: requests wraps urllib3, which wraps
    OSError, through ``args``, ``reason`` and ``__context__``."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            inner = getattr(current, attr, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
    return seen


def diagnose(endpoint: Endpoint, exc: BaseException) -> str:
    """The likely cause of a failed connection, in words a user can act on."""
    chain = _exception_chain(exc)
    ssl_errors = [e for e in chain if isinstance(e, ssl.SSLError)]
    text = " ".join(str(e) for e in chain)
    if ssl_errors or isinstance(exc, requests.exceptions.SSLError):
        if "CERTIFICATE_VERIFY_FAILED" in text:
            ca = endpoint.tls.ca_cert if endpoint.tls else None
            return (
                "TLS verification failed: the server certificate is not trusted "
                f"({'CA ' + ca if ca else 'system CAs'}): {_ssl_reason(ssl_errors, text)}"
            )
        if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
            return "the server does not speak TLS on this port (a plain HTTP daemon?)"
        if "CERTIFICATE_REQUIRED" in text or "certificate required" in text:
            return "TLS handshake failed: the daemon requires a client certificate"
        return f"TLS handshake failed: {_ssl_reason(ssl_errors, text)}"
    os_errors = [e for e in chain if isinstance(e, OSError) and e.errno is not None]
    code = os_errors[0].errno if os_errors else None
    if endpoint.scheme == "unix":
        return _diagnose_unix(endpoint.address, code, text)
    if code == errno.ECONNREFUSED:
        return f"connection refused: nothing listens on {endpoint.address}; is the daemon running?"
    if isinstance(exc, requests.exceptions.ConnectTimeout | TimeoutError):
        return "timed out while connecting"
    if code in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return f"host unreachable: {os.strerror(code)}"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return f"unknown host name {endpoint.hostname!r}"
    if endpoint.scheme == "http" and ("RemoteDisconnected" in text or code == errno.ECONNRESET):
        return (
            "the server closed the connection without answering; if it speaks TLS, "
            "set DOCKER_TLS_VERIFY=1 or pass tls=TLSConfig(...)"
        )
    return text or type(exc).__name__


def _ssl_reason(ssl_errors: list[ssl.SSLError], text: str) -> str:
    if ssl_errors:
        error = ssl_errors[0]
        return str(getattr(error, "verify_message", None) or error.reason or error)
    return text


def _diagnose_unix(path: str, code: int | None, text: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"socket file {path} does not exist; is the daemon running?"
    except PermissionError:
        return f"permission denied while reaching {path}"
    if not stat.S_ISSOCK(mode):
        return f"{path} exists but is not a socket"
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied on {path}; add your user to the socket's group "
            "(usually 'docker') or run with sufficient rights"
        )
    if code == errno.ECONNREFUSED:
        return f"connection refused on {path}: a stale socket, nothing listens on it"
    return text


__all__ = [
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "Timeout",
    "Transport",
    "chunked_body_reads",
    "encode_filters",
    "encode_params",
    "error_message",
    "iter_chunks",
]
