"""`chalice deploy` sets no YUNTONG_WS_ENDPOINT: the websocket events teach it (domainName + stage), stored once
so that containers which never saw a websocket event (REST, jobs, the queue consumer) push through it too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import wiring
from chalicelib.push.gateway import ApiGatewayPusher
from chalicelib.store import ws_endpoint as endpoint

CONTEXT = {"domainName": "abc123.execute-api.eu-west-1.amazonaws.com", "stage": "api", "connectionId": "c1"}


@pytest.fixture
def fresh(svc: wiring.Services) -> Iterator[None]:
    endpoint.forget()
    yield
    endpoint.forget()


def test_the_endpoint_comes_from_the_request_context() -> None:
    assert endpoint.from_request_context(CONTEXT) == "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
    assert endpoint.from_request_context({"stage": "api"}) is None


def test_a_container_that_saw_no_websocket_event_reads_what_connect_recorded(fresh: None, svc: wiring.Services) -> None:
    assert endpoint.current() is None  # nothing learned yet: nobody to push to
    endpoint.learn(CONTEXT)  # `$connect` on one container
    endpoint.forget()  # another container (REST, a job, the consumer)
    pusher = ApiGatewayPusher(None, "eu-west-1", learned=endpoint.current)
    assert pusher.learns_endpoint
    assert pusher.client.meta.endpoint_url == "https://abc123.execute-api.eu-west-1.amazonaws.com/api"
    assert not pusher.learns_endpoint
    assert [a.sdkappid for a in svc.apps.all()] == []  # the registry's listing does not see the META item


def test_a_configured_endpoint_is_never_replaced() -> None:
    pusher = ApiGatewayPusher("https://configured.example/api", "eu-west-1")
    assert not pusher.learns_endpoint
