"""A test-only Chalice app exercising the local stack: websocket handlers that answer through @connections, a REST
route echoing its raw body, a schedule and an SQS consumer. It records every event it gets in `seen`."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from chalice.app import Chalice, Rate, Response, SQSEvent, WebsocketEvent

app = Chalice(app_name="wsecho")

QUEUE = "devstack-test-queue"
seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
_lock = threading.Lock()
management_endpoint = ""  # set by the fixture to the gateway's endpoint, as YUNTONG_WS_ENDPOINT is for the real app


def _record(kind: str, event: dict[str, Any]) -> None:
    with _lock:
        seen[kind].append(event)


def management() -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=management_endpoint,
        region_name="us-east-1",
        config=BotoConfig(retries={"max_attempts": 1}),
    )


@app.on_ws_connect()
def connect(event: WebsocketEvent) -> dict[str, Any]:
    raw = event.to_dict()
    _record("connect", raw)
    who = (raw.get("queryStringParameters") or {}).get("identifier")
    if who == "intruder":
        return {"statusCode": 401}
    if who == "crasher":
        raise RuntimeError("connect handler failed")
    if who == "negotiator":  # a client asking for a subprotocol needs $connect to choose one, as on API Gateway
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "chat"}}
    return {"statusCode": 200}


@app.on_ws_message()
def message(event: WebsocketEvent) -> dict[str, Any]:
    _record("message", event.to_dict())
    if event.body == "crash":
        raise RuntimeError("message handler failed")
    if event.body == "bye":
        management().delete_connection(ConnectionId=event.connection_id)
    else:
        reply = event.body if len(event.body) < 1024 else f"{len(event.body)} bytes"
        management().post_to_connection(ConnectionId=event.connection_id, Data=f"echo:{reply}".encode())
    return {"statusCode": 200, "body": "ignored by API Gateway"}


@app.on_ws_disconnect()
def disconnect(event: WebsocketEvent) -> None:
    _record("disconnect", event.to_dict())


@app.route("/v4/{service}/{command}", methods=["POST", "GET"], content_types=["application/json", "text/plain"])
def echo(service: str, command: str) -> Response:
    request = app.current_request
    assert request is not None
    raw = request.raw_body or b""
    body = {
        "method": request.method,
        "raw": raw.decode("utf-8") if isinstance(raw, bytes) else raw,
        "headers": dict(request.headers),
        "query": dict(request.query_params or {}),
    }
    return Response(body=body, status_code=200)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def every_minute(event: Any) -> None:
    _record("schedule", event.to_dict())


@app.on_sqs_message(queue=QUEUE, batch_size=5)
def consume(event: SQSEvent) -> None:
    _record("sqs", event.to_dict())
    if any(record.body == "fail" for record in event):
        raise RuntimeError("consumer failed: the batch stays in the queue")


bare = Chalice(app_name="bare")  # an app without websocket handlers


@bare.route("/")
def index() -> dict[str, str]:
    return {"hello": "world"}
