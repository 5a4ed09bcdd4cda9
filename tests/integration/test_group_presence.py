from chalicelib.domain.groups import GroupRef
from chalicelib.jobs import group_offline_kick
from tests.group_builders import accounts, connect, create, disconnect, send


def _online(svc, gid):
    group = svc.groups._repo.get(1400000001, gid)
    found, _ = svc.group_messages.fanout._online.page(1400000001, GroupRef.of(group), 0, None, 100)
    return sorted((t.user, t.connection_id) for t in found)


def test_login_indexes_the_terminal_in_each_group_and_logout_removes_it(svc, api):
    accounts(api, "alice", "bob")
    g1 = create(api, "Public", members=("bob",))
    g2 = create(api, "Private", members=("bob",))
    connect(svc, "bob", "b1")
    connect(svc, "bob", "b2")
    assert _online(svc, g1) == _online(svc, g2) == [("bob", "b1"), ("bob", "b2")]
    disconnect(svc, "b1")
    assert _online(svc, g1) == [("bob", "b2")]


def test_joining_while_online_indexes_and_leaving_unindexes(svc, api, pusher):
    accounts(api, "alice", "bob")
    gid = create(api, "ChatRoom")
    connect(svc, "bob", "b1")
    assert api.ok("group_open_http_svc/apply_join_group", {"GroupId": gid}, identifier="bob")["JoinStatus"] == "Joined"
    assert _online(svc, gid) == [("bob", "b1")]
    api.ok("group_open_http_svc/quit_group", {"GroupId": gid}, identifier="bob")
    assert _online(svc, gid) == []
    pusher.clear()
    send(api, gid)
    assert pusher.frames("b1") == []


def test_online_member_count_counts_accounts_not_terminals(svc, api):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, "AVChatRoom")
    for user in ("bob", "carol"):
        api.ok("group_open_http_svc/apply_join_group", {"GroupId": gid}, identifier=user)
    connect(svc, "bob", "b1")
    connect(svc, "bob", "b2")
    connect(svc, "carol", "c1")
    assert api.ok("group_open_http_svc/get_online_member_num", {"GroupId": gid})["OnlineMemberNum"] == 2


def test_offline_kick_removes_live_room_members_offline_five_minutes_only(svc, api, clock, pusher):
    accounts(api, "host", "early", "late", "stay", "publicbob")
    room = create(api, "AVChatRoom", owner="host")
    public = create(api, "Public", owner="host", members=("publicbob",))
    for user, cid in (("host", "h1"), ("early", "e1"), ("late", "l1"), ("stay", "s1")):
        connect(svc, user, cid)
        if user != "host":
            api.ok("group_open_http_svc/apply_join_group", {"GroupId": room}, identifier=user)
    disconnect(svc, "e1")
    clock.advance(60)
    disconnect(svc, "l1")
    clock.advance(239)  # early: 299 s offline
    assert group_offline_kick.run() == 0
    clock.advance(1)  # early: 300 s, late: 240 s
    pusher.clear()
    assert group_offline_kick.run() == 1
    roles = api.ok(
        "group_open_http_svc/get_role_in_group", {"GroupId": room, "User_Account": ["early", "late", "stay", "host"]}
    )
    assert [r["Role"] for r in roles["UserIdList"]] == ["NotMember", "Member", "Member", "Owner"]
    (tip,) = [f["data"] for f in pusher.frames("h1", "GroupTip")]
    body = tip["MsgBody"][0]["MsgContent"]
    assert (body["OpType"], body["MemberList"], body["Reason"]) == ("Kick", [{"Member_Account": "early"}], "offline")
    assert group_offline_kick.run() == 0  # running again removes nobody twice
    connect(svc, "late", "l2")  # back within the window: never kicked
    clock.advance(600)
    assert group_offline_kick.run() == 0
    roles = api.ok("group_open_http_svc/get_role_in_group", {"GroupId": public, "User_Account": ["publicbob"]})
    assert roles["UserIdList"][0]["Role"] == "Member"  # other types keep offline members


def test_a_group_created_with_offline_kick_on_removes_members_who_never_came_online(svc, api, clock):
    accounts(api, "alice", "bob")
    gid = create(api, "ChatRoom", members=("bob",), OfflineKick="On")
    connect(svc, "alice", "a1")
    clock.advance(300)
    assert group_offline_kick.run() == 1
    assert api.ok("group_open_http_svc/get_group_member_info", {"GroupId": gid})["MemberNum"] == 1


def test_the_kick_window_follows_the_apps_setting(svc, api, clock):
    svc.apps.configure(1400000001, {"offline_kick_seconds": "60"})
    accounts(api, "alice", "bob")
    gid = create(api, "AVChatRoom")
    api.ok("group_open_http_svc/apply_join_group", {"GroupId": gid}, identifier="bob")
    clock.advance(60)
    assert group_offline_kick.run() == 1  # bob; the owner, offline too, is never removed


def test_a_deleted_account_leaves_its_groups(svc, api):
    accounts(api, "alice", "bob")
    gid = create(api, "Public", members=("bob",))
    api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    assert api.ok("group_open_http_svc/get_group_info", {"GroupIdList": [gid]})["GroupInfo"][0]["MemberNum"] == 1
