"""``POST /auth``: check credentials against a registry, as ``docker login`` asks dockerd.

dockerd sends ``GET /v2/`` to the registry and answers the challenge with the
credentials (``mockd.registry_client.Session`` does the Basic and Bearer
dance); a 200 is "Login Succeeded".  The failures are dockerd's: a token
server's refusal is a 401 ``Get "<url>": unauthorized: ...``, a Basic
challenge without credentials or a registry refusing them a 500.  Only
registries on loopback are contacted: Docker Hub and any other host fail as
they do for an offline dockerd (500, the lookup error).  The credentials
never reach a log or an error message.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from http.client import responses
from typing import TYPE_CHECKING, Any

import msgspec

from dockersdk.models import _generated as models
from mockd.errors import InvalidParameter, SystemError_
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, json_response
from mockd.registry_client import AuthConfig, Session, is_insecure

if TYPE_CHECKING:
    from mockd.engine import Engine

HUB_ADDRESSES = frozenset(
    {"", "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)
HUB_V2 = "https://registry-1.docker.io/v2/"


def registry_domain(server_address: str) -> str:
    """``http://127.0.0.1:5000/v2/`` → ``127.0.0.1:5000``: the host part, as dockerd keeps it."""
    address = server_address.strip()
    for scheme in ("http://", "https://"):
        address = address.removeprefix(scheme)
    return address.split("/", 1)[0]


def check_login(domain: str, auth: AuthConfig, insecure_registries: tuple[str, ...]) -> str:
    """Log in to ``domain``'s v2 API; the identity token (``""`` for password logins).

    Blocking: run in a thread.
    """
    session = Session(domain, auth, insecure=is_insecure(domain, insecure_registries))
    url = f"{session.base}/v2/"
    try:
        # A token server's refusal raises Unauthorized, already worded as dockerd's
        # ``Get "<url>": unauthorized: ...``.
        response = session.request("GET", "/v2/", scope="")
        if response.status_code == 200:
            return ""
        challenge = response.headers.get("WWW-Authenticate", "")
        if (
            response.status_code == 401
            and challenge.lower().startswith("basic")
            and not auth.username
        ):
            raise SystemError_(f'Get "{url}": no basic auth credentials')
        reason = responses.get(response.status_code, "")
        raise SystemError_(
            f"login attempt to {url} failed with status: {response.status_code} {reason}".rstrip()
        )
    finally:
        session.close()


def _auth_config(body: Any) -> tuple[str, AuthConfig]:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidParameter("invalid auth configuration")
    return str(body.get("serveraddress") or ""), AuthConfig(
        username=str(body.get("username") or ""),
        password=str(body.get("password") or ""),
        identity_token=str(body.get("identitytoken") or ""),
    )


def is_loopback(domain: str) -> bool:
    """Whether ``host[:port]`` is on loopback: the only registries the mock contacts."""
    host = re.sub(r":\d+$", "", domain).strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@operation("SystemAuth")
async def system_auth(req: Request, engine: Engine) -> Reply:
    body = req.json
    if body is None and req.body.strip():
        body = msgspec.json.decode(req.body)
    server_address, auth = _auth_config(body)
    domain = registry_domain(server_address)
    if domain in HUB_ADDRESSES:
        raise SystemError_(
            f'Get "{HUB_V2}": dial tcp: lookup registry-1.docker.io: no such host '
            "(the mock daemon does not reach Docker Hub)"
        )
    if not is_loopback(domain):
        # What an offline dockerd answers; the mock sends nothing (not even a DNS query)
        # beyond loopback.
        host = re.sub(r":\d+$", "", domain)
        raise SystemError_(
            f'Get "https://{domain}/v2/": dial tcp: lookup {host}: no such host '
            "(the mock daemon only reaches registries on loopback)"
        )
    insecure = tuple(getattr(engine.system, "insecure_registries", ()) or ())
    token = await asyncio.to_thread(check_login, domain, auth, insecure)
    return json_response(models.AuthResponse(status="Login Succeeded", identity_token=token))
