"""Online people and DAU over real sockets (`python -m devstack`, issue 19 items 6 and 7): terminals of one account are
one person online, a closed last terminal takes the person off, an account acting only over REST with its own
UserSig is active, and getappinfo, the console's today figures and `yuntong usage` agree. Each test has its own app."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.e2e.harness import LocalStack, WsClient
from tests.e2e.test_realtime import ADMIN, Tenant, _call, _ids

pytestmark = pytest.mark.e2e


def _tenant(stack: LocalStack) -> Tenant:
    sdkappid, key = next(_ids) + 500, os.urandom(16).hex()
    stack.cli("app", "create", "--sdkappid", str(sdkappid), "--name", "e2e-online", "--admin", ADMIN, "--key", key)
    stack.cli("app", "config", str(sdkappid), "login_policy=no_kick")
    tenant = Tenant(stack, sdkappid, key)
    for user in ("alice", "bob", "carol"):
        assert tenant.rest("im_open_login_svc/account_import", {"UserID": user})["ErrorCode"] == 0
    return tenant


def _online(tenant: Tenant) -> tuple[str, str]:
    out = tenant.rest("openconfigsvr/getappinfo", {})
    assert out["ErrorCode"] == 0, out
    return out["OnlineAccountNum"], out["OnlineTerminalNum"]


def _today(tenant: Tenant) -> dict[str, Any]:
    out = tenant.rest("openconfigsvr/get_today_info", {})
    assert out["ErrorCode"] == 0, out
    result: dict[str, Any] = out["Result"]
    return result


def test_online_people_and_dau_through_the_stack(stack: LocalStack) -> None:
    tenant = _tenant(stack)
    clients: list[WsClient] = []
    try:
        for user, platform in (("alice", "PC"), ("alice", "Web"), ("bob", "iPhone")):
            client = tenant.login(user, platform)
            clients.append(client)
            assert _call(client, 1, "realtime/heartbeat")["ErrorCode"] == 0  # the login is complete
        assert _online(tenant) == ("2", "3")  # alice's two terminals are one person
        profile = {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]}
        assert tenant.rest("profile/portrait_get", profile, identifier="carol")["ErrorCode"] == 0
        today = _today(tenant)
        assert (today["ActiveUserNum"], today["LoginTimes"]) == ("3", "3")  # carol acted over REST as herself
        assert (today["MaxOnlineNum"], today["MaxOnlineTerminalNum"]) == ("2", "3")
        clients[2].close()  # bob's only terminal: $disconnect takes him off
        deadline = time.monotonic() + 10
        while _online(tenant) != ("1", "2") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _online(tenant) == ("1", "2")
        month = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")
        report = stack.cli("usage", "--month", month, "--sdkappid", str(tenant.sdkappid))
        assert "online now: 1 accounts on 2 terminals" in report
        assert _today(tenant)["MaxOnlineNum"] == "2"  # the day's peak stays
    finally:
        for client in clients:
            client.close()
