"""Groups in recent contacts (Type 2 rows): written once per member at joining, described when listed."""

from tests.group_builders import accounts, create, history, send

LIST = {"TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 0}


def sessions(api, user):
    out = api.ok("recentcontact/get_list", {"From_Account": user, **LIST})
    return {s.get("GroupId") or s.get("To_Account"): s for s in out["SessionItem"]}


def test_a_members_recent_contacts_show_its_groups_last_message_and_unread(api):
    accounts(api, "alice", "bob", "carol")
    gid = create(api, "Public", members=("bob",))
    live = create(api, "AVChatRoom")
    api.ok("group_open_http_svc/apply_join_group", {"GroupId": live}, identifier="bob")
    send(api, gid, "one", sender="alice")
    send(api, gid, "two", sender="alice")
    row = sessions(api, "bob")[gid]
    assert (row["Type"], row["UnreadMsgNum"]) == (2, 2)
    assert row["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"] == "two"
    assert live not in sessions(api, "bob")  # live rooms are not conversations
    api.ok("group_open_http_svc/group_msg_read_report", {"GroupId": gid}, identifier="bob")
    assert sessions(api, "bob")[gid]["UnreadMsgNum"] == 0
    api.ok("group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    assert sessions(api, "carol")[gid]["LastMsg"]["IsSystemMsg"] == 1  # its own join tip
    api.ok("group_open_http_svc/quit_group", {"GroupId": gid}, identifier="bob")
    assert gid not in sessions(api, "bob")


def test_deleting_a_group_conversation_with_clear_ramble_starts_the_members_history_anew(api):
    accounts(api, "alice", "bob")
    gid = create(api, "ChatRoom", members=("bob",))
    send(api, gid, "old")
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 2, "ToGroupid": gid, "ClearRamble": 1})
    assert gid not in sessions(api, "bob")
    assert history(api, gid, identifier="bob") == []
    send(api, gid, "new")
    assert [r["MsgBody"][0]["MsgContent"]["Text"] for r in history(api, gid, identifier="bob")] == ["new"]


def test_a_dissolved_group_leaves_its_members_lists(api):
    accounts(api, "alice", "bob")
    gid = create(api, "Private", members=("bob",))
    api.ok("group_open_http_svc/destroy_group", {"GroupId": gid})
    assert gid not in sessions(api, "bob") and gid not in sessions(api, "alice")


def test_a_group_left_cannot_be_pinned_nor_one_that_does_not_exist(api):
    """Issue 11: pinning needs a conversation there can be (10007 after leaving, 10010 for no such group)."""
    from tests.chat import recent
    from tests.group_builders import accounts, create

    accounts(api, "alice", "bob")
    gid = create(api, "Public", members=("bob",))
    api.ok("group_open_http_svc/quit_group", {"GroupId": gid}, identifier="bob")
    api.rejects("recentcontact/set_top", {"From_Account": "bob", "Type": 2, "ToGroupid": gid, "TopFlag": 1}, 10007)
    api.rejects("recentcontact/set_top", {"From_Account": "bob", "Type": 2, "ToGroupid": "nope", "TopFlag": 1}, 10010)
    assert recent(api, "bob", flags=3)["SessionItem"] == []
    api.ok("recentcontact/set_top", {"From_Account": "bob", "Type": 2, "ToGroupid": gid, "TopFlag": 0})  # unpin: fine
