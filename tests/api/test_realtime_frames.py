"""Frames: every registry command over the websocket as the logged-in account, bad frames, dead sessions."""

import json

import pytest

from chalicelib.domain import terminals
from chalicelib.services.ports import Online
from tests.builders import SDKAPPID


@pytest.fixture
def alice(svc, ws):
    for user in ("alice", "bob"):
        svc.accounts.import_account(SDKAPPID, user)
    return ws.login("alice", "Android")


def test_a_reply_is_the_tencent_envelope_plus_the_req_id(ws, alice):
    reply = ws.call(alice, "realtime/heartbeat", req_id=41)
    assert reply == {
        "ActionStatus": "OK",
        "ErrorInfo": "",
        "ErrorCode": 0,
        "ServerTime": 1_700_000_000,
        "IdleTimeout": terminals.IDLE_SECONDS,
        "reqId": 41,
    }


def test_registry_commands_act_as_the_logged_in_account(ws, svc, alice):
    nick = [{"Tag": "Tag_Profile_IM_Nick", "Value": "Al"}]
    ws.ok(alice, "profile/portrait_set", {"From_Account": "alice", "ProfileItem": nick})
    out = ws.ok(alice, "profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert out["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Al"}]
    assert out["ErrorDisplay"] == ""  # the same envelope as REST for profile/*


def test_an_account_may_not_act_as_another_over_the_websocket(ws, svc, alice):
    body = {"From_Account": "bob", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "x"}]}
    ws.fails(alice, "profile/portrait_set", body, 90009)
    assert svc.profiles.get_one(SDKAPPID, "bob") == {}


def test_admin_commands_need_an_admin_login(ws, svc, tenant, alice):
    ws.fails(alice, "im_open_login_svc/account_import", {"UserID": "carol"}, 60010)
    assert not svc.accounts.existing(SDKAPPID, ["carol"])
    admin = ws.login(tenant.admin, "PC")
    ws.ok(admin, "im_open_login_svc/account_import", {"UserID": "carol"})
    assert svc.accounts.existing(SDKAPPID, ["carol"]) == {"carol"}


def test_a_command_error_is_answered_with_its_tencent_code(ws, alice):
    ws.fails(alice, "profile/portrait_get", {"To_Account": "alice", "TagList": ["Tag_Profile_IM_Nick"]}, 40001)


BAD_FRAMES = [
    ("not json", "hello", None, 90001),
    ("empty", "", None, 90001),
    ("no body at all", None, None, 90001),
    ("json array", "[1,2]", None, 90001),
    ("missing reqId", '{"cmd": "realtime/heartbeat"}', None, 90001),
    ("string reqId", '{"reqId": "7", "cmd": "realtime/heartbeat"}', None, 90001),
    ("boolean reqId", '{"reqId": true, "cmd": "realtime/heartbeat"}', None, 90001),
    ("missing cmd", '{"reqId": 3}', 3, 60009),
    ("unknown cmd", '{"reqId": 4, "cmd": "nope/nothing"}', 4, 60009),
    ("cmd without service", '{"reqId": 5, "cmd": "heartbeat"}', 5, 60009),
    ("body not an object", '{"reqId": 6, "cmd": "realtime/heartbeat", "body": [1]}', 6, 90001),
    ("oversize", json.dumps({"reqId": 8, "cmd": "realtime/heartbeat", "body": {"x": "y" * 70_000}}), None, 93000),
]


@pytest.mark.parametrize("case,raw,req_id,code", BAD_FRAMES, ids=[b[0] for b in BAD_FRAMES])
def test_a_bad_frame_gets_an_error_reply_and_the_socket_stays_open(ws, svc, pusher, alice, case, raw, req_id, code):
    reply = ws.send_raw(alice, raw)
    assert reply is not None
    assert (reply["ActionStatus"], reply["ErrorCode"], reply["reqId"]) == ("FAIL", code, req_id)
    assert reply["ErrorInfo"]
    assert alice not in pusher.closed
    assert svc.connections.get(alice) is not None
    ws.ok(alice, "realtime/heartbeat")  # and the session goes on


def test_a_frame_from_an_unknown_connection_is_answered_then_closed(ws, pusher, alice):
    reply = ws.send_raw("stranger", '{"reqId": 1, "cmd": "realtime/heartbeat"}')
    assert (reply["ErrorCode"], reply["reqId"]) == (6014, 1)
    assert pusher.closed == ["stranger"]


def test_a_garbage_frame_from_an_unknown_connection_is_closed_too(ws, pusher, alice):
    reply = ws.send_raw("stranger", "garbage")
    assert (reply["ErrorCode"], reply["reqId"]) == (6014, None)
    assert pusher.closed == ["stranger"]


def test_a_session_ends_when_its_usersig_expires(ws, svc, tenant, clock, pusher, alice):
    short = ws.login("bob", "PC", sig=tenant.sig("bob", expire=300))
    clock.advance(200)
    ws.ok(short, "realtime/heartbeat")
    clock.advance(101)
    ws.fails(short, "realtime/heartbeat", None, 70001)
    assert short in pusher.closed
    assert svc.connections.get(short) is None


@pytest.mark.parametrize("action,code", [("suspend", 60006), ("delete", 60016)])
def test_a_session_ends_when_its_app_is_suspended_or_deleted(ws, svc, pusher, alice, action, code):
    svc.apps.suspend(SDKAPPID)  # an app is suspended before it can be deleted
    if action == "delete":
        svc.apps.delete(SDKAPPID)
    ws.fails(alice, "realtime/heartbeat", None, code)
    assert alice in pusher.closed
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_a_reply_to_a_vanished_client_logs_the_terminal_out(ws, svc, pusher, alice):
    pusher.gone.add(alice)
    assert ws.send_raw(alice, '{"reqId": 1, "cmd": "realtime/heartbeat"}') is None
    assert svc.connections.get(alice) is None
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_heartbeat_over_rest_is_refused_because_there_is_no_session(api, alice):
    api.fails("realtime/heartbeat", {}, 70402)
    api.fails("realtime/heartbeat", {}, 70402, identifier="alice")


def test_admin_status_is_read_at_each_frame(ws, svc, tenant, alice):
    ws.fails(alice, "openim/query_online_status", {"To_Account": ["alice"]}, 60010)
    svc.apps.set_admins(SDKAPPID, [tenant.admin, "alice"])
    ws.ok(alice, "openim/query_online_status", {"To_Account": ["alice"]})
