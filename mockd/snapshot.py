"""Saving a daemon's state to a file and bringing it back: ``mockd serve --state FILE``.

The file is one msgpack document (msgspec), :class:`Snapshot`, versioned by its
``format`` and ``version`` fields (read first, so a file of another version is
refused with a clear message rather than misread).  Trees (image layers,
volume data, a container's writable layer) are stored as the tar bytes the fs
package writes and reads, whiteouts included, so a layer comes back with the
same diff_id and an image with the same ID.

What is kept: images (config bytes, layers, references), volumes (options,
labels, data; a bind-backed volume's data stays on the host), networks (the
predefined ones' IDs, user networks with their IDs and IPAM state: subnet,
gateway, range, whether the subnet was the user's, where address allocation
resumes), containers (ID, name, config, host config, state, restart count,
logs, writable layer, network attachments), the event history.  What is not:
exec instances (dockerd does not persist them either: ``ExecCommands`` is
never written to disk, so a restarted daemon knows none), the daemon's own ID, anonymous volumes' binding to their container (a
restored container gets a fresh one), the functions of scripted images (add
them again: the image is there, its marker executables need a binding).

A save is atomic: the document is written to a temporary file in the same
directory, fsync'ed, then renamed over the old file (and the directory
fsync'ed), so a crash at any point leaves either the old file or the new one.

At restore, containers that were running (or restarting) come back as after
a daemon restart: ``always`` and ``unless-stopped`` start again, the others
are ``exited`` with code 255 (their process went away with the daemon).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import io
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import msgspec

from mockd.engine.events import Event, EventBus
from mockd.engine.ids import IdGenerator
from mockd.engine.references import parse_normalized
from mockd.fs.layer import Layer
from mockd.fs.tarread import TarLimits, layer_from_tar

if TYPE_CHECKING:
    from mockd.engine import Engine
    from mockd.engine.containers import Container
    from mockd.engine.networks import Network

log = logging.getLogger(__name__)

FORMAT = "mockd-state"
VERSION = 1
# Test hook: seconds to wait after the temporary file is written, before the
# rename, so a test can kill the process in the middle of a save.
PAUSE_ENV = "MOCKD_SNAPSHOT_PAUSE"
RUNNING = ("running", "paused", "restarting")
EXIT_DAEMON_GONE = 255
# Our own files: no limit but memory on sizes and counts.
_NO_LIMITS = TarLimits(max_total_bytes=1 << 62, max_entries=1 << 40)


class SnapshotError(Exception):
    """The file is not a state file this version of mockd can read."""


class LayerBlob(msgspec.Struct):
    diff_id: str
    tar: bytes


class ImageState(msgspec.Struct):
    id: str
    config: bytes  # the exact config bytes: the ID is their digest
    diff_ids: list[str]
    parent: str = ""
    references: list[str] = []
    last_tag_time_ns: int = 0


class VolumeState(msgspec.Struct):
    name: str
    created_ns: int
    driver: str = "local"
    labels: dict[str, str] | None = None
    options: dict[str, str] | None = None
    data: bytes | None = None  # a tar of the volume's tree; None when it is a host directory


class NetworkState(msgspec.Struct):
    id: str
    name: str
    driver: str
    created_ns: int
    ipam_driver: str = "default"
    ipam_options: dict[str, str] | None = None
    ipam_config: list[dict[str, Any]] = []
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    enable_ipv6: bool = False
    labels: dict[str, str] = {}
    options: dict[str, str] = {}
    user_subnet: bool | None = None  # None in files from before it was kept
    last_address: str = ""  # the pool's last address given: allocation resumes after it


class PredefinedNetworkState(msgspec.Struct):
    """``bridge`` / ``host`` / ``none``: made by every engine, but their IDs are kept."""

    id: str
    name: str
    created_ns: int
    last_address: str = ""


class AttachmentState(msgspec.Struct):
    network: str  # the network's name
    aliases: list[str] = []
    ipv4: str = ""
    links: list[str] = []
    driver_opts: dict[str, str] = {}


class LogLine(msgspec.Struct):
    stream: str
    data: bytes
    time_ns: int


class ContainerState(msgspec.Struct):
    id: str
    name: str
    created_ns: int
    config: dict[str, Any]
    host_config: dict[str, Any]
    image_id: str
    status: str
    exit_code: int = 0
    error: str = ""
    oom_killed: bool = False
    started_at_ns: int = 0
    finished_at_ns: int = 0
    restart_count: int = 0
    has_been_started: bool = False
    manually_stopped: bool = False
    networks: list[AttachmentState] = []
    logs: list[LogLine] = []
    upper: bytes = b""  # a tar of the writable layer, whiteouts included


class EventState(msgspec.Struct):
    type: str
    action: str
    actor_id: str
    time_nano: int
    attributes: dict[str, str] = {}
    scope: str = "local"


class Header(msgspec.Struct):
    format: str
    version: int


class Snapshot(msgspec.Struct):
    format: str
    version: int
    saved_at_ns: int
    layers: list[LayerBlob] = []
    images: list[ImageState] = []
    volumes: list[VolumeState] = []
    networks: list[NetworkState] = []
    containers: list[ContainerState] = []
    events: list[EventState] = []  # the history ``events?since=`` replays, oldest first
    # A field of its own: files without it (older mockd) still restore, with fresh IDs.
    predefined_networks: list[PredefinedNetworkState] = []


def _last_address(network: Network) -> str:
    last = network.pool.last_given if network.pool is not None else None
    return str(last) if last is not None else ""


# -- capture ------------------------------------------------------------------------


def capture(engine: Engine) -> Snapshot:
    """The engine's state now (call it on the engine's loop)."""
    images = engine.images.all()
    layers: dict[str, Layer] = {}
    for image in images:
        for layer in image.layers:
            layers.setdefault(layer.diff_id, layer)
    return Snapshot(
        format=FORMAT,
        version=VERSION,
        saved_at_ns=engine.clock.now_ns(),
        layers=[LayerBlob(d, layer.tar_bytes()) for d, layer in layers.items()],
        images=[
            ImageState(
                id=image.id,
                config=image.config_bytes,
                diff_ids=image.diff_ids,
                parent=image.parent,
                references=[str(ref) for ref in engine.images.references(image.id)],
                last_tag_time_ns=image.last_tag_time_ns,
            )
            for image in images
        ],
        volumes=[
            VolumeState(
                name=v.name,
                created_ns=v.created_ns,
                driver=v.driver,
                labels=v.labels,
                options=v.options,
                data=None if v.host is not None else Layer(v.memory.upper).tar_bytes(),
            )
            for v in engine.volumes.all()
        ],
        networks=[
            NetworkState(
                id=n.id,
                name=n.name,
                driver=n.driver,
                created_ns=n.created_ns,
                ipam_driver=n.ipam_driver,
                ipam_options=n.ipam_options,
                ipam_config=[dict(c) for c in n.ipam_config],
                internal=n.internal,
                attachable=n.attachable,
                ingress=n.ingress,
                enable_ipv6=n.enable_ipv6,
                labels=dict(n.labels),
                options=dict(n.options),
                user_subnet=n.user_subnet,
                last_address=_last_address(n),
            )
            for n in engine.networks.all()
            if not n.predefined
        ],
        predefined_networks=[
            PredefinedNetworkState(n.id, n.name, n.created_ns, _last_address(n))
            for n in engine.networks.all()
            if n.predefined
        ],
        # Oldest first, so that restoring creates them in their original order.
        containers=[_capture_container(engine, c) for c in reversed(engine.containers.all())],
        events=[
            EventState(e.type, e.action, e.actor_id, e.time_nano, dict(e.attributes), e.scope)
            for e in engine.events.history()
        ],
    )


def _capture_container(engine: Engine, c: Container) -> ContainerState:
    names = {n.id: n.name for n in engine.networks.all()}
    attachments = [
        AttachmentState(
            network=names[network_id],
            aliases=list(a.aliases),
            ipv4=str(a.ipv4) if a.ipv4 is not None else "",
            links=list(a.links),
            driver_opts=dict(a.driver_opts),
        )
        for network_id, a in engine.networks.attachments(c.id).items()
        if network_id in names
    ]
    return ContainerState(
        id=c.id,
        name=c.name,
        created_ns=c.created_ns,
        config=c.config,
        host_config=c.host_config,
        image_id=c.image_id,
        status=c.state.status,
        exit_code=c.state.exit_code,
        error=c.state.error,
        oom_killed=c.state.oom_killed,
        started_at_ns=c.state.started_at_ns,
        finished_at_ns=c.state.finished_at_ns,
        restart_count=c.restart_count,
        has_been_started=c.has_been_started,
        manually_stopped=c.manually_stopped,
        networks=attachments,
        logs=[LogLine(e.stream, e.data, e.time_ns) for e in c.logs.read()],
        upper=Layer(c.fs.upper).tar_bytes(),
    )


# -- writing and reading the file ----------------------------------------------------


def encode(snapshot: Snapshot) -> bytes:
    return msgspec.msgpack.encode(snapshot)


def decode(data: bytes) -> Snapshot:
    try:
        header = msgspec.msgpack.decode(data, type=Header)
    except msgspec.DecodeError as exc:
        raise SnapshotError(f"not a mockd state file: {exc}") from None
    if header.format != FORMAT:
        raise SnapshotError(f"not a mockd state file (format {header.format!r})")
    if header.version != VERSION:
        raise SnapshotError(
            f"state file version {header.version}; this mockd reads version {VERSION}"
        )
    return msgspec.msgpack.decode(data, type=Snapshot)


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old file or the new one."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
        if pause > 0:
            time.sleep(pause)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    # The rename is durable once the directory entry is.
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read(path: str) -> Snapshot:
    with open(path, "rb") as f:
        return decode(f.read())


async def save(engine: Engine, path: str) -> None:
    """Capture on the loop, then write (in a thread: a large state must not stall the loop)."""
    data = encode(capture(engine))
    await asyncio.to_thread(write_atomically, path, data)


# -- restore ---------------------------------------------------------------------------


class _PresetIds(IdGenerator):
    """Hands out the given IDs first, then the wrapped generator's."""

    def __init__(self, inner: IdGenerator, preset: list[str]) -> None:
        self._inner = inner
        self._preset = list(preset)

    @property
    def rng(self) -> Any:
        return self._inner.rng

    def new_id(self) -> str:
        return self._preset.pop(0) if self._preset else self._inner.new_id()

    def new_uuid(self) -> str:
        return self._inner.new_uuid()

    def random_name(self, retry: int = 0) -> str:
        return self._inner.random_name(retry)


@contextmanager
def _ids(engine: Engine, *preset: str) -> Iterator[None]:
    # The areas draw IDs from engine.ids (networks keep their own reference):
    # restored objects must get their old IDs back.
    inner, networks_inner = engine.ids, engine.networks.ids
    engine.ids = _PresetIds(inner, list(preset))
    engine.networks.ids = engine.ids
    try:
        yield
    finally:
        engine.ids, engine.networks.ids = inner, networks_inner


@contextmanager
def _quiet(engine: Engine) -> Iterator[None]:
    # Recreating objects goes through the areas' create paths, which publish
    # events; those are not history (the saved history is), so they go to a
    # bus nobody reads.
    areas: tuple[Any, ...] = (engine, engine.images, engine.volumes, engine.networks)
    buses = [area.events for area in areas]
    scratch = EventBus(engine.clock)
    for area in areas:
        area.events = scratch
    try:
        yield
    finally:
        for area, bus in zip(areas, buses, strict=True):
            area.events = bus


def _tree(data: bytes) -> Any:
    return layer_from_tar(io.BytesIO(data), _NO_LIMITS).root


def discard_stale_temporaries(path: str) -> list[str]:
    """Remove the temporary files of saves that a crash interrupted; returns them."""
    pattern = glob.escape(os.path.basename(path)) + ".*.tmp"
    stale = glob.glob(os.path.join(glob.escape(os.path.dirname(os.path.abspath(path))), pattern))
    for name in stale:
        with contextlib.suppress(OSError):
            os.unlink(name)
    return stale


async def restore(engine: Engine, path: str) -> Snapshot:
    """Load the state file at ``path`` into a fresh ``engine`` (on its loop)."""
    discard_stale_temporaries(path)
    snapshot = await asyncio.to_thread(read, path)
    apply(engine, snapshot)
    return snapshot


def apply(engine: Engine, snapshot: Snapshot) -> None:
    with _quiet(engine):
        to_start = _recreate(engine, snapshot)
    for saved_event in snapshot.events:
        engine.events.publish_event(
            Event(
                type=saved_event.type,
                action=saved_event.action,
                actor_id=saved_event.actor_id,
                attributes=MappingProxyType(dict(saved_event.attributes)),
                scope=saved_event.scope,
                time_nano=saved_event.time_nano,
            )
        )
    # After the history: their start events are new, as a restarted dockerd's are.
    for cid in to_start:
        try:
            engine.containers.start(cid)
        except Exception as exc:  # one container that cannot start must not stop the daemon
            log.warning("restore: container %s did not start: %s", cid, exc)


def _recreate(engine: Engine, snapshot: Snapshot) -> list[str]:
    """Images, volumes, networks and containers; returns the containers to start."""
    layers = {
        blob.diff_id: layer_from_tar(io.BytesIO(blob.tar), _NO_LIMITS) for blob in snapshot.layers
    }
    for saved_image in snapshot.images:
        image = engine.images.add(
            saved_image.config, [layers[d] for d in saved_image.diff_ids], parent=saved_image.parent
        )
        if image.id != saved_image.id:
            raise SnapshotError(f"image {saved_image.id} came back as {image.id}")
        image.last_tag_time_ns = saved_image.last_tag_time_ns
        for text in saved_image.references:
            engine.images.add_reference(image, parse_normalized(text))
    for saved_volume in snapshot.volumes:
        volume = engine.volumes.create(
            saved_volume.name, saved_volume.driver, saved_volume.options, saved_volume.labels
        )
        volume.created_ns = saved_volume.created_ns
        if saved_volume.data is not None:
            volume.memory.upper = _tree(saved_volume.data)
    for saved_predefined in snapshot.predefined_networks:
        network = engine.networks.restore_identity(
            saved_predefined.name, saved_predefined.id, saved_predefined.created_ns
        )
        _resume_pool(network, saved_predefined.last_address)
    for saved_network in snapshot.networks:
        with _ids(engine, saved_network.id):
            network = engine.networks.create(
                saved_network.name, driver=saved_network.driver,
                ipam={"Driver": saved_network.ipam_driver, "Options": saved_network.ipam_options,
                      "Config": saved_network.ipam_config},
                internal=saved_network.internal, attachable=saved_network.attachable,
                ingress=saved_network.ingress, enable_ipv6=saved_network.enable_ipv6,
                labels=saved_network.labels, options=saved_network.options,
            )  # fmt: skip
        network.created_ns = saved_network.created_ns
        if saved_network.user_subnet is not None:
            # The saved config names the subnet even when the engine chose it.
            network.user_subnet = saved_network.user_subnet
        _resume_pool(network, saved_network.last_address)
    to_start: list[str] = []
    for saved in snapshot.containers:
        if _restore_container(engine, saved, snapshot.saved_at_ns):
            to_start.append(saved.id)
    return to_start


def _resume_pool(network: Network, last_address: str) -> None:
    if network.pool is not None and last_address:
        network.pool.resume_after(IPv4Address(last_address))


def _restore_container(engine: Engine, saved: ContainerState, saved_at_ns: int) -> bool:
    """Recreate one container; returns whether its restart policy starts it now."""
    endpoints = {
        a.network: {"Aliases": a.aliases or None, "Links": a.links or None,
                    "IPAMConfig": {"IPv4Address": a.ipv4} if a.ipv4 else None,
                    "DriverOpts": a.driver_opts or None}
        for a in saved.networks
    }  # fmt: skip
    body = {
        **saved.config,
        "HostConfig": saved.host_config,
        "NetworkingConfig": {"EndpointsConfig": endpoints},
    }
    with _ids(engine, saved.id):
        container, _ = engine.containers.create(body, saved.name.lstrip("/"))
    container.created_ns = saved.created_ns
    container.image_id = saved.image_id
    container.restart_count = saved.restart_count
    container.has_been_started = saved.has_been_started
    container.manually_stopped = saved.manually_stopped
    container.fs.upper = _tree(saved.upper)
    for line in saved.logs:
        container.logs.append(
            "stderr" if line.stream == "stderr" else "stdout", line.data, line.time_ns
        )
    container.logs.close()
    state = container.state
    state.exit_code, state.error = saved.exit_code, saved.error
    state.oom_killed = saved.oom_killed
    state.started_at_ns, state.finished_at_ns = saved.started_at_ns, saved.finished_at_ns
    state.status = "exited" if saved.has_been_started else "created"
    if saved.status not in RUNNING:
        if saved.status in ("created", "exited", "dead"):
            state.status = saved.status  # type: ignore[assignment]
        return False
    # It was running when the daemon went away.
    state.exit_code = EXIT_DAEMON_GONE
    state.finished_at_ns = saved_at_ns
    policy = str((saved.host_config.get("RestartPolicy") or {}).get("Name") or "")
    return policy == "always" or (policy == "unless-stopped" and not saved.manually_stopped)
