"""Builders for test data: tenants (apps) with UserSigs, and a REST caller over chalice.test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalicelib.config import Settings
from chalicelib.domain import usersig
from chalicelib.domain.clock import FixedClock
from chalicelib.store.tables import TABLES
from chalicelib.wiring import Services, services

SDKAPPID = 1400000001
ADMIN = "administrator"


@dataclass
class Tenant:
    sdkappid: int
    key: str
    admin: str
    clock: FixedClock

    def sig(self, identifier: str, expire: int = 86400) -> str:
        return usersig.generate(self.sdkappid, self.key, identifier, int(self.clock.now()), expire)


def make_tenant(svc: Services, clock: FixedClock, sdkappid: int = SDKAPPID, admin: str = ADMIN) -> Tenant:
    app = svc.apps.create(sdkappid, f"app-{sdkappid}", [admin])
    return Tenant(sdkappid, app.secret_key, admin, clock)


def table_items(settings: Settings | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table (tests only: a Scan), to assert that a failed call wrote nothing.

    Leaves out the REST call-rate windows: every call, failed or not, counts against the app's rate.
    """
    import boto3

    settings = settings or services().settings
    client = boto3.client("dynamodb", region_name=settings.region)
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in TABLES:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=settings.table_name(spec.key)):
            items.extend(i for i in page["Items"] if "#LIMIT#REST#" not in i["pk"]["S"])
        out[spec.key] = sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
    return out


class RestCaller:
    """Calls /v4/{service}/{command} through chalice.test.Client like a Tencent app backend."""

    def __init__(self, client: Any, tenant: Tenant) -> None:
        self.client = client
        self.tenant = tenant

    def url(
        self,
        name: str,
        identifier: str | None = None,
        sdkappid: int | None = None,
        sig: str | None = None,
        **extra: str,
    ) -> str:
        ident = identifier or self.tenant.admin
        params = {
            "sdkappid": str(sdkappid or self.tenant.sdkappid),
            "identifier": ident,
            "usersig": sig if sig is not None else self.tenant.sig(ident),
            "random": "12345",
            "contenttype": "json",
            **extra,
        }
        return f"/v4/{name}?{urlencode(params)}"

    def call(
        self,
        name: str,
        body: Any = None,
        *,
        identifier: str | None = None,
        raw: bytes | str | None = None,
        sdkappid: int | None = None,
        sig: str | None = None,
        method: str = "POST",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        resp = self.client.http.request(
            method, self.url(name, identifier, sdkappid, sig), headers=headers if headers is not None else {}, body=data
        )
        assert resp.status_code == 200, resp.body
        return json.loads(resp.body)

    def ok(self, name: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        out = self.call(name, body, **kw)
        assert out["ActionStatus"] == "OK" and out["ErrorCode"] == 0, out
        return out

    def fails(self, name: str, body: Any, code: int, **kw: Any) -> dict[str, Any]:
        out = self.call(name, body, **kw)
        assert out["ActionStatus"] == "FAIL" and out["ErrorCode"] == code, out
        assert out["ErrorInfo"], out
        return out

    def rejects(self, name: str, body: Any, code: int, **kw: Any) -> dict[str, Any]:
        """`fails` with `code`, and no table changed: a failing call writes nothing."""
        before = table_items()
        out = self.fails(name, body, code, **kw)
        assert table_items() == before, f"{name} failed with {code} but changed the tables"
        return out


def ws_event(
    route_key: str, connection_id: str, *, body: str | None = None, query: dict[str, str] | None = None
) -> dict[str, Any]:
    """A hand-built API Gateway websocket event (chalice.test has no generator for them)."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    return {
        "requestContext": {
            "apiId": "testapi",
            "stage": "test",
            "domainName": "testapi.execute-api.us-east-1.amazonaws.com",
            "connectionId": connection_id,
            "routeKey": route_key,
            "eventType": event_type,
        },
        "body": body,
        "queryStringParameters": query,
        "isBase64Encoded": False,
    }


@dataclass
class Handshake:
    connection_id: str
    status: int
    body: dict[str, Any]


class WsCaller:
    """Drives the websocket edge through chalice.test's lambda invoke; replies are read from the RecordingPusher."""

    def __init__(self, client: Any, tenant: Tenant, pusher: Any) -> None:
        self.client = client
        self.tenant = tenant
        self.pusher = pusher
        self._ids = 0
        self._req = 0

    def _invoke(self, handler: str, event: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = self.client.lambda_.invoke(handler, event).payload
        return payload

    def connect(
        self,
        identifier: str,
        platform: str | None = "Android",
        *,
        sig: str | None = None,
        sdkappid: int | None = None,
        connection_id: str | None = None,
        query: dict[str, str] | None = None,
    ) -> Handshake:
        if connection_id is None:
            self._ids += 1
            connection_id = f"{identifier}-{platform}-{self._ids}"
        if query is None:
            query = {
                "sdkappid": str(sdkappid or self.tenant.sdkappid),
                "identifier": identifier,
                "usersig": sig if sig is not None else self.tenant.sig(identifier),
            }
            if platform is not None:
                query["platform"] = platform
        out = self._invoke("ws_connect", ws_event("$connect", connection_id, query=query))
        body = json.loads(out["body"]) if out.get("body") else {}
        return Handshake(connection_id, out["statusCode"], body)

    def login(self, identifier: str, platform: str = "Android", **kw: Any) -> str:
        shake = self.connect(identifier, platform, **kw)
        assert shake.status == 200, shake
        return shake.connection_id

    def send_raw(self, connection_id: str, raw: str | None) -> dict[str, Any] | None:
        """Send one frame; returns the reply posted to the connection (None if nothing was posted)."""
        before = len(self.pusher.sent)
        out = self._invoke("ws_message", ws_event("$default", connection_id, body=raw))
        assert out == {"statusCode": 200}
        replies = [f for cid, f in self.pusher.sent[before:] if cid == connection_id and "reqId" in f]
        assert len(replies) <= 1, replies
        return replies[0] if replies else None

    def call(self, connection_id: str, cmd: str, body: Any = None, *, req_id: int | None = None) -> dict[str, Any]:
        if req_id is None:
            self._req += 1
            req_id = self._req
        frame: dict[str, Any] = {"reqId": req_id, "cmd": cmd}
        if body is not None:
            frame["body"] = body
        reply = self.send_raw(connection_id, json.dumps(frame))
        assert reply is not None and reply["reqId"] == req_id, reply
        return reply

    def ok(self, connection_id: str, cmd: str, body: Any = None) -> dict[str, Any]:
        reply = self.call(connection_id, cmd, body)
        assert reply["ActionStatus"] == "OK" and reply["ErrorCode"] == 0, reply
        return reply

    def fails(self, connection_id: str, cmd: str, body: Any, code: int) -> dict[str, Any]:
        reply = self.call(connection_id, cmd, body)
        assert reply["ActionStatus"] == "FAIL" and reply["ErrorCode"] == code, reply
        assert reply["ErrorInfo"], reply
        return reply

    def disconnect(self, connection_id: str) -> None:
        out = self._invoke("ws_disconnect", ws_event("$disconnect", connection_id))
        assert out == {"statusCode": 200}

    def sweep(self) -> None:
        event = self.client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        self._invoke("sweep_connections", event)
