"""What Tencent's server SDKs send by default and the legacy field names they still use are accepted (issue 19)."""

from tests.group_builders import accounts


def test_kick_takes_the_legacy_identifier_as_timsdk_sends_it(api):
    accounts(api, "alice")
    api.ok("im_open_login_svc/kick", {"Identifier": "alice"})
    api.ok("im_open_login_svc/kick", {"UserID": "alice"})
    api.rejects("im_open_login_svc/kick", {}, 70402)
    api.rejects("im_open_login_svc/kick", {"Identifier": 5}, 70402)
    api.fails("im_open_login_svc/kick", {"Identifier": "ghost"}, 70107)


def test_add_friend_with_an_empty_group_name_adds_to_no_group(api):
    accounts(api, "alice", "bob")
    item = {"To_Account": "bob", "AddSource": "AddSource_Type_Web", "Remark": "", "GroupName": ""}
    out = api.ok("sns/friend_add", {"From_Account": "alice", "AddFriendItem": [item], "ForceAddFlags": 1})
    assert out["ResultItem"][0]["ResultCode"] == 0
    assert api.ok("sns/group_get", {"From_Account": "alice"}).get("ResultItem", []) == []


def test_get_ip_list_answers_in_tencents_shape(api):
    assert api.ok("ConfigSvc/GetIPList", {})["IPList"] == []


def test_the_legacy_friend_get_all_lists_friends_in_its_old_shape(api):
    accounts(api, "alice", "bob", "carol")
    for peer in ("bob", "carol"):
        item = {"To_Account": peer, "AddSource": "AddSource_Type_Web", "Remark": f"r-{peer}"}
        api.ok("sns/friend_add", {"From_Account": "alice", "AddFriendItem": [item], "ForceAddFlags": 1})
    out = api.ok("sns/friend_get_all", {"From_Account": "alice", "TimeStamp": 0, "StartIndex": 0, "GetCount": 100})
    assert out["NeedUpdateAll"] == "NeedUpdateAll_Yes" and out["FriendNum"] == 2 and out["StartIndex"] == 0
    by_peer = {i["Info_Account"]: i["SnsProfileItem"] for i in out["InfoItem"]}
    assert set(by_peer) == {"bob", "carol"}
    assert {"Tag": "Tag_SNS_IM_Remark", "Value": "r-bob"} in by_peer["bob"]
    api.ok("sns/friend_get_all", {"StartIndex": 0}, identifier="alice")  # an account lists its own
    api.rejects("sns/friend_get_all", {"From_Account": "alice", "StartIndex": -1}, 30001)
