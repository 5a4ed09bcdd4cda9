"""A group member's MsgFlag Discard (Tencent's 不接收群消息: neither online nor offline): its terminals leave the
group's online index, so the group's messages reach none of them, while other members' terminals get them; any other
flag brings them back; a terminal logging in while Discard is set is not indexed for that group (its other groups
are); the history stays readable on demand; offline pushes are unchanged (Discard: none)."""

from __future__ import annotations

from typing import Any

from tests.api.test_offline_push import APNS_KEY, pushes, token
from tests.group_builders import accounts, create, history, send

MODIFY = "group_open_http_svc/modify_group_member_info"
EVENT = "GroupMessage"


def _flag(api: Any, gid: str, user: str, flag: str) -> None:
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": user, "MsgFlag": flag}, identifier=user)


def _texts(pusher: Any, cid: str) -> list[str]:
    return [f["data"]["MsgBody"][0]["MsgContent"]["Text"] for f in pusher.frames(cid, EVENT)]


def test_discard_stops_online_delivery_to_that_member_only_and_accept_restores_it(api, ws, pusher):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, "Public", members=("bob", "carol"))
    b1, c1 = ws.login("bob"), ws.login("carol")
    _flag(api, gid, "carol", "Discard")
    send(api, gid, "dropped", sender="alice")
    assert _texts(pusher, b1) == ["dropped"]
    assert _texts(pusher, c1) == []  # not delivered online
    assert [r["MsgBody"][0]["MsgContent"]["Text"] for r in history(api, gid, identifier="carol")] == ["dropped"]

    _flag(api, gid, "carol", "AcceptAndNotify")
    send(api, gid, "back", sender="alice")
    assert _texts(pusher, c1) == ["back"]
    _flag(api, gid, "carol", "AcceptNotNotify")  # receive without push still receives online
    _flag(api, gid, "carol", "AcceptNotNotify")  # setting it again adds no second row (one frame per message)
    send(api, gid, "quiet", sender="alice")
    assert _texts(pusher, c1) == ["back", "quiet"]
    assert _texts(pusher, b1) == ["dropped", "back", "quiet"]


def test_a_member_who_logs_in_while_discard_is_set_gets_no_frame_from_that_group(api, ws, pusher):
    accounts(api, "alice", "bob", "carol")
    muted = create(api, "Public", members=("bob", "carol"))
    other = create(api, "Public", members=("carol",))
    _flag(api, muted, "carol", "Discard")  # while carol is offline
    b1, c1 = ws.login("bob"), ws.login("carol")
    send(api, muted, "dropped", sender="alice")
    send(api, other, "kept", sender="alice")
    assert _texts(pusher, c1) == ["kept"]  # her other group still reaches her
    assert _texts(pusher, b1) == ["dropped"]
    ws.disconnect(c1)
    c2 = ws.login("carol", "iPhone")  # a new login: same rule
    send(api, muted, "again", sender="alice")
    send(api, other, "kept too", sender="alice")
    assert _texts(pusher, c2) == ["kept too"]

    _flag(api, muted, "carol", "AcceptAndNotify")  # her online terminal is indexed from the connection directory
    send(api, muted, "welcome back", sender="alice")
    assert _texts(pusher, c2) == ["kept too", "welcome back"]
    assert _texts(pusher, c1) == ["kept"]


def test_a_group_created_with_a_discard_member_does_not_index_its_terminals(api, ws, pusher):
    accounts(api, "alice", "bob", "carol")
    b1, c1 = ws.login("bob"), ws.login("carol")
    gid = api.ok("group_open_http_svc/create_group", {"Type": "Public", "Name": "g", "Owner_Account": "alice",
                 "MemberList": [{"Member_Account": "bob"}, {"Member_Account": "carol", "MsgFlag": "Discard"}]},
                 )["GroupId"]  # fmt: skip
    send(api, gid, "hello", sender="alice")
    assert _texts(pusher, b1) == ["hello"] and _texts(pusher, c1) == []


def test_offline_pushes_are_unchanged_discard_gets_none(api, ws, pusher):
    accounts(api, "alice", "bob", "carol")
    api.ok("offline_push/set_credentials", {"Platform": "APNS", "Credential": APNS_KEY, "Principal": "cert"})
    gid = create(api, "Public", members=("bob", "carol"))
    devices = {}
    for user in ("bob", "carol"):
        devices[user] = token()
        api.ok("offline_push/set_device", {"UserID": user, "Platform": "APNS", "Token": devices[user]})
    _flag(api, gid, "carol", "Discard")
    send(api, gid, "while offline", sender="alice")
    assert len(pushes(devices["bob"])) == 1
    assert pushes(devices["carol"]) == []  # Discard: no push either
    c1 = ws.login("carol")
    send(api, gid, "while online", sender="alice")
    assert _texts(pusher, c1) == [] and pushes(devices["carol"]) == []  # online and Discard: nothing at all
    ws.disconnect(c1)
    _flag(api, gid, "carol", "AcceptAndNotify")
    send(api, gid, "pushed", sender="alice")
    assert len(pushes(devices["carol"])) == 1 and len(pushes(devices["bob"])) == 3


def test_the_group_receive_option_is_the_members_msg_flag(api, ws, pusher):
    accounts(api, "alice", "bob", "carol", "dave")
    gid = create(api, "Public", members=("bob", "carol"))
    c1 = ws.login("carol")
    opt = {"UserID": "carol", "Type": 2, "GroupId": gid, "Opt": "Discard"}
    api.ok("offline_push/set_receive_opt", opt, identifier="carol")
    send(api, gid, "dropped", sender="alice")
    assert _texts(pusher, c1) == []  # Discard through the push options: not received online either
    members = api.ok("group_open_http_svc/get_group_member_info", {"GroupId": gid})["MemberList"]
    assert {m["Member_Account"]: m["MsgFlag"] for m in members}["carol"] == "Discard"
    api.ok("offline_push/set_receive_opt", {**opt, "Opt": "AcceptAndNotify"}, identifier="carol")
    send(api, gid, "back", sender="alice")
    assert _texts(pusher, c1) == ["back"]

    prefs_before = api.ok("offline_push/get_push_settings", {"UserID": "dave"}, identifier="dave")
    refused = api.call("offline_push/set_receive_opt", {**opt, "UserID": "dave"}, identifier="dave")
    assert refused["ErrorCode"] == 10007, refused  # dave is not a member: refused, nothing written
    assert api.ok("offline_push/get_push_settings", {"UserID": "dave"}, identifier="dave") == prefs_before
