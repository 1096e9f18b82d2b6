"""A client of the Registry HTTP API v2: pull and push images for the mock daemon.

Over ``requests``: plain HTTP for loopback and insecure registries, HTTPS
otherwise.  Authentication follows the registry's ``WWW-Authenticate``
challenge on a 401: ``Basic`` with the credentials, or ``Bearer`` (a token
from the realm, for the scope asked).  Credentials are never logged or put in
messages.

Pull: manifest v2 schema 2 or OCI manifest, a manifest list / OCI index
resolved to the daemon's platform; every blob checked against its digest;
layers decompressed into ``layer_from_tar`` and checked against the config's
diff_ids.  Push: each layer gzip-compressed deterministically (so a re-push
finds every blob already there), ``HEAD`` before upload, a cross-repository
mount when the blob is known in another repository of the same registry,
chunked upload as dockerd's (``POST``, a ``PATCH`` per chunk, ``PUT ?digest=``),
the config, then the schema 2 manifest.  A pull of a name without tag lists
the repository's tags (``/tags/list``).  A token server's refusal is reported
with its reason, as docker/distribution reads it.  Progress is reported through ``emit`` as dockerd's
JSON messages, so the handler can stream them.  Blocking: run in a thread.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import io
import ipaddress
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockd.engine.references import Reference
from mockd.errors import DaemonError, InvalidParameter, NotFound, SystemError_, Unauthorized
from mockd.fs.errors import TarSafetyError
from mockd.fs.layer import Layer
from mockd.fs.tarread import layer_from_tar
from mockd.progress import progress_message, status_message

if TYPE_CHECKING:
    import requests

MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST_TYPES = (MT_DOCKER_MANIFEST, MT_DOCKER_LIST, MT_OCI_MANIFEST, MT_OCI_INDEX)
TIMEOUT = 60.0
# Bytes per PATCH of a chunked blob upload.
UPLOAD_CHUNK = 1 << 20
# What ``gzip.compress(..., mtime=0)`` writes first: magic, deflate, no flags, mtime 0, unix.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"

Emit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class AuthConfig:
    """``X-Registry-Auth`` / ``~/.docker/config.json`` credentials."""

    username: str = ""
    password: str = ""
    identity_token: str = ""
    registry_token: str = ""

    @classmethod
    def from_header(cls, header: str | None) -> AuthConfig | None:
        """Decode the base64url JSON header (padding optional), as dockerd does."""
        data = _decode_header(header)
        return cls.from_mapping(data) if isinstance(data, dict) else None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AuthConfig:
        """One ``AuthConfig`` object of the API (``username``/``password`` or ``auth``)."""
        username, password = str(data.get("username") or ""), str(data.get("password") or "")
        if not username and data.get("auth"):
            decoded = base64.b64decode(str(data["auth"])).decode(errors="replace")
            username, _, password = decoded.partition(":")
        return cls(username, password, str(data.get("identitytoken") or ""),
                   str(data.get("registrytoken") or ""))  # fmt: skip

    def __repr__(self) -> str:  # never show secrets
        return f"AuthConfig(username={self.username!r}, password=***)"


def _decode_header(header: str | None) -> Any:
    if not header:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (binascii.Error, ValueError):
        return None  # dockerd ignores an undecodable header and goes anonymous


def auth_configs_from_header(header: str | None) -> dict[str, AuthConfig]:
    """``X-Registry-Config`` (a build's): base64url JSON of ``{server: AuthConfig}``."""
    data = _decode_header(header)
    if not isinstance(data, dict):
        return {}
    return {str(k): AuthConfig.from_mapping(v) for k, v in data.items() if isinstance(v, dict)}


def auth_for_domain(configs: Mapping[str, AuthConfig], domain: str) -> AuthConfig | None:
    """registry.ResolveAuthConfig: the entry whose key names ``domain`` (a bare host, or
    a URL such as ``https://host/v1/``)."""
    if domain in configs:
        return configs[domain]
    for key, auth in configs.items():
        host = re.sub(r"^https?://", "", key).split("/", 1)[0]
        if host == domain:
            return auth
    return None


def metadata_of(engine: object) -> DistributionMetadata:
    """Where the daemon's layers are known to live in registries (made on first use)."""
    found = getattr(engine, "distribution", None)
    if not isinstance(found, DistributionMetadata):
        found = DistributionMetadata()
        engine.distribution = found  # type: ignore[attr-defined]
    return found


def is_insecure(domain: str, insecure_registries: Iterable[str] = ()) -> bool:
    """Plain HTTP for loopback (as dockerd: 127.0.0.0/8 is always insecure) and listed ones."""
    host = re.sub(r":\d+$", "", domain).strip("[]")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in insecure_registries:
        if entry in (domain, host):
            return True
        if address is not None and "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return address is not None and address.is_loopback


def gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Deterministic gzip (no name, mtime 0, level 6) of a stream, chunk by chunk: the
    same bytes as ``gzip.compress(data, 6, mtime=0)``, so a layer keeps its digest."""
    yield _GZIP_HEADER
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    crc, length = 0, 0
    for chunk in chunks:
        crc, length = zlib.crc32(chunk, crc), length + len(chunk)
        out = deflate.compress(chunk)
        if out:
            yield out
    yield deflate.flush() + struct.pack("<II", crc, length & 0xFFFFFFFF)


def gzip_layer(data: bytes) -> bytes:
    """Deterministic gzip (no name, mtime 0) so the same layer always has the same digest."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The stream in pieces of ``size`` bytes (the last one shorter)."""
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        while len(pending) >= size:
            yield bytes(pending[:size])
            del pending[:size]
    if pending:
        yield bytes(pending)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class BlobRecord:
    """Where a layer is known to live compressed, for mounts and ``Already exists``."""

    digest: str
    repositories: set[tuple[str, str]] = field(default_factory=set)  # (domain, repo path)


class DistributionMetadata:
    """diff_id → compressed blob, per registry; and manifest digests per image (RepoDigests)."""

    def __init__(self) -> None:
        self.blobs: dict[str, BlobRecord] = {}

    def remember(self, diff_id: str, digest: str, domain: str, repo: str) -> None:
        record = self.blobs.setdefault(diff_id, BlobRecord(digest))
        if record.digest == digest:
            record.repositories.add((domain, repo))

    def mount_source(self, diff_id: str, domain: str, repo: str) -> tuple[str, str] | None:
        record = self.blobs.get(diff_id)
        if record is None:
            return None
        for known_domain, known_repo in sorted(record.repositories):
            if known_domain == domain and known_repo != repo:
                return record.digest, known_repo
        return None


class CompressedLayer:
    """A layer gzip-compressed for a push, in upload-sized chunks (never one bytes object),
    with the digest and size the manifest names."""

    def __init__(self, layer: Layer, chunk_size: int = 0) -> None:
        digest = hashlib.sha256()
        self.tar_size = 0

        def counted() -> Iterator[bytes]:
            for chunk in layer.tar_stream():
                self.tar_size += len(chunk)
                yield chunk

        self.chunks: list[bytes] = []
        for piece in rechunk(gzip_stream(counted()), chunk_size or UPLOAD_CHUNK):
            digest.update(piece)
            self.chunks.append(piece)
        self.digest = "sha256:" + digest.hexdigest()
        self.size = sum(len(piece) for piece in self.chunks)


class RegistryError(DaemonError):
    status = 500


class Session:
    """HTTP to one registry, answering auth challenges."""

    def __init__(self, domain: str, auth: AuthConfig | None, *, insecure: bool) -> None:
        self.domain = domain
        self.base = f"{'http' if insecure else 'https'}://{domain}"
        self.auth = auth
        # requests loads on first use: most daemons never talk to a registry, and
        # importing it costs ~60 ms of every daemon's start.
        import requests

        self.http = requests.Session()
        self.http.trust_env = False  # never a proxy for a loopback registry
        self._tokens: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    def _authorize(self, response: requests.Response, scope_default: str) -> dict[str, str] | None:
        challenge = response.headers.get("WWW-Authenticate", "")
        scheme, _, params_text = challenge.partition(" ")
        params = dict(re.findall(r'(\w+)="([^"]*)"', params_text))
        if scheme.lower() == "basic":
            if self.auth is None or not self.auth.username:
                return None
            raw = f"{self.auth.username}:{self.auth.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        if scheme.lower() != "bearer" or "realm" not in params:
            return None
        scope = params.get("scope", scope_default)
        token = self._tokens.get(scope)
        if token is None:
            query = {"service": params.get("service", ""), "scope": scope}
            basic = None
            if self.auth is not None and self.auth.username:
                basic = (self.auth.username, self.auth.password)
            reply = self.http.get(params["realm"], params=query, auth=basic, timeout=TIMEOUT)
            if reply.status_code != 200:
                raise TokenRefused(refusal_text(reply))
            body = reply.json()
            token = str(body.get("token") or body.get("access_token") or "")
            self._tokens[scope] = token
        return {"Authorization": f"Bearer {token}"}

    def request(
        self, method: str, path: str, *, scope: str, headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:  # fmt: skip
        url = path if path.startswith("http") else self.base + path
        sent = dict(headers or {})
        sent.update(self._tokens_header(scope))
        kwargs.setdefault("timeout", TIMEOUT)
        import requests

        try:
            response = self.http.request(method, url, headers=sent, **kwargs)
            if response.status_code == 401:
                extra = self._authorize(response, scope)
                if extra is not None:
                    sent.update(extra)
                    response = self.http.request(method, url, headers=sent, **kwargs)
        except TokenRefused as exc:
            # Go's url.Error around the registry's reason, as dockerd reports it.
            shown = url.split("?", 1)[0]
            raise Unauthorized(f'{method[:1]}{method[1:].lower()} "{shown}": {exc}') from None
        except requests.ConnectionError as exc:
            raise SystemError_(
                f'Get "{self.base}/v2/": dial tcp {self.domain}: connect: connection refused'
            ) from exc
        return response

    def _tokens_header(self, scope: str) -> dict[str, str]:
        token = self._tokens.get(scope)
        return {"Authorization": f"Bearer {token}"} if token else {}


class TokenRefused(Exception):
    """The token server said no; the text is its reason (``unauthorized: ...``)."""


def _code_text(code: Any) -> str:
    """errcode's ``Code.Error()``: ``NAME_UNKNOWN`` reads ``name unknown``."""
    return str(code or "unknown").lower().replace("_", " ")


# errcode's default messages for the codes a token server or registry sends alone.
_CODE_MESSAGES = {"UNAUTHORIZED": "authentication required",
                  "DENIED": "requested access to the resource is denied"}  # fmt: skip


def refusal_text(response: requests.Response) -> str:
    """Why a token server or registry refused, as docker/distribution's
    ``HandleErrorResponse`` reads it: an OAuth ``error`` in ``WWW-Authenticate``,
    a legacy ``{"details": ...}`` body, or the ``{"errors": [...]}`` list."""
    status = response.status_code
    challenge = response.headers.get("WWW-Authenticate", "")
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    if challenge.lower().startswith("bearer") and params.get("error") in (
        "invalid_token", "insufficient_scope"
    ):  # fmt: skip
        code = "UNAUTHORIZED" if params["error"] == "invalid_token" else "DENIED"
        return f"{_code_text(code)}: {params.get('error_description') or _CODE_MESSAGES[code]}"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("details"), str) and body["details"]:
        code = {401: "UNAUTHORIZED", 429: "TOOMANYREQUESTS"}.get(status, "UNKNOWN")
        return f"{_code_text(code)}: {body['details']}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        texts = [
            f"{_code_text(e.get('code'))}: "
            f"{e.get('message') or _CODE_MESSAGES.get(str(e.get('code')), '')}"
            for e in errors if isinstance(e, dict)
        ]  # fmt: skip
        if len(texts) == 1:
            return texts[0]
        return "errors:\n" + "".join(text + "\n" for text in texts)
    if status == 401:
        return "unauthorized: authentication required"
    return f"unexpected status {status}"


def _error_text(response: requests.Response) -> str:
    """``code: message`` of a registry error body, as dockerd quotes them."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = []
    if errors:
        first = errors[0]
        return f"{str(first.get('code', '')).lower().replace('_', ' ')}: {first.get('message', '')}"
    return f"unexpected status {response.status_code}"


# -- pull --------------------------------------------------------------------------------


@dataclass
class Resolved:
    """A manifest resolved for pulling: the image manifest and the digest the tag names."""

    digest: str  # the digest of what the reference points at (a list's digest for a list)
    top_media_type: str  # ...and its media type and size (DistributionInspect's Descriptor)
    size: int
    manifest: dict[str, Any]  # the image manifest (the platform's, for a list)
    platforms: list[dict[str, str]]  # a list's platforms; empty for a single manifest


@dataclass
class PulledImage:
    config_bytes: bytes
    layers: list[Layer]
    digest: str


class RegistryClient:
    """Pull and push for one repository reference."""

    def __init__(
        self, ref: Reference, auth: AuthConfig | None = None, *,
        insecure_registries: Iterable[str] = (), metadata: DistributionMetadata | None = None,
    ) -> None:  # fmt: skip
        self.ref = ref
        self.session = Session(
            ref.domain, auth, insecure=is_insecure(ref.domain, insecure_registries)
        )
        self.metadata = metadata if metadata is not None else DistributionMetadata()
        self.pull_scope = f"repository:{ref.path}:pull"
        self.push_scope = f"repository:{ref.path}:pull,push"

    def close(self) -> None:
        self.session.close()

    def _manifest(self, reference: str) -> tuple[bytes, str, str]:
        response = self.session.request(
            "GET", f"/v2/{self.ref.path}/manifests/{reference}", scope=self.pull_scope,
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )  # fmt: skip
        if response.status_code == 404:
            raise NotFound(f"manifest for {self.ref.familiar()} not found: {_error_text(response)}")
        if response.status_code == 401:
            raise Unauthorized(
                f"pull access denied for {self.ref.familiar_name}, repository does not exist "
                "or may require 'docker login': denied: requested access to the resource is denied"
            )
        if response.status_code != 200:
            raise RegistryError(f"error reading manifest: {_error_text(response)}")
        raw = response.content
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            doc = json.loads(raw)
        except ValueError:
            raise RegistryError("invalid manifest: not JSON") from None
        media_type = str(doc.get("mediaType") or media_type)
        if reference.startswith("sha256:") and sha256_digest(raw) != reference:
            raise RegistryError(f"manifest verification failed for digest {reference}")
        return raw, media_type, sha256_digest(raw)

    def tags(self) -> list[str]:
        """Every tag of the repository (``/tags/list``, following ``Link`` pages), as
        dockerd lists them for a pull of a name without a tag."""
        found: list[str] = []
        path = f"/v2/{self.ref.path}/tags/list"
        while path:
            response = self.session.request("GET", path, scope=self.pull_scope)
            if response.status_code == 404:
                raise NotFound(f"repository {self.ref.name} not found: {_error_text(response)}")
            if response.status_code in (401, 403):
                raise Unauthorized(refusal_text(response))
            if response.status_code != 200:
                raise RegistryError(f"error listing tags: {_error_text(response)}")
            try:
                tags = response.json().get("tags") or []
            except (ValueError, AttributeError):
                raise RegistryError("invalid tags list: not JSON") from None
            found.extend(str(tag) for tag in tags)
            next_page = response.links.get("next", {}).get("url", "")
            path = next_page if next_page.startswith(("/", "http")) else ""
        return found

    def resolve(self, platform: tuple[str, str, str]) -> Resolved:
        """The tag's (or digest's) manifest; a list resolved to ``(os, arch, variant)``."""
        reference = self.ref.digest or self.ref.tag or "latest"
        raw, media_type, digest = self._manifest(reference)
        doc = json.loads(raw)
        platforms: list[dict[str, str]] = []
        top_size, top_type = len(raw), media_type
        if media_type in (MT_DOCKER_LIST, MT_OCI_INDEX) or "manifests" in doc:
            entries = [m for m in doc.get("manifests") or [] if isinstance(m, dict)]
            platforms = [dict(m.get("platform") or {}) for m in entries]
            chosen = choose_platform(entries, platform)
            if chosen is None:
                os_name, arch, _ = platform
                raise NotFound(
                    f"no matching manifest for {os_name}/{arch} in the manifest list entries"
                )
            raw, media_type, _ = self._manifest(str(chosen["digest"]))
            doc = json.loads(raw)
        if "config" not in doc or "layers" not in doc:
            raise RegistryError(f"unsupported manifest media type {media_type!r}")
        return Resolved(digest, top_type, top_size, doc, platforms)

    def config_of(self, resolved: Resolved) -> dict[str, Any]:
        """The image config the manifest names (for its platform)."""
        config = json.loads(self._blob(str(resolved.manifest["config"]["digest"])))
        return config if isinstance(config, dict) else {}

    def _blob(self, digest: str) -> bytes:
        response = self.session.request(
            "GET", f"/v2/{self.ref.path}/blobs/{digest}", scope=self.pull_scope
        )
        if response.status_code != 200:
            raise RegistryError(f"error pulling blob {digest}: {_error_text(response)}")
        data = response.content
        if sha256_digest(data) != digest:
            raise RegistryError(f"filesystem layer verification failed for digest {digest}")
        return data

    def pull(self, resolved: Resolved, have_layer: Callable[[str], Layer | None],
             emit: Emit) -> PulledImage:  # fmt: skip
        """Fetch the config and the layers not already stored; emit dockerd's progress."""
        config_desc = resolved.manifest["config"]
        config_bytes = self._blob(str(config_desc["digest"]))
        try:
            diff_ids = [str(d) for d in json.loads(config_bytes)["rootfs"]["diff_ids"]]
        except (ValueError, KeyError, TypeError):
            raise RegistryError("invalid image config") from None
        descriptors = list(resolved.manifest["layers"])
        if len(descriptors) != len(diff_ids):
            raise RegistryError("layers from manifest don't match image configuration")
        layers: list[Layer | None] = [have_layer(d) for d in diff_ids]
        for desc, layer in zip(descriptors, layers, strict=True):
            short = str(desc["digest"])[7:19]
            emit(
                status_message("Already exists" if layer is not None else "Pulling fs layer", short)
            )
        for index, desc in enumerate(descriptors):
            if layers[index] is not None:
                continue
            digest, short = str(desc["digest"]), str(desc["digest"])[7:19]
            size = int(desc.get("size") or 0)
            emit(progress_message("Downloading", short, size, size))
            data = self._blob(digest)
            emit(status_message("Verifying Checksum", short))
            emit(status_message("Download complete", short))
            emit(progress_message("Extracting", short, len(data), len(data)))
            try:
                layer = layer_from_tar(io.BytesIO(data))
            except TarSafetyError as exc:
                raise InvalidParameter(f"invalid layer {digest}: {exc}") from None
            if layer.diff_id != diff_ids[index]:
                raise RegistryError(
                    f"layer {digest}: diff_id {layer.diff_id} does not match the config's "
                    f"{diff_ids[index]}"
                )
            self.metadata.remember(layer.diff_id, digest, self.ref.domain, self.ref.path)
            layers[index] = layer
            emit(status_message("Pull complete", short))
        done = [layer for layer in layers if layer is not None]
        return PulledImage(config_bytes, done, resolved.digest)

    # -- push --------------------------------------------------------------------------

    def _blob_exists(self, digest: str) -> bool:
        response = self.session.request(
            "HEAD", f"/v2/{self.ref.path}/blobs/{digest}", scope=self.push_scope
        )
        return response.status_code == 200

    def _check(self, response: requests.Response, what: str, ok: tuple[int, ...]) -> None:
        if response.status_code in (401, 403):
            raise Unauthorized(refusal_text(response))
        if response.status_code not in ok:
            raise RegistryError(f"{what}: {_error_text(response)}")

    def _location(self, response: requests.Response) -> str:
        location = response.headers.get("Location", "")
        if not location:
            raise RegistryError("upload: the registry gave no Location")
        return self.session.base + location if location.startswith("/") else location

    def _upload(
        self, chunks: Iterable[bytes], digest: str, on_chunk: Callable[[int], None] | None = None
    ) -> None:
        """Chunked upload, as dockerd's distribution client does it: ``POST`` a session,
        ``PATCH`` each chunk at its ``Content-Range`` (following the ``Location`` each
        reply gives), then ``PUT ?digest=`` with no body to commit."""
        start = self.session.request(
            "POST", f"/v2/{self.ref.path}/blobs/uploads/", scope=self.push_scope
        )
        self._check(start, "starting upload", (202,))
        location = self._location(start)
        offset = 0
        for chunk in chunks:
            reply = self.session.request(
                "PATCH", location, scope=self.push_scope, data=chunk,
                headers={"Content-Type": "application/octet-stream",
                         "Content-Range": f"{offset}-{offset + len(chunk) - 1}"},
            )  # fmt: skip
            self._check(reply, f"uploading blob {digest}", (202,))
            location = self._location(reply)
            offset += len(chunk)
            if on_chunk is not None:
                on_chunk(offset)
        separator = "&" if "?" in location else "?"
        done = self.session.request(
            "PUT", f"{location}{separator}digest={digest}", scope=self.push_scope,
            headers={"Content-Type": "application/octet-stream"},
        )  # fmt: skip
        self._check(done, f"uploading blob {digest}", (201,))

    def _mount(self, digest: str, source: str) -> bool:
        response = self.session.request(
            "POST", f"/v2/{self.ref.path}/blobs/uploads/", scope=self.push_scope,
            params={"mount": digest, "from": source},
        )  # fmt: skip
        if response.status_code == 201:
            return True
        if response.status_code == 202:  # not mountable: cancel that upload session
            location = response.headers.get("Location", "")
            if location:
                if location.startswith("/"):
                    location = self.session.base + location
                self.session.request("DELETE", location, scope=self.push_scope)
        return False

    def push(self, config_bytes: bytes, layers: list[Layer], emit: Emit) -> tuple[str, int]:
        """Push an image under ``self.ref``'s tag; returns the manifest digest and size."""
        compressed: list[tuple[str, int]] = []
        for layer in layers:
            emit(status_message("Preparing", layer.diff_id[7:19]))
        for layer in layers:
            short = layer.diff_id[7:19]
            mount = self.metadata.mount_source(layer.diff_id, self.ref.domain, self.ref.path)
            blob = CompressedLayer(layer)
            compressed.append((blob.digest, blob.size))
            if self._blob_exists(blob.digest):
                emit(status_message("Layer already exists", short))
            elif (
                mount is not None and mount[0] == blob.digest and self._mount(blob.digest, mount[1])
            ):
                emit(status_message(f"Mounted from {mount[1]}", short))
            else:

                def pushed(sent: int, short: str = short, blob: CompressedLayer = blob) -> None:
                    # dockerd counts the layer's tar bytes read against its tar size.
                    done = blob.tar_size * sent // max(blob.size, 1)
                    emit(progress_message("Pushing", short, done, blob.tar_size))

                self._upload(blob.chunks, blob.digest, pushed)
                emit(status_message("Pushed", short))
            self.metadata.remember(layer.diff_id, blob.digest, self.ref.domain, self.ref.path)
        config_digest = sha256_digest(config_bytes)
        if not self._blob_exists(config_digest):
            self._upload([config_bytes], config_digest)
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_DOCKER_MANIFEST,
            "config": {"mediaType": MT_DOCKER_CONFIG, "size": len(config_bytes),
                       "digest": config_digest},
            "layers": [{"mediaType": MT_DOCKER_LAYER, "size": size, "digest": digest}
                       for digest, size in compressed],
        }  # fmt: skip
        # distribution's manifest encoding: three-space indent, as dockerd pushes it.
        raw = json.dumps(manifest, indent=3).encode()
        reply = self.session.request(
            "PUT", f"/v2/{self.ref.path}/manifests/{self.ref.tag or 'latest'}",
            scope=self.push_scope, data=raw, headers={"Content-Type": MT_DOCKER_MANIFEST},
        )  # fmt: skip
        self._check(reply, "putting manifest", (201,))
        return sha256_digest(raw), len(raw)


def choose_platform(
    entries: list[dict[str, Any]], platform: tuple[str, str, str]
) -> dict[str, Any] | None:
    """The entry for ``(os, arch, variant)``: an exact variant first, then any variant."""
    os_name, arch, variant = platform
    candidates = [
        e for e in entries
        if (e.get("platform") or {}).get("os") == os_name
        and (e.get("platform") or {}).get("architecture") == arch
    ]  # fmt: skip
    if variant:
        exact = [e for e in candidates if (e.get("platform") or {}).get("variant") == variant]
        if exact:
            return exact[0]
    return candidates[0] if candidates else None
