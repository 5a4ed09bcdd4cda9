"""Tencent's own Python server SDKs, unmodified, pointed at the local stack: every call each one makes.

`tencentcloud-sdk-python-im` 0.9.4 (TCIMClient, its base URL is a constructor argument) and `timsdk` 1.1.12
(TimClient, whose host is hard-coded: only its URL builder is pointed at the stack). Each call must answer OK in
Tencent's shape (the fields its documentation shows); the few that must fail say which code and why. Not driven:
timsdk's `open_msg_svc/get_history` is called too (its files: tests/e2e/test_history_export.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.harness import LocalStack

tcim = pytest.importorskip("tencentcloud_im.tcim_client")
timsdk = pytest.importorskip("timsdk")

pytestmark = pytest.mark.e2e


def answer(reply: Any, *keys: str, code: int = 0) -> dict[str, Any]:
    """The JSON answer of a call (a requests.Response for TCIMClient, a dict for timsdk), checked."""
    assert reply is not None, "the SDK swallowed a transport error"
    got: dict[str, Any] = reply.json() if isinstance(reply, requests.Response) else reply
    assert got["ErrorCode"] == code, got
    assert got["ActionStatus"] == ("OK" if code == 0 else "FAIL"), got
    assert isinstance(got["ErrorInfo"], str), got
    missing = [k for k in keys if k not in got]
    assert not missing, f"{missing} missing from {got}"
    return got


def ids(*names: str) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [f"{n}_{tag}" for n in names]


@pytest.fixture
def tc(stack: LocalStack) -> Any:
    return tcim.TCIMClient(stack.sdkappid, stack.key, stack.admin, tencent_url=stack.rest_url)


@pytest.fixture
def tim(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def get_url(self: Any, path: str, random_id: int = 7) -> str:
        query = f"sdkappid={self._app_id}&identifier={self._identifier}&usersig={self._signature}"
        return f"{stack.rest_url}/{path}?{query}&random={random_id}&contenttype=json"

    monkeypatch.setattr(timsdk.HttpClient, "get_url", get_url)
    yield timsdk.TimClient(stack.sdkappid, stack.key, identifier=stack.admin)


def test_every_call_of_tencentcloud_sdk_python_im_answers_in_tencents_shape(tc: Any) -> None:
    a, b, c, d, e = ids("tca", "tcb", "tcc", "tcd", "tce")
    text = [tcim.MessageText("hello")]
    # accounts
    for user in (a, b, c):
        answer(tc.add_single_user(user, f"nick {user}", "https://face.example/x.png"))
    answer(tc.batch_add_users([d, e]), "FailAccounts")
    checked = answer(tc.search_user([a, d]), "ResultItem")
    assert {r["UserID"]: r["AccountStatus"] for r in checked["ResultItem"]} == {a: "Imported", d: "Imported"}
    online = answer(tc.check_user_online([a, b]), "QueryResult")
    assert {r["To_Account"] for r in online["QueryResult"]} == {a, b}
    answer(tc.abolition_user_sig(e))
    # friends (FriendObj sends GroupName "" and Remark "" by default)
    added = answer(tc.add_friend(a, [tcim.FriendObj(b, "Web"), tcim.FriendObj(c, "Web", remark="cee")]), "ResultItem")
    assert [r["ResultCode"] for r in added["ResultItem"]] == [0, 0], added
    remark = tcim.SnsItemObj("Tag_SNS_IM_Remark", "bee")
    updated = answer(tc.update_friend(a, [tcim.UpdateFriendObj(b, [remark])]), "ResultItem")
    assert updated["ResultItem"][0]["ResultCode"] == 0, updated
    listed = answer(tc.get_target_friends(a, [b], ["Tag_SNS_IM_Remark"]), "InfoItem")
    assert listed["InfoItem"][0]["SnsProfileItem"] == [{"Tag": "Tag_SNS_IM_Remark", "Value": "bee"}], listed
    friends = answer(tc.get_friends(a), "UserDataItem", "FriendNum", "CompleteFlag")
    assert {f["To_Account"] for f in friends["UserDataItem"]} == {b, c}
    answer(tc.add_sns_group(a, ["pals"], [b]), "ResultItem")
    groups = answer(tc.get_sns_group(a), "ResultItem")
    assert [g["GroupName"] for g in groups["ResultItem"]] == ["pals"], groups
    answer(tc.delete_sns_group(a, ["pals"]))
    deleted = answer(tc.delete_friends(a, [c]), "ResultItem")
    assert deleted["ResultItem"][0]["ResultCode"] == 0, deleted
    # one-to-one messages
    sent = answer(tc.send_message(tcim.MessageObj(a, b, text_messages=text)), "MsgTime", "MsgKey")
    answer(tc.batch_send_message(tcim.BatchMessageObj(a, [b, d], text_messages=text)), "MsgKey")
    answer(tc.import_message_to_im(tcim.MessageObj(d, a, text_messages=text), int(time.time()) - 60))
    now = int(time.time())
    roam = answer(tc.get_message_list(a, b, 10, now - 3600, now + 5), "MsgList", "Complete", "MsgCnt")
    assert any(m["MsgKey"] == sent["MsgKey"] for m in roam["MsgList"]), roam
    unread = answer(tc.get_unread_num(b, [a]), "C2CUnreadMsgNumList")
    assert unread["C2CUnreadMsgNumList"][0]["C2CUnreadMsgNum"] >= 1, unread
    answer(tc.set_user_message_read(b, a))
    answer(tc.draw_message(a, b, sent["MsgKey"]))
    # groups
    members = [tcim.GroupMemObj(b), tcim.GroupMemObj(c, "Admin")]
    created = answer(tc.create_group(tcim.GroupObj(a, "Public", "sdk group", mem_list=members)), "GroupId")
    gid = created["GroupId"]
    listed_groups = answer(tc.get_group(limit_nm=10000), "GroupIdList", "TotalCount")
    assert gid in {g["GroupId"] for g in listed_groups["GroupIdList"]}
    info = answer(tc.get_group_detail([gid]), "GroupInfo")
    assert info["GroupInfo"][0]["GroupId"] == gid and info["GroupInfo"][0]["ErrorCode"] == 0, info
    answer(tc.get_group_mem_info_detail(gid), "MemberNum", "MemberList")
    answer(tc.update_group_baseinfo(gid, group_name="renamed", introduction="about"))
    answer(tc.add_group_member(gid, [tcim.GroupMemObj(d)]), "MemberList")
    answer(tc.update_group_mem_info(gid, d, namecard="dee"))
    answer(tc.delete_group_mem(gid, [d]))
    joined = answer(tc.get_joined_groups(b), "TotalCount", "GroupIdList")
    assert gid in {g["GroupId"] for g in joined["GroupIdList"]}
    roles = answer(tc.get_mem_role_in_group(gid, [a, b, c]), "UserIdList")
    assert {r["Member_Account"]: r["Role"] for r in roles["UserIdList"]} == {a: "Owner", b: "Member", c: "Admin"}
    answer(tc.forbid_send_msg(gid, [c], 60))
    shut = answer(tc.get_group_shutup_list(gid), "ShuttedUinList")
    assert [m["Member_Account"] for m in shut["ShuttedUinList"]] == [c], shut
    posted = answer(tc.send_group_message(gid, text, from_account=a, msgPriority="Normal"), "MsgTime", "MsgSeq")
    answer(tc.send_group_message(gid, text, from_account=b), "MsgSeq")
    answer(tc.send_system_message_in_group(gid, "system says hi"))
    recalled = answer(tc.recall_group_message(gid, [str(posted["MsgSeq"])]), "RecallRetList")  # typed List[str]
    assert recalled["RecallRetList"] == [{"MsgSeq": posted["MsgSeq"], "RetCode": 0}], recalled
    history = answer(tc.get_msg_in_group(gid, 20), "GroupId", "IsFinished", "RspMsgList")
    assert any(m["IsPlaceMsg"] == 2 for m in history["RspMsgList"]), history
    imported = tcim.GroupMessageObj(a, int(time.time()) - 5, text_messages=text)
    answer(tc.import_message_to_group(gid, messages=[imported]), "ImportMsgResult")
    answer(tc.import_group_members(gid, [tcim.GroupMemObj(e)]), "MemberList")
    answer(tc.set_group_unread_msg_num(gid, e, 1))
    answer(tc.delete_group_msg_by_sender(gid, b))
    answer(tc.get_online_member_num(gid), "OnlineMemberNum")
    # group attributes (get under group_open_attr_http_svc, writes under group_open_http_svc)
    answer(tc.update_group_attr(gid, [tcim.GroupAttr("topic", "sdk"), tcim.GroupAttr("lang", "zh")]))
    attrs = answer(tc.get_group_attr(gid), "GroupAttrAry")
    assert attrs["GroupAttrAry"] == [{"key": "lang", "value": "zh"}, {"key": "topic", "value": "sdk"}], attrs
    answer(tc.clean_group_attr(gid))
    assert answer(tc.get_group_attr(gid), "GroupAttrAry")["GroupAttrAry"] == []
    answer(tc.change_group_owner(gid, b))
    answer(tc.delete_group(gid))
    answer(tc.del_user([e]), "ResultItem")


def test_every_call_of_timsdk_answers_in_tencents_shape(tim: Any) -> None:
    a, b, c, d = ids("tia", "tib", "tic", "tid")
    login, sns, im, group = tim.im_open_login_svc, tim.sns, tim.open_im, tim.group_open_http_svc
    # accounts (account_import sends the legacy `Identifier`; account_check goes out as GET with a body)
    answer(login.account_import(a, nick="aa", face_url="https://face.example/a.png"))
    answer(login.im_open_login_svc([b, c, d]), "FailAccounts")
    checked = answer(login.account_check([a, b]), "ResultItem")
    assert {r["AccountStatus"] for r in checked["ResultItem"]} == {"Imported"}
    answer(login.kick(a))  # `Identifier`, as timsdk still sends it
    # profiles
    answer(tim.profile.portrait_set(a, [{"Tag": "Tag_Profile_IM_Nick", "Value": "Ada"}]))
    got = answer(tim.profile.portrait_get([a], ["Tag_Profile_IM_Nick"]), "UserProfileItem")
    assert got["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Ada"}], got
    # friends and blacklist
    item = [{"To_Account": b, "AddSource": "AddSource_Type_Android"}]
    assert answer(sns.friend_add(a, item), "ResultItem")["ResultItem"][0]["ResultCode"] == 0
    imported = [{"To_Account": c, "AddSource": "AddSource_Type_Web", "Remark": "cee"}]
    assert answer(sns.friend_import(a, imported), "ResultItem")["ResultItem"][0]["ResultCode"] == 0
    remark = [{"To_Account": b, "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "bee"}]}]
    answer(sns.friend_update(a, remark), "ResultItem")
    checked = answer(sns.friend_check(a, [b, d]), "InfoItem")
    assert {i["To_Account"]: i["Relation"] for i in checked["InfoItem"]}[b] == "CheckResult_Type_BothWay"
    answer(sns.friend_get(a), "UserDataItem", "FriendNum")
    answer(sns.friend_get_list(a, [b], ["Tag_SNS_IM_Remark"]), "InfoItem")
    answer(sns.group_add(a, ["pals"], [b]), "ResultItem")
    answer(sns.group_delete(a, ["pals"]))
    answer(sns.friend_delete(a, [c]), "ResultItem")
    answer(sns.black_list_add(a, [d]), "ResultItem")
    blocked = answer(sns.black_list_get(a), "BlackListItem", "StartIndex", "CurruentSequence")
    assert [x["To_Account"] for x in blocked["BlackListItem"]] == [d], blocked
    answer(sns.black_list_check(a, [d]), "BlackListCheckItem")
    answer(sns.black_list_delete(a, [d]), "ResultItem")
    answer(sns.friend_delete_all(a))
    # one-to-one messages and presence
    sent = answer(im.send_text_msg(b, "hi", from_account=a), "MsgTime", "MsgKey")
    answer(im.batch_send_text_msg([b, c], "hi all", from_account=a))
    answer(im.import_text_msg(b, a, "old one", msg_time_stamp=int(time.time()) - 120))
    answer(im.admin_msg_withdraw(b, a, sent["MsgKey"]))
    answer(im.query_state([a, b]), "QueryResult")
    hour = time.strftime("%Y%m%d%H", time.gmtime(time.time() + 8 * 3600))  # Beijing time, the demo app's zone
    answer(tim.open_msg_svc.get_history("C2C", hour), "File")  # the hour is not over: no file yet, or one
    # operations and global mute
    answer(tim.open_config_svr.set_no_speaking(d, 60, 60))
    muted = answer(tim.open_config_svr.get_no_speaking(d), "C2CmsgNospeakingTime", "GroupmsgNospeakingTime")
    assert 0 < muted["C2CmsgNospeakingTime"] <= 60, muted  # the seconds left
    answer(tim.open_config_svr.get_app_info(), "Result")
    # groups
    gid = answer(group.create_group("sdk group", owner_account=a, member_list=[{"Member_Account": b}]), "GroupId")[
        "GroupId"
    ]
    answer(group.get_app_id_group_list(), "GroupIdList", "TotalCount")
    answer(group.get_group_info([gid]), "GroupInfo")
    answer(group.get_group_member_info(gid), "MemberNum", "MemberList")
    answer(group.modify_group_base_info(gid, name="renamed"))
    answer(group.add_group_member(gid, [{"Member_Account": c}]), "MemberList")
    answer(group.modify_group_member_info(gid, c, name_card="cee"))
    answer(group.get_joined_group_list(b), "TotalCount", "GroupIdList")
    answer(group.get_role_in_group(gid, [a, b]), "UserIdList")
    answer(group.forbid_send_msg(gid, [c], 60))
    answer(group.get_group_shut_uin(gid), "ShuttedUinList")
    body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "in the group"}}]
    posted = answer(group.send_group_msg(gid, body, from_account=a), "MsgTime", "MsgSeq")
    answer(group.send_group_system_notification(gid, "note"))
    answer(group.group_msg_recall(gid, [{"MsgSeq": posted["MsgSeq"]}]), "RecallRetList")
    answer(group.group_msg_get_simple(gid, 10), "RspMsgList", "IsFinished")
    answer(group.import_group_msg(gid, [{"From_Account": a, "SendTime": int(time.time()) - 1, "MsgBody": body}]))
    answer(group.import_group_member(gid, [{"Member_Account": d}]), "MemberList")
    answer(group.set_unread_msg_num(gid, d, 0))
    answer(group.delete_group_msg_by_sender(gid, a))
    answer(group.delete_group_member(gid, [c]))
    answer(group.change_group_owner(gid, b))
    answer(group.destroy_group(gid))
    old = answer(group.import_group("imported", owner_account=a, create_time=int(time.time()) - 3600), "GroupId")
    answer(group.destroy_group(old["GroupId"]))
    answer(login.account_delete([d]), "ResultItem")
