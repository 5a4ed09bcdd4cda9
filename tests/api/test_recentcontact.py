from chalicelib.store.conversations import LISTED, ConversationModel, bucket_sk, list_pk
from tests.chat import accounts, conversation_rows, history, online, recent, send, text, ws

APP = 1400000001


def test_each_item_shows_the_last_message_and_unread_count_most_recent_first(api, clock):
    accounts(api, "alice", "bob", "carol")
    send(api, "alice", "bob", "hi")
    clock.advance(5)
    send(api, "carol", "bob", "one")
    send(api, "carol", "bob", "two")
    clock.advance(5)
    send(api, "bob", "alice", "reply")
    out = recent(api, "bob")
    assert out["ErrorDisplay"] == "" and out["CompleteFlag"] == 1
    items = [
        (i["To_Account"], i["UnreadMsgNum"], i["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"])
        for i in out["SessionItem"]
    ]
    assert items == [("alice", 1, "reply"), ("carol", 2, "two")]
    assert out["SessionItem"][0]["MsgTime"] == int(clock.now()) and out["SessionItem"][0]["Type"] == 1
    assert [i["To_Account"] for i in recent(api, "alice")["SessionItem"]] == ["bob"]


def test_the_list_holds_the_apps_limit_until_a_message_brings_an_old_one_back(api, svc, clock):
    svc.apps.configure(APP, {"recent_contacts": "2"})
    accounts(api, "bob", "p0", "p1", "p2")
    for peer in ("p0", "p1", "p2"):
        send(api, peer, "bob")
        clock.advance(1)
    assert [i["To_Account"] for i in recent(api, "bob")["SessionItem"]] == ["p2", "p1"]
    send(api, "p0", "bob")
    assert [i["To_Account"] for i in recent(api, "bob")["SessionItem"]] == ["p0", "p2"]


def test_paging_returns_every_conversation_once(api, clock):
    peers = [f"p{i}" for i in range(23)]
    accounts(api, "bob")
    for i, peer in enumerate(peers):  # rows as messages leave them, written directly to keep the test fast
        t = 100 + i // 2
        ConversationModel(
            f"{APP}#U#bob", f"CONV#1#{peer}", type=1, peer=peer, time=t, last_pk="x", last_sk="y",
            gsi3pk=list_pk(APP, "bob", LISTED), gsi3sk=bucket_sk(t),  # its recent-contacts index entry
        ).save()  # fmt: skip
    seen, extra = [], {}
    while True:
        page = recent(api, "bob", **extra)
        seen += [i["To_Account"] for i in page["SessionItem"]]
        if page["CompleteFlag"]:
            break
        extra = {"TimeStamp": page["TimeStamp"], "StartIndex": page["StartIndex"]}
    assert sorted(seen) == sorted(peers) and len(seen) == len(peers)
    assert seen[:3] == ["p22", "p20", "p21"]  # most recent first, equal times in a stable order


def test_pinning_is_stored_shown_first_and_pushed_to_the_accounts_other_terminals(api, svc, clock, pusher):
    accounts(api, "bob", "alice", "carol")
    online(svc, clock, "bob", "b1")
    online(svc, clock, "bob", "b2")
    send(api, "alice", "bob")
    clock.advance(1)
    send(api, "carol", "bob")
    ws(
        svc,
        "bob",
        "b1",
        "recentcontact/set_top",
        {"From_Account": "bob", "Type": 1, "To_Account": "alice", "TopFlag": 1},
    )
    assert pusher.frames("b1", "recentcontact_top") == []
    (pushed,) = pusher.frames("b2", "recentcontact_top")
    assert pushed["data"] == {"Type": 1, "To_Account": "alice", "TopFlag": 1}
    pinned = recent(api, "bob", flags=1)["SessionItem"]
    assert [(i["To_Account"], i["TopFlag"]) for i in pinned] == [("alice", 1), ("carol", 0)]
    api.ok("recentcontact/set_top", {"From_Account": "bob", "Type": 1, "To_Account": "alice", "TopFlag": 0})
    assert [i["TopFlag"] for i in recent(api, "bob", flags=1)["SessionItem"]] == [0, 0]


def test_pinning_a_conversation_without_messages_makes_an_empty_session(api):
    accounts(api, "bob", "dave")
    api.ok("recentcontact/set_top", {"From_Account": "bob", "Type": 1, "To_Account": "dave", "TopFlag": 1})
    assert recent(api, "bob", flags=1)["SessionItem"] == []
    (item,) = recent(api, "bob", flags=3)["SessionItem"]
    assert item["To_Account"] == "dave" and item["TopFlag"] == 1 and "LastMsg" not in item


def test_delete_hides_the_conversation_and_its_unread_until_a_new_message(api, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "1")
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 1, "To_Account": "alice"})
    assert recent(api, "bob")["SessionItem"] == []
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 0
    assert len(history(api, "bob", "alice")["MsgList"]) == 1  # history stays without ClearRamble
    send(api, "alice", "bob", "2")
    (item,) = recent(api, "bob")["SessionItem"]
    assert item["UnreadMsgNum"] == 1


def test_delete_with_clear_ramble_empties_only_the_deleters_history(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "1")
    send(api, "bob", "alice", "2")
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 1, "To_Account": "alice", "ClearRamble": 1})
    assert history(api, "bob", "alice")["MsgList"] == []
    assert len(history(api, "alice", "bob")["MsgList"]) == 2
    send(api, "alice", "bob", "3")
    assert [m["MsgBody"] for m in history(api, "bob", "alice")["MsgList"]] == [text("3")]


def test_clear_ramble_runs_from_the_queue_and_spares_what_was_sent_after_it(api, svc, task_queue):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "1")
    task_queue.run_inline = False
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 1, "To_Account": "alice", "ClearRamble": 1})
    assert [kind for kind, _ in task_queue.pending] == ["c2c_clear"]  # the request itself writes one row
    send(api, "alice", "bob", "2")  # sent before the queue got to it
    assert task_queue.drain() == 1
    assert [m["MsgBody"] for m in history(api, "bob", "alice")["MsgList"]] == [text("2")]
    assert [e["data"]["MsgBody"] for e in ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice"})["Events"]] == [
        text("2")
    ]


def test_group_rows_are_listed_pinned_and_deleted_alike(api, clock):
    accounts(api, "alice", "bob")
    gid = api.ok(
        "group_open_http_svc/create_group",
        {"Type": "Public", "Name": "g", "GroupId": "club", "Owner_Account": "alice",
         "MemberList": [{"Member_Account": "bob"}]},
    )["GroupId"]  # fmt: skip
    for random in (1, 2):
        api.ok("group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": random, "MsgBody": text("x")})
    (item,) = recent(api, "bob", flags=2)["SessionItem"]
    assert {k: item[k] for k in ("Type", "GroupId", "MsgTime", "TopFlag", "UnreadMsgNum")} == {
        "Type": 2, "GroupId": gid, "MsgTime": int(clock.now()), "TopFlag": 0, "UnreadMsgNum": 2,
    }  # fmt: skip
    api.ok("recentcontact/set_top", {"From_Account": "bob", "Type": 2, "ToGroupid": gid, "TopFlag": 1})
    assert recent(api, "bob", flags=3)["SessionItem"][0]["TopFlag"] == 1
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 2, "ToGroupid": gid})
    assert [r for r in conversation_rows() if r["pk"]["S"].endswith("#U#bob")] == []  # group rows really go


def test_an_account_manages_only_its_own_recent_contacts(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    body = {"From_Account": "bob", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0}
    assert len(api.ok("recentcontact/get_list", {**body, "AssistFlags": 0}, identifier="bob")["SessionItem"]) == 1
    api.fails("recentcontact/get_list", {**body, "AssistFlags": 0}, 90009, identifier="alice")
    api.fails(
        "recentcontact/delete", {"From_Account": "bob", "Type": 1, "To_Account": "alice"}, 90009, identifier="alice"
    )


BASE = {
    "recentcontact/get_list": {
        "From_Account": "bob",
        "TimeStamp": 0,
        "StartIndex": 0,
        "TopTimeStamp": 0,
        "TopStartIndex": 0,
        "AssistFlags": 0,
    },
    "recentcontact/delete": {"From_Account": "bob", "Type": 1, "To_Account": "alice"},
    "recentcontact/set_top": {"From_Account": "bob", "Type": 1, "To_Account": "alice", "TopFlag": 1},
}


RECENTCONTACT_CASES = [
    ("recentcontact/get_list", {"From_Account": None}, 50002),
    ("recentcontact/get_list", {"TimeStamp": None}, 50002),
    ("recentcontact/get_list", {"TimeStamp": "0"}, 50002),
    ("recentcontact/get_list", {"StartIndex": -1}, 50002),
    ("recentcontact/get_list", {"AssistFlags": 9}, 50002),
    ("recentcontact/get_list", {"TopStartIndex": None}, 50002),
    ("recentcontact/delete", {"Type": 3}, 50002),
    ("recentcontact/delete", {"Type": "1"}, 50002),
    ("recentcontact/delete", {"To_Account": None}, 50002),
    ("recentcontact/delete", {"Type": 2, "To_Account": None}, 50002),
    ("recentcontact/delete", {"From_Account": "ghost"}, 50001),
    ("recentcontact/delete", {"ClearRamble": 2}, 50002),
    ("recentcontact/set_top", {"TopFlag": None}, 50002),
    ("recentcontact/set_top", {"TopFlag": 2}, 50002),
    ("recentcontact/set_top", {"To_Account": "ghost"}, 50001),
]


def test_bad_recentcontact_requests_have_their_code_and_change_nothing(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    before = conversation_rows()
    for name, changes, code in RECENTCONTACT_CASES:
        body = {k: v for k, v in {**BASE[name], **changes}.items() if v is not None}
        assert api.fails(name, body, code)["ErrorDisplay"] == ""
    assert conversation_rows() == before
