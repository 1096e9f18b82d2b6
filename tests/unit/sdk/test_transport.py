"""Transport behaviour against mocked HTTP (responses): URLs, parameters,
error mapping, version negotiation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from dockersdk import errors
from dockersdk.config import parse_host
from dockersdk.transport import (
    MAX_API_VERSION,
    MIN_API_VERSION,
    Transport,
    encode_filters,
    encode_params,
)
from tests.unit.sdk.status_classes import STATUS_CLASSES

BASE = "http://docker.test:2375"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def make_transport(version: str | None = "1.45") -> Transport:
    return Transport(parse_host("tcp://docker.test:2375"), version=version)


def query_of(call: responses.Call) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(str(call.request.url)).query)


def test_version_prefix_and_path_params(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/v1.45/containers/a%2Fb/json", json={})
    make_transport().request("GET", "/containers/{id}/json", path_params={"id": "a/b"})
    assert mocked.calls[0].request.path_url == "/v1.45/containers/a%2Fb/json"


def test_params_encoding(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/v1.45/containers/json", json=[])
    make_transport().request(
        "GET",
        "/containers/json",
        params={"all": True, "size": False, "limit": 5, "before": None, "x": ["a", "b"]},
    )
    assert query_of(mocked.calls[0]) == [
        ("all", "1"),
        ("size", "0"),
        ("limit", "5"),
        ("x", "a"),
        ("x", "b"),
    ]


def test_filters_are_json_with_lists() -> None:
    encoded = encode_params({"filters": {"label": "a=b", "status": ["running", "paused"]}})
    assert encoded[0][0] == "filters"
    assert json.loads(encoded[0][1]) == {"label": ["a=b"], "status": ["running", "paused"]}
    assert json.loads(encode_filters({"dangling": True, "skip": None})) == {"dangling": ["true"]}


def test_other_mappings_are_json() -> None:
    assert encode_params({"buildargs": {"A": "1"}}) == [("buildargs", '{"A":"1"}')]


def test_json_body_and_content_type(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/v1.45/containers/create", json={"Id": "x"}, status=201)
    response = make_transport().request(
        "POST", "/containers/create", json={"Image": "busybox"}, params={"name": "c"}
    )
    request = mocked.calls[0].request
    assert request.body is not None and json.loads(request.body) == {"Image": "busybox"}
    assert request.headers["Content-Type"] == "application/json"
    assert response.status_code == 201


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_error_statuses_raise_their_class(
    mocked: responses.RequestsMock, status: int, cls: type[errors.APIError]
) -> None:
    mocked.delete(f"{BASE}/v1.45/volumes/v", json={"message": f"failed {status}"}, status=status)
    with pytest.raises(cls) as caught:
        make_transport().request("DELETE", "/volumes/{name}", path_params={"name": "v"})
    assert caught.value.status == status
    assert caught.value.message == f"failed {status}"
    assert caught.value.operation == "DELETE /volumes/{name}"
    assert caught.value.response is not None


def test_not_found_message_picks_container(mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/v1.45/containers/x/json", json={"message": "No such container: x"}, status=404
    )
    with pytest.raises(errors.ContainerNotFound):
        make_transport().request("GET", "/containers/x/json", operation="ContainerInspect")


def test_error_text_body_is_the_message(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/v1.45/x", body="client version 1.10 is too old\n", status=400)
    with pytest.raises(errors.BadRequest, match=r"client version 1\.10 is too old"):
        make_transport().request("GET", "/x", operation="Op")


def test_success_statuses_do_not_raise(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{BASE}/v1.45/containers/x/start", status=304)
    assert make_transport().request("POST", "/containers/x/start").status_code == 304


def test_plain_http_to_a_tls_port_is_explained(mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{BASE}/v1.45/info", body="Client sent an HTTP request to an HTTPS server.\n", status=400
    )
    with pytest.raises(errors.DaemonUnreachable, match="TLS"):
        make_transport().request("GET", "/info")


# -- negotiation ------------------------------------------------------------


def ping(mocked: responses.RequestsMock, version: str | None) -> None:
    headers = {"API-Version": version} if version else {}
    mocked.get(f"{BASE}/_ping", body="OK", headers=headers)


def test_newer_server_gets_the_client_maximum(mocked: responses.RequestsMock) -> None:
    ping(mocked, "1.99")
    transport = make_transport(version=None)
    assert transport.api_version == MAX_API_VERSION


def test_older_server_gets_its_own_version(mocked: responses.RequestsMock) -> None:
    ping(mocked, "1.43")
    mocked.get(f"{BASE}/v1.43/info", json={})
    transport = make_transport(version=None)
    transport.request("GET", "/info")
    assert transport.api_version == "1.43"
    assert [urlsplit(c.request.url).path for c in mocked.calls] == ["/_ping", "/v1.43/info"]


def test_negotiation_happens_once(mocked: responses.RequestsMock) -> None:
    ping(mocked, "1.41")
    mocked.get(f"{BASE}/v1.41/info", json={})
    transport = make_transport(version=None)
    for _ in range(3):
        transport.request("GET", "/info")
    assert [urlsplit(c.request.url).path for c in mocked.calls].count("/_ping") == 1


def test_version_compare_is_numeric(mocked: responses.RequestsMock) -> None:
    ping(mocked, "1.9")  # 1.9 < 1.41, though "1.9" > "1.41" as strings
    with pytest.raises(errors.UnsupportedAPIVersion, match=MIN_API_VERSION):
        _ = make_transport(version=None).api_version


def test_server_below_minimum_is_refused(mocked: responses.RequestsMock) -> None:
    ping(mocked, "1.40")
    with pytest.raises(errors.UnsupportedAPIVersion, match=r"1\.40"):
        make_transport(version=None).request("GET", "/info")


def test_missing_header_means_an_old_server(mocked: responses.RequestsMock) -> None:
    ping(mocked, None)
    with pytest.raises(errors.UnsupportedAPIVersion, match=r"1\.24"):
        _ = make_transport(version=None).api_version


def test_pinned_version_does_not_ping(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/v1.30/info", json={})
    transport = make_transport(version="1.30")
    transport.request("GET", "/info")
    assert transport.api_version == "1.30"
    assert [urlsplit(c.request.url).path for c in mocked.calls] == ["/v1.30/info"]


def test_unversioned_requests(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/_ping", body="OK", headers={"API-Version": "1.45"})
    response = make_transport(version="1.45").request("GET", "/_ping", versioned=False)
    assert response.text == "OK"


def test_user_agent_is_sent(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/v1.45/info", json={})
    Transport(parse_host("tcp://docker.test:2375"), version="1.45", user_agent="me/1").request(
        "GET", "/info"
    )
    assert mocked.calls[0].request.headers["User-Agent"] == "me/1"
