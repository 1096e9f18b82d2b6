"""``GET /images/search`` answered from the catalogue, and a term naming another index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests_unixsocket
from backends import http_base
from pytest_httpserver import HTTPServer

import dockersdk
from mockd import MockDaemon
from mockd.handlers.search import LISTINGS


@pytest.fixture
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        yield d


@pytest.fixture
def client(daemon: MockDaemon) -> Iterator[dockersdk.DockerClient]:
    c = dockersdk.DockerClient(base_url=daemon.docker_host)
    yield c
    c.close()


def _search(daemon: MockDaemon, **query: Any) -> tuple[int, Any]:
    with requests_unixsocket.Session() as session:
        reply = session.get(http_base(daemon.docker_host) + "/images/search", params=query)
    return reply.status_code, reply.json()


def test_search_finds_catalogue_repositories_by_name(client: dockersdk.DockerClient) -> None:
    (found,) = client.images.search("busybox")
    assert found.name == "busybox"
    assert found.is_official is True and found.is_automated is False
    assert found.star_count == LISTINGS["busybox"].stars
    assert found.description == LISTINGS["busybox"].description
    assert [item.name for item in client.images.search("library/alpine")] == ["alpine"]
    assert client.images.search("no-such-thing") == []


def test_results_are_ordered_by_stars_and_cut_at_the_limit(client: dockersdk.DockerClient) -> None:
    everything = client.images.search("")
    assert {item.name for item in everything} == {"alpine", "busybox", "hello-world"}
    stars = [item.star_count or 0 for item in everything]
    assert stars == sorted(stars, reverse=True)
    assert client.images.search("", limit=1) == everything[:1]


def test_filters_apply_after_the_search(client: dockersdk.DockerClient) -> None:
    threshold = LISTINGS["busybox"].stars
    above = client.images.search("", filters={"stars": threshold})
    assert {item.name for item in above} == {
        name for name, listing in LISTINGS.items() if listing.stars >= threshold
    }
    assert client.images.search("", filters={"is-official": False}) == []
    assert len(client.images.search("", filters={"is-automated": False})) == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "200"}, "Limit 200 is outside the range of [1, 100]"),
        ({"limit": "-1"}, "Limit -1 is outside the range of [1, 100]"),
        ({"limit": "0"}, "Limit 0 is outside the range of [1, 100]"),
        ({"filters": json.dumps({"stars": ["x"]})}, "Invalid filter 'stars=x'"),
        ({"filters": json.dumps({"is-official": ["x"]})}, "Invalid filter 'is-official=[x]'"),
    ],
)
def test_bad_limit_and_filters_are_400(
    daemon: MockDaemon, query: dict[str, str], message: str
) -> None:
    assert _search(daemon, term="busybox", **query) == (400, {"message": message})


def test_unknown_filter_is_400(daemon: MockDaemon) -> None:
    status, body = _search(daemon, term="b", filters=json.dumps({"bogus": ["1"]}))
    assert status == 400
    assert "bogus" in body["message"]


def test_a_term_naming_another_index_asks_its_v1_search(
    httpserver: HTTPServer, daemon: MockDaemon
) -> None:
    results = [
        {"name": "team/tool", "description": "d", "star_count": 7, "is_official": False,
         "is_automated": True},
        {"name": "team/other", "description": "", "star_count": 1, "is_official": False,
         "is_automated": False},
    ]  # fmt: skip
    httpserver.expect_request("/v1/search", query_string={"q": "team", "n": "5"}).respond_with_json(
        {"num_results": 2, "query": "team", "results": results}
    )
    index = f"127.0.0.1:{httpserver.port}"
    assert _search(daemon, term=f"{index}/team", limit="5") == (200, results)
    filtered = _search(daemon, term=f"{index}/team", limit="5",
                       filters=json.dumps({"is-automated": ["true"]}))  # fmt: skip
    assert filtered == (200, results[:1])


def test_an_index_without_search_is_dockerds_500(
    httpserver: HTTPServer, daemon: MockDaemon
) -> None:
    httpserver.expect_request("/v1/search").respond_with_data("", status=404)
    status, body = _search(daemon, term=f"127.0.0.1:{httpserver.port}/busybox")
    assert (status, body) == (500, {"message": "Unexpected status code 404"})


def test_an_index_off_loopback_is_not_contacted(daemon: MockDaemon) -> None:
    status, body = _search(daemon, term="registry.example:5000/tool")
    assert status == 500
    assert body["message"].startswith(
        'Get "https://registry.example:5000/v1/_ping": dial tcp: lookup registry.example: '
    )


def test_attestations_of_an_image_are_an_empty_list(daemon: MockDaemon) -> None:
    with requests_unixsocket.Session() as session:
        base = http_base(daemon.docker_host).rsplit("/v1.", 1)[0]
        pulled = session.post(base + "/v1.55/images/create?fromImage=busybox&tag=latest")
        assert pulled.status_code == 200
        found = session.get(base + "/v1.55/images/busybox/attestations")
        assert (found.status_code, found.json()) == (200, [])
        missing = session.get(base + "/v1.55/images/nosuch/attestations")
        assert missing.status_code == 404
        two = session.get(
            base + "/v1.55/images/busybox/attestations",
            params=[("platform", '{"os":"linux"}'), ("platform", '{"os":"linux"}')],
        )
        assert two.status_code == 400
