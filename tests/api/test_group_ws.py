"""Groups over the websocket edge: accounts log in, act through frames, and receive group events on their terminals."""

import pytest

from chalicelib.domain import terminals
from chalicelib.jobs import group_offline_kick
from tests.group_builders import accounts, create, send, text


def events(pusher, cid, event):
    return [f["data"] for f in pusher.frames(cid, event)]


@pytest.fixture(autouse=True)
def several_terminals(svc, tenant):
    svc.apps.configure(1400000001, {"login_policy": "no_kick"})  # bob keeps a phone and a PC online


@pytest.mark.parametrize("type_name", ["Private", "Public", "ChatRoom", "AVChatRoom"])
def test_each_type_through_frames_login_join_send_receive_read_and_leave(svc, api, ws, pusher, type_name):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, type_name, members=("bob",) if type_name in ("Private", "Public") else ())
    send(api, gid, "before carol", sender="alice")
    a1 = ws.login("alice", "Android")
    b1, b2 = ws.login("bob", "Android"), ws.login("bob", "PC")
    c1 = ws.login("carol", "Android")
    if type_name in ("ChatRoom", "AVChatRoom"):
        assert ws.ok(b1, "group_open_http_svc/apply_join_group", {"GroupId": gid})["JoinStatus"] == "Joined"
        assert ws.ok(c1, "group_open_http_svc/apply_join_group", {"GroupId": gid})["JoinStatus"] == "Joined"
    elif type_name == "Private":
        ws.ok(b1, "group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    else:
        ws.fails(b1, "group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": []}, 10004)
        assert ws.ok(c1, "group_open_http_svc/apply_join_group", {"GroupId": gid})["JoinStatus"] == "Pending"
        pending = events(pusher, a1, "GroupJoinApplication")
        assert [p["Applicant_Account"] for p in pending] == ["carol"]
        ws.ok(a1, "group_open_http_svc/handle_join_application",
              {"GroupId": gid, "Applicant_Account": "carol", "Decision": "Agree"})  # fmt: skip
        assert events(pusher, c1, "GroupJoinApplicationResult")[0]["Decision"] == "Agree"
    pusher.clear()
    sent = ws.ok(b1, "group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": 7, "MsgBody": text("hi")})
    for cid in (a1, b2, c1):
        assert [m["MsgSeq"] for m in events(pusher, cid, "GroupMessage")] == [sent["MsgSeq"]], cid
    assert events(pusher, b1, "GroupMessage") == []  # the sending terminal has the reply
    rows = ws.ok(c1, "group_open_http_svc/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20})["RspMsgList"]
    texts = [r["MsgBody"][0]["MsgContent"].get("Text") for r in rows]
    assert ("before carol" in texts) is (type_name in ("ChatRoom", "AVChatRoom"))
    ws.ok(c1, "group_open_http_svc/quit_group", {"GroupId": gid})
    pusher.clear()
    send(api, gid, "after carol left", sender="alice")
    assert events(pusher, c1, "GroupMessage") == [] and len(events(pusher, b1, "GroupMessage")) == 1


def test_logout_and_the_sweep_take_terminals_out_of_the_group_index(svc, api, ws, pusher, clock):
    accounts(api, "alice", "bob")
    gid = create(api, "Public", members=("bob",))
    b1 = ws.login("bob", "Android")
    ws.login("bob", "PC")
    ws.disconnect(b1)
    clock.advance(terminals.IDLE_SECONDS + 1)  # b2 stops sending frames and heartbeats
    ws.sweep()
    pusher.clear()
    send(api, gid)
    assert pusher.events("GroupMessage") == []
    b3 = ws.login("bob", "Android")
    send(api, gid)
    assert [cid for cid, _ in pusher.events("GroupMessage")] == [b3]


def test_a_live_room_member_whose_sockets_close_is_kicked_after_five_minutes(svc, api, ws, pusher, clock):
    accounts(api, "host", "fan")
    gid = create(api, "AVChatRoom", owner="host")
    f1 = ws.login("fan", "Android")
    ws.ok(f1, "group_open_http_svc/apply_join_group", {"GroupId": gid})
    h1 = ws.login("host", "Android")
    ws.disconnect(f1)
    clock.advance(299)
    assert group_offline_kick.run() == 0
    clock.advance(1)
    assert group_offline_kick.run() == 1
    assert events(pusher, h1, "GroupTip")[-1]["MsgBody"][0]["MsgContent"]["OpType"] == "Kick"
