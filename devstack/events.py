"""The AWS event shapes the local stack hands to the app: API Gateway websocket, EventBridge schedule, SQS batch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account


def _request_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _request_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class WsOrigin:
    """What API Gateway knows about one websocket connection, repeated in each of its events."""

    api_id: str
    stage: str
    domain_name: str
    connection_id: str
    connected_at: float
    source_ip: str
    user_agent: str

    def context(self, route_key: str, event_type: str, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        request_id = _request_id()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": int(self.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": self.source_ip, "userAgent": self.user_agent},
            "requestId": request_id,
            "domainName": self.domain_name,
            "connectionId": self.connection_id,
            "apiId": self.api_id,
        }


def _multi(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value  # API Gateway keeps the last value in the single-value map
        multi.setdefault(key, []).append(value)
    return single, multi


def ws_connect(
    origin: WsOrigin, headers: Sequence[tuple[str, str]], query: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """`$connect`: the only event carrying the upgrade request's headers and query string."""
    single_h, multi_h = _multi(headers)
    single_q, multi_q = _multi(query)
    return {
        "headers": single_h,
        "multiValueHeaders": multi_h,
        "queryStringParameters": single_q or None,
        "multiValueQueryStringParameters": multi_q or None,
        "requestContext": origin.context("$connect", "CONNECT"),
        "isBase64Encoded": False,
    }


def ws_message(origin: WsOrigin, body: str, is_base64: bool) -> dict[str, Any]:
    """`$default`: API Gateway sends only the request context and the frame (no headers, no query string)."""
    context = origin.context("$default", "MESSAGE")
    context["messageId"] = _request_id()
    return {"requestContext": context, "body": body, "isBase64Encoded": is_base64}


def ws_disconnect(origin: WsOrigin, host: str, status_code: int, reason: str) -> dict[str, Any]:
    context = origin.context("$disconnect", "DISCONNECT")
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = reason
    headers = {"Host": host, "x-api-key": "", "x-restapi": ""}
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def scheduled(rule_name: str, region: str, at: float) -> dict[str, Any]:
    """EventBridge's `Scheduled Event`; `time` is the scheduled minute, not the moment of delivery."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


def queue_arn(region: str, queue_name: str) -> str:
    return f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{queue_name}"


def _message_attributes(raw: Mapping[str, Any]) -> dict[str, Any]:
    # ReceiveMessage's StringValue/BinaryValue become Lambda's camel-cased stringValue/binaryValue
    out: dict[str, Any] = {}
    for name, attr in raw.items():
        out[name] = {
            "stringValue": attr.get("StringValue"),
            "binaryValue": attr.get("BinaryValue"),
            "stringListValues": attr.get("StringListValues", []),
            "binaryListValues": attr.get("BinaryListValues", []),
            "dataType": attr.get("DataType", "String"),
        }
    return out


def sqs_batch(messages: Sequence[Mapping[str, Any]], arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping builds from one ReceiveMessage batch."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": _message_attributes(m.get("MessageAttributes", {})),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }
