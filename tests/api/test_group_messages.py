import pytest

from tests.builders import table_items
from tests.group_builders import accounts, connect, create, history, send, text

SEND = "group_open_http_svc/send_group_msg"
RECALL = "group_open_http_svc/group_msg_recall"


@pytest.fixture
def people(api):
    accounts(api, "alice", "bob", "carol", "dave")
    api.ok(
        "profile/portrait_set",
        {
            "From_Account": "bob",
            "ProfileItem": [
                {"Tag": "Tag_Profile_IM_Nick", "Value": "Bobby"},
                {"Tag": "Tag_Profile_IM_Image", "Value": "http://b.png"},
            ],
        },
    )


def seqs(rows):
    return [(r["MsgSeq"], r["IsPlaceMsg"]) for r in rows]


def test_send_returns_time_and_seq_and_pushes_with_the_senders_profile(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob", "carol"))
    connect(svc, "carol", "c1")
    out = send(api, gid, "hello", sender="bob", MsgPriority="High", CloudCustomData="cc")
    assert (out["MsgSeq"], out["MsgTime"]) == (1, 1_700_000_000)
    (data,) = [f["data"] for f in pusher.frames("c1", "GroupMessage")]
    assert data == {
        "GroupId": gid, "From_Account": "bob", "MsgSeq": 1, "MsgRandom": data["MsgRandom"],
        "MsgTimeStamp": 1_700_000_000, "MsgPriority": "High", "IsSystemMsg": 0, "IsPlaceMsg": 0,
        "MsgBody": text("hello"), "CloudCustomData": "cc", "SenderProfile": {"Nick": "Bobby", "FaceUrl": "http://b.png"},
    }  # fmt: skip
    (row,) = history(api, gid)
    assert row["MsgBody"] == text("hello")
    assert row["SenderProfile"] == {"Nick": "Bobby", "FaceUrl": "http://b.png"}  # as it was when sent (issue 19)


def test_an_account_sends_as_itself_only(api, people):
    gid = create(api, "Public", members=("bob",))
    body = {"GroupId": gid, "Random": 1, "MsgBody": text("x")}
    assert api.ok(SEND, body, identifier="bob")["MsgSeq"] == 1
    api.fails(SEND, {**body, "From_Account": "alice"}, 90009, identifier="bob")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Random": 1, "MsgBody": text("x")}, 10004),
        ({"GroupId": "G", "MsgBody": text("x")}, 10004),
        ({"GroupId": "G", "Random": -1, "MsgBody": text("x")}, 10004),
        ({"GroupId": "G", "Random": 4294967296, "MsgBody": text("x")}, 10004),
        ({"GroupId": "G", "Random": 1}, 10004),
        ({"GroupId": "G", "Random": 1, "MsgBody": "hi"}, 10004),
        ({"GroupId": "G", "Random": 1, "MsgBody": []}, 10004),
        ({"GroupId": "G", "Random": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {}}]}, 10004),
        ({"GroupId": "G", "Random": 1, "MsgBody": text("x" * 10_000)}, 80002),
        ({"GroupId": "G", "Random": 1, "MsgBody": text("you asshole")}, 80001),
        ({"GroupId": "G", "Random": 1, "MsgBody": text("x"), "MsgPriority": "Urgent"}, 10004),
        ({"GroupId": "G", "Random": 1, "MsgBody": text("x"), "OnlineOnlyFlag": 2}, 10004),
        ({"GroupId": "G", "Random": 1, "MsgBody": text("x"), "From_Account": "dave"}, 10007),  # not a member
        ({"GroupId": "G", "Random": 1, "MsgBody": text("x"), "From_Account": "ghost"}, 10007),
        ({"GroupId": "nope", "Random": 1, "MsgBody": text("x")}, 10010),
    ],
)
def test_bad_sends_store_nothing(svc, api, people, body, code):
    create(api, "Public", members=("bob",), GroupId="G")
    before = table_items()
    api.fails(SEND, body, code)
    assert table_items() == before


def test_globally_muted_accounts_cannot_send_to_groups(svc, api, people):
    gid = create(api, "Public", members=("bob",))
    svc.accounts.repo.set_mute(1400000001, "bob", None, 4294967295)
    before = table_items()
    api.fails(SEND, {"GroupId": gid, "Random": 1, "From_Account": "bob", "MsgBody": text("x")}, 10017)
    assert table_items() == before


def test_online_only_messages_are_pushed_but_never_stored(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob",))
    connect(svc, "bob", "b1")
    out = send(api, gid, "now only", OnlineOnlyFlag=1)
    assert out["MsgSeq"] == 0
    assert [(f["data"]["MsgBody"], f["data"]["OnlineOnlyFlag"]) for f in pusher.frames("b1", "GroupMessage")] == [
        (text("now only"), 1)
    ]
    assert history(api, gid) == []
    live = create(api, "AVChatRoom")
    assert send(api, live, OnlineOnlyFlag=1)["MsgSeq"] == 1  # ignored by live rooms


def test_system_notification_is_pushed_to_the_chosen_members_and_not_stored(svc, api, people, pusher):
    gid = create(api, "Public", members=("bob", "carol"))
    connect(svc, "bob", "b1")
    connect(svc, "carol", "c1")
    notify = "group_open_http_svc/send_group_system_notification"
    api.ok(notify, {"GroupId": gid, "ToMembers_Account": ["bob"], "Content": "maintenance"})
    api.ok(notify, {"GroupId": gid, "Content": "everyone"})
    assert [f["data"]["Content"] for f in pusher.frames("b1", "GroupSystemNotification")] == ["maintenance", "everyone"]
    assert [f["data"]["Content"] for f in pusher.frames("c1", "GroupSystemNotification")] == ["everyone"]
    assert history(api, gid) == []
    for body, code in [
        ({"GroupId": gid}, 10004),
        ({"GroupId": gid, "Content": ""}, 10004),
        ({"GroupId": gid, "Content": "fuck"}, 80001),
        ({"GroupId": gid, "Content": "x", "ToMembers_Account": ["dave"]}, 10007),
        ({"GroupId": "nope", "Content": "x"}, 10010),
    ]:
        api.fails(notify, body, code)
    api.fails(notify, {"GroupId": gid, "Content": "x"}, 60010, identifier="alice")


def test_recall_by_sender_within_two_minutes_by_owner_any_time_with_a_tip(svc, api, people, clock, pusher):
    gid = create(api, "Public", members=("bob", "carol"))
    connect(svc, "carol", "c1")
    first = send(api, gid, "oops", sender="bob")["MsgSeq"]
    second = send(api, gid, "old", sender="bob")["MsgSeq"]
    mine = api.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": first}]}, identifier="bob")
    assert mine["RecallRetList"] == [{"MsgSeq": first, "RetCode": 0}]
    clock.advance(121)
    late = api.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": second}, {"MsgSeq": 99}]}, identifier="bob")
    assert late["RecallRetList"] == [{"MsgSeq": second, "RetCode": 10031}, {"MsgSeq": 99, "RetCode": 10030}]
    other = api.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": second}]}, identifier="carol")
    assert other["RecallRetList"] == [{"MsgSeq": second, "RetCode": 10007}]
    owner = api.ok(RECALL, {"GroupId": gid, "MsgSeqList": [{"MsgSeq": second}, {"MsgSeq": first}]}, identifier="alice")
    assert owner["RecallRetList"] == [{"MsgSeq": second, "RetCode": 0}, {"MsgSeq": first, "RetCode": 0}]
    tips = [f["data"]["MsgBody"][0]["MsgContent"] for f in pusher.frames("c1", "GroupTip")]
    assert [t["MsgSeqList"] for t in tips] == [[{"MsgSeq": first}], [{"MsgSeq": second}]]  # recalling twice: one tip
    rows = history(api, gid, WithRecalledMsg=1)
    assert seqs(rows) == [(4, 0), (3, 0), (2, 2), (1, 2)] and rows[2]["MsgBody"] == []
    assert seqs(history(api, gid)) == [(4, 0), (3, 0)]  # recalled ones are left out unless asked for
    for body, code in [
        ({"GroupId": gid}, 10004),
        ({"GroupId": gid, "MsgSeqList": [{"MsgSeq": 1}] * 11}, 10004),
        ({"GroupId": gid, "MsgSeqList": [{}]}, 10004),
        ({"GroupId": "nope", "MsgSeqList": [{"MsgSeq": 1}]}, 10010),
    ]:
        api.fails(RECALL, body, code)


def test_delete_by_sender_leaves_placeholders(svc, api, people):
    gid = create(api, "Public", members=("bob", "carol"))
    send(api, gid, "b1", sender="bob")
    send(api, gid, "c1", sender="carol")
    send(api, gid, "b2", sender="bob")
    api.ok("group_open_http_svc/delete_group_msg_by_sender", {"GroupId": gid, "Sender_Account": "bob"})
    rows = history(api, gid)
    assert seqs(rows) == [(3, 1), (2, 0), (1, 1)] and rows[0]["MsgBody"] == []
    api.fails("group_open_http_svc/delete_group_msg_by_sender", {"GroupId": gid}, 10004)
    api.fails("group_open_http_svc/delete_group_msg_by_sender", {"GroupId": gid, "Sender_Account": "bob"}, 60010,
              identifier="alice")  # fmt: skip


def test_history_pages_down_by_seq(api, people):
    gid = create(api, "Public")
    for i in range(25):
        send(api, gid, f"m{i}", MsgPriority="High")
    page = api.ok("group_open_http_svc/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20})
    assert page["IsFinished"] == 0 and [r["MsgSeq"] for r in page["RspMsgList"]] == list(range(25, 5, -1))
    rest = api.ok("group_open_http_svc/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20, "ReqMsgSeq": 5})
    assert rest["IsFinished"] == 1 and [r["MsgSeq"] for r in rest["RspMsgList"]] == [5, 4, 3, 2, 1]
    for body in ({"GroupId": gid}, {"GroupId": gid, "ReqMsgNumber": 21}, {"GroupId": gid, "ReqMsgNumber": 0},
                 {"GroupId": gid, "ReqMsgNumber": 5, "ReqMsgSeq": 0}):  # fmt: skip
        api.fails("group_open_http_svc/group_msg_get_simple", body, 10004)


def test_expired_messages_come_back_as_placeholders(svc, api, people, clock):
    gid = create(api, "Public")
    send(api, gid, "old", MsgPriority="High")
    clock.advance(7 * 86400 + 1)
    send(api, gid, "new")
    assert seqs(history(api, gid)) == [(2, 0), (1, 1)]


@pytest.mark.parametrize(("type_name", "sees_before"), [("Private", False), ("Public", False), ("ChatRoom", True),
                                                        ("AVChatRoom", True), ("Community", True)])  # fmt: skip
def test_history_visibility_per_type_including_quit_and_rejoin(svc, api, people, type_name, sees_before):
    gid = create(api, type_name)
    send(api, gid, "before")

    def join():
        if type_name in ("Private", "Public", "Community"):  # invited (by the App admin)
            api.ok("group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
        else:  # free to join
            api.ok("group_open_http_svc/apply_join_group", {"GroupId": gid}, identifier="bob")

    api.fails("group_open_http_svc/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 5}, 10007, identifier="bob")
    join()
    send(api, gid, "after")
    texts = [r["MsgBody"][0]["MsgContent"].get("Text") for r in history(api, gid, identifier="bob")]
    assert ("before" in texts) is sees_before
    assert texts[0] == "after"
    api.ok("group_open_http_svc/quit_group", {"GroupId": gid}, identifier="bob")
    send(api, gid, "while away")
    join()
    texts = [r["MsgBody"][0]["MsgContent"].get("Text") for r in history(api, gid, identifier="bob")]
    assert ("while away" in texts) is sees_before and ("before" in texts) is sees_before


def test_import_group_messages_in_time_order_with_per_item_results(svc, api, people):
    gid = api.ok("group_open_http_svc/import_group", {"Type": "Public", "Name": "old", "CreateTime": 1_600_000_000})[
        "GroupId"
    ]
    out = api.ok(
        "group_open_http_svc/import_group_msg",
        {"GroupId": gid, "MsgList": [
            {"From_Account": "bob", "SendTime": 1_650_000_100, "Random": 2, "MsgBody": text("second")},
            {"From_Account": "bob", "SendTime": 1_650_000_000, "Random": 1, "MsgBody": text("first")},
            {"From_Account": "bob", "SendTime": 1_900_000_000, "Random": 3, "MsgBody": text("future")},
            {"From_Account": "bob", "SendTime": 1_650_000_200, "Random": 4, "MsgBody": text("shit")},
            {"From_Account": "bob", "SendTime": 1_650_000_300, "Random": 5, "MsgBody": text("x" * 10_000)},
        ]},
    )["ImportMsgResult"]  # fmt: skip
    assert [(r["Result"], r["MsgSeq"]) for r in out] == [(0, 2), (0, 1), (10004, 0), (80001, 0), (80002, 0)]
    rows = history(api, gid)
    assert [(r["MsgSeq"], r["MsgTimeStamp"]) for r in rows] == [(2, 1_650_000_100), (1, 1_650_000_000)]
    for body, code in [({"GroupId": gid}, 10004), ({"GroupId": gid, "MsgList": [{}] * 21}, 10005),
                       ({"GroupId": "nope", "MsgList": [{"From_Account": "bob"}]}, 10010)]:  # fmt: skip
        api.fails("group_open_http_svc/import_group_msg", body, code)


def test_read_reports_drive_unread_counts(svc, api, people):
    gid = create(api, "Public", members=("bob",))
    for _ in range(3):
        send(api, gid)
    report = "group_open_http_svc/group_msg_read_report"
    assert api.ok(report, {"GroupId": gid, "MsgReadSeq": 2}, identifier="bob")["MsgReadSeq"] == 2

    def unread():
        out = api.ok("group_open_http_svc/get_joined_group_list",
                     {"Member_Account": "bob", "ResponseFilter": {"SelfInfoFilter": ["UnreadMsgNum"]}})  # fmt: skip
        return out["GroupIdList"][0]["SelfInfo"]["UnreadMsgNum"]

    assert unread() == 1
    send(api, gid)
    assert unread() == 2
    assert api.ok(report, {"GroupId": gid}, identifier="bob")["MsgReadSeq"] == 4
    assert unread() == 0
    api.fails(report, {"GroupId": gid}, 10007, identifier="carol")
    api.fails(report, {"GroupId": gid, "Member_Account": "carol"}, 90009, identifier="bob")
    api.fails(report, {"GroupId": gid, "MsgReadSeq": -1}, 10004, identifier="bob")


def test_members_see_tips_of_their_group_as_system_messages(svc, api, people):
    gid = create(api, "Public", members=("bob",))
    api.ok("group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    (tip,) = history(api, gid, identifier="carol")
    assert (tip["IsSystemMsg"], tip["MsgBody"][0]["MsgType"]) == (1, "TIMGroupTipElem")


def test_commands_sent_as_websocket_frames_act_as_the_account_and_skip_the_sending_terminal(svc, api, people, pusher):
    from chalicelib.api import registry
    from chalicelib.api.context import AuthContext
    from chalicelib.domain import errors

    gid = create(api, "ChatRoom", members=("bob",))
    for user, cid in (("bob", "b1"), ("bob", "b2"), ("carol", "c1")):
        connect(svc, user, cid)
    app = svc.apps.get(1400000001)

    def frame(user, cid, name, body):
        ctx = AuthContext(app, user, False, via="ws", connection_id=cid)
        return registry.dispatch(ctx, registry.lookup(f"group_open_http_svc/{name}"), body)

    assert frame("carol", "c1", "apply_join_group", {"GroupId": gid})["JoinStatus"] == "Joined"
    sent = frame("bob", "b1", "send_group_msg", {"GroupId": gid, "Random": 1, "MsgBody": text("from ws")})
    assert pusher.frames("b1", "GroupMessage") == []
    assert [f["data"]["MsgSeq"] for f in pusher.frames("b2", "GroupMessage")] == [sent["MsgSeq"]]
    assert [f["data"]["MsgSeq"] for f in pusher.frames("c1", "GroupMessage")] == [sent["MsgSeq"]]
    with pytest.raises(errors.DomainError) as refused:
        frame("carol", "c1", "destroy_group", {"GroupId": gid})
    assert refused.value.error_code == 10007
    frame("carol", "c1", "quit_group", {"GroupId": gid})
    assert history(api, gid, identifier="bob")[0]["MsgBody"][0]["MsgContent"]["OpType"] == "Quit"
