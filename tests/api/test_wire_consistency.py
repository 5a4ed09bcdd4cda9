"""The wire's consistency (issue 19): an account acting for itself never has to name itself, and group conversations
are ordered by their last message like one-to-one ones."""

from tests.chat import send as send_c2c
from tests.group_builders import accounts, create, send

LIST = {"TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 0}


def order(api, user):
    out = api.ok("recentcontact/get_list", {"From_Account": user, **LIST})
    return [s.get("GroupId") or s.get("To_Account") for s in out["SessionItem"]]


def test_recent_contacts_over_the_websocket_need_no_from_account(api, ws):
    accounts(api, "alice", "bob")
    send_c2c(api, "alice", "bob")
    cid = ws.login("bob")
    listed = ws.ok(cid, "recentcontact/get_list", LIST)
    assert [s["To_Account"] for s in listed["SessionItem"]] == ["alice"]
    ws.ok(cid, "recentcontact/set_top", {"Type": 1, "To_Account": "alice", "TopFlag": 1})
    ws.ok(cid, "recentcontact/delete", {"Type": 1, "To_Account": "alice"})
    assert ws.ok(cid, "recentcontact/get_list", LIST)["SessionItem"] == []
    ws.fails(cid, "recentcontact/get_list", {**LIST, "From_Account": "alice"}, 90009)  # naming another: refused


def test_the_admin_still_names_the_account(api):
    accounts(api, "alice")
    api.rejects("recentcontact/get_list", LIST, 50002)


def test_group_conversations_are_ordered_by_their_last_message(api, clock):
    accounts(api, "alice", "bob", "carol")
    first = create(api, "Public", members=("bob",))
    clock.advance(10)
    second = create(api, "Public", members=("bob",))
    clock.advance(10)
    send_c2c(api, "carol", "bob")
    assert order(api, "bob") == ["carol", second, first]
    clock.advance(10)
    send(api, first, "news", sender="alice")  # the group joined first is now the most recent
    assert order(api, "bob") == [first, "carol", second]
    clock.advance(10)
    send_c2c(api, "carol", "bob")
    assert order(api, "bob") == ["carol", first, second]
