"""System: ping, version, info, events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import msgspec

from dockersdk.api import APIGroup
from dockersdk.models import EventMessage, SystemInfo, SystemVersion
from dockersdk.params.durations import PointInTime, to_timestamp
from dockersdk.streams import Stream


@dataclass(frozen=True)
class PingInfo:
    """What ``/_ping`` tells in its headers."""

    ok: bool
    api_version: str | None
    os_type: str | None
    experimental: bool
    builder_version: str | None
    swarm: str | None  # "inactive", "pending", "error", "locked", or "active/worker|manager"


class SystemAPI(APIGroup):
    def ping(self) -> bool:
        """Whether the daemon answers ``/_ping`` with OK.  Unreachable raises."""
        return self.ping_info().ok

    def ping_info(self) -> PingInfo:
        response = self._transport.ping()
        headers = response.headers
        return PingInfo(
            ok=response.status_code == 200,
            api_version=headers.get("API-Version"),
            os_type=headers.get("OSType"),
            experimental=headers.get("Docker-Experimental", "").lower() == "true",
            builder_version=headers.get("Builder-Version"),
            swarm=headers.get("Swarm"),
        )

    def version(self) -> SystemVersion:
        return self._json("GET", "/version", SystemVersion, operation="SystemVersion")

    def info(self) -> SystemInfo:
        return self._json("GET", "/info", SystemInfo, operation="SystemInfo")

    @overload
    def events(
        self,
        since: PointInTime | None = ...,
        until: PointInTime | None = ...,
        filters: Mapping[str, Any] | None = ...,
        decode: Literal[True] = ...,
    ) -> Stream[EventMessage]: ...
    @overload
    def events(
        self,
        since: PointInTime | None = ...,
        until: PointInTime | None = ...,
        filters: Mapping[str, Any] | None = ...,
        *,
        decode: Literal[False],
    ) -> Stream[bytes]: ...
    def events(
        self,
        since: PointInTime | None = None,
        until: PointInTime | None = None,
        filters: Mapping[str, Any] | None = None,
        decode: bool = True,
    ) -> Stream[EventMessage] | Stream[bytes]:
        """The daemon's events as they happen (or those between ``since`` and
        ``until``, after which the stream ends).

        ``since``/``until``: a datetime, a unix timestamp, or a duration such as
        "10m" counting back from now.  ``decode=False`` yields each event's
        JSON bytes.  Close the stream (or use ``with``) to stop.
        """
        params = {
            "since": None if since is None else to_timestamp(since, argument="since"),
            "until": None if until is None else to_timestamp(until, argument="until"),
            "filters": filters,
        }
        if decode:
            return self._json_stream(
                "GET", "/events", EventMessage, params=params, operation="SystemEvents"
            )
        raw = self._json_stream(
            "GET", "/events", msgspec.Raw, params=params, operation="SystemEvents"
        )
        return Stream((bytes(item) for item in raw), raw.close)
