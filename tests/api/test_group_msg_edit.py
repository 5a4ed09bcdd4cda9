"""openim/modify_group_msg: editing a group message like modify_c2c_msg (sender or the group's owner and admins,
muted editors refused 10017, a recalled message refused), stored in place and pushed to online members."""

import pytest

from tests.group_builders import accounts, connect, create, history, send, text

EDIT = "openim/modify_group_msg"


@pytest.fixture
def gid(api):
    accounts(api, "alice", "bob", "carol", "dave")
    gid = create(api, "Public", members=("bob", "carol"))
    api.ok("group_open_http_svc/modify_group_member_info", {"GroupId": gid, "Member_Account": "carol", "Role": "Admin"})
    return gid


def test_the_sender_edits_its_message_history_shows_it_and_online_members_get_it(svc, api, gid, pusher):
    connect(svc, "alice", "a1")
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    api.ok(EDIT, {"GroupId": gid, "MsgSeq": seq, "MsgBody": text("v2"), "CloudCustomData": "cc"}, identifier="bob")
    (row,) = [r for r in history(api, gid) if r["MsgSeq"] == seq]
    assert row["MsgBody"] == text("v2") and row["CloudCustomData"] == "cc"
    (data,) = [f["data"] for f in pusher.frames("a1", "GroupMessageModified")]
    assert data["MsgSeq"] == seq and data["MsgBody"] == text("v2") and data["From_Account"] == "bob"


def test_only_cloud_custom_data_may_change_and_the_body_stays(api, gid):
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    api.ok(EDIT, {"GroupId": gid, "MsgSeq": seq, "CloudCustomData": "x"})
    (row,) = [r for r in history(api, gid) if r["MsgSeq"] == seq]
    assert row["MsgBody"] == text("v1") and row["CloudCustomData"] == "x"


def test_admins_and_the_owner_edit_anyones_a_member_only_its_own(api, gid):
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    for who in ("carol", "alice"):
        api.ok(EDIT, {"GroupId": gid, "MsgSeq": seq, "MsgBody": text(who)}, identifier=who)
    own = send(api, gid, "v1", sender="carol")["MsgSeq"]
    api.rejects(EDIT, {"GroupId": gid, "MsgSeq": own, "MsgBody": text("no")}, 10007, identifier="bob")
    api.rejects(EDIT, {"GroupId": gid, "MsgSeq": own, "MsgBody": text("no")}, 10007, identifier="dave")


def test_a_muted_sender_may_not_edit(api, gid):
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    api.ok("group_open_http_svc/forbid_send_msg", {"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": 600})
    api.rejects(EDIT, {"GroupId": gid, "MsgSeq": seq, "MsgBody": text("v2")}, 10017, identifier="bob")
    api.ok("group_open_http_svc/forbid_send_msg", {"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": 0})
    api.ok("openconfigsvr/setnospeaking", {"Set_Account": "bob", "GroupmsgNospeakingTime": 600})
    api.rejects(EDIT, {"GroupId": gid, "MsgSeq": seq, "MsgBody": text("v2")}, 10017, identifier="bob")


def test_a_recalled_message_a_tip_or_a_missing_seq_cannot_be_edited(api, gid):
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    api.ok("group_open_http_svc/group_msg_recall", {"GroupId": gid, "MsgSeqList": [{"MsgSeq": seq}]})
    tip = seq + 1  # the recall tip took the next seq
    for target in (seq, tip, 999):
        api.rejects(EDIT, {"GroupId": gid, "MsgSeq": target, "MsgBody": text("v2")}, 10030)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({}, 10004),  # neither MsgBody nor CloudCustomData
        ({"MsgBody": []}, 10004),
        ({"MsgBody": "x"}, 10004),
        ({"MsgBody": text("fuck")}, 80001),
        ({"CloudCustomData": 1}, 10004),
    ],
)
def test_bad_edits_answer_their_code_and_write_nothing(api, gid, extra, code):
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    api.ok("openim_dirty_words/add", {"DirtyWordsList": ["fuck"]})
    api.rejects(EDIT, {"GroupId": gid, "MsgSeq": seq, **extra}, code)


def test_recall_takes_msg_seq_as_a_decimal_string_as_tencents_python_sdk_sends_it(api, gid):
    seq = send(api, gid, "v1", sender="bob")["MsgSeq"]
    out = api.ok("group_open_http_svc/group_msg_recall", {"GroupId": gid, "MsgSeqList": [{"MsgSeq": str(seq)}]})
    assert out["RecallRetList"] == [{"MsgSeq": seq, "RetCode": 0}]
    for bad in ("x", "-1", "", "1.5", "99999999999", None, True):
        api.rejects("group_open_http_svc/group_msg_recall", {"GroupId": gid, "MsgSeqList": [{"MsgSeq": bad}]}, 10004)
