import pytest

from tests.builders import table_items
from tests.group_builders import accounts, connect, create, history, send

ADD = "group_open_http_svc/add_group_member"
DELETE = "group_open_http_svc/delete_group_member"
MODIFY = "group_open_http_svc/modify_group_member_info"
FORBID = "group_open_http_svc/forbid_send_msg"
APPLY = "group_open_http_svc/apply_join_group"
HANDLE = "group_open_http_svc/handle_join_application"


@pytest.fixture
def people(api):
    accounts(api, "alice", "bob", "carol", "dave", "erin")


def roles(api, gid, *users):
    out = api.ok("group_open_http_svc/get_role_in_group", {"GroupId": gid, "User_Account": list(users)})
    return {r["Member_Account"]: r["Role"] for r in out["UserIdList"]}


def members(users):
    return [{"Member_Account": u} for u in users]


def test_add_members_reports_each_account_and_tips_the_group(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob",))
    connect(svc, "bob", "b1")
    out = api.ok(ADD, {"GroupId": gid, "MemberList": members(["carol", "bob", "ghost"])})
    assert out["MemberList"] == [
        {"Member_Account": "carol", "Result": 1},
        {"Member_Account": "bob", "Result": 2},
        {"Member_Account": "ghost", "Result": 0},
    ]
    tip = pusher.frames("b1", "GroupTip")[-1]["data"]
    assert tip["MsgBody"][0]["MsgContent"]["MemberList"] == [{"Member_Account": "carol"}]
    pusher.clear()
    api.ok(ADD, {"GroupId": gid, "MemberList": members(["dave"]), "Silence": 1})
    assert pusher.frames("b1", "GroupTip") == []


@pytest.mark.parametrize(
    ("type_name", "inviter", "code"),
    [
        ("Private", "bob", 0),  # any member invites
        ("Public", "alice", 10007),  # only the App admin: the owner cannot
        ("ChatRoom", "bob", 10007),
        ("Community", "bob", 0),
        ("AVChatRoom", None, 10007),  # nobody, not even the App admin
        ("Private", "erin", 10007),  # not a member
    ],
)
def test_who_may_add_members_by_type(svc, api, people, type_name, inviter, code):
    gid = create(api, type_name, members=() if type_name == "AVChatRoom" else ("bob",))
    body = {"GroupId": gid, "MemberList": members(["carol"])}
    if code:
        before = table_items()
        api.fails(ADD, body, code, identifier=inviter)
        assert table_items() == before
    else:
        api.ok(ADD, body, identifier=inviter)
        assert roles(api, gid, "carol") == {"carol": "Member"}


def test_a_full_group_takes_nobody_more(svc, api, people):
    gid = create(api, "Public", members=("bob",), MaxMemberCount=3)
    before = table_items()
    api.fails(ADD, {"GroupId": gid, "MemberList": members(["carol", "dave"])}, 10014)
    assert table_items() == before
    api.ok(ADD, {"GroupId": gid, "MemberList": members(["carol"])})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"MemberList": [{"Member_Account": "bob"}]}, 10004),
        ({"GroupId": "G", "MemberList": []}, 10004),
        ({"GroupId": "G", "MemberList": [{"Member_Account": 5}]}, 10004),
        ({"GroupId": "G", "MemberList": [{"Member_Account": "x"}] * 501}, 10005),
        ({"GroupId": "nope", "MemberList": [{"Member_Account": "bob"}]}, 10010),
        ({"GroupId": "G", "MemberList": [{"Member_Account": "bob"}], "Silence": 2}, 10004),
    ],
)
def test_bad_add_member_requests(svc, api, people, body, code):
    create(api, "Public", GroupId="G")
    before = table_items()
    api.fails(ADD, body, code)
    assert table_items() == before


def test_kick_by_role_and_the_kicked_are_told(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob", "carol", "dave"))
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "Role": "Admin"})
    connect(svc, "dave", "d1")
    before = table_items()
    api.fails(DELETE, {"GroupId": gid, "MemberToDel_Account": ["dave"]}, 10007, identifier="carol")
    api.fails(DELETE, {"GroupId": gid, "MemberToDel_Account": ["alice"]}, 10007, identifier="bob")
    api.fails(DELETE, {"GroupId": gid, "MemberToDel_Account": ["carol", "alice"]}, 10007)  # nobody removes the owner
    api.fails(DELETE, {"GroupId": gid, "MemberToDel_Account": []}, 10004)
    api.fails(DELETE, {"GroupId": gid}, 10004)
    assert table_items() == before
    api.ok(DELETE, {"GroupId": gid, "MemberToDel_Account": ["dave", "erin"], "Reason": "spam"}, identifier="bob")
    assert roles(api, gid, "dave") == {"dave": "NotMember"}
    tip = pusher.frames("d1", "GroupTip")[-1]["data"]["MsgBody"][0]["MsgContent"]
    assert (tip["OpType"], tip["MemberList"], tip["Reason"]) == ("Kick", [{"Member_Account": "dave"}], "spam")
    api.fails(DELETE, {"GroupId": gid, "MemberToDel_Account": ["carol"]}, 10007, identifier="dave")


def test_live_rooms_remove_members_only_through_the_app_admin(api, people):
    gid = create(api, "AVChatRoom")
    api.ok(APPLY, {"GroupId": gid}, identifier="bob")
    api.fails(DELETE, {"GroupId": gid, "MemberToDel_Account": ["bob"]}, 10007, identifier="alice")
    api.ok(DELETE, {"GroupId": gid, "MemberToDel_Account": ["bob"]})


def test_member_list_pages_and_filters(api, people):
    gid = create(api, "Public", members=("bob", "carol", "dave"))
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": "carol", "Role": "Admin"})
    page = api.ok("group_open_http_svc/get_group_member_info", {"GroupId": gid, "Limit": 2, "Offset": 1})
    assert page["MemberNum"] == 4 and [m["Member_Account"] for m in page["MemberList"]] == ["bob", "carol"]
    admins = api.ok(
        "group_open_http_svc/get_group_member_info",
        {"GroupId": gid, "MemberRoleFilter": ["Owner", "Admin"], "MemberInfoFilter": ["Role"]},
    )
    assert admins["MemberList"] == [
        {"Member_Account": "alice", "Role": "Owner", "AppMemberDefinedData": []},
        {"Member_Account": "carol", "Role": "Admin", "AppMemberDefinedData": []},
    ]
    for body in ({"GroupId": gid, "Limit": 6001}, {"GroupId": gid, "MemberRoleFilter": ["Boss"]}, {}):
        api.fails("group_open_http_svc/get_group_member_info", body, 10004)
    private = create(api, "Private", members=("bob",))
    api.fails("group_open_http_svc/get_group_member_info", {"GroupId": private}, 10007, identifier="erin")


def test_modify_member_info_fields_and_who_may(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob", "carol"))
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "NameCard": "Bobby", "MsgFlag": "AcceptNotNotify",
                    "AppMemberDefinedData": [{"Key": "k", "Value": "v"}]}, identifier="bob")  # fmt: skip
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "Role": "Admin"}, identifier="alice")
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": "carol", "NameCard": "C", "ShutUpTime": 60}, identifier="bob")
    got = {
        m["Member_Account"]: m
        for m in api.ok("group_open_http_svc/get_group_member_info", {"GroupId": gid})["MemberList"]
    }
    assert (got["bob"]["NameCard"], got["bob"]["MsgFlag"], got["bob"]["Role"]) == ("Bobby", "AcceptNotNotify", "Admin")
    assert got["bob"]["AppMemberDefinedData"] == [{"Key": "k", "Value": "v"}]
    assert (got["carol"]["NameCard"], got["carol"]["ShutUpUntil"]) == ("C", 1_700_000_060)
    before = table_items()
    bad = [
        ({"Member_Account": "bob", "NameCard": "x" * 51}, 10004, None),
        ({"Member_Account": "bob", "NameCard": "bitch"}, 80001, None),
        ({"Member_Account": "bob", "Role": "Owner"}, 10004, None),
        ({"Member_Account": "bob", "MsgFlag": "Loud"}, 10004, None),
        ({"Member_Account": "bob", "ShutUpTime": -1}, 10004, None),
        ({"Member_Account": "erin", "NameCard": "E"}, 10007, None),  # not a member
        ({"Member_Account": "alice", "NameCard": "boss"}, 10007, "bob"),  # an admin does not edit the owner
        ({"Member_Account": "carol", "Role": "Admin"}, 10007, "bob"),  # only the owner appoints
        ({"Member_Account": "bob", "MsgFlag": "Discard"}, 10007, "alice"),  # MsgFlag is the member's own
        ({"Member_Account": "carol", "NameCard": "x"}, 10007, "erin"),
        ({"NameCard": "x"}, 10004, None),
    ]
    for body, code, who in bad:
        api.fails(MODIFY, {"GroupId": gid, **body}, code, identifier=who)
    assert table_items() == before
    private = create(api, "Private", members=("bob",))
    api.fails(MODIFY, {"GroupId": private, "Member_Account": "bob", "Role": "Admin"}, 10007)


def test_mute_members_read_the_list_and_they_cannot_send(svc, api, people, clock):
    gid = create(api, "Public", members=("bob", "carol"))
    api.ok(FORBID, {"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": 100})
    api.ok(FORBID, {"GroupId": gid, "Members_Account": ["carol"], "MuteTime": 4294967295})
    shutted = api.ok("group_open_http_svc/get_group_shutted_uin", {"GroupId": gid})["ShuttedUinList"]
    assert shutted == [
        {"Member_Account": "bob", "ShuttedUntil": 1_700_000_100},
        {"Member_Account": "carol", "ShuttedUntil": 4294967295},
    ]
    body = {"GroupId": gid, "Random": 1, "From_Account": "bob", "MsgBody": [{"MsgType": "TIMTextElem",
                                                                            "MsgContent": {"Text": "x"}}]}  # fmt: skip
    before = table_items()
    api.fails("group_open_http_svc/send_group_msg", body, 10017)
    assert table_items() == before
    clock.advance(101)
    api.ok("group_open_http_svc/send_group_msg", body)
    api.ok(FORBID, {"GroupId": gid, "Members_Account": ["carol"], "ShutUpTime": 0})
    assert api.ok("group_open_http_svc/get_group_shutted_uin", {"GroupId": gid})["ShuttedUinList"] == []


def test_bad_mute_requests_write_nothing(svc, api, people):
    gid = create(api, "Public", members=("bob", "carol"))
    private = create(api, "Private", members=("bob",))
    before = table_items()
    for body, code, who in [
        ({"GroupId": gid, "Members_Account": ["bob"]}, 10004, None),
        ({"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": "1"}, 10004, None),
        ({"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": 4294967296}, 10004, None),
        ({"GroupId": gid, "Members_Account": ["erin"], "ShutUpTime": 10}, 10007, None),
        ({"GroupId": gid, "Members_Account": ["alice"], "ShutUpTime": 10}, 10007, None),
        ({"GroupId": gid, "Members_Account": ["carol"], "ShutUpTime": 10}, 10007, "bob"),
        ({"GroupId": private, "Members_Account": ["bob"], "ShutUpTime": 10}, 10007, None),
        ({"GroupId": "nope", "Members_Account": ["bob"], "ShutUpTime": 10}, 10010, None),
        ({"GroupId": gid, "Members_Account": [], "ShutUpTime": 10}, 10004, None),
    ]:
        api.fails(FORBID, body, code, identifier=who)
    assert table_items() == before


def test_joined_groups_with_filters_unread_and_live_rooms_on_request(svc, api, people):
    pub = create(api, "Public", members=("bob",))
    create(api, "Private", members=("bob",))
    live = create(api, "AVChatRoom")
    api.ok(APPLY, {"GroupId": live}, identifier="bob")
    send(api, pub)
    send(api, pub)
    basic = api.ok("group_open_http_svc/get_joined_group_list", {"Member_Account": "bob"})
    assert basic["TotalCount"] == 2 and {g["Type"] for g in basic["GroupIdList"]} == {"Public", "Private"}
    full = api.ok(
        "group_open_http_svc/get_joined_group_list",
        {"Member_Account": "bob", "WithHugeGroups": 1, "GroupType": "Public",
         "ResponseFilter": {"GroupBaseInfoFilter": ["Name", "MemberNum"], "SelfInfoFilter": ["Role", "UnreadMsgNum"]}},
    )  # fmt: skip
    assert full["GroupIdList"] == [
        {"GroupId": pub, "Name": "group", "MemberNum": 2, "SelfInfo": {"Role": "Member", "UnreadMsgNum": 2}}
    ]
    with_live = api.ok("group_open_http_svc/get_joined_group_list", {"Member_Account": "bob", "WithHugeGroups": 1})
    assert with_live["TotalCount"] == 3
    mine = api.ok("group_open_http_svc/get_joined_group_list", {}, identifier="bob")
    assert mine["TotalCount"] == 2
    api.fails("group_open_http_svc/get_joined_group_list", {"Member_Account": "alice"}, 90009, identifier="bob")
    api.fails("group_open_http_svc/get_joined_group_list", {}, 10004)  # the App admin names the account
    api.fails("group_open_http_svc/get_joined_group_list", {"Member_Account": "bob", "Limit": 0}, 10004)


def test_roles_in_group(api, people):
    gid = create(api, "Public", members=("bob",))
    assert roles(api, gid, "alice", "bob", "erin") == {"alice": "Owner", "bob": "Member", "erin": "NotMember"}
    api.fails("group_open_http_svc/get_role_in_group", {"GroupId": gid}, 10004)
    api.fails("group_open_http_svc/get_role_in_group", {"GroupId": gid, "User_Account": ["x"] * 501}, 10005)
    api.fails(
        "group_open_http_svc/get_role_in_group", {"GroupId": gid, "User_Account": ["bob"]}, 60010, identifier="bob"
    )


def test_import_members_keep_join_time_admin_role_and_unread(svc, api, people):
    gid = create(api, "Public")
    for _ in range(5):
        send(api, gid)
    out = api.ok(
        "group_open_http_svc/import_group_member",
        {"GroupId": gid, "MemberList": [
            {"Member_Account": "bob", "Role": "Admin", "JoinTime": 1_600_000_000, "UnreadMsgNum": 2},
            {"Member_Account": "carol"}, {"Member_Account": "alice"}, {"Member_Account": "ghost"}]},
    )  # fmt: skip
    assert [m["Result"] for m in out["MemberList"]] == [1, 1, 2, 0]
    bob = api.ok("group_open_http_svc/get_group_member_info", {"GroupId": gid, "MemberRoleFilter": ["Admin"]})
    assert [(m["Member_Account"], m["JoinTime"]) for m in bob["MemberList"]] == [("bob", 1_600_000_000)]
    joined = api.ok("group_open_http_svc/get_joined_group_list",
                    {"Member_Account": "bob", "ResponseFilter": {"SelfInfoFilter": ["UnreadMsgNum"]}})  # fmt: skip
    assert joined["GroupIdList"][0]["SelfInfo"] == {"UnreadMsgNum": 2}
    assert len(history(api, gid, identifier="carol")) == 5  # imported members are old members: history is theirs
    live = create(api, "AVChatRoom")
    before = table_items()
    api.fails("group_open_http_svc/import_group_member", {"GroupId": live, "MemberList": members(["bob"])}, 10007)
    api.fails("group_open_http_svc/import_group_member", {"GroupId": gid, "MemberList": []}, 10004)
    api.fails("group_open_http_svc/import_group_member",
              {"GroupId": gid, "MemberList": [{"Member_Account": "erin", "Role": "Owner"}]}, 10004)  # fmt: skip
    api.fails("group_open_http_svc/import_group_member", {"GroupId": gid, "MemberList": members(["erin"])}, 60010,
              identifier="alice")  # fmt: skip
    assert table_items() == before


def test_set_unread_count(svc, api, people):
    gid = create(api, "Public", members=("bob",))
    for _ in range(4):
        send(api, gid)
    api.ok("group_open_http_svc/set_unread_msg_num", {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 1})
    unread = api.ok("group_open_http_svc/get_joined_group_list",
                    {"Member_Account": "bob", "ResponseFilter": {"SelfInfoFilter": ["UnreadMsgNum"]}})  # fmt: skip
    assert unread["GroupIdList"][0]["SelfInfo"]["UnreadMsgNum"] == 1
    before = table_items()
    api.fails("group_open_http_svc/set_unread_msg_num", {"GroupId": gid, "Member_Account": "erin", "UnreadMsgNum": 1},
              10007)  # fmt: skip
    api.fails("group_open_http_svc/set_unread_msg_num", {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": -1},
              10004)  # fmt: skip
    api.fails("group_open_http_svc/set_unread_msg_num", {"GroupId": gid, "Member_Account": "bob"}, 10004)
    assert table_items() == before


def test_apply_approve_and_refuse(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob",))
    api.ok(MODIFY, {"GroupId": gid, "Member_Account": "bob", "Role": "Admin"})
    connect(svc, "alice", "a1")
    connect(svc, "carol", "c1")
    assert api.ok(APPLY, {"GroupId": gid, "ApplyMsg": "let me in"}, identifier="carol")["JoinStatus"] == "Pending"
    assert api.ok(APPLY, {"GroupId": gid}, identifier="dave")["JoinStatus"] == "Pending"
    notes = [f["data"] for f in pusher.frames("a1", "GroupJoinApplication")]
    assert [(n["Applicant_Account"], n["ApplyMsg"]) for n in notes] == [("carol", "let me in"), ("dave", "")]
    pending = api.ok("group_open_http_svc/get_join_application_list", {"GroupId": gid}, identifier="bob")
    assert [a["Applicant_Account"] for a in pending["ApplicationList"]] == ["carol", "dave"]
    before = table_items()
    api.fails("group_open_http_svc/get_join_application_list", {"GroupId": gid}, 10007, identifier="erin")
    api.fails(HANDLE, {"GroupId": gid, "Applicant_Account": "carol", "Decision": "Agree"}, 10007, identifier="erin")
    api.fails(HANDLE, {"GroupId": gid, "Applicant_Account": "carol", "Decision": "Maybe"}, 10004, identifier="bob")
    api.fails(HANDLE, {"GroupId": gid, "Applicant_Account": "erin", "Decision": "Agree"}, 10024, identifier="bob")
    assert table_items() == before
    api.ok(HANDLE, {"GroupId": gid, "Applicant_Account": "carol", "Decision": "Agree"}, identifier="bob")
    api.ok(HANDLE, {"GroupId": gid, "Applicant_Account": "dave", "Decision": "Reject", "Reason": "no"})
    api.fails(HANDLE, {"GroupId": gid, "Applicant_Account": "carol", "Decision": "Agree"}, 10024, identifier="bob")
    assert roles(api, gid, "carol", "dave") == {"carol": "Member", "dave": "NotMember"}
    (result,) = [f["data"] for f in pusher.frames("c1", "GroupJoinApplicationResult")]
    assert (result["Decision"], result["Operator_Account"]) == ("Agree", "bob")
    api.fails(APPLY, {"GroupId": gid}, 10013, identifier="carol")


@pytest.mark.parametrize(
    ("type_name", "option", "code"),
    [("Private", None, 10007), ("Public", "DisableApply", 10007), ("ChatRoom", None, 0), ("Public", "FreeAccess", 0)],
)
def test_apply_rules_by_type_and_option(svc, api, people, type_name, option, code):
    extra = {"ApplyJoinOption": option} if option else {}
    gid = create(api, type_name, **extra)
    if code:
        before = table_items()
        api.fails(APPLY, {"GroupId": gid}, code, identifier="bob")
        assert table_items() == before
    else:
        assert api.ok(APPLY, {"GroupId": gid}, identifier="bob")["JoinStatus"] == "Joined"
    api.fails(APPLY, {"GroupId": gid, "Applicant_Account": "carol"}, 90009, identifier="bob")
    api.fails(APPLY, {"GroupId": "nope"}, 10010, identifier="bob")


def test_quit_rules(svc, api, people):
    public = create(api, "Public", members=("bob",))
    private = create(api, "Private", members=("bob",))
    before = table_items()
    api.fails("group_open_http_svc/quit_group", {"GroupId": public}, 10009, identifier="alice")
    api.fails("group_open_http_svc/quit_group", {"GroupId": public}, 10007, identifier="erin")
    api.fails("group_open_http_svc/quit_group", {"GroupId": public}, 10004)  # the App admin names the member
    assert table_items() == before
    api.ok("group_open_http_svc/quit_group", {"GroupId": public}, identifier="bob")
    api.ok("group_open_http_svc/quit_group", {"GroupId": private, "Member_Account": "alice"})
    info = api.ok("group_open_http_svc/get_group_info", {"GroupIdList": [private]})["GroupInfo"][0]
    assert (info["Owner_Account"], info["MemberNum"]) == ("", 1)
