"""Issue 11: numbers compared as numbers, integers bounded to their wire type at the edge, unknown accounts and groups
answered with their codes, and the holes of item 4 (muted edits, receipts to a blocker, pins)."""

from __future__ import annotations

import pytest

from chalicelib.store.keys import bound, pad
from tests.chat import accounts, history, online, recent, send, ws
from tests.group_builders import create

BIG = 2**70


def test_getroammsg_refuses_a_max_time_beyond_uint32_instead_of_answering_empty(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    assert history(api, "alice", "bob", MaxTime=4_294_967_295)["MsgCnt"] == 1
    for too_big in (10**10, 10**11, 2**63, BIG):  # milliseconds or worse: refused, never "no history"
        api.rejects("openim/admin_getroammsg", _roam(MaxTime=too_big), 90001)
    for field in ("MinTime", "MaxCnt"):
        api.rejects("openim/admin_getroammsg", _roam(**{field: BIG}), 90001)
        api.rejects("openim/admin_getroammsg", _roam(**{field: -1}), 90001)


def _roam(**changes):
    return {"Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**31, **changes}


def test_a_padded_key_refuses_a_number_wider_than_its_width_and_range_bounds_clamp():
    assert pad(4_294_967_295, 10) == "4294967295"
    with pytest.raises(ValueError):
        pad(10**10, 10)
    with pytest.raises(ValueError):
        pad(-1, 10)
    assert bound(10**11, 10) == "9999999999" and bound(-5, 10) == "0000000000"


def test_unknown_accounts_in_history_and_sync_have_their_codes(api):
    accounts(api, "alice", "bob")
    api.rejects("openim/admin_getroammsg", _roam(Operator_Account="ghost"), 90008)
    api.rejects("openim/admin_getroammsg", _roam(Peer_Account="ghost"), 90012)
    api.rejects("openim/sync", {"From_Account": "ghost", "Peer_Account": "bob"}, 90008)
    api.rejects("openim/sync", {"From_Account": "alice", "Peer_Account": "ghost"}, 90012)
    api.rejects("openim/sync_conversations", {"From_Account": "ghost"}, 90008)


def test_unknown_accounts_in_recent_contacts_and_joined_groups_have_their_codes(api):
    accounts(api, "alice", "bob")
    body = {"From_Account": "ghost", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0}
    api.rejects("recentcontact/get_list", {**body, "AssistFlags": 0}, 50001)
    api.rejects("recentcontact/delete", {"From_Account": "ghost", "Type": 1, "To_Account": "bob"}, 50001)
    api.rejects("recentcontact/delete", {"From_Account": "alice", "Type": 1, "To_Account": "ghost"}, 50001)
    api.rejects("group_open_http_svc/get_joined_group_list", {"Member_Account": "ghost"}, 10019)


def test_a_conversation_with_a_since_deleted_account_can_still_be_deleted(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    api.ok("recentcontact/delete", {"From_Account": "alice", "Type": 1, "To_Account": "bob"})
    assert recent(api, "alice")["SessionItem"] == []


def test_delete_group_member_refuses_unknown_accounts_and_skips_non_members_as_tencent(api):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, "Public", members=("bob",))
    body = {"GroupId": gid, "MemberToDel_Account": ["bob", "ghost"]}
    api.rejects("group_open_http_svc/delete_group_member", body, 10019)  # nothing removed: bob stays
    api.ok("group_open_http_svc/delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["carol"]})
    members = api.ok("group_open_http_svc/get_group_member_info", {"GroupId": gid})["MemberList"]
    assert {m["Member_Account"] for m in members} == {"alice", "bob"}


@pytest.mark.parametrize("field", ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex", "AssistFlags"])
def test_recent_contact_cursors_beyond_uint32_are_refused_not_echoed(api, field):
    accounts(api, "alice")
    body = {"From_Account": "alice", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0}
    api.rejects("recentcontact/get_list", {**body, "AssistFlags": 0, field: BIG}, 50002)


def test_friend_get_start_index_beyond_uint32_is_refused(api):
    accounts(api, "alice")
    api.rejects("sns/friend_get", {"From_Account": "alice", "StartIndex": BIG}, 30001)
    api.rejects("sns/friend_get", {"From_Account": "alice", "StartIndex": 0, "StandardSequence": 2**64}, 30001)
    assert api.ok("sns/friend_get", {"From_Account": "alice", "StartIndex": 0, "StandardSequence": 2**64 - 1})


def test_a_muted_sender_cannot_edit_its_messages_either(api, svc):
    accounts(api, "alice", "bob")
    key = send(api, "alice", "bob", "before")["MsgKey"]
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 600})
    edit = {"From_Account": "alice", "To_Account": "bob", "MsgKey": key, "CloudCustomData": "after"}
    api.rejects("openim/modify_c2c_msg", edit, 20012, identifier="alice")
    api.ok("openim/modify_c2c_msg", edit)  # the admin is not muted, as for sends
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "alice", "C2CmsgNospeakingTime": 0})
    api.ok("openim/modify_c2c_msg", edit, identifier="alice")


def test_a_read_receipt_does_not_reach_an_account_that_blocked_the_reader(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    for user, cid in (("alice", "a1"), ("bob", "b1"), ("bob", "b2")):
        online(svc, clock, user, cid)
    send(api, "alice", "bob")
    api.ok("sns/black_list_add", {"From_Account": "alice", "To_Account": ["bob"]})
    pusher.clear()
    ws(svc, "bob", "b1", "openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"})
    assert pusher.frames("a1", "c2c_read") == []  # alice blocked bob: nothing of bob's reaches her
    assert pusher.frames("b2", "c2c_read")[0]["data"]["UnreadMsgNum"] == 0  # bob's own bookkeeping still works
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 0
    assert _peer_read_time(api, "alice") == 0  # nor is it shown to her when she syncs her conversations
    api.ok("sns/black_list_delete", {"From_Account": "alice", "To_Account": ["bob"]})
    ws(svc, "bob", "b1", "openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"})
    assert len(pusher.frames("a1", "c2c_read")) == 1
    assert _peer_read_time(api, "alice") == int(clock.now())


def _peer_read_time(api, user):
    (conversation,) = api.ok("openim/sync_conversations", {"From_Account": user})["Conversations"]
    return conversation["PeerReadTime"]


def test_pinning_needs_a_group_that_exists_and_that_the_owner_belongs_to(api):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, "Public", members=("bob",))
    pin = {"From_Account": "carol", "Type": 2, "ToGroupid": gid, "TopFlag": 1}
    api.rejects("recentcontact/set_top", pin, 10007)
    api.rejects("recentcontact/set_top", {**pin, "ToGroupid": "nope"}, 10010)
    api.rejects("recentcontact/set_top", {**pin, "Type": 1, "To_Account": "ghost"}, 50001)
    api.ok("recentcontact/set_top", {**pin, "From_Account": "bob"})
    assert [i["GroupId"] for i in recent(api, "bob", flags=1)["SessionItem"]] == [gid]
