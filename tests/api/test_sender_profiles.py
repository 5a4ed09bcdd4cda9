"""The sender's nick and avatar as they were when a message was sent, everywhere a message is shown (issue 19):
one-to-one history, sync and LastMsg in recent contacts; group history and LastMsg."""

from tests.chat import history as c2c_history
from tests.chat import recent
from tests.chat import send as send_c2c
from tests.group_builders import accounts, create, history, send

NICK, IMAGE = "Tag_Profile_IM_Nick", "Tag_Profile_IM_Image"


def set_profile(api, user, nick, face):
    items = [{"Tag": NICK, "Value": nick}, {"Tag": IMAGE, "Value": face}]
    api.ok("profile/portrait_set", {"From_Account": user, "ProfileItem": items})


def test_one_to_one_history_sync_and_last_msg_keep_the_profile_of_sending_time(api):
    accounts(api, "alice", "bob")
    set_profile(api, "alice", "Alice", "http://f/a1")
    send_c2c(api, "alice", "bob", "one")
    set_profile(api, "alice", "Al", "http://f/a2")
    send_c2c(api, "alice", "bob", "two")
    set_profile(api, "alice", "Later", "http://f/a3")
    rows = c2c_history(api, "bob", "alice")["MsgList"]
    assert [r["SenderProfile"] for r in rows] == [
        {"Nick": "Alice", "FaceUrl": "http://f/a1"},
        {"Nick": "Al", "FaceUrl": "http://f/a2"},
    ]
    (item,) = recent(api, "bob")["SessionItem"]
    assert item["LastMsg"]["SenderProfile"] == {"Nick": "Al", "FaceUrl": "http://f/a2"}
    synced = api.ok("openim/sync", {"From_Account": "bob", "Peer_Account": "alice"})["Events"]
    assert [e["data"]["SenderProfile"]["Nick"] for e in synced] == ["Alice", "Al"]


def test_group_history_and_last_msg_keep_the_profile_of_sending_time(api):
    accounts(api, "alice", "bob")
    gid = create(api, "Public", members=("bob",))
    set_profile(api, "bob", "Bobby", "http://f/b1")
    send(api, gid, "one", sender="bob")
    set_profile(api, "bob", "Rob", "http://f/b2")
    rows = history(api, gid)
    assert rows[0]["SenderProfile"] == {"Nick": "Bobby", "FaceUrl": "http://f/b1"}
    listed = recent(api, "alice")["SessionItem"]
    (item,) = [s for s in listed if s.get("GroupId") == gid]
    assert item["LastMsg"]["SenderProfile"] == {"Nick": "Bobby", "FaceUrl": "http://f/b1"}
