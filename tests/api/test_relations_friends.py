"""sns friend commands over REST: each rule, each limit, and every class of bad input (which writes nothing)."""

import pytest

from chalicelib.domain import relations as rel
from tests.api.sns import SOURCE, accept, add, allow, codes, friends_of, make_people, meta, relation


@pytest.fixture
def people(api, svc, tenant, clock):
    return make_people(api, svc, tenant, clock)


def nothing_written(svc, tenant, *users):
    for user in users:
        m = meta(svc, tenant, user)
        assert (m.friends, m.pending_in, m.pending_out, m.blacks, m.groups) == (0, 0, 0, 0, frozenset()), user
    assert svc.relations.repo.pointing_at(tenant.sdkappid, "bob") == []


# --- friend_add ---------------------------------------------------------------------------------------------------
def test_allow_any_makes_friends_at_once_and_single_adds_one_way(people):
    api = people
    allow(api, "bob", "AllowAny")
    allow(api, "carol", "AllowAny")
    assert codes(add(api, "alice", "bob")) == [0]
    assert relation(api, "alice", "bob") == "CheckResult_Type_BothWay"
    assert codes(add(api, "alice", "carol", AddType="Add_Type_Single")) == [0]
    assert relation(api, "alice", "carol") == "CheckResult_Type_AWithB"


def test_deny_any_refuses_with_30516_unless_the_admin_forces(people, svc, tenant):
    api = people
    allow(api, "bob", "DenyAny")
    out = api.ok("sns/friend_add", {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}]}, identifier="alice")
    assert codes(out["ResultItem"]) == [30516] and out["Fail_Account"] == ["bob"]
    nothing_written(svc, tenant, "alice", "bob")
    api.ok(
        "sns/friend_add",
        {"From_Account": "alice", "ForceAddFlags": 1, "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}]},
    )
    assert relation(api, "alice", "bob") == "CheckResult_Type_BothWay"


def test_force_add_is_for_the_admin_only(people, svc, tenant):
    body = {"ForceAddFlags": 1, "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}]}
    people.fails("sns/friend_add", body, 30004, identifier="alice")
    nothing_written(svc, tenant, "alice", "bob")


def test_pending_results_are_not_failures_and_the_batch_reports_each_item(people):
    api = people
    allow(api, "carol", "AllowAny")
    body = {"AddFriendItem": [{"To_Account": p, "AddSource": SOURCE} for p in ("bob", "carol", "nobody", "alice")]}
    out = api.ok("sns/friend_add", body, identifier="alice")
    assert [(r["To_Account"], r["ResultCode"]) for r in out["ResultItem"]] == [
        ("bob", 30539),
        ("carol", 0),
        ("nobody", 30003),
        ("alice", 30001),
    ]
    assert out["Fail_Account"] == ["nobody", "alice"]
    assert out["ErrorDisplay"] == ""
    assert add(api, "alice", "carol")[0]["ResultInfo"] == rel.FRIEND_EXIST


def test_a_peer_that_already_lists_me_needs_no_confirmation(people):
    api = people
    allow(api, "alice", "AllowAny")
    add(api, "bob", "alice", AddType="Add_Type_Single")  # bob lists alice
    assert codes(add(api, "alice", "bob")) == [0]  # bob's NeedConfirm does not apply: bob already chose alice
    assert relation(api, "alice", "bob") == "CheckResult_Type_BothWay"


def test_adding_back_someone_who_asked_me_accepts_their_request(people, svc, tenant):
    api = people
    add(api, "alice", "bob")
    assert codes(add(api, "bob", "alice")) == [0]
    assert relation(api, "alice", "bob") == "CheckResult_Type_BothWay"
    assert (meta(svc, tenant, "alice").pending_out, meta(svc, tenant, "bob").pending_in) == (0, 0)


BAD_ADDS = [
    {},
    {"AddFriendItem": {"To_Account": "bob", "AddSource": SOURCE}},  # an object, not an array (SNS_DECODE_ERR)
    {"AddFriendItem": []},
    {"AddFriendItem": [{"To_Account": "bob"}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": "AddSource_Type_Toolonglong"}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": "Web"}]},
    {"AddFriendItem": [{"To_Account": 42, "AddSource": SOURCE}]},
    {"AddFriendItem": [{"To_Account": "x" * 33, "AddSource": SOURCE}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE, "Remark": "r" * 97}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE, "AddWording": "w" * 121}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE, "GroupName": "g" * 31}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE, "GroupName": ["g"]}]},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}], "AddType": "Add_Type_Twice"},
    {"AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}], "ForceAddFlags": "1"},
    {"AddFriendItem": [{"To_Account": f"u{i}", "AddSource": SOURCE} for i in range(1001)]},
    {"AddFriendItem": ["bob"]},
]


def test_bad_friend_add_input_is_30001_and_writes_nothing(people, svc, tenant):
    for body in BAD_ADDS:
        people.fails("sns/friend_add", body, 30001, identifier="alice")
    nothing_written(svc, tenant, "alice", "bob")


def test_acting_for_another_account_or_from_an_unknown_one_is_refused(people, api, svc, tenant):
    body = {"From_Account": "bob", "AddFriendItem": [{"To_Account": "carol", "AddSource": SOURCE}]}
    people.fails("sns/friend_add", body, 90009, identifier="alice")
    people.fails("sns/friend_add", {**body, "From_Account": "ghost"}, 30003)
    people.fails("sns/friend_add", {"AddFriendItem": body["AddFriendItem"]}, 30001)  # the admin must say who acts
    people.fails("sns/friend_add", body, 70020, sdkappid=1400000999)  # another tenant's id
    nothing_written(svc, tenant, "alice", "bob", "carol")


def test_friend_limits_are_30010_for_me_and_30014_for_the_peer(people, svc, tenant):
    api = people
    svc.apps.configure(tenant.sdkappid, {"max_friends": "1"})
    for user in ("bob", "carol"):
        allow(api, user, "AllowAny")
    assert codes(add(api, "alice", "bob")) == [0]
    assert codes(add(api, "alice", "carol")) == [30010]
    assert codes(add(api, "carol", "bob")) == [30014]
    assert meta(svc, tenant, "carol").friends == 0 and meta(svc, tenant, "bob").friends == 1


def test_pending_requests_are_bounded_with_30012(people, svc, tenant):
    api = people
    svc.apps.configure(tenant.sdkappid, {"max_pending_requests": "1"})
    assert codes(add(api, "alice", "bob")) == [30539]
    assert codes(add(api, "alice", "carol")) == [30012]  # alice's outgoing is full
    assert codes(add(api, "carol", "bob")) == [30012]  # bob's incoming is full
    assert codes(add(api, "alice", "bob", item={"AddWording": "again"})) == [30539]  # renewing is not a new one


def test_expired_requests_vanish_and_free_their_place(people, svc, tenant, clock):
    api = people
    svc.apps.configure(tenant.sdkappid, {"max_pending_requests": "1"})
    add(api, "alice", "bob")
    clock.advance(30 * 86400 + 1)
    assert api.ok("sns/friend_request_list", {}, identifier="bob")["PendencyItem"] == []
    assert accept(api, "bob", "alice")["ResultCode"] == 30614
    assert codes(add(api, "alice", "carol")) == [30539]  # the expired one was purged to make room
    assert meta(svc, tenant, "bob").pending_in == 0


# --- friend_import ------------------------------------------------------------------------------------------------
def test_friend_import_is_one_way_keeps_given_values_and_is_admin_only(people):
    api = people
    item = {
        "To_Account": "bob",
        "AddSource": SOURCE,
        "Remark": "B",
        "RemarkTime": 5,
        "GroupName": ["g1", "g2"],
        "AddWording": "w",
        "AddTime": 1420000001,
        "CustomItem": [{"Tag": "Tag_SNS_Custom_Lv", "Value": 3}],
    }
    api.fails("sns/friend_import", {"From_Account": "alice", "AddFriendItem": [item]}, 60010, identifier="alice")
    out = api.ok("sns/friend_import", {"From_Account": "alice", "AddFriendItem": [item]})
    assert codes(out["ResultItem"]) == [0]
    assert relation(api, "alice", "bob") == "CheckResult_Type_AWithB"
    values = {
        v["Tag"]: v["Value"]
        for v in api.ok("sns/friend_get", {"From_Account": "alice", "StartIndex": 0})["UserDataItem"][0]["ValueItem"]
    }
    assert values == {
        "Tag_SNS_IM_AddSource": SOURCE,
        "Tag_SNS_IM_Remark": "B",
        "Tag_SNS_IM_RemarkTime": 5,
        "Tag_SNS_IM_Group": ["g1", "g2"],
        "Tag_SNS_IM_AddWording": "w",
        "Tag_SNS_IM_AddTime": 1420000001,
        "Tag_SNS_Custom_Lv": 3,
    }
    again = api.ok("sns/friend_import", {"From_Account": "alice", "AddFriendItem": [item]})
    assert again["ResultItem"][0]["ResultInfo"] == rel.FRIEND_EXIST


def test_bad_friend_import_input_writes_nothing(people, svc, tenant):
    for item in (
        {"GroupName": "g"},
        {"CustomItem": [{"Tag": "Tag_Custom_X", "Value": 1}]},
        {"CustomItem": [{"Tag": "Tag_SNS_Custom_X"}]},
        {"CustomItem": [{"Tag": "Tag_SNS_Custom_X", "Value": -3}]},
        {"AddTime": -1},
        {"RemarkTime": "soon"},
    ):
        body = {"From_Account": "alice", "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE, **item}]}
        people.fails("sns/friend_import", body, 30001)
    nothing_written(svc, tenant, "alice")


# --- friend_update ------------------------------------------------------------------------------------------------
def test_friend_update_sets_remark_groups_and_custom_tags(people, svc, tenant):
    api = people
    api.ok(
        "sns/friend_import", {"From_Account": "alice", "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}]}
    )
    sns = [
        {"Tag": "Tag_SNS_IM_Remark", "Value": "Bee"},
        {"Tag": "Tag_SNS_IM_Group", "Value": ["work"]},
        {"Tag": "Tag_SNS_Custom_Nick", "Value": "b"},
    ]
    out = api.ok(
        "sns/friend_update",
        {"UpdateItem": [{"To_Account": "bob", "SnsItem": sns}, {"To_Account": "carol", "SnsItem": sns[:1]}]},
        identifier="alice",
    )
    assert codes(out["ResultItem"]) == [0, 31704] and out["Fail_Account"] == ["carol"]
    body = {
        "To_Account": ["bob"],
        "TagList": ["Tag_SNS_IM_Remark", "Tag_SNS_IM_Group", "Tag_SNS_Custom_Nick", "Tag_SNS_IM_RemarkTime"],
    }
    items = api.ok("sns/friend_get_list", body, identifier="alice")["InfoItem"][0]["SnsProfileItem"]
    assert [i["Value"] for i in items] == ["Bee", ["work"], "b", int(svc.clock.now())]
    assert meta(svc, tenant, "alice").groups == {"work"}


def test_bad_friend_update_input_writes_nothing(people, svc, tenant):
    api = people
    api.ok(
        "sns/friend_import", {"From_Account": "alice", "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}]}
    )
    before = meta(svc, tenant, "alice")
    good = {"Tag": "Tag_SNS_IM_Remark", "Value": "fine"}
    for sns in (
        [good, {"Tag": "Tag_SNS_IM_AddSource", "Value": SOURCE}],  # not writable; the good item is not written
        [{"Tag": "Tag_SNS_IM_Remark", "Value": "r" * 97}],
        [{"Tag": "Tag_SNS_IM_Group", "Value": "work"}],
        [{"Tag": "Tag_SNS_IM_Remark"}],
        [{"Tag": "Tag_SNS_Custom_WayTooLong", "Value": "x"}],
        [],
    ):
        body = {"UpdateItem": [{"To_Account": "bob", "SnsItem": sns}]}
        api.fails("sns/friend_update", body, 30001, identifier="alice")
    too_many = [{"To_Account": f"u{i}", "SnsItem": [good]} for i in range(101)]
    api.fails("sns/friend_update", {"UpdateItem": too_many}, 30001, identifier="alice")
    assert meta(svc, tenant, "alice") == before


# --- delete -------------------------------------------------------------------------------------------------------
def test_friend_delete_reports_31704_for_non_friends_and_caps_the_list(people):
    api = people
    api.ok(
        "sns/friend_import", {"From_Account": "alice", "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE}]}
    )
    out = api.ok("sns/friend_delete", {"To_Account": ["bob", "carol", "nobody"]}, identifier="alice")
    assert codes(out["ResultItem"]) == [0, 31704, 31704]
    api.fails("sns/friend_delete", {"To_Account": [f"u{i}" for i in range(1001)]}, 30001, identifier="alice")
    api.fails("sns/friend_delete", {"To_Account": ["bob"], "DeleteType": "Both"}, 30001, identifier="alice")
    api.fails("sns/friend_delete", {"To_Account": "bob"}, 30001, identifier="alice")


def test_friend_delete_all_single_keeps_the_others_lists_and_both_clears_them(people, svc, tenant):
    api = people
    api.ok(
        "sns/friend_add",
        {
            "From_Account": "alice",
            "ForceAddFlags": 1,
            "AddFriendItem": [{"To_Account": p, "AddSource": SOURCE} for p in ("bob", "carol")],
        },
    )
    api.ok("sns/friend_delete_all", {}, identifier="alice")
    assert friends_of(api, "alice") == [] and friends_of(api, "bob") == ["alice"]
    api.ok(
        "sns/friend_add",
        {
            "From_Account": "alice",
            "ForceAddFlags": 1,
            "AddFriendItem": [{"To_Account": p, "AddSource": SOURCE} for p in ("bob", "carol")],
        },
    )
    api.ok("sns/friend_delete_all", {"DeleteType": "Delete_Type_Both"}, identifier="alice")
    assert friends_of(api, "bob") == friends_of(api, "carol") == friends_of(api, "alice") == []
    assert meta(svc, tenant, "bob").friends == meta(svc, tenant, "alice").friends == 0


# --- check, get, get_list -----------------------------------------------------------------------------------------
def test_friend_check_single_looks_only_at_my_list_and_reports_unknown_accounts(people):
    api = people
    api.ok(
        "sns/friend_import", {"From_Account": "bob", "AddFriendItem": [{"To_Account": "alice", "AddSource": SOURCE}]}
    )
    assert relation(api, "alice", "bob", "CheckResult_Type_Single") == "CheckResult_Type_NoRelation"
    assert relation(api, "bob", "alice", "CheckResult_Type_Single") == "CheckResult_Type_AWithB"
    out = api.ok(
        "sns/friend_check", {"To_Account": ["bob", "ghost"], "CheckType": "CheckResult_Type_Both"}, identifier="alice"
    )
    assert [(i["Relation"], i["ResultCode"]) for i in out["InfoItem"]] == [
        ("CheckResult_Type_BWithA", 0),
        ("CheckResult_Type_NoRelation", 30003),
    ]
    assert out["Fail_Account"] == ["ghost"]
    api.fails("sns/friend_check", {"To_Account": ["bob"]}, 30001, identifier="alice")
    api.fails("sns/friend_check", {"To_Account": ["bob"], "CheckType": "Both"}, 30001, identifier="alice")
    api.fails("sns/friend_check", {"To_Account": [], "CheckType": "CheckResult_Type_Both"}, 30001, identifier="alice")


def test_friend_get_pages_with_next_start_index_and_skips_unchanged_standard_data(people, monkeypatch):
    api = people
    monkeypatch.setattr(rel, "FRIEND_PAGE", 2)
    for peer in ("carol", "bob", "dave", "erin"):
        api.ok("im_open_login_svc/account_import", {"UserID": peer})
        api.ok(
            "sns/friend_import", {"From_Account": "alice", "AddFriendItem": [{"To_Account": peer, "AddSource": SOURCE}]}
        )
    first = api.ok("sns/friend_get", {"StartIndex": 0}, identifier="alice")
    assert [i["To_Account"] for i in first["UserDataItem"]] == ["carol", "bob"]
    assert (first["FriendNum"], first["CompleteFlag"], first["ErrorDisplay"]) == (4, 0, "")
    second = api.ok("sns/friend_get", {"StartIndex": first["NextStartIndex"]}, identifier="alice")
    assert [i["To_Account"] for i in second["UserDataItem"]] == ["dave", "erin"]
    assert (second["CompleteFlag"], second["NextStartIndex"]) == (1, 0)
    same = api.ok(
        "sns/friend_get", {"StartIndex": 0, "StandardSequence": first["StandardSequence"]}, identifier="alice"
    )
    assert [i["ValueItem"] for i in same["UserDataItem"]] == [[], []]
    api.fails("sns/friend_get", {}, 30001, identifier="alice")
    api.fails("sns/friend_get", {"StartIndex": -1}, 30001, identifier="alice")
    api.fails("sns/friend_get", {"StartIndex": "0"}, 30001, identifier="alice")


def test_friend_get_list_returns_profiles_and_sns_tags_in_one_call(people):
    api = people
    api.ok(
        "profile/portrait_set",
        {"From_Account": "bob", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "Bob"}]},
        identifier="bob",
    )
    api.ok(
        "sns/friend_import",
        {"From_Account": "alice", "AddFriendItem": [{"To_Account": "bob", "AddSource": SOURCE, "Remark": "B"}]},
    )
    body = {
        "To_Account": ["bob", "carol"],
        "TagList": ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Image", "Tag_SNS_IM_Remark", "Tag_SNS_IM_Group"],
    }
    out = api.ok("sns/friend_get_list", body, identifier="alice")
    bob, carol = out["InfoItem"]
    assert bob["SnsProfileItem"] == [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "Bob"},
        {"Tag": "Tag_Profile_IM_Image", "Value": ""},
        {"Tag": "Tag_SNS_IM_Remark", "Value": "B"},
        {"Tag": "Tag_SNS_IM_Group", "Value": []},
    ]
    assert (carol["ResultCode"], out["Fail_Account"]) == (31704, ["carol"])
    for tags in (["Tag_Profile_IM_Bogus"], ["Tag_SNS_IM_Bogus"], [], "Tag_SNS_IM_Remark", [3]):
        api.fails("sns/friend_get_list", {"To_Account": ["bob"], "TagList": tags}, 30001, identifier="alice")
    too_many = {"To_Account": [f"u{i}" for i in range(101)], "TagList": ["Tag_SNS_IM_Remark"]}
    api.fails("sns/friend_get_list", too_many, 30001, identifier="alice")
