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
