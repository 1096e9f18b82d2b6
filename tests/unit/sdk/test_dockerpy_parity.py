"""docker-py 7 parity of the high-level API, by introspection of both libraries.

Issue #3's promise is that docker-py code moves over by changing imports.  For
each public class of docker-py's high-level API this test finds every public
method and property, and every parameter name each method accepts, and checks
that ours has them.  docker-py passes many arguments through ``**kwargs`` to its
low-level ``APIClient``: those are found by reading the method's source (the
``self.client.api.<call>(...)`` it forwards to, and the names it pops from
``kwargs``), so a parameter added to docker-py shows up here.

Whatever we leave out or do differently on purpose is in ``ALLOWED`` (missing
members or parameters) or ``DEFAULTS`` (defaults that differ), each with its
reason.  An entry that no longer matches a gap fails too, so the lists stay true.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import docker.client
import docker.models.containers
import docker.models.images
import docker.models.networks
import docker.models.volumes
import docker.utils
import pytest
from docker.api.client import APIClient

import dockersdk
from dockersdk.api.build import BuildMixin
from dockersdk.api.containers import ContainersAPI, update_body
from dockersdk.api.image_transfer import RegistryData
from dockersdk.build_context import build_query
from dockersdk.params import UnexpectedArgument, build_create_body
from dockersdk.params.errors import InvalidArgument

_dp = docker.models

# -- what we deliberately leave out or change -------------------------------------------------

# (docker-py class, member, parameter or None for the whole member) -> why.
ALLOWED: dict[tuple[str, str, str | None], str] = {
    # Swarm and plugins are out of the SDK's scope (issue #3: containers, images,
    # volumes, networks, system).
    ("DockerClient", "configs", None): "swarm-only (configs)",
    ("DockerClient", "nodes", None): "swarm-only (nodes)",
    ("DockerClient", "secrets", None): "swarm-only (secrets)",
    ("DockerClient", "services", None): "swarm-only (services)",
    ("DockerClient", "swarm", None): "swarm-only (swarm)",
    ("DockerClient", "plugins", None): "managed plugins are out of scope",
    # Connection options we do not offer.
    ("DockerClient", "__init__", "num_pools"): "one pool per daemon; max_pool_size sizes it",
    ("DockerClient", "__init__", "credstore_env"): "credential helpers run with the process env",
    ("DockerClient", "__init__", "use_ssh_client"): "ssh:// hosts are not supported",
    ("DockerClient", "from_env", "use_ssh_client"): "ssh:// hosts are not supported",
    ("DockerClient", "from_context", "use_ssh_client"): "ssh:// hosts are not supported",
    ("DockerClient", "version", "api_version"): (
        "docker-py's switch to call /version without the /v1.NN prefix: same answer"
    ),
    ("DockerClient", "login", "dockercfg_path"): (
        "docker-py reads it to answer from its credential cache; nothing is cached here"
    ),
    # docker-py's collection plumbing, not part of what users call.
    ("ContainerCollection", "model", None): "docker-py's internal model class",
    ("ContainerCollection", "prepare_model", None): "docker-py's internal constructor",
    ("ImageCollection", "model", None): "docker-py's internal model class",
    ("ImageCollection", "prepare_model", None): "docker-py's internal constructor",
    ("ImageCollection", "create", None): "raises NotImplementedError in docker-py",
    ("VolumeCollection", "model", None): "docker-py's internal model class",
    ("VolumeCollection", "prepare_model", None): "docker-py's internal constructor",
    ("NetworkCollection", "model", None): "docker-py's internal model class",
    ("NetworkCollection", "prepare_model", None): "docker-py's internal constructor",
    ("Container", "id_attribute", None): "docker-py's key of the ID in attrs",
    ("Image", "id_attribute", None): "docker-py's key of the ID in attrs",
    ("Volume", "id_attribute", None): "docker-py's key of the ID in attrs",
    ("Network", "id_attribute", None): "docker-py's key of the ID in attrs",
    ("RegistryData", "id_attribute", None): "docker-py's key of the ID in attrs",
    # Arguments of daemons long gone.
    ("ContainerCollection", "create", "init_path"): "HostConfig.InitPath left dockerd in 17.06",
    ("ContainerCollection", "create", "lxc_conf"): "the LXC driver left dockerd in 1.10",
    ("ContainerCollection", "create", "kernel_memory"): "KernelMemory is ignored from API 1.42",
    ("ContainerCollection", "run", "init_path"): "HostConfig.InitPath left dockerd in 17.06",
    ("ContainerCollection", "run", "lxc_conf"): "the LXC driver left dockerd in 1.10",
    ("ContainerCollection", "run", "kernel_memory"): "KernelMemory is ignored from API 1.42",
    ("Container", "update", "kernel_memory"): "KernelMemory is ignored from API 1.42",
    # Low-level knobs of docker-py's attach.
    ("Container", "attach_socket", "params"): "a raw query dict; the named arguments cover it",
    ("Container", "attach_socket", "ws"): "websocket attach is not supported",
    # Pull consumes the whole progress stream: docker-py's decode changes nothing visible.
    ("ImageCollection", "pull", "decode"): "no effect on the returned Image in docker-py",
    # images.build lives in dockersdk/api/build.py (another owner): reported there.
    ("ImageCollection", "build", "timeout"): "reported to the build owner",
    ("ImageCollection", "build", "container_limits"): (
        "reported to the build owner (the limits are taken as flat keyword arguments)"
    ),
    ("ImageCollection", "build", "decode"): "reported to the build owner (messages are dicts)",
    ("ImageCollection", "build", "gzip"): "reported to the build owner",
    ("ImageCollection", "build", "squash"): "reported to the build owner",
    ("ImageCollection", "build", "isolation"): "reported to the build owner",
    ("ImageCollection", "build", "use_config_proxy"): "reported to the build owner",
}

# (docker-py class, method, parameter) -> why our default differs.  docker-py's
# None and False are taken as the same "not set" default.
DEFAULTS: dict[tuple[str, str, str], str] = {
    ("DockerClient", "__init__", "user_agent"): "the SDK names itself: dockersdk/<version>",
    ("DockerClient", "events", "decode"): (
        "typed EventMessage by default (readable by wire name); decode=False gives "
        "docker-py's raw JSON bytes"
    ),
    ("Container", "stats", "stream"): (
        "one typed sample by default; docker-py's default is an endless raw stream"
    ),
    ("Container", "stats", "decode"): "typed samples unless decode=False (then raw bytes)",
    ("Container", "restart", "timeout"): (
        "None: the container's own StopTimeout (10 s unless set), not a fixed 10"
    ),
    ("Container", "export", "chunk_size"): "64 KiB chunks keep memory low; same bytes",
    ("Container", "get_archive", "chunk_size"): "64 KiB chunks keep memory low; same bytes",
    ("Image", "save", "chunk_size"): "64 KiB chunks keep memory low; same bytes",
    ("ImageCollection", "push", "decode"): (
        "typed messages by default; stream=True, decode=False gives raw bytes"
    ),
    ("ImageCollection", "build", "rm"): (
        "intermediate containers removed, as `docker build` (build.py's choice; reported)"
    ),
}

# -- the two APIs side by side ------------------------------------------------------------------


def _our_client() -> dockersdk.DockerClient:
    # Nothing connects before the first request.
    return dockersdk.DockerClient("unix:///nonexistent/docker.sock", version="1.41")


# docker-py class -> our class, or for DockerClient an instance (its API areas
# and bound methods are instance attributes).
PAIRS: dict[str, tuple[type, Callable[[], Any]]] = {
    "DockerClient": (docker.client.DockerClient, _our_client),
    "ContainerCollection": (
        _dp.containers.ContainerCollection,
        lambda: dockersdk.ContainerCollection,
    ),
    "Container": (_dp.containers.Container, lambda: dockersdk.Container),
    "ImageCollection": (_dp.images.ImageCollection, lambda: dockersdk.ImageCollection),
    "Image": (_dp.images.Image, lambda: dockersdk.Image),
    "RegistryData": (_dp.images.RegistryData, lambda: RegistryData),
    "VolumeCollection": (_dp.volumes.VolumeCollection, lambda: dockersdk.VolumeCollection),
    "Volume": (_dp.volumes.Volume, lambda: dockersdk.Volume),
    "NetworkCollection": (_dp.networks.NetworkCollection, lambda: dockersdk.NetworkCollection),
    "Network": (_dp.networks.Network, lambda: dockersdk.Network),
}

# docker-py's run/create take the names in these two lists (its _create_container_args).
_CREATE_NAMES = tuple(_dp.containers.RUN_CREATE_KWARGS) + tuple(
    _dp.containers.RUN_HOST_CONFIG_KWARGS
)


def _public_members(cls: type) -> Iterator[tuple[str, Any]]:
    for name, member in inspect.getmembers(cls):
        if not name.startswith("_"):
            yield name, member


def _plain(function: Any) -> Any:
    return getattr(function, "__func__", function)


def _forwarded(function: Any) -> list[inspect.Parameter]:
    """The parameters docker-py takes through ``*args``/``**kwargs``: those of the
    ``self.client.api``/``self.api`` call that receives them (minus the ones the
    call fills itself), and the names popped or read from ``kwargs``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(_plain(function))))
    found: list[inspect.Parameter] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = ast.unparse(node.func.value)
        if owner == "kwargs" and node.func.attr in ("pop", "get") and node.args:
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.append(inspect.Parameter(key.value, inspect.Parameter.KEYWORD_ONLY))
            continue
        splats = any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        )
        if owner in ("self.client.api", "self.api") and splats:
            target = getattr(APIClient, node.func.attr)
            params = [p for p in inspect.signature(target).parameters.values() if p.name != "self"]
            given = len([a for a in node.args if not isinstance(a, ast.Starred)])
            named = {k.arg for k in node.keywords if k.arg}
            found += [p for p in params[given:] if p.name not in named
                      and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]  # fmt: skip
        if ast.unparse(node.func) == "kwargs_from_env":
            extra = inspect.signature(docker.utils.kwargs_from_env).parameters.values()
            found += list(extra)
    return found


def dockerpy_parameters(class_name: str, cls: type, name: str) -> list[inspect.Parameter]:
    """Every parameter docker-py's method accepts by name, explicit or forwarded."""
    function = getattr(cls, name)
    if class_name == "ContainerCollection" and name in ("create", "run"):
        own = inspect.signature(function).parameters.values()
        names = [p for p in own if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in _CREATE_NAMES]
        run_only = ("detach", "stream") if name == "run" else ()
        extra += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in run_only]
        return [p for p in names if p.name not in ("self", "image")] + extra
    if name == "__init__" and cls is docker.client.DockerClient:
        function = APIClient.__init__
    signature = inspect.signature(function)
    params = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
    explicit = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if len(explicit) < len(params):
        seen = {p.name for p in explicit}
        for param in _forwarded(function):
            if param.name not in seen:
                seen.add(param.name)
                explicit.append(param)
    return explicit


def _probe_create(name: str) -> bool:
    """Whether ``build_create_body`` knows ``name`` (an unknown one is an UnexpectedArgument)."""
    try:
        build_create_body("busybox", **{name: None})
    except UnexpectedArgument:
        return False
    except (InvalidArgument, TypeError, ValueError):
        return True  # known, but None is not a valid value for it
    return True


def _probe_update(name: str) -> bool:
    try:
        update_body(**{name: None})
    except UnexpectedArgument:
        return False
    except (InvalidArgument, TypeError, ValueError):
        return True
    return True


def _names(function: Callable[..., Any]) -> set[str]:
    return set(inspect.signature(function).parameters)


# Our methods that take **kwargs: which names reach a function that accepts them.
KWARGS_ACCEPT: dict[tuple[str, str], Callable[[str], bool]] = {
    ("ContainerCollection", "create"): _probe_create,
    ("ContainerCollection", "run"): lambda n: (
        n in _names(dockersdk.ContainerCollection.run) or _probe_create(n)
    ),
    ("Container", "update"): _probe_update,
    ("Container", "commit"): lambda n: n in _names(ContainersAPI.commit) - {"container"},
    # build's **limits go to build_query.
    ("ImageCollection", "build"): lambda n: n in _names(BuildMixin.build) | _names(build_query),
}


def _accepts(class_name: str, ours: Any, name: str, parameter: str) -> bool:
    member = getattr(ours, name)
    if name == "__init__" and not isinstance(ours, type):
        member = type(ours).__init__
    params = inspect.signature(member).parameters
    if parameter in params and params[parameter].kind not in (
        inspect.Parameter.VAR_KEYWORD,
        inspect.Parameter.VAR_POSITIONAL,
    ):
        return True
    probe = KWARGS_ACCEPT.get((class_name, name))
    return probe is not None and probe(parameter)


def find_gaps() -> tuple[set[tuple[str, str, str | None]], set[tuple[str, str, str]]]:
    """(missing members and parameters, differing defaults) over every pair."""
    missing: set[tuple[str, str, str | None]] = set()
    defaults: set[tuple[str, str, str]] = set()
    for class_name, (theirs, make_ours) in PAIRS.items():
        ours = make_ours()
        members = list(_public_members(theirs))
        if theirs is docker.client.DockerClient:
            members.append(("__init__", theirs.__init__))
        for name, member in members:
            if not hasattr(ours, name):
                missing.add((class_name, name, None))
                continue
            if isinstance(member, property) or not callable(member) or isinstance(member, type):
                continue
            our_member = getattr(ours, name)
            our_params = inspect.signature(
                type(ours).__init__ if name == "__init__" and not isinstance(ours, type)
                else our_member
            ).parameters  # fmt: skip
            for param in dockerpy_parameters(class_name, theirs, name):
                if not _accepts(class_name, ours, name, param.name):
                    missing.add((class_name, name, param.name))
                    continue
                mine = our_params.get(param.name)
                if mine is None or param.default is param.empty or mine.default is mine.empty:
                    continue
                same = param.default == mine.default or (
                    param.default in (None, False) and mine.default in (None, False)
                )
                if not same:
                    defaults.add((class_name, name, param.name))
    return missing, defaults


@pytest.fixture(scope="module")
def gaps() -> tuple[set[tuple[str, str, str | None]], set[tuple[str, str, str]]]:
    return find_gaps()


def test_every_dockerpy_member_and_parameter_is_ours_or_explained(gaps: Any) -> None:
    missing, _ = gaps
    unexplained = sorted(missing - set(ALLOWED), key=str)
    assert not unexplained, (
        "docker-py members/parameters with no counterpart here (add them, or explain "
        f"them in ALLOWED): {unexplained}"
    )


def test_every_differing_default_is_explained(gaps: Any) -> None:
    _, defaults = gaps
    unexplained = sorted(defaults - set(DEFAULTS))
    assert not unexplained, f"defaults that differ from docker-py, unexplained: {unexplained}"


def test_the_explanations_are_not_stale(gaps: Any) -> None:
    missing, defaults = gaps
    stale = sorted((set(ALLOWED) - missing) | (set(DEFAULTS) - defaults), key=str)
    assert not stale, f"ALLOWED/DEFAULTS entries that no longer match a gap: {stale}"


def test_the_sweep_sees_forwarded_parameters() -> None:
    """The sweep itself: docker-py's ``**kwargs`` are resolved to real names."""
    logs = {p.name for p in dockerpy_parameters("Container", _dp.containers.Container, "logs")}
    assert {"stdout", "stderr", "stream", "timestamps", "tail", "since", "follow",
            "until"} <= logs  # fmt: skip
    connect = dockerpy_parameters("Network", _dp.networks.Network, "connect")
    assert "net_id" not in {p.name for p in connect}  # filled by the model itself
    from_env = {p.name for p in dockerpy_parameters(
        "DockerClient", docker.client.DockerClient, "from_env")}  # fmt: skip
    assert {"version", "timeout", "max_pool_size", "environment", "use_context"} <= from_env
    assert not _probe_create("no_such_argument") and _probe_create("mem_limit")
