import pytest

from tests.builders import table_items
from tests.group_builders import accounts, connect, create, send, text

CREATE = "group_open_http_svc/create_group"


@pytest.fixture
def people(api):
    accounts(api, "alice", "bob", "carol", "dave")


def info(api, gid, **kw):
    return api.ok("group_open_http_svc/get_group_info", {"GroupIdList": [gid]}, **kw)["GroupInfo"][0]


@pytest.mark.parametrize("type_name", ["Private", "Work", "Public", "ChatRoom", "Meeting", "AVChatRoom", "Community"])
def test_every_type_is_created_under_the_name_it_was_given(api, people, type_name):
    gid = create(api, type_name)
    assert gid.startswith("@TGS#")
    got = info(api, gid)
    assert (got["Type"], got["Owner_Account"], got["MemberNum"]) == (type_name, "alice", 1)


def test_create_with_members_roles_and_settings(api, people):
    gid = api.ok(
        CREATE,
        {
            "Type": "Public",
            "Name": "Team",
            "Owner_Account": "alice",
            "Introduction": "intro",
            "Notification": "notice",
            "FaceUrl": "http://x/y.png",
            "MaxMemberCount": 10,
            "ApplyJoinOption": "FreeAccess",
            "AppDefinedData": [{"Key": "color", "Value": "red"}],
            "MemberList": [
                {"Member_Account": "bob", "Role": "Admin", "NameCard": "Bobby"},
                {"Member_Account": "carol", "AppMemberDefinedData": [{"Key": "k", "Value": "v"}]},
            ],
        },
    )["GroupId"]
    got = info(api, gid)
    assert (got["Name"], got["Introduction"], got["Notification"], got["FaceUrl"]) == (
        "Team", "intro", "notice", "http://x/y.png",
    )  # fmt: skip
    assert (got["MaxMemberNum"], got["ApplyJoinOption"], got["MemberNum"], got["NextMsgSeq"]) == (
        10,
        "FreeAccess",
        3,
        1,
    )
    assert got["AppDefinedData"] == [{"Key": "color", "Value": "red"}]
    members = {m["Member_Account"]: m for m in got["MemberList"]}
    assert {u: m["Role"] for u, m in members.items()} == {"alice": "Owner", "bob": "Admin", "carol": "Member"}
    assert members["bob"]["NameCard"] == "Bobby"
    assert members["carol"]["AppMemberDefinedData"] == [{"Key": "k", "Value": "v"}]


def test_an_account_creates_its_own_group_and_owns_it(api, people):
    gid = api.ok(CREATE, {"Type": "Private", "Name": "mine"}, identifier="bob")["GroupId"]
    assert info(api, gid)["Owner_Account"] == "bob"
    api.fails(CREATE, {"Type": "Private", "Name": "x", "Owner_Account": "carol"}, 90009, identifier="bob")


def test_custom_group_ids_and_their_conflicts(api, people):
    assert create(api, "Public", GroupId="room-1") == "room-1"
    api.fails(CREATE, {"Type": "Public", "Name": "n", "GroupId": "room-1", "Owner_Account": "bob"}, 10021)
    api.fails(CREATE, {"Type": "Public", "Name": "n", "GroupId": "room-1", "Owner_Account": "alice"}, 10025)
    api.fails(CREATE, {"Type": "Public", "Name": "n", "GroupId": "@TGS#mine"}, 10015)
    api.fails(CREATE, {"Type": "Public", "Name": "n", "GroupId": "x" * 49}, 10015)
    assert create(api, "Community", GroupId="@TGS#_club") == "@TGS#_club"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Name": "n"}, 10004),
        ({"Type": "Secret", "Name": "n"}, 10004),
        ({"Type": "Public"}, 10004),
        ({"Type": "Public", "Name": ""}, 10004),
        ({"Type": "Public", "Name": "n" * 31}, 10004),
        ({"Type": "Public", "Name": "n", "Introduction": "i" * 241}, 10004),
        ({"Type": "Public", "Name": "n", "Notification": "i" * 301}, 10004),
        ({"Type": "Public", "Name": "n", "FaceUrl": "i" * 101}, 10004),
        ({"Type": "Public", "Name": "n", "MaxMemberCount": 6001}, 10004),
        ({"Type": "Public", "Name": "n", "MaxMemberCount": "10"}, 10004),
        ({"Type": "Public", "Name": "n", "ApplyJoinOption": "Anyone"}, 10004),
        ({"Type": "Public", "Name": "n", "AppDefinedData": [{"Key": "k"}]}, 10004),
        ({"Type": "Public", "Name": "n", "MemberList": [{"Role": "Member"}]}, 10004),
        ({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "bob", "Role": "Owner"}]}, 10004),
        ({"Type": "Private", "Name": "n", "MemberList": [{"Member_Account": "bob", "Role": "Admin"}]}, 10004),
        ({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "bob", "NameCard": "c" * 51}]}, 10004),
        ({"Type": "AVChatRoom", "Name": "n", "MemberList": [{"Member_Account": "bob"}]}, 10004),
        ({"Type": "Public", "Name": "n", "CreateTime": 1}, 10004),
        ({"Type": "Public", "Name": "n", "Owner_Account": "ghost"}, 10019),
        ({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "ghost"}]}, 10019),
        ({"Type": "Public", "Name": "fuck off"}, 80001),
        ({"Type": "Public", "Name": "n", "Notification": "傻逼"}, 80001),
        ({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "bob", "NameCard": "shit"}]}, 80001),
        ({"Type": "Public", "Name": "n", "MaxMemberCount": 2, "MemberList": [{"Member_Account": "bob"},
                                                                           {"Member_Account": "carol"}]}, 10014),
    ],
)  # fmt: skip
def test_bad_create_requests_write_nothing(svc, api, people, body, code):
    before = table_items()
    api.fails(CREATE, {"Owner_Account": "alice", **body} if "Owner_Account" not in body else body, code)
    assert table_items() == before


def test_malformed_json_and_non_admin_only_commands(api, people):
    assert api.call(CREATE, raw="{not json")["ErrorCode"] == 90001
    api.fails("group_open_http_svc/get_appid_group_list", {}, 60010, identifier="bob")
    api.fails("group_open_http_svc/import_group", {"Type": "Public", "Name": "n"}, 60010, identifier="bob")


def test_daily_net_new_group_quota_is_atomic_and_counts_dissolved_groups_back(svc, api, people):
    svc.apps.configure(1400000001, {"daily_new_groups": "2"})
    first = create(api)
    create(api)
    before = table_items()
    out = api.fails(CREATE, {"Type": "Public", "Name": "third", "Owner_Account": "alice"}, 10037)
    assert "today" in out["ErrorInfo"]
    assert table_items() == before
    api.ok("group_open_http_svc/destroy_group", {"GroupId": first})
    create(api)  # net new today is back under the quota
    api.ok("group_open_http_svc/import_group", {"Type": "Public", "Name": "imported"})  # imports are not "new"


def test_total_group_quota(svc, api, people):
    svc.apps.configure(1400000001, {"max_groups": "2"})
    create(api)
    api.ok("group_open_http_svc/import_group", {"Type": "Public", "Name": "imported"})
    before = table_items()
    api.fails("group_open_http_svc/import_group", {"Type": "Public", "Name": "more"}, 10037)
    api.fails(CREATE, {"Type": "Private", "Name": "more", "Owner_Account": "bob"}, 10037)
    assert table_items() == before


def test_import_group_keeps_its_create_time(api, people):
    gid = api.ok(
        "group_open_http_svc/import_group",
        {"Type": "ChatRoom", "Name": "old", "Owner_Account": "alice", "CreateTime": 1_600_000_000, "GroupId": "old"},
    )["GroupId"]
    assert info(api, gid)["CreateTime"] == 1_600_000_000


def test_group_list_pages_with_next_or_offset_and_filters_by_type(api, people, clock):
    made = []
    for i in range(5):
        made.append(create(api, "Public" if i % 2 else "Private"))
        clock.advance(0.01)  # creation order is kept to the millisecond
    first = api.ok("group_open_http_svc/get_appid_group_list", {"Limit": 2})
    assert first["TotalCount"] == 5 and [g["GroupId"] for g in first["GroupIdList"]] == made[:2]
    seen = [g["GroupId"] for g in first["GroupIdList"]]
    nxt = first["Next"]
    while nxt:
        page = api.ok("group_open_http_svc/get_appid_group_list", {"Limit": 2, "Next": nxt})
        seen += [g["GroupId"] for g in page["GroupIdList"]]
        nxt = page["Next"]
    assert seen == made
    legacy = api.ok("group_open_http_svc/get_appid_group_list", {"Limit": 2, "Offset": 2})
    assert [g["GroupId"] for g in legacy["GroupIdList"]] == made[2:4]
    public = api.ok("group_open_http_svc/get_appid_group_list", {"GroupType": "Public"})
    assert [g["GroupId"] for g in public["GroupIdList"]] == made[1::2]
    api.fails("group_open_http_svc/get_appid_group_list", {"Limit": 0}, 10004)
    api.fails("group_open_http_svc/get_appid_group_list", {"GroupType": "Nope"}, 10004)


def test_group_info_filters_and_per_group_errors(api, people):
    public = create(
        api, "Public", members=("bob",), AppDefinedData=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    )
    private = create(api, "Private", members=("bob",))
    live = create(api, "AVChatRoom")
    out = api.ok(
        "group_open_http_svc/get_group_info",
        {
            "GroupIdList": [public, "missing", private, live],
            "ResponseFilter": {
                "GroupBaseInfoFilter": ["Name", "MemberNum"],
                "MemberInfoFilter": ["Role"],
                "AppDefinedDataFilter_Group": ["b"],
            },
        },
        identifier="carol",
    )["GroupInfo"]
    assert out[0] == {
        "GroupId": public, "ErrorCode": 0, "ErrorInfo": "", "Name": "group", "MemberNum": 2,
        "AppDefinedData": [{"Key": "b", "Value": "2"}],
        "MemberList": [{"Member_Account": "alice", "Role": "Owner", "AppMemberDefinedData": []},
                       {"Member_Account": "bob", "Role": "Member", "AppMemberDefinedData": []}],
    }  # fmt: skip
    assert (out[1]["ErrorCode"], out[2]["ErrorCode"]) == (10010, 10007)  # unknown; Private and carol is no member
    assert "MemberList" not in out[3]  # a live room lists no members
    assert (
        api.ok("group_open_http_svc/get_group_info", {"GroupIdList": [private]}, identifier="bob")["GroupInfo"][0][
            "ErrorCode"
        ]
        == 0
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 10004),
        ({"GroupIdList": []}, 10004),
        ({"GroupIdList": "g"}, 10004),
        ({"GroupIdList": [1]}, 10004),
        ({"GroupIdList": ["g"] * 51}, 10005),
        ({"GroupIdList": ["g"], "ResponseFilter": {"GroupBaseInfoFilter": ["Colour"]}}, 10004),
    ],
)
def test_bad_group_info_requests(api, body, code):
    api.fails("group_open_http_svc/get_group_info", body, code)


def test_modify_base_info_by_role_with_a_tip_and_mute_all(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob", "carol"))
    api.ok("group_open_http_svc/modify_group_member_info", {"GroupId": gid, "Member_Account": "bob", "Role": "Admin"})
    connect(svc, "carol", "c1")
    modify = "group_open_http_svc/modify_group_base_info"
    api.ok(
        modify, {"GroupId": gid, "Name": "Renamed", "AppDefinedData": [{"Key": "k", "Value": "v"}]}, identifier="bob"
    )
    got = info(api, gid)
    assert (got["Name"], got["InfoSeq"], got["AppDefinedData"]) == ("Renamed", 2, [{"Key": "k", "Value": "v"}])
    tip = pusher.frames("c1", "GroupTip")[-1]["data"]["MsgBody"][0]["MsgContent"]
    assert (tip["OpType"], tip["Operator_Account"], tip["GroupInfo"]["Name"]) == ("ModifyGroupInfo", "bob", "Renamed")
    before = table_items()
    api.fails(modify, {"GroupId": gid, "Name": "Mine"}, 10007, identifier="carol")
    api.fails(modify, {"GroupId": gid, "Name": "Mine"}, 10007, identifier="dave")
    api.fails(modify, {"GroupId": gid, "Name": "n" * 31}, 10004)
    api.fails(modify, {"GroupId": gid, "Introduction": "fuck"}, 80001)
    api.fails(modify, {"GroupId": gid, "MaxMemberNum": 2}, 10004)
    api.fails(modify, {"GroupId": gid, "ShutUpAllMember": "Yes"}, 10004)
    api.fails(modify, {"GroupId": "nope", "Name": "x"}, 10010)
    assert table_items() == before
    api.ok(modify, {"GroupId": gid, "MuteAllMember": "On"}, identifier="alice")
    assert info(api, gid)["ShutUpAllMember"] == "On"
    muted = {"GroupId": gid, "Random": 1, "From_Account": "carol", "MsgBody": text("x")}
    api.fails("group_open_http_svc/send_group_msg", muted, 10017)
    send(api, gid, sender="bob")  # admins and the owner still speak
    api.ok(modify, {"GroupId": gid, "ShutUpAllMember": "Off"})
    send(api, gid, sender="carol")


def test_any_private_member_edits_info(api, people):
    gid = create(api, "Private", members=("bob",))
    api.ok("group_open_http_svc/modify_group_base_info", {"GroupId": gid, "Notification": "hi"}, identifier="bob")


def test_owner_hands_the_group_over(svc, api, people):
    gid = create(api, "Public", members=("bob", "carol"))
    change = "group_open_http_svc/change_group_owner"
    before = table_items()
    api.fails(change, {"GroupId": gid, "NewOwner_Account": "dave"}, 10007)  # not a member
    api.fails(change, {"GroupId": gid, "NewOwner_Account": "carol"}, 10007, identifier="bob")
    api.fails(change, {"GroupId": gid}, 10004)
    api.fails(change, {"GroupId": "nope", "NewOwner_Account": "bob"}, 10010)
    assert table_items() == before
    api.ok(change, {"GroupId": gid, "NewOwner_Account": "bob"}, identifier="alice")
    roles = api.ok("group_open_http_svc/get_role_in_group", {"GroupId": gid, "User_Account": ["alice", "bob"]})
    assert [r["Role"] for r in roles["UserIdList"]] == ["Member", "Owner"]
    assert info(api, gid)["Owner_Account"] == "bob"


def test_dissolving_tells_online_members_and_frees_the_id(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob", "carol"), GroupId="club")
    connect(svc, "bob", "b1")
    before = table_items()
    api.fails("group_open_http_svc/destroy_group", {"GroupId": gid}, 10007, identifier="bob")
    api.fails("group_open_http_svc/destroy_group", {"GroupId": "nope"}, 10010)
    api.fails("group_open_http_svc/destroy_group", {}, 10004)
    assert table_items() == before
    api.ok("group_open_http_svc/destroy_group", {"GroupId": gid}, identifier="alice")
    (tip,) = [f["data"] for f in pusher.frames("b1", "GroupTip")]
    assert tip["GroupId"] == "club" and tip["MsgBody"][0]["MsgContent"]["OpType"] == "Dismiss"
    api.fails("group_open_http_svc/get_group_member_info", {"GroupId": gid}, 10010)
    assert api.ok("group_open_http_svc/get_joined_group_list", {"Member_Account": "bob"})["GroupIdList"] == []
    left = [i for items in table_items().values() for i in items if i["pk"]["S"].startswith("1400000001#G#club#")]
    assert not left, left  # member rows cleaned up
    assert create(api, "Public", GroupId="club") == "club"


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("get_group_member_info", {}),
        ("modify_group_base_info", {"Name": "x"}),
        ("change_group_owner", {"NewOwner_Account": "bob"}),
        ("destroy_group", {}),
        ("add_group_member", {"MemberList": [{"Member_Account": "bob"}]}),
        ("delete_group_member", {"MemberToDel_Account": ["bob"]}),
        ("modify_group_member_info", {"Member_Account": "bob", "NameCard": "b"}),
        ("get_role_in_group", {"User_Account": ["bob"]}),
        ("forbid_send_msg", {"Members_Account": ["bob"], "ShutUpTime": 60}),
        ("get_group_shutted_uin", {}),
        ("import_group_member", {"MemberList": [{"Member_Account": "bob"}]}),
        ("set_unread_msg_num", {"Member_Account": "bob", "UnreadMsgNum": 1}),
        ("apply_join_group", {"Applicant_Account": "bob"}),
        ("get_join_application_list", {}),
        ("handle_join_application", {"Applicant_Account": "bob", "Decision": "Agree"}),
        ("quit_group", {"Member_Account": "bob"}),
        ("send_group_msg", {"Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}),
        ("send_group_system_notification", {"Content": "x"}),
        ("group_msg_recall", {"MsgSeqList": [{"MsgSeq": 1}]}),
        ("delete_group_msg_by_sender", {"Sender_Account": "bob"}),
        ("group_msg_get_simple", {"ReqMsgNumber": 1}),
        ("import_group_msg", {"MsgList": [{"From_Account": "bob", "SendTime": 1, "MsgBody": []}]}),
        ("get_online_member_num", {}),
        ("group_msg_read_report", {"Member_Account": "bob"}),
    ],
)
def test_every_group_command_answers_10010_for_an_unknown_group_and_writes_nothing(svc, api, people, command, body):
    create(api, "Public", members=("bob",), GroupId="real")
    before = table_items()
    api.fails(f"group_open_http_svc/{command}", {"GroupId": "missing", **body}, 10010)
    api.fails(f"group_open_http_svc/{command}", {"GroupId": "x" * 49, **body}, 10015)
    assert table_items() == before
