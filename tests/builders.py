"""Builders for test data: tenants (apps) with UserSigs, and a REST caller over chalice.test."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain import usersig
from chalicelib.domain.clock import FixedClock
from chalicelib.wiring import Services

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
