"""`refusal=frame`: a refused login is accepted by HTTP and told in the reply to its first frame (issue 12 item 4).

Browsers cannot read a refused upgrade's status, so the web SDK opts in; without the parameter nothing changes
(tests/api/test_realtime_login.py keeps checking the HTTP refusals).
"""

import pytest

from chalicelib.domain import terminals
from chalicelib.services.ports import Online
from tests.builders import SDKAPPID, table_items
from tests.chat import send


@pytest.fixture
def accounts(svc):
    for user in ("alice", "bob"):
        svc.accounts.import_account(SDKAPPID, user)


def _query(tenant, **override):
    query = {
        "sdkappid": str(SDKAPPID),
        "identifier": "alice",
        "usersig": tenant.sig("alice"),
        "platform": "Web",
        "refusal": "frame",
    }
    for key, value in override.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = value
    return query


def _written(before):
    """Rows written since `before` (table_items() maps each table to its items)."""
    return [item for table, items in table_items().items() for item in items if item not in before[table]]


REFUSALS = [
    ("bad signature", {"usersig": "garbage!!"}, 70003),
    ("unknown account", {"identifier": "mallory"}, 70107),
    ("unknown app", {"sdkappid": "1400999999"}, 70020),
    ("sdkappid missing", {"sdkappid": None}, 60012),
    ("platform unknown", {"platform": "Symbian"}, 70402),
    ("identifier missing", {"identifier": ""}, 60004),
]


@pytest.mark.parametrize("case,override,code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refusal_is_answered_in_the_first_frame_then_the_socket_is_closed(
    ws, svc, tenant, pusher, accounts, case, override, code
):
    if override.get("identifier"):
        override = {**override, "usersig": tenant.sig(override["identifier"])}
    before = table_items()
    shake = ws.connect("alice", query=_query(tenant, **override))
    assert (shake.status, shake.body) == (200, {})  # accepted: a browser learns nothing from a refused upgrade
    rows = _written(before)
    assert [row["sk"]["S"] for row in rows] == ["REFUSED"]  # no terminal, no counter, no statistics
    assert svc.connections.online(SDKAPPID) == Online(0, 0)
    reply = ws.send_raw(shake.connection_id, '{"reqId":1,"cmd":"realtime/heartbeat"}')
    assert (reply["ActionStatus"], reply["ErrorCode"], reply["reqId"]) == ("FAIL", code, 1)
    assert reply["ErrorInfo"]
    assert pusher.closed == [shake.connection_id]


def test_the_reply_carries_the_same_code_and_info_as_the_http_refusal(ws, tenant, accounts):
    plain = ws.connect("alice", query=_query(tenant, usersig="garbage!!", refusal=None))
    framed = ws.connect("alice", query=_query(tenant, usersig="garbage!!"))
    reply = ws.send_raw(framed.connection_id, '{"reqId":7,"cmd":"realtime/heartbeat"}')
    assert plain.status == 401
    assert {k: reply[k] for k in ("ActionStatus", "ErrorCode", "ErrorInfo")} == {
        k: plain.body[k] for k in ("ActionStatus", "ErrorCode", "ErrorInfo")
    }


def test_any_first_frame_gets_the_refusal_even_one_that_is_not_json(ws, tenant, pusher, accounts):
    shake = ws.connect("alice", query=_query(tenant, identifier="mallory", usersig=tenant.sig("mallory")))
    reply = ws.send_raw(shake.connection_id, "hello?")
    assert (reply["ErrorCode"], reply["reqId"]) == (70107, None)
    assert pusher.closed == [shake.connection_id]


def test_an_expired_usersig_is_refused_by_frame(ws, tenant, clock, accounts):
    sig = tenant.sig("alice", expire=60)
    clock.advance(61)
    shake = ws.connect("alice", query=_query(tenant, usersig=sig))
    assert shake.status == 200
    assert ws.send_raw(shake.connection_id, '{"reqId":1,"cmd":"realtime/heartbeat"}')["ErrorCode"] == 70001


@pytest.mark.parametrize("action,code", [("suspend", 60006), ("delete", 60016)])
def test_a_suspended_or_deleted_app_is_refused_by_frame(ws, svc, tenant, accounts, action, code):
    svc.apps.suspend(SDKAPPID)  # an app is suspended before it can be deleted
    if action == "delete":
        svc.apps.delete(SDKAPPID)
    shake = ws.connect("alice", query=_query(tenant))
    assert shake.status == 200
    assert ws.send_raw(shake.connection_id, '{"reqId":1,"cmd":"realtime/heartbeat"}')["ErrorCode"] == code
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_a_login_that_loses_a_race_is_refused_by_frame_with_6208(ws, svc, tenant, accounts, monkeypatch):
    original = svc.connections.of_user
    raced: list[str] = []

    def of_user_with_a_racing_login(sdkappid, user):
        if not raced:
            raced.append("started")
            raced[:] = [ws.login("alice", "Mac")]
        return original(sdkappid, user)

    monkeypatch.setattr(svc.connections, "of_user", of_user_with_a_racing_login)
    shake = ws.connect("alice", query=_query(tenant, platform="PC"))
    assert shake.status == 200
    monkeypatch.undo()
    assert [c.connection_id for c in svc.connections.of_user(SDKAPPID, "alice")] == raced
    reply = ws.send_raw(shake.connection_id, '{"reqId":3,"cmd":"realtime/heartbeat"}')
    assert (reply["ErrorCode"], reply["reqId"]) == (6208, 3)
    assert svc.connections.online(SDKAPPID) == Online(1, 1)


def test_a_refused_connection_is_never_pushed_to(api, ws, svc, tenant, pusher, accounts):
    shake = ws.connect("alice", query=_query(tenant, usersig="garbage!!"))
    api.ok("im_open_login_svc/account_import", {"UserID": "carol"})
    send(api, "carol", "alice", "hello")
    assert pusher.frames(shake.connection_id) == []


def test_a_good_login_with_the_parameter_is_an_ordinary_login(ws, svc, tenant, pusher, accounts):
    shake = ws.connect("alice", query=_query(tenant))
    assert shake.status == 200
    assert svc.connections.get(shake.connection_id).platform == "Web"
    assert svc.connections.online(SDKAPPID) == Online(1, 1)
    ws.ok(shake.connection_id, "realtime/heartbeat")
    assert pusher.closed == []


def test_other_values_of_the_parameter_keep_the_http_refusal(ws, tenant, accounts):
    shake = ws.connect("alice", query=_query(tenant, usersig="garbage!!", refusal="http"))
    assert (shake.status, shake.body["ErrorCode"]) == (401, 70003)


def test_the_refusal_is_kept_only_briefly(ws, tenant, clock, accounts):
    shake = ws.connect("alice", query=_query(tenant, usersig="garbage!!"))
    clock.advance(terminals.REFUSAL_SECONDS)
    assert ws.send_raw(shake.connection_id, '{"reqId":1,"cmd":"realtime/heartbeat"}')["ErrorCode"] == 6014


def test_a_refused_connection_closing_changes_nothing(ws, svc, tenant, accounts):
    shake = ws.connect("alice", query=_query(tenant, usersig="garbage!!"))
    ws.disconnect(shake.connection_id)  # $disconnect of a connection that never was a terminal
    assert svc.connections.online(SDKAPPID) == Online(0, 0)
    assert svc.connections.of_user(SDKAPPID, "alice") == []


def test_the_sweep_closes_a_refused_socket_that_never_sent_a_frame(ws, tenant, pusher, clock, accounts):
    """Otherwise an unauthenticated client could hold a socket until API Gateway's idle limit."""
    quiet = ws.connect("alice", query=_query(tenant, usersig="garbage!!"))
    ws.sweep()
    assert pusher.closed == []  # its refusal is still waiting for the first frame
    clock.advance(terminals.REFUSAL_SECONDS)
    ws.sweep()
    assert pusher.closed == [quiet.connection_id]
    ws.sweep()
    assert pusher.closed == [quiet.connection_id]  # once
