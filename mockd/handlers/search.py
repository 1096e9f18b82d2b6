"""Image search, answered offline from the built-in catalogue; and image attestations.

dockerd forwards a search to the index the term names (Docker Hub's when none
is named) and filters the answer itself.  The mock cannot reach Docker Hub,
so a Hub search is answered from ``mockd.catalog`` with fixed descriptions
and star counts; a term naming an index on loopback (``127.0.0.1:5000/x``) is
sent to that index's ``/v1/search``, as dockerd does; any other index fails
as it does for an offline dockerd.  The limit and the filters
(``is-official``, ``is-automated``, ``stars``) are checked and applied with
moby's rules and messages.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockersdk.models import _generated as models
from mockd import catalog
from mockd.engine.images import images_of
from mockd.errors import InvalidParameter, NotFound, SystemError_
from mockd.filters import validate_filters
from mockd.handlers._params import filters, text
from mockd.handlers.auth import is_loopback
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, json_response
from mockd.registry_client import is_insecure

if TYPE_CHECKING:
    from mockd.engine import Engine

SEARCH_FILTERS = ("is-automated", "is-official", "stars")
DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT = 25, 1, 100
HUB_INDEXES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
TIMEOUT = 30.0


@dataclass(frozen=True)
class Listing:
    """What Docker Hub would say about a catalogue repository (invented, fixed)."""

    description: str
    stars: int


LISTINGS = {
    "alpine": Listing("A minimal Docker image based on Alpine Linux", 11000),
    "busybox": Listing("Busybox base image.", 3300),
    "hello-world": Listing("Hello World! (an example of minimal Dockerization)", 2200),
}


@dataclass(frozen=True)
class SearchFilters:
    is_automated: bool | None = None
    is_official: bool | None = None
    min_stars: int | None = None

    def accepts(self, item: models.ImageSearchResponseItem) -> bool:
        if self.is_automated is not None and bool(item.is_automated) != self.is_automated:
            return False
        if self.is_official is not None and bool(item.is_official) != self.is_official:
            return False
        return self.min_stars is None or (item.star_count or 0) >= self.min_stars


def parse_search_filters(raw: dict[str, list[str]]) -> SearchFilters:
    """moby's checks: booleans exactly ``true``/``false``; stars integers (the highest wins)."""
    validate_filters(raw, SEARCH_FILTERS)

    def boolean(key: str) -> bool | None:
        if key not in raw:
            return None
        if raw[key] == ["true"]:
            return True
        if raw[key] == ["false"]:
            return False
        shown = "[" + " ".join(raw[key]) + "]"  # Go prints the slice
        raise InvalidParameter(f"Invalid filter '{key}={shown}'")

    min_stars: int | None = None
    if "stars" in raw:
        min_stars = 0
        for value in raw["stars"]:
            try:
                min_stars = max(min_stars, int(value))
            except ValueError:
                raise InvalidParameter(f"Invalid filter 'stars={value}'") from None
    return SearchFilters(boolean("is-automated"), boolean("is-official"), min_stars)


def parse_limit(req: Request) -> int:
    """dockerd's: absent is 25; anything else must be 1 to 100 (0 included: refused)."""
    raw = (req.query.get("limit") or [""])[0]  # as sent: the spec's coercion hides absence
    if raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise SystemError_(f'strconv.Atoi: parsing "{raw}": invalid syntax') from None
    if not MIN_LIMIT <= limit <= MAX_LIMIT:
        raise InvalidParameter(f"Limit {limit} is outside the range of [{MIN_LIMIT}, {MAX_LIMIT}]")
    return limit


def split_index(term: str) -> tuple[str, str]:
    """registry.ParseSearchIndexInfo: ``(index, remote term)``; Hub's index when none is named."""
    first, sep, rest = term.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return "docker.io", term


def catalogue_results(term: str) -> list[models.ImageSearchResponseItem]:
    """Catalogue repositories whose name or description holds the term, most stars first."""
    needle = term.lower().removeprefix("library/")
    items = []
    for repository in catalog.repositories():
        name = repository.removeprefix("docker.io/").removeprefix("library/")
        listing = LISTINGS.get(name, Listing("", 0))
        if needle in name or needle in listing.description.lower():
            items.append(
                models.ImageSearchResponseItem(
                    name=name,
                    description=listing.description,
                    star_count=listing.stars,
                    is_official=True,
                    is_automated=False,
                )
            )
    return sorted(items, key=lambda item: (-(item.star_count or 0), item.name or ""))


def remote_results(index: str, term: str, limit: int) -> list[models.ImageSearchResponseItem]:
    """An index's v1 search, as dockerd queries it (blocking: run in a thread)."""
    import requests  # on first use: it costs every daemon's start ~60 ms

    scheme = "http" if is_insecure(index) else "https"
    url = f"{scheme}://{index}/v1/search"
    try:
        with requests.Session() as session:
            session.trust_env = False
            reply = session.get(url, params={"q": term, "n": str(limit)}, timeout=TIMEOUT)
    except requests.ConnectionError:
        raise SystemError_(
            f'Get "{url}?q={term}&n={limit}": dial tcp {index}: connect: connection refused'
        ) from None
    if reply.status_code != 200:
        raise SystemError_(f"Unexpected status code {reply.status_code}")
    try:
        body: Any = reply.json()
        return [models.ImageSearchResponseItem(**_item(r)) for r in body.get("results") or []]
    except (ValueError, TypeError, AttributeError):
        raise SystemError_("error decoding the index's search results") from None


def _item(raw: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "description", "star_count", "is_official", "is_automated")
    return {k: raw[k] for k in keys if k in raw}


@operation("ImageSearch")
async def image_search(req: Request, engine: Engine) -> Reply:
    wanted = parse_search_filters(filters(req))
    limit = parse_limit(req)
    index, term = split_index(text(req, "term"))
    if index in HUB_INDEXES:
        found = catalogue_results(term)[:limit]
    elif not is_loopback(index):
        # What an offline dockerd answers; the mock sends nothing beyond loopback.
        host = index.rsplit(":", 1)[0]
        raise SystemError_(
            f'Get "https://{index}/v1/_ping": dial tcp: lookup {host}: no such host '
            "(the mock daemon only reaches registries on loopback)"
        )
    else:
        found = await asyncio.to_thread(remote_results, index, term, limit)
    return json_response([item for item in found if wanted.accepts(item)])


# -- attestations (API 1.55) ----------------------------------------------------


@operation("ImageAttestations")
async def image_attestations(req: Request, engine: Engine) -> Reply:
    """No image of the mock carries attestation manifests: an empty list, as the spec says."""
    name = req.path_params["name"]
    platforms = req.query.get("platform") or []
    if len(platforms) > 1:
        raise InvalidParameter("only one platform may be given")
    for value in platforms:
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict):
            raise InvalidParameter(f"invalid platform: {value}")
    try:
        images_of(engine).get(name)
    except NotFound as exc:
        raise NotFound(f"no such image: {name}: {exc.message}") from None
    return json_response([])
