from chalicelib.domain.c2c import HOLE_SECONDS, Position
from tests.chat import accounts, each_fails, online, send, text, ws

APP = 1400000001


def _sync_all(svc, user, cid, peer, cursor="", max_cnt=2):
    events = []
    while True:
        page = ws(svc, user, cid, "openim/sync", {"Peer_Account": peer, "Cursor": cursor, "MaxCnt": max_cnt})
        events += page["Events"]
        cursor = page["Cursor"]
        if page["Complete"]:
            return events, cursor


def _states(svc, user, cid, **body):
    return {c["Peer_Account"]: c for c in ws(svc, user, cid, "openim/sync_conversations", body)["Conversations"]}


def test_a_terminal_that_was_offline_syncs_the_gap_exactly_once_and_in_order(api, svc, clock, pusher):
    accounts(api, "alice", "bob", "carol")
    online(svc, clock, "bob", "b1")
    send(api, "alice", "bob", "seen live")
    seen = pusher.frames("b1", "c2c_msg")[-1]["data"]
    svc.connections.remove("b1")  # bob drops off
    missed = []
    for i in range(5):
        clock.advance(1 if i % 2 else 0)
        missed.append(send(api, "alice", "bob", f"missed {i}")["MsgKey"])
        send(api, "bob", "alice", f"reply {i}")  # from bob's other terminal: in the same conversation log
    send(api, "carol", "bob", "from carol")
    online(svc, clock, "bob", "b2")  # and comes back: which conversations moved?
    states = _states(svc, "bob", "b2")
    assert set(states) == {"alice", "carol"}
    assert states["alice"]["Seq"] == seen["Seq"] + 10 and states["alice"]["UnreadMsgNum"] == 6
    assert states["carol"]["Seq"] == 1 and states["carol"]["Cursor"]
    events, cursor = _sync_all(svc, "bob", "b2", "alice", seen["Cursor"])
    assert [e["data"]["MsgKey"] for e in events if e["data"]["From_Account"] == "alice"] == missed
    assert [e["event"] for e in events] == ["c2c_msg"] * 10
    seqs = [e["data"]["Seq"] for e in events]
    assert seqs == list(range(seen["Seq"] + 1, seen["Seq"] + 11)) and cursor == events[-1]["data"]["Cursor"]
    assert cursor == states["alice"]["Cursor"]
    assert _sync_all(svc, "bob", "b2", "alice", cursor)[0] == []  # nothing twice
    send(api, "alice", "bob", "live again")
    assert pusher.frames("b2", "c2c_msg")[-1]["data"]["Seq"] == seqs[-1] + 1  # the next push follows on
    (from_carol,) = _sync_all(svc, "bob", "b2", "carol")[0]
    assert from_carol["data"]["MsgBody"] == text("from carol")


def test_sync_replays_what_the_accounts_other_terminals_sent_and_later_recalls(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "alice", "a1")
    sent = ws(svc, "alice", "a1", "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 1, "MsgBody": text("from a1")})
    ws(
        svc,
        "alice",
        "a1",
        "openim/admin_msgwithdraw",
        {"From_Account": "alice", "To_Account": "bob", "MsgKey": sent["MsgKey"]},
    )
    (withdrawn,) = pusher.frames("a1", "msg_withdraw")  # the recalling terminal too: its seqs stay contiguous
    assert withdrawn["data"]["Seq"] == sent["Seq"] + 1
    online(svc, clock, "alice", "a2")  # a terminal that was not online for either
    events, _ = _sync_all(svc, "alice", "a2", "bob")
    assert [(e["event"], e["data"]["MsgKey"], e["data"]["Seq"]) for e in events] == [
        ("c2c_msg", sent["MsgKey"], 1),
        ("msg_withdraw", sent["MsgKey"], 2),
    ]
    assert events[0]["data"]["MsgFlagBits"] == 8  # the message itself is now the placeholder
    bob_events, _ = _sync_all(svc, "bob", "b1", "alice")
    assert [e["event"] for e in bob_events] == ["c2c_msg", "msg_withdraw"]


def test_recalls_and_edits_interleave_with_messages_in_log_order(api, svc, clock):
    accounts(api, "alice", "bob")
    first = send(api, "alice", "bob", "one")
    send(api, "alice", "bob", "two")
    api.ok("openim/modify_c2c_msg", {"From_Account": "alice", "To_Account": "bob", "MsgKey": first["MsgKey"],
                                     "MsgBody": text("one!")})  # fmt: skip
    clock.advance(1)
    send(api, "bob", "alice", "three")
    events, _ = _sync_all(svc, "bob", "b1", "alice", max_cnt=1)
    assert [(e["event"], e["data"]["Seq"]) for e in events] == [
        ("c2c_msg", 1), ("c2c_msg", 2), ("msg_modify", 3), ("c2c_msg", 4),
    ]  # fmt: skip
    assert events[2]["data"]["MsgBody"] == text("one!")


def test_sync_stops_before_a_position_a_sender_may_still_be_writing_then_passes_a_dead_one(api, svc, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "one")
    taken = svc.c2c._store.allocate(APP, "alice", "bob", at=int(clock.now()))  # a sender in flight (or dead)
    assert taken == Position(int(clock.now()), 2)
    send(api, "alice", "bob", "three")
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "MaxCnt": 10})
    assert [e["data"]["Seq"] for e in page["Events"]] == [1] and page["Complete"] == 0
    clock.advance(HOLE_SECONDS + 1)
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "Cursor": page["Cursor"]})
    assert [e["data"]["Seq"] for e in page["Events"]] == [3] and page["Complete"] == 1


def test_sync_conversations_carries_unread_read_marks_pins_and_deletion_and_pages(api, svc, clock):
    accounts(api, "alice", "bob", "carol", "dave")
    for peer in ("bob", "carol", "dave"):
        send(api, peer, "alice", "hi")
    api.ok("openim/admin_set_msg_read", {"Report_Account": "alice", "Peer_Account": "bob"})
    api.ok("recentcontact/set_top", {"From_Account": "alice", "Type": 1, "To_Account": "carol", "TopFlag": 1})
    api.ok("recentcontact/delete", {"From_Account": "alice", "Type": 1, "To_Account": "dave"})
    states = _states(svc, "alice", "a1")
    assert {p: (s["UnreadMsgNum"], s["TopFlag"], s["Deleted"]) for p, s in states.items()} == {
        "bob": (0, 0, 0), "carol": (1, 1, 0), "dave": (0, 0, 1),
    }  # fmt: skip
    assert states["bob"]["MsgReadTime"] == int(clock.now())
    assert _states(svc, "bob", "b1")["alice"]["PeerReadTime"] == int(clock.now())  # the read receipt, durably
    page = ws(svc, "alice", "a1", "openim/sync_conversations", {"MaxCnt": 2})
    assert [c["Peer_Account"] for c in page["Conversations"]] == ["bob", "carol"] and page["Complete"] == 0
    page = ws(svc, "alice", "a1", "openim/sync_conversations", {"MaxCnt": 2, "After": "carol"})
    assert [c["Peer_Account"] for c in page["Conversations"]] == ["dave"] and page["Complete"] == 1


def test_sync_pages_stay_within_a_websocket_frame(api, svc):
    accounts(api, "alice", "bob")
    for i in range(5):
        send(api, "alice", "bob", str(i) * 8000)
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "MaxCnt": 100})
    assert len(str(page)) < 32 * 1024 and page["Complete"] == 0 and len(page["Events"]) >= 1


def test_bad_sync_requests_have_their_code(api):
    accounts(api, "alice", "bob")
    cases = [
        ({"Cursor": 5}, 90001),
        ({"Cursor": "x"}, 90001),
        ({"Cursor": "-1.2"}, 90001),
        ({"Cursor": "1." + "9" * 40}, 90001),
        ({"MaxCnt": 0}, 90001),
        ({"MaxCnt": 101}, 90001),
        ({"From_Account": 5}, 90001),
        ({"Peer_Account": None}, 90003),
        ({"Peer_Account": 7}, 90003),
    ]
    each_fails(api, "openim/sync", {"From_Account": "alice", "Peer_Account": "bob"}, cases)
    each_fails(
        api,
        "openim/sync_conversations",
        {"From_Account": "alice"},
        [({"MaxCnt": 0}, 90001), ({"MaxCnt": 101}, 90001), ({"After": 3}, 90001)],
    )


def test_an_account_syncs_only_its_own_conversations(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    api.fails("openim/sync", {"From_Account": "bob", "Peer_Account": "alice"}, 90009, identifier="alice")
    api.fails("openim/sync_conversations", {"From_Account": "bob"}, 90009, identifier="alice")
    assert len(api.ok("openim/sync", {"Peer_Account": "alice"}, identifier="bob")["Events"]) == 1
    assert len(api.ok("openim/sync_conversations", {}, identifier="bob")["Conversations"]) == 1


def test_a_send_that_fails_after_taking_its_position_voids_it_and_its_retry_goes_through(
    api, svc, clock, pusher, monkeypatch
):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    store = svc.c2c._store
    real_put = store.put

    def broken_put(*args, **kwargs):
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(store, "put", broken_put)
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 5, "MsgSeq": 5, "MsgBody": text("again")}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500
    monkeypatch.setattr(store, "put", real_put)
    assert pusher.frames("b1", "c2c_msg") == []
    sent = api.ok("openim/sendmsg", body)  # the retry is a new send, not answered from the released token
    assert sent["Seq"] == 2  # position 1 was voided
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice"})
    assert [e["data"]["Seq"] for e in page["Events"]] == [2] and page["Complete"] == 1  # passed over at once
    assert [f["data"]["MsgKey"] for f in pusher.frames("b1", "c2c_msg")] == [sent["MsgKey"]]
