"""Offline push through the REST and websocket edges, on moto's SNS: devices, when a message is pushed, what the
push says, receive options, quiet hours, disabled endpoints, counters, bad input."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from chalicelib.domain import offline_push as rules
from chalicelib.domain.stats import day_of

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello alice"}}]
APNS_KEY = "-----BEGIN PRIVATE KEY-----secret-apns-key-----END PRIVATE KEY-----"


def _sns() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID  # type: ignore[attr-defined]
    from moto.sns.models import sns_backends

    return sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]


def pushes(token: str) -> list[dict[str, Any]]:
    """The platform payloads moto's SNS received for a token (APNs JSON, FCM JSON), oldest first."""
    out = []
    for endpoint in _sns().platform_endpoints.values():
        if endpoint.token != token:
            continue
        for message in endpoint.messages.values():
            doc = json.loads(message)
            key = next(k for k in doc if k != "default")
            out.append(json.loads(doc[key]))
    return out


def endpoint_of(token: str) -> Any:
    return next(e for e in _sns().platform_endpoints.values() if e.token == token)


def token() -> str:
    return uuid.uuid4().hex * 2  # 64 hex characters, as an APNs device token


@pytest.fixture
def push_app(api, svc, tenant):
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob", "carol"]})
    api.ok(
        "profile/portrait_set", {"From_Account": "bob", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "Bob"}]}
    )
    for platform in ("APNS", "FCM"):
        api.ok("offline_push/set_credentials", {"Platform": platform, "Credential": APNS_KEY, "Principal": "cert"})
    return api


def _register(api, user: str, platform: str = "APNS") -> str:
    t = token()
    api.ok("offline_push/set_device", {"UserID": user, "Platform": platform, "Token": t})
    return t


def _send(api, text: str = "hello alice", **extra: Any) -> dict[str, Any]:
    body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
    return api.ok("openim/sendmsg", {"From_Account": "bob", "To_Account": "alice", "MsgRandom": 1, "MsgBody": body,
                                     **extra})  # fmt: skip


def test_credentials_go_to_sns_and_only_the_arn_is_kept(push_app, svc, tenant):
    config = svc.apps.get(tenant.sdkappid).config
    assert config.push_apns_arn.startswith("arn:aws:sns:") and "test-1400000001-apns" in config.push_apns_arn
    assert APNS_KEY not in json.dumps(config.to_dict())
    app = _sns().applications[config.push_apns_arn]
    assert app.attributes["PlatformCredential"] == APNS_KEY


def test_a_message_to_an_offline_account_is_pushed_with_nick_text_and_badge(push_app, task_queue):
    t = _register(push_app, "alice")
    _send(push_app)
    _send(push_app, "second", MsgRandom=2)
    got = pushes(t)
    assert [p["aps"]["alert"] for p in got] == [
        {"title": "Bob", "body": "hello alice"},
        {"title": "Bob", "body": "second"},
    ]
    assert [p["aps"]["badge"] for p in got] == [1, 2]  # alice's unread total
    assert [k for k, _ in task_queue.enqueued].count(rules.TASK) == 2


def test_offline_push_info_sets_title_desc_ext_and_push_flag_1_sends_nothing(push_app):
    t = _register(push_app, "alice")
    info = {"Title": "New order", "Desc": "Order 42 shipped", "Ext": '{"order": 42}',
            "ApnsInfo": {"Sound": "ding.caf", "SubTitle": "shop", "BadgeMode": 0}}  # fmt: skip
    _send(push_app, OfflinePushInfo=info)
    (p,) = pushes(t)
    assert p["aps"]["alert"] == {"title": "New order", "body": "Order 42 shipped", "subtitle": "shop"}
    assert p["ext"] == {"order": 42} and p["aps"]["sound"] == "ding.caf"
    _send(push_app, MsgRandom=3, OfflinePushInfo={"PushFlag": 1})
    assert len(pushes(t)) == 1


def test_fcm_devices_get_the_fcm_payload(push_app):
    t = _register(push_app, "alice", "FCM")
    _send(push_app)
    (p,) = pushes(t)
    assert p["notification"]["title"] == "Bob" and p["notification"]["body"] == "hello alice"


def test_an_online_account_and_online_only_messages_get_no_push(push_app, ws, task_queue):
    t = _register(push_app, "alice")
    cid = ws.login("alice", "iPhone")
    _send(push_app)
    assert pushes(t) == [] and rules.TASK not in [k for k, _ in task_queue.enqueued]
    ws.disconnect(cid)
    _send(push_app, MsgRandom=5, MsgLifeTime=0)
    assert pushes(t) == []


def test_a_3kb_desc_is_truncated_to_the_apns_limit(push_app):
    t = _register(push_app, "alice")
    _send(push_app, OfflinePushInfo={"Desc": "长" * 1024})
    (p,) = pushes(t)
    assert len(json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode()) <= rules.APNS_PAYLOAD_LIMIT
    assert p["aps"]["alert"]["body"].endswith("…")


def test_receive_without_push_and_quiet_time_stop_pushes(push_app, clock):
    t = _register(push_app, "alice")
    push_app.ok("offline_push/set_receive_opt", {"UserID": "alice", "Type": 1, "To_Account": "bob",
                                                 "Opt": "AcceptNotNotify"})  # fmt: skip
    _send(push_app)
    assert pushes(t) == []
    push_app.ok("offline_push/set_receive_opt", {"UserID": "alice", "Type": 1, "To_Account": "bob",
                                                 "Opt": "AcceptAndNotify"})  # fmt: skip
    minute = (int(clock.now()) // 60 + 8 * 60) % 1440  # now, in the app's timezone (Asia/Shanghai)
    push_app.ok("offline_push/set_quiet_time", {"UserID": "alice", "StartMinute": minute,
                                                "EndMinute": (minute + 60) % 1440})  # fmt: skip
    _send(push_app, MsgRandom=7)
    assert pushes(t) == []
    got = push_app.ok("offline_push/get_push_settings", {"UserID": "alice"})
    assert got["StartMinute"] == minute and got["ReceiveOptList"] == []
    push_app.ok("offline_push/set_quiet_time", {"UserID": "alice", "StartMinute": 0, "EndMinute": 0})
    _send(push_app, MsgRandom=8)
    assert len(pushes(t)) == 1


def test_a_disabled_endpoint_is_dropped(push_app, svc, tenant):
    t = _register(push_app, "alice")
    endpoint_of(t).attributes["Enabled"] = "false"  # what SNS does when APNs reports the token dead
    _send(push_app)
    assert pushes(t) == []
    assert push_app.ok("offline_push/get_devices", {"UserID": "alice"})["DeviceList"] == []


def test_group_messages_reach_offline_members_only_with_the_group_in_the_title(push_app, ws, svc, tenant, clock):
    gid = push_app.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "team", "Owner_Account": "bob",
                      "MemberList": [{"Member_Account": "alice"}, {"Member_Account": "carol"}]})["GroupId"]  # fmt: skip
    ta, tc, tb = _register(push_app, "alice"), _register(push_app, "carol"), _register(push_app, "bob")
    ws.login("carol", "iPhone")
    push_app.ok("group_open_http_svc/send_group_msg", {"GroupId": gid, "From_Account": "bob", "Random": 1,
                "MsgBody": TEXT, "OfflinePushInfo": {"Ext": "x"}})  # fmt: skip
    (p,) = pushes(ta)
    assert p["aps"]["alert"] == {"title": "Bob (team)", "body": "hello alice"} and p["ext"] == "x"
    assert p["yuntong"] == {"type": "Group", "from": "bob", "group": gid}
    assert pushes(tc) == [] and pushes(tb) == []  # online member; the sender
    push_app.ok("group_open_http_svc/modify_group_member_info", {"GroupId": gid, "Member_Account": "alice",
                "MsgFlag": "AcceptNotNotify"}, identifier="alice")  # fmt: skip
    push_app.ok("group_open_http_svc/send_group_msg", {"GroupId": gid, "From_Account": "bob", "Random": 2,
                "MsgBody": TEXT})  # fmt: skip
    assert len(pushes(ta)) == 1
    figures = svc.metrics.day(tenant.sdkappid, day_of(clock.now(), "Asia/Shanghai"))
    assert figures.get("GroupAPNSMsgNum") == 1


def test_pushes_are_counted_for_getappinfo(push_app, svc, tenant, clock):
    _register(push_app, "alice")
    _send(push_app)
    figures = svc.metrics.day(tenant.sdkappid, day_of(clock.now(), "Asia/Shanghai"))
    assert figures.get("C2CAPNSMsgNum") == 1


def test_a_token_moves_to_the_newest_account_that_registers_it(push_app):
    t = _register(push_app, "alice")
    push_app.ok("offline_push/set_device", {"UserID": "carol", "Platform": "APNS", "Token": t})
    assert push_app.ok("offline_push/get_devices", {"UserID": "alice"})["DeviceList"] == []
    (d,) = push_app.ok("offline_push/get_devices", {"UserID": "carol"})["DeviceList"]
    assert d["Token"] == t and d["Platform"] == "APNS"
    _send(push_app)  # to alice: the phone is carol's now
    assert pushes(t) == []


def test_bad_input_gets_its_code_and_writes_nothing(push_app):
    t = _register(push_app, "alice")
    push_app.rejects("offline_push/set_device", {"UserID": "alice", "Platform": "MIPUSH", "Token": "x"}, 91101)
    push_app.rejects("offline_push/set_device", {"UserID": "alice", "Platform": "APNS", "Token": ""}, 91102)
    push_app.rejects("offline_push/set_device", {"UserID": "alice", "Platform": "APNS"}, 91102)
    push_app.rejects("offline_push/set_device", {"UserID": "ghost", "Platform": "APNS", "Token": "x"}, 70107)
    push_app.rejects("offline_push/set_device", {"UserID": "alice", "Platform": "WEBHOOK", "Token": "x"}, 91104)
    push_app.rejects("offline_push/remove_device", {"UserID": "carol", "Platform": "APNS", "Token": t}, 91103)
    push_app.rejects("offline_push/set_device", {"UserID": "bob", "Platform": "APNS", "Token": "x"}, 90009,
                     identifier="alice")  # fmt: skip
    push_app.rejects("offline_push/set_credentials", {"Platform": "APNS", "Credential": "k"}, 60010,
                     identifier="alice")  # fmt: skip
    push_app.rejects("offline_push/set_receive_opt", {"UserID": "alice", "Type": 1, "To_Account": "bob",
                     "Opt": "Maybe"}, 70402)  # fmt: skip
    push_app.rejects("offline_push/set_quiet_time", {"UserID": "alice", "StartMinute": 1440, "EndMinute": 0}, 91105)


def test_an_account_registers_its_own_device_over_its_socket_and_logout_drops_it(push_app, ws):
    cid = ws.login("alice", "iPhone")
    t = token()
    ws.ok(cid, "offline_push/set_device", {"Platform": "APNS", "Token": t})
    (d,) = ws.ok(cid, "offline_push/get_devices")["DeviceList"]
    assert d["Terminal"] == "iPhone"
    ws.fails(cid, "offline_push/set_device", {"UserID": "bob", "Platform": "APNS", "Token": t}, 90009)
    assert ws.ok(cid, "offline_push/logout", {"KeepDevice": 1})["RemovedDeviceNum"] == 0
    assert ws.ok(cid, "offline_push/logout")["RemovedDeviceNum"] == 1
    assert ws.ok(cid, "offline_push/get_devices")["DeviceList"] == []


def test_the_send_adds_no_dynamodb_request_only_one_task(push_app, task_queue):
    from bench.counting import count_dynamodb

    _register(push_app, "alice")
    task_queue.run_inline = False
    with count_dynamodb(measure_capacity=False) as usage:
        _send(push_app)
    assert [k for k, _ in task_queue.pending] == [rules.TASK]
    ours = [c for c in usage.calls if {"chalicelib.services.offline_push", "chalicelib.store.devices"} & set(c.callers)]
    assert ours == []
    assert any("chalicelib.services.c2c" in m for c in usage.calls for m in c.callers)  # the recorder sees sends
    with count_dynamodb(measure_capacity=False) as task:
        task_queue.drain()  # the task itself: one Query of alice's devices and preferences, then the badge's reads
    device_reads = [c.operation for c in task.calls if "chalicelib.store.devices" in c.callers]
    assert device_reads == ["Query"]
    assert not any(c.operation in ("Scan", "PutItem", "DeleteItem") for c in task.calls)


def test_all_member_pushes_reach_offline_devices_too(push_app, ws, clock):
    ta, tb, tc = _register(push_app, "alice"), _register(push_app, "bob", "FCM"), _register(push_app, "carol")
    ws.login("carol", "iPhone")  # online: the socket gets the push, the phone does not
    clock.advance(2)
    push_app.ok("all_member_push/im_push", {"MsgRandom": 1, "MsgBody": TEXT, "OfflinePushInfo": {"Title": "Sale"}})
    assert [p["aps"]["alert"] for p in pushes(ta)] == [{"title": "Sale", "body": "hello alice"}]
    assert [p["notification"]["title"] for p in pushes(tb)] == ["Sale"] and pushes(tc) == []
    push_app.ok("all_member_push/im_add_tag", {"UserTags": [{"To_Account": "bob", "Tags": ["vip"]}]})
    clock.advance(2)
    push_app.ok("all_member_push/im_push", {"MsgRandom": 2, "MsgBody": TEXT, "Condition": {"TagsOr": ["vip"]}})
    assert len(pushes(ta)) == 1 and len(pushes(tb)) == 2
    clock.advance(2)
    push_app.ok("all_member_push/im_push", {"MsgRandom": 3, "MsgBody": TEXT, "OfflinePushInfo": {"PushFlag": 1}})
    assert len(pushes(ta)) == 1 and len(pushes(tb)) == 2


def test_deleting_an_account_deletes_its_devices_and_frees_its_tokens(push_app):
    t = _register(push_app, "alice")
    arn = endpoint_of(t).arn
    push_app.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]})
    assert arn not in _sns().platform_endpoints
    push_app.ok("offline_push/set_device", {"UserID": "carol", "Platform": "APNS", "Token": t})
    assert len(push_app.ok("offline_push/get_devices", {"UserID": "carol"})["DeviceList"]) == 1


def test_queued_parts_of_a_large_batch_carry_the_requests_offline_push_info(push_app, svc, task_queue):
    tokens = {user: _register(push_app, user) for user in ("alice", "carol")}
    svc.c2c.inline_recipients = 1  # every recipient after the first goes through the queue
    info = {"Title": "Sale", "Desc": "Everything half price", "Ext": '{"sale": 1}'}
    body = {"From_Account": "bob", "To_Account": ["alice", "carol"], "MsgRandom": 9, "MsgBody": TEXT,
            "OfflinePushInfo": info}  # fmt: skip
    push_app.ok("openim/batchsendmsg", body)
    assert "c2c_batch" in [kind for kind, _ in task_queue.enqueued]
    for user, t in tokens.items():
        (p,) = pushes(t)
        assert p["aps"]["alert"] == {"title": "Sale", "body": "Everything half price"}, user
        assert p["ext"] == {"sale": 1}, user
    push_app.ok("openim/batchsendmsg", {**body, "MsgRandom": 10, "OfflinePushInfo": {"PushFlag": 1}})
    assert all(len(pushes(t)) == 1 for t in tokens.values())  # PushFlag 1 holds for the queued part too
