"""Three accounts over REST: the request flow end to end, and what every terminal of both sides is told."""

import pytest

from tests.api.sns import accept, add, codes, make_people, relation


@pytest.fixture
def people(api, svc, tenant, clock):
    return make_people(api, svc, tenant, clock)


def test_need_confirm_request_accept_check_delete_then_blacklist_refuses_requests(people, pusher):
    api = people
    # NeedConfirm is the default: a pending request (30539) that bob sees
    assert codes(add(api, "alice", "bob", item={"AddWording": "hi bob", "Remark": "Bobby"})) == [30539]
    assert relation(api, "alice", "bob") == "CheckResult_Type_NoRelation"
    incoming = api.ok("sns/friend_request_list", {"PendencyType": "Pendency_Type_ComeIn"}, identifier="bob")
    [item] = incoming["PendencyItem"]
    assert (item["From_Account"], item["AddWording"], "Remark" in item) == ("alice", "hi bob", False)
    assert [c for c, _ in pusher.events("friend_request")] == ["ws-alice", "ws-bob"]

    # bob accepts; Add_Type_Both (the default) makes them friends both ways, with each side's remark
    assert accept(api, "bob", "alice", Remark="Al")["ResultCode"] == 0
    assert relation(api, "alice", "bob") == relation(api, "bob", "alice") == "CheckResult_Type_BothWay"
    assert api.ok("sns/friend_request_list", {}, identifier="bob")["PendencyItem"] == []
    for user, remark in (("alice", "Bobby"), ("bob", "Al")):
        peer = "bob" if user == "alice" else "alice"
        body = {"To_Account": [peer], "TagList": ["Tag_SNS_IM_Remark"]}
        items = api.ok("sns/friend_get_list", body, identifier=user)["InfoItem"][0]["SnsProfileItem"]
        assert items == [{"Tag": "Tag_SNS_IM_Remark", "Value": remark}]
    added = {c: sorted(i["From_Account"] for i in f["data"]["Items"]) for c, f in pusher.events("friend_added")}
    assert added == {"ws-alice": ["alice", "bob"], "ws-bob": ["alice", "bob"]}

    # a single delete keeps bob's side; a both delete removes the rest
    api.ok("sns/friend_delete", {"To_Account": ["bob"], "DeleteType": "Delete_Type_Single"}, identifier="alice")
    assert relation(api, "alice", "bob") == "CheckResult_Type_BWithA"
    assert relation(api, "bob", "alice") == "CheckResult_Type_AWithB"
    api.ok("sns/friend_delete", {"To_Account": ["alice"], "DeleteType": "Delete_Type_Both"}, identifier="bob")
    assert relation(api, "alice", "bob") == "CheckResult_Type_NoRelation"
    assert {c for c, _ in pusher.events("friend_deleted")} == {"ws-alice", "ws-bob"}

    # carol blacklists alice: alice's request is refused (30525), carol's own request to alice too (30515)
    api.ok("sns/black_list_add", {"To_Account": ["alice"]}, identifier="carol")
    assert codes(add(api, "alice", "carol")) == [30525]
    assert codes(add(api, "carol", "alice")) == [30515]
    assert api.ok("sns/friend_request_list", {}, identifier="carol")["PendencyItem"] == []


def test_refused_and_withdrawn_requests_close_on_both_sides(people, pusher):
    api = people
    add(api, "alice", "bob")
    add(api, "carol", "bob")
    assert accept(api, "bob", "alice", "Response_Action_Reject")["ResultCode"] == 0
    out = api.ok("sns/friend_request_withdraw", {"To_Account": ["bob"]}, identifier="carol")
    assert codes(out["ResultItem"]) == [0]
    assert api.ok("sns/friend_request_list", {}, identifier="bob")["PendencyItem"] == []
    reasons = sorted(
        i["Reason"] for c, f in pusher.events("friend_request_deleted") if c == "ws-bob" for i in f["data"]["Items"]
    )
    assert reasons == ["refused", "withdrawn"]
    assert relation(api, "alice", "bob") == "CheckResult_Type_NoRelation"
    # nothing left to answer or withdraw
    assert accept(api, "bob", "alice")["ResultCode"] == 30614
    out = api.ok("sns/friend_request_withdraw", {"To_Account": ["bob"]}, identifier="carol")
    assert out["Fail_Account"] == ["bob"] and codes(out["ResultItem"]) == [30614]


def test_every_terminal_of_both_accounts_is_told_but_private_changes_stay_with_the_owner(
    people, svc, tenant, clock, pusher
):
    from chalicelib.services.ports import Connection

    now = int(clock.now())
    svc.connections.add(Connection("ws-alice-2", tenant.sdkappid, "alice", "Android", now, now), expires=now + 600)
    api = people
    api.ok(
        "sns/friend_add",
        {
            "From_Account": "alice",
            "AddType": "Add_Type_Single",
            "ForceAddFlags": 1,
            "AddFriendItem": [{"To_Account": "bob", "AddSource": "AddSource_Type_Web"}],
        },
    )
    assert {c for c, _ in pusher.events("friend_added")} == {"ws-alice", "ws-alice-2", "ws-bob"}
    pusher.clear()
    api.ok(
        "sns/friend_update",
        {"UpdateItem": [{"To_Account": "bob", "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "B"}]}]},
        identifier="alice",
    )
    assert {c for c, _ in pusher.events("friend_updated")} == {"ws-alice", "ws-alice-2"}
    pusher.clear()
    api.ok("sns/black_list_add", {"To_Account": ["bob"]}, identifier="alice")
    assert {c for c, _ in pusher.events("blacklist_added")} == {"ws-alice", "ws-alice-2"}
    assert {c for c, _ in pusher.events("friend_deleted")} == {"ws-alice", "ws-alice-2", "ws-bob"}


def test_the_acting_terminal_is_not_echoed_its_own_change(people, svc, tenant, pusher):
    app = svc.apps.get(tenant.sdkappid)
    svc.relations.block(app, "alice", ["bob"], origin="ws-alice")
    assert pusher.events("blacklist_added") == []


def test_deleting_an_account_removes_every_row_pointing_at_it(people, svc, tenant, pusher):
    api = people
    api.ok(
        "sns/friend_add",
        {
            "From_Account": "alice",
            "ForceAddFlags": 1,
            "AddFriendItem": [{"To_Account": "bob", "AddSource": "AddSource_Type_Web"}],
        },
    )
    api.ok("sns/black_list_add", {"To_Account": ["bob"]}, identifier="carol")
    add(api, "bob", "alice")  # already friends both ways: Friend_Exist, nothing pending
    api.ok(
        "sns/friend_add",
        {"From_Account": "carol", "AddFriendItem": [{"To_Account": "alice", "AddSource": "AddSource_Type_Web"}]},
        identifier="carol",
    )
    assert codes(add(api, "bob", "carol")) == [30525]
    repo = svc.relations.repo
    pusher.clear()
    api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    assert repo.pointing_at(tenant.sdkappid, "bob") == []
    alice, carol = repo.meta(tenant.sdkappid, "alice"), repo.meta(tenant.sdkappid, "carol")
    assert (alice.friends, carol.blacks, carol.pending_out) == (0, 0, 1)  # carol's request to alice stays
    assert [c for c, _ in pusher.events("friend_deleted")] == ["ws-alice"]
    assert [c for c, _ in pusher.events("blacklist_deleted")] == ["ws-carol"]


def test_chain_increase_and_decrease_are_counted_for_getappinfo(people, svc, tenant):
    api = people
    api.ok(
        "sns/friend_add",
        {
            "From_Account": "alice",
            "ForceAddFlags": 1,
            "AddFriendItem": [{"To_Account": "bob", "AddSource": "AddSource_Type_Web"}],
        },
    )
    api.ok("sns/friend_delete", {"To_Account": ["bob"], "DeleteType": "Delete_Type_Single"}, identifier="alice")
    from chalicelib.domain.stats import day_of

    app = svc.apps.get(tenant.sdkappid)
    stats = svc.metrics.day(tenant.sdkappid, day_of(svc.clock.now(), app.config.timezone))
    assert (stats["ChainIncrease"], stats["ChainDecrease"]) == (2, 1)


def test_anyone_may_read_anyones_nickname_and_avatar(people):
    api = people
    api.ok(
        "profile/portrait_set",
        {"From_Account": "carol", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "Carol"}]},
        identifier="carol",
    )
    out = api.ok(
        "profile/portrait_get", {"To_Account": ["carol"], "TagList": ["Tag_Profile_IM_Nick"]}, identifier="alice"
    )
    assert out["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "Carol"}]


SNS_COMMANDS = [
    "friend_add",
    "friend_import",
    "friend_update",
    "friend_delete",
    "friend_delete_all",
    "friend_check",
    "friend_get",
    "friend_get_all",
    "friend_get_list",
    "friend_request_list",
    "friend_response",
    "friend_request_withdraw",
    "black_list_add",
    "black_list_delete",
    "black_list_get",
    "black_list_check",
    "group_add",
    "group_delete",
    "group_get",
]


def test_every_sns_command_refuses_acting_for_someone_else_and_malformed_json(people, svc, tenant):
    from chalicelib.api import registry

    assert {n for n in registry.names() if n.startswith("sns/")} == {f"sns/{c}" for c in SNS_COMMANDS}
    api = people
    for name in SNS_COMMANDS:
        code = 60010 if name == "friend_import" else 90009
        out = api.fails(f"sns/{name}", {"From_Account": "bob", "To_Account": ["carol"]}, code, identifier="alice")
        assert out["ErrorDisplay"] == ""
        api.fails(f"sns/{name}", None, 90001, raw="{not json", identifier="alice")
    assert svc.relations.repo.pointing_at(tenant.sdkappid, "carol") == []
