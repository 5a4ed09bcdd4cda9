"""`refusal=frame` over real sockets: a refused login is accepted, its first frame gets the Tencent code, the socket
is closed; without the parameter the upgrade is refused as before (a browser cannot read that status)."""

from __future__ import annotations

import itertools
import json

import pytest
import websocket

from tests.e2e.harness import LocalStack, WsClient
from tests.e2e.sync_client import Tenant

pytestmark = pytest.mark.e2e

_run = itertools.count(1)
HEARTBEAT = '{"reqId":1,"cmd":"realtime/heartbeat"}'  # what the web SDK sends right after open


def _tenant(stack: LocalStack) -> Tenant:
    return Tenant(stack.rest_url, stack.ws_url, stack.sdkappid, stack.key, stack.admin)


@pytest.mark.parametrize(
    "case,code",
    [("bad usersig", 70003), ("unknown account", 70107), ("bad platform", 70402)],
)
def test_a_refused_login_is_told_in_the_reply_to_the_first_frame(stack: LocalStack, case: str, code: int) -> None:
    tenant = _tenant(stack)
    user = f"r-ref{next(_run)}"
    if case != "unknown account":
        tenant.ok("im_open_login_svc/account_import", {"UserID": user})
    url = tenant.url(user, "Symbian" if case == "bad platform" else "Web", refusal="frame")
    if case == "bad usersig":
        url = url.replace("usersig=", "usersig=forged")
    client = WsClient(url)  # the upgrade succeeds
    client.send(HEARTBEAT)
    reply = json.loads(client.recv())
    assert (reply["ActionStatus"], reply["ErrorCode"], reply["reqId"]) == ("FAIL", code, 1)
    assert reply["ErrorInfo"]
    assert client.recv_close() == 1000  # then the server closes the socket
    status = tenant.ok("openim/query_online_status", {"To_Account": [user]})
    assert [r.get("Status") for r in status["QueryResult"]] in ([], ["Offline"])


def test_without_the_parameter_the_upgrade_is_refused(stack: LocalStack) -> None:
    tenant = _tenant(stack)
    url = tenant.url(f"r-ref{next(_run)}", "Web").replace("usersig=", "usersig=forged")
    with pytest.raises(websocket.WebSocketBadStatusException):
        WsClient(url)


def test_a_good_login_with_the_parameter_is_an_ordinary_login(stack: LocalStack) -> None:
    tenant = _tenant(stack)
    user = f"r-ref{next(_run)}"
    tenant.ok("im_open_login_svc/account_import", {"UserID": user})
    with WsClient(tenant.url(user, "Web", refusal="frame")) as client:
        client.send(HEARTBEAT)
        reply = json.loads(client.recv())
        assert (reply["ErrorCode"], reply["reqId"]) == (0, 1)
        status = tenant.ok("openim/query_online_status", {"To_Account": [user]})
        assert status["QueryResult"][0]["Status"] == "Online"
