"""Mentions (issue 19): GroupAtInfo stored and delivered with the message; the mentioned member's group conversation
shows it (GroupAtInfoList: AtType 1 @me, 2 @all, 3 both) until the member reads past it."""

import pytest

from tests.group_builders import accounts, connect, create, history, send

LIST = {"TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 0}
AT_BOB = [{"GroupAtAllFlag": 0, "GroupAt_Account": "bob"}]
AT_ALL = [{"GroupAtAllFlag": 1}]


def ats(api, user, gid):
    out = api.ok("recentcontact/get_list", {"From_Account": user, **LIST})
    (item,) = [s for s in out["SessionItem"] if s.get("GroupId") == gid]
    return item.get("GroupAtInfoList", [])


@pytest.fixture
def gid(api):
    accounts(api, "alice", "bob", "carol")
    return create(api, "Public", members=("bob", "carol"))


def test_a_mention_is_stored_delivered_and_shown_to_the_mentioned_until_read(svc, api, gid, pusher):
    connect(svc, "bob", "b1")
    seq = send(api, gid, "@bob look", sender="alice", GroupAtInfo=AT_BOB)["MsgSeq"]
    (data,) = [f["data"] for f in pusher.frames("b1", "GroupMessage")]
    assert data["GroupAtInfo"] == AT_BOB
    assert history(api, gid)[0]["GroupAtInfo"] == AT_BOB
    assert ats(api, "bob", gid) == [{"MsgSeq": seq, "AtType": 1}]
    assert ats(api, "carol", gid) == []  # not mentioned
    send(api, gid, "later", sender="carol")
    assert ats(api, "bob", gid) == [{"MsgSeq": seq, "AtType": 1}]  # still unread
    api.ok("group_open_http_svc/group_msg_read_report", {"GroupId": gid}, identifier="bob")
    assert ats(api, "bob", gid) == []


def test_at_all_reaches_every_member_and_with_at_me_in_one_message_is_type_3(api, gid):
    everyone = send(api, gid, "all hands", sender="alice", GroupAtInfo=AT_ALL)["MsgSeq"]
    assert ats(api, "carol", gid) == [{"MsgSeq": everyone, "AtType": 2}]
    both = send(api, gid, "all, and bob", sender="alice", GroupAtInfo=AT_ALL + AT_BOB)["MsgSeq"]
    assert ats(api, "bob", gid) == [{"MsgSeq": both, "AtType": 3}]
    api.ok("group_open_http_svc/group_msg_read_report", {"GroupId": gid, "MsgReadSeq": everyone}, identifier="carol")
    assert ats(api, "carol", gid) == [{"MsgSeq": both, "AtType": 2}]


def test_the_sender_mentioning_itself_gets_no_flag_and_a_mention_without_one_writes_none(api, gid):
    send(api, gid, "me", sender="bob", GroupAtInfo=AT_BOB)
    assert ats(api, "bob", gid) == []


@pytest.mark.parametrize(
    "at",
    [
        "x",
        [{"GroupAtAllFlag": 2}],
        [{"GroupAtAllFlag": 0}],
        [{"GroupAtAllFlag": 0, "GroupAt_Account": 5}],
        [{"GroupAtAllFlag": 0, "GroupAt_Account": "u" * 33}],
        [{"GroupAtAllFlag": 0, "GroupAt_Account": f"u{i}"} for i in range(101)],
    ],
)
def test_bad_group_at_info_is_refused_10004_and_nothing_is_written(api, gid, at):
    body = {"GroupId": gid, "Random": 9, "From_Account": "alice", "MsgBody": [{"MsgType": "TIMTextElem",
            "MsgContent": {"Text": "x"}}], "GroupAtInfo": at}  # fmt: skip
    api.rejects("group_open_http_svc/send_group_msg", body, 10004)
