"""sns friend requests, blacklist and friend groups over REST: flows, limits, paging and bad input."""

import pytest

from tests.api.sns import SOURCE, accept, add, codes, friends_of, make_people, meta, relation


@pytest.fixture
def people(api, svc, tenant, clock):
    return make_people(api, svc, tenant, clock, ("alice", "bob", "carol", "dave"))


def force_friends(api, owner, *peers):
    items = [{"To_Account": p, "AddSource": SOURCE} for p in peers]
    api.ok("sns/friend_add", {"From_Account": owner, "ForceAddFlags": 1, "AddFriendItem": items})


# --- requests -----------------------------------------------------------------------------------------------------
def test_request_lists_show_both_directions_page_by_cursor_and_keep_the_remark_private(people):
    api = people
    add(api, "alice", "bob", item={"Remark": "B", "GroupName": "pals", "AddWording": "hi"})
    add(api, "carol", "alice")
    add(api, "dave", "alice")
    out = api.ok("sns/friend_request_list", {"PendencyType": "Pendency_Type_SendOut"}, identifier="alice")
    [sent] = out["PendencyItem"]
    assert (sent["To_Account"], sent["Remark"], sent["GroupName"], sent["AddWording"]) == ("bob", "B", "pals", "hi")
    assert sent["ExpireTime"] == sent["AddTime"] + 30 * 86400
    page = api.ok("sns/friend_request_list", {"MaxLimited": 2}, identifier="alice")
    assert page["CompleteFlag"] == 0 and len(page["PendencyItem"]) == 2
    rest = api.ok("sns/friend_request_list", {"MaxLimited": 2, "Cursor": page["NextCursor"]}, identifier="alice")
    assert rest["CompleteFlag"] == 1 and rest["NextCursor"] == ""
    seen = [(i["PendencyType"], i["From_Account"]) for i in page["PendencyItem"] + rest["PendencyItem"]]
    assert sorted(seen) == [
        ("Pendency_Type_ComeIn", "carol"),
        ("Pendency_Type_ComeIn", "dave"),
        ("Pendency_Type_SendOut", "alice"),
    ]
    bob_view = api.ok("sns/friend_request_list", {}, identifier="bob")["PendencyItem"][0]
    assert "Remark" not in bob_view and "GroupName" not in bob_view


def test_bad_request_list_input_is_30001(people):
    for body in (
        {"PendencyType": "Pendency_Type_All"},
        {"MaxLimited": 0},
        {"MaxLimited": 101},
        {"Cursor": "FRIEND#bob"},
        {"Cursor": 5},
        {"From_Account": "bob"},
    ):
        code = 90009 if "From_Account" in body else 30001
        people.fails("sns/friend_request_list", body, code, identifier="alice")


def test_accepting_with_a_group_files_the_new_friend_and_agree_and_add_answers_a_single_request(people, svc, tenant):
    api = people
    add(api, "alice", "bob", AddType="Add_Type_Single")
    add(api, "carol", "bob", AddType="Add_Type_Single")
    assert accept(api, "bob", "alice")["ResultCode"] == 0
    assert relation(api, "alice", "bob") == "CheckResult_Type_AWithB"  # single: only alice lists bob
    assert accept(api, "bob", "carol", "Response_Action_AgreeAndAdd", GroupName="work")["ResultCode"] == 0
    assert relation(api, "bob", "carol") == "CheckResult_Type_BothWay"
    groups = api.ok("sns/group_get", {"NeedFriend": "Need_Friend_Type_Yes"}, identifier="bob")["ResultItem"]
    assert groups == [{"GroupName": "work", "FriendNumber": 1, "To_Account": ["carol"]}]
    assert (meta(svc, tenant, "bob").pending_in, meta(svc, tenant, "carol").pending_out) == (0, 0)


def test_accepting_when_the_requester_is_full_is_30014_and_keeps_the_request(people, svc, tenant):
    api = people
    svc.apps.configure(tenant.sdkappid, {"max_friends": "1"})
    add(api, "alice", "bob")
    force_friends(api, "alice", "carol")
    assert accept(api, "bob", "alice")["ResultCode"] == 30014
    assert len(api.ok("sns/friend_request_list", {}, identifier="bob")["PendencyItem"]) == 1


@pytest.mark.parametrize(
    "item",
    [
        {"To_Account": "alice"},
        {"To_Account": "alice", "ResponseAction": "Response_Action_Maybe"},
        {"To_Account": "alice", "ResponseAction": "Response_Action_Agree", "Remark": "r" * 97},
        {"ResponseAction": "Response_Action_Agree"},
    ],
)
def test_bad_responses_are_30001_and_leave_the_request(people, item):
    api = people
    add(api, "alice", "bob")
    api.fails("sns/friend_response", {"ResponseFriendItem": [item]}, 30001, identifier="bob")
    api.fails("sns/friend_response", {"ResponseFriendItem": [item] * 101}, 30001, identifier="bob")
    assert len(api.ok("sns/friend_request_list", {}, identifier="bob")["PendencyItem"]) == 1


# --- blacklist ----------------------------------------------------------------------------------------------------
def test_blacklisting_drops_the_friendship_both_ways_and_pending_requests(people, svc, tenant):
    api = people
    force_friends(api, "alice", "bob")
    add(api, "carol", "alice")
    out = api.ok("sns/black_list_add", {"To_Account": ["bob", "carol", "ghost", "alice"]}, identifier="alice")
    assert codes(out["ResultItem"]) == [0, 0, 31804, 30001]
    assert out["Fail_Account"] == ["ghost", "alice"]
    assert relation(api, "alice", "bob") == "CheckResult_Type_NoRelation"
    assert api.ok("sns/friend_request_list", {}, identifier="alice")["PendencyItem"] == []
    assert (meta(svc, tenant, "carol").pending_out, meta(svc, tenant, "bob").friends) == (0, 0)
    again = api.ok("sns/black_list_add", {"To_Account": ["bob"]}, identifier="alice")
    assert again["ResultItem"][0]["ResultInfo"] == "Err_SNS_BlackListAdd_Already_Exist"


def test_black_list_check_single_and_both(people):
    api = people
    api.ok("sns/black_list_add", {"To_Account": ["bob"]}, identifier="alice")
    api.ok("sns/black_list_add", {"To_Account": ["alice", "carol"]}, identifier="bob")
    body = {"To_Account": ["bob", "carol", "ghost"], "CheckType": "BlackCheckResult_Type_Both"}
    out = api.ok("sns/black_list_check", body, identifier="alice")
    assert [(i["Relation"], i["ResultCode"]) for i in out["BlackListCheckItem"]] == [
        ("BlackCheckResult_Type_BothWay", 0),
        ("BlackCheckResult_Type_NO", 0),
        ("BlackCheckResult_Type_NO", 31804),
    ]
    single = api.ok("sns/black_list_check", {**body, "CheckType": "BlackCheckResult_Type_Single"}, identifier="bob")
    assert [(i["Relation"], i["ResultCode"]) for i in single["BlackListCheckItem"]] == [
        ("BlackCheckResult_Type_NO", 30001),
        ("BlackCheckResult_Type_AWithB", 0),
        ("BlackCheckResult_Type_NO", 31804),
    ]
    out = api.ok(
        "sns/black_list_check", {"To_Account": ["alice"], "CheckType": "BlackCheckResult_Type_Both"}, identifier="carol"
    )
    assert out["BlackListCheckItem"][0]["Relation"] == "BlackCheckResult_Type_NO"
    for bad in ({"To_Account": ["bob"]}, {"To_Account": ["bob"], "CheckType": "CheckResult_Type_Both"}):
        api.fails("sns/black_list_check", bad, 30001, identifier="alice")


def test_black_list_get_pages_with_start_index_and_its_sequence(people):
    api = people
    api.ok("sns/black_list_add", {"To_Account": ["carol", "bob", "dave"]}, identifier="alice")
    first = api.ok("sns/black_list_get", {"StartIndex": 0, "MaxLimited": 2, "LastSequence": 0}, identifier="alice")
    assert [i["To_Account"] for i in first["BlackListItem"]] == ["carol", "bob"]
    assert first["BlackListItem"][0]["AddBlackTimeStamp"] > 0 and first["StartIndex"] > 0
    rest = api.ok(
        "sns/black_list_get",
        {"StartIndex": first["StartIndex"], "MaxLimited": 2, "LastSequence": 0},
        identifier="alice",
    )
    assert [i["To_Account"] for i in rest["BlackListItem"]] == ["dave"] and rest["StartIndex"] == 0
    seq = first["CurruentSequence"]
    unchanged = api.ok(
        "sns/black_list_get", {"StartIndex": 0, "MaxLimited": 9, "LastSequence": seq}, identifier="alice"
    )
    assert unchanged["BlackListItem"] == []
    out = api.ok("sns/black_list_delete", {"To_Account": ["bob", "ghost"]}, identifier="alice")
    assert codes(out["ResultItem"]) == [0, 30001]
    after = api.ok("sns/black_list_get", {"StartIndex": 0, "MaxLimited": 9, "LastSequence": seq}, identifier="alice")
    assert [i["To_Account"] for i in after["BlackListItem"]] == ["carol", "dave"]
    assert after["CurruentSequence"] > seq
    for bad in (
        {"MaxLimited": 2},
        {"StartIndex": 0},
        {"StartIndex": 0, "MaxLimited": 0},
        {"StartIndex": 0, "MaxLimited": 1001},
        {"StartIndex": 0, "MaxLimited": 5, "LastSequence": "1"},
    ):
        api.fails("sns/black_list_get", bad, 30001, identifier="alice")


def test_the_blacklist_is_bounded_with_30013_and_inputs_are_checked(people, svc, tenant):
    api = people
    svc.apps.configure(tenant.sdkappid, {"max_blacklist": "2"})
    out = api.ok("sns/black_list_add", {"To_Account": ["bob", "carol", "dave"]}, identifier="alice")
    assert codes(out["ResultItem"]) == [0, 0, 30013]
    for bad in (
        {"To_Account": "bob"},
        {"To_Account": []},
        {"To_Account": [f"u{i}" for i in range(1001)]},
        {"To_Account": [7]},
    ):
        api.fails("sns/black_list_add", bad, 30001, identifier="alice")
        api.fails("sns/black_list_delete", bad, 30001, identifier="alice")
    assert meta(svc, tenant, "alice").blacks == 2


# --- friend groups ------------------------------------------------------------------------------------------------
def test_group_add_creates_groups_files_friends_and_reports_non_friends(people):
    api = people
    force_friends(api, "alice", "bob", "carol")
    out = api.ok("sns/group_add", {"GroupName": ["work", "gym"], "To_Account": ["bob", "dave"]}, identifier="alice")
    assert codes(out["ResultItem"]) == [0, 32216] and out["Fail_Account"] == ["dave"]
    assert out["ResultItem"][1]["ResultInfo"] == "Err_SNS_GroupAdd_ToTinyId_Not_Friend"
    seq = out["CurrentSequence"]
    assert seq > 0
    api.ok(
        "sns/friend_update",
        {"UpdateItem": [{"To_Account": "carol", "SnsItem": [{"Tag": "Tag_SNS_IM_Group", "Value": ["work"]}]}]},
        identifier="alice",
    )
    got = api.ok("sns/group_get", {"NeedFriend": "Need_Friend_Type_Yes"}, identifier="alice")
    assert got["ResultItem"] == [
        {"GroupName": "gym", "FriendNumber": 1, "To_Account": ["bob"]},
        {"GroupName": "work", "FriendNumber": 2, "To_Account": ["bob", "carol"]},
    ]
    only = api.ok("sns/group_get", {"GroupName": ["work", "nope"]}, identifier="alice")["ResultItem"]
    assert only == [{"GroupName": "work", "FriendNumber": 2}]
    deleted = api.ok("sns/group_delete", {"GroupName": ["work"]}, identifier="alice")
    assert deleted["CurrentSequence"] > seq
    got = api.ok("sns/group_get", {"NeedFriend": "Need_Friend_Type_Yes"}, identifier="alice")["ResultItem"]
    assert got == [{"GroupName": "gym", "FriendNumber": 1, "To_Account": ["bob"]}]
    assert friends_of(api, "alice") == ["bob", "carol"]  # deleting a group keeps its friends
    body = {"To_Account": ["carol"], "TagList": ["Tag_SNS_IM_Group"]}
    assert api.ok("sns/friend_get_list", body, identifier="alice")["InfoItem"][0]["SnsProfileItem"][0]["Value"] == []


def test_friend_groups_are_bounded_with_30011_and_bad_names_write_nothing(people, svc, tenant):
    api = people
    svc.apps.configure(tenant.sdkappid, {"max_friend_groups": "2"})
    force_friends(api, "alice", "bob")
    api.ok("sns/group_add", {"GroupName": ["a", "b"]}, identifier="alice")
    api.fails("sns/group_add", {"GroupName": ["c"], "To_Account": ["bob"]}, 30011, identifier="alice")
    upd = api.ok(
        "sns/friend_update",
        {"UpdateItem": [{"To_Account": "bob", "SnsItem": [{"Tag": "Tag_SNS_IM_Group", "Value": ["c"]}]}]},
        identifier="alice",
    )
    assert codes(upd["ResultItem"]) == [30011]
    for bad in (
        {},
        {"GroupName": []},
        {"GroupName": "a"},
        {"GroupName": [""]},
        {"GroupName": ["g" * 31]},
        {"GroupName": ["x"], "To_Account": "bob"},
    ):
        api.fails("sns/group_add", bad, 30001, identifier="alice")
        api.fails("sns/group_delete", bad if "To_Account" not in bad else {"GroupName": 5}, 30001, identifier="alice")
    api.fails("sns/group_delete", {"GroupName": ["a", "missing"]}, 30001, identifier="alice")
    api.fails("sns/group_get", {"NeedFriend": "yes"}, 30001, identifier="alice")
    assert meta(svc, tenant, "alice").groups == {"a", "b"}
