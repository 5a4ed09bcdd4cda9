"""The local websocket gateway over real sockets, with the test-only app of wsapp.py (in-process stack)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
import websocket
from botocore.config import Config as BotoConfig

from devstack.gateway import WebsocketGateway
from devstack.lambdas import Invoker
from devstack.stack import LoopThread
from tests.e2e import wsapp
from tests.e2e.conftest import InProcess, start_in_process
from tests.e2e.harness import WsClient, free_port

pytestmark = pytest.mark.e2e

MAX = 128 * 1024


def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def management(endpoint: str) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=BotoConfig(retries={"max_attempts": 1}),
    )


def connection_id(kind: str = "connect", index: int = -1) -> str:
    return str(wsapp.seen[kind][index]["requestContext"]["connectionId"])


def test_a_frame_reaches_default_and_the_reply_comes_back_through_connections(local: InProcess) -> None:
    with local.connect("alice", platform="iOS") as client:
        client.send("hello 云通")
        assert client.recv() == "echo:hello 云通"
    connect, message = wsapp.seen["connect"][0], wsapp.seen["message"][0]
    context = connect["requestContext"]
    assert context["eventType"] == "CONNECT" and context["routeKey"] == "$connect"
    assert context["messageDirection"] == "IN" and context["stage"] == "local"
    for key in ("apiId", "domainName", "connectionId", "connectedAt", "requestTimeEpoch", "requestId"):
        assert context[key], key
    assert connect["queryStringParameters"] == {
        "sdkappid": "1",
        "identifier": "alice",
        "usersig": "x",
        "platform": "iOS",
    }
    assert connect["headers"]["Upgrade"].lower() == "websocket"
    assert connect["isBase64Encoded"] is False
    assert message["requestContext"]["eventType"] == "MESSAGE"
    assert message["requestContext"]["connectionId"] == context["connectionId"]
    assert message["body"] == "hello 云通" and message["isBase64Encoded"] is False
    assert "queryStringParameters" not in message  # API Gateway sends the query string to $connect only


def test_binary_frames_reach_the_handler_base64_encoded(local: InProcess) -> None:
    with local.connect() as client:
        client.ws.send_binary(b"\x00\x01")
        assert client.recv() == "echo:AAE="
    assert wsapp.seen["message"][0]["isBase64Encoded"] is True


@pytest.mark.parametrize("who", ["intruder", "crasher"])
def test_upgrade_is_refused_with_403_when_connect_answers_non_200_or_raises(local: InProcess, who: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        local.connect(who)
    assert refused.value.status_code == 403
    assert len(wsapp.seen["connect"]) == 1
    assert local.stack.gateway.connection_ids == []
    assert "disconnect" not in wsapp.seen


def test_connect_may_choose_the_subprotocol(local: InProcess) -> None:
    with local.connect("negotiator", subprotocols=["chat", "other"]) as client:
        assert client.ws.getsubprotocol() == "chat"


def test_default_return_value_is_ignored_and_a_handler_error_sends_api_gateways_error_frame(local: InProcess) -> None:
    with local.connect() as client:
        client.send("crash")
        error = client.recv_json()
        assert error["message"] == "Internal server error"
        assert error["connectionId"] == connection_id() and error["requestId"]
        client.send("ping")
        assert client.recv() == "echo:ping"
        with pytest.raises(websocket.WebSocketTimeoutException):
            client.recv(timeout=0.3)  # the handler's {"statusCode": 200, "body": ...} never reaches the client


def test_unknown_connection_is_gone_for_boto3(local: InProcess) -> None:
    client = management(local.stack.gateway.endpoint)
    with pytest.raises(client.exceptions.GoneException) as gone:
        client.post_to_connection(ConnectionId="NoSuchConnId=", Data=b"x")
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId="NoSuchConnId=")
    with pytest.raises(client.exceptions.GoneException):
        client.delete_connection(ConnectionId="NoSuchConnId=")


def test_get_connection_reports_when_and_who(local: InProcess) -> None:
    with local.connect() as client:
        client.send("hi")
        client.recv()
        info = management(local.stack.gateway.endpoint).get_connection(ConnectionId=connection_id())
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"] <= info["LastActiveAt"]


def test_delete_connection_closes_the_socket_then_disconnect_fires_and_posts_are_gone(local: InProcess) -> None:
    with local.connect() as client:
        cid = connection_id()
        client.send("bye")  # the handler calls delete_connection on itself
        assert client.recv_close() == 1000
    disconnect = wait_for(lambda: wsapp.seen.get("disconnect"))[0]
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert disconnect["requestContext"]["connectionId"] == cid
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000
    api = management(local.stack.gateway.endpoint)
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=cid, Data=b"late")


def test_client_close_fires_disconnect(local: InProcess) -> None:
    client = local.connect()
    cid = connection_id()
    client.ws.close(status=1000, reason=b"leaving")
    disconnect = wait_for(lambda: wsapp.seen.get("disconnect"))[0]
    assert disconnect["requestContext"]["connectionId"] == cid
    assert disconnect["requestContext"]["disconnectReason"] == "leaving"
    assert cid not in local.stack.gateway.connection_ids


def test_the_endpoint_may_carry_the_stage_like_a_deployed_one(local: InProcess) -> None:
    with local.connect() as client:
        management(local.stack.gateway.endpoint + "/local").post_to_connection(ConnectionId=connection_id(), Data=b"s")
        assert client.recv() == "s"


def test_unsigned_management_calls_are_forbidden(local: InProcess) -> None:
    with local.connect():
        reply = requests.post(f"{local.stack.gateway.endpoint}/@connections/{connection_id()}", data=b"x", timeout=5)
    assert reply.status_code == 403
    assert reply.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_plain_http_on_the_websocket_port_is_not_an_upgrade(local: InProcess) -> None:
    assert requests.get(f"{local.stack.gateway.endpoint}/", timeout=5).status_code == 426


def test_inbound_messages_up_to_128kb_pass_and_bigger_ones_close_the_socket_with_1009(local: InProcess) -> None:
    with local.connect() as client:
        client.send("a" * MAX)
        assert client.recv(timeout=10) == f"echo:{MAX} bytes"
        client.send("a" * (MAX + 1))
        assert client.recv_close() == 1009
    assert wait_for(lambda: wsapp.seen.get("disconnect"))[0]["requestContext"]["disconnectStatusCode"] == 1009
    assert len(wsapp.seen["message"]) == 1


def test_posts_over_128kb_are_payload_too_large(local: InProcess) -> None:
    api = management(local.stack.gateway.endpoint)
    with local.connect() as client:
        api.post_to_connection(ConnectionId=connection_id(), Data=b"b" * MAX)
        assert len(client.recv(timeout=10)) == MAX
        with pytest.raises(api.exceptions.PayloadTooLargeException):
            api.post_to_connection(ConnectionId=connection_id(), Data=b"b" * (MAX + 1))


def test_rest_body_without_content_type_reaches_raw_body(local: InProcess) -> None:
    body = '{"Nick":"云通"}'.encode()
    for method in ("POST", "GET"):
        reply = requests.request(method, f"{local.rest_url}/v4/profile/portrait_set?a=1&a=2", data=body, timeout=5)
        assert "Content-Type" not in reply.request.headers
        echoed = reply.json()
        assert echoed["method"] == method and echoed["raw"] == body.decode()
        assert "content-type" not in echoed["headers"]


def queue_counts(local: InProcess) -> tuple[int, int]:
    sqs = local.stack.sqs_client()
    attrs = sqs.get_queue_attributes(QueueUrl=local.stack.pollers[0].queue_url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_queue_consumer_gets_sqs_batches_and_handled_messages_are_deleted(local: InProcess) -> None:
    sqs = local.stack.sqs_client()
    url = local.stack.pollers[0].queue_url
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    wait_for(lambda: sum(len(e["Records"]) for e in wsapp.seen.get("sqs", [])) == 3, timeout=15)
    records = [r for e in wsapp.seen["sqs"] for r in e["Records"]]
    assert sorted(r["body"] for r in records) == ["m0", "m1", "m2"]
    assert records[0]["eventSource"] == "aws:sqs"
    assert records[0]["eventSourceARN"].endswith(f":{wsapp.QUEUE}")
    wait_for(lambda: queue_counts(local) == (0, 0))


def test_a_failed_batch_stays_in_the_queue(local: InProcess) -> None:
    sqs = local.stack.sqs_client()
    url = local.stack.pollers[0].queue_url
    sqs.send_message(QueueUrl=url, MessageBody="fail")
    (record,) = wait_for(lambda: wsapp.seen.get("sqs"), timeout=15)[0]["Records"]
    time.sleep(0.3)
    assert queue_counts(local) == (0, 1)  # in flight until the visibility timeout, then redelivered
    sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])  # not to be redelivered to later tests


@pytest.fixture
def short_lived() -> Iterator[Callable[..., WebsocketGateway]]:
    """A separate gateway for the timeout tests (the shared one keeps API Gateway's 10 min / 2 h)."""
    loop = LoopThread()
    loop.start()
    started: list[WebsocketGateway] = []
    invokers: list[Invoker] = []

    def make(app: Any = wsapp.app, **options: float) -> WebsocketGateway:
        invokers.append(Invoker(app))
        gateway = WebsocketGateway(invokers[-1], "127.0.0.1", free_port(), **options)  # type: ignore[arg-type]
        loop.run(gateway.start())
        started.append(gateway)
        return gateway

    yield make
    for gateway in started:
        loop.run(gateway.stop())
    loop.stop()
    for invoker in invokers:
        invoker.shutdown(5)


def test_idle_sockets_are_closed_with_1001_but_activity_keeps_them_open(
    short_lived: Callable[..., WebsocketGateway],
) -> None:
    gateway = short_lived(idle_timeout=1.0)
    wsapp.management_endpoint, saved = gateway.endpoint, wsapp.management_endpoint
    try:
        with WsClient(f"{gateway.url}/?identifier=idle") as idle, WsClient(f"{gateway.url}/?identifier=busy") as busy:
            for _ in range(6):
                busy.send("tick")
                assert busy.recv() == "echo:tick"
                time.sleep(0.25)
            assert idle.recv_close() == 1001
            assert busy.connected
            wait_for(lambda: wsapp.seen.get("disconnect"))
    finally:
        wsapp.management_endpoint = saved


def test_sockets_are_closed_after_the_maximum_duration(short_lived: Callable[..., WebsocketGateway]) -> None:
    gateway = short_lived(max_duration=0.5)
    with WsClient(f"{gateway.url}/") as client:
        assert client.recv_close() == 1001


def test_an_app_without_websocket_handlers_accepts_no_connection(
    short_lived: Callable[..., WebsocketGateway],
) -> None:
    gateway = short_lived(wsapp.bare)
    assert gateway.routes == {}
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        WsClient(f"{gateway.url}/")
    assert refused.value.status_code == 403


def test_stopping_the_stack_closes_sockets_with_1001_and_runs_disconnect() -> None:
    stack = start_in_process(wsapp.app)
    client = WsClient(f"{stack.gateway.url}/?identifier=stays")
    assert stack.stop()
    assert client.recv_close() == 1001
    (disconnect,) = wsapp.seen["disconnect"]
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1001
