from tests.chat import accounts, each_fails, online, send, text, ws


def _sync_all(svc, user, cid, cursor, max_cnt=2):
    events = []
    while True:
        page = ws(svc, user, cid, "openim/sync", {"Cursor": cursor, "MaxCnt": max_cnt})
        events += page["Events"]
        cursor = page["Cursor"]
        if page["Complete"]:
            return events, cursor


def test_a_terminal_that_was_offline_syncs_the_gap_exactly_once_and_in_order(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    send(api, "alice", "bob", "seen live")
    cursor = pusher.frames("b1", "c2c_msg")[-1]["data"]["Cursor"]
    svc.connections.remove("b1")  # bob drops off
    missed = [send(api, "alice", "bob", f"missed {i}")["MsgKey"] for i in range(5)]
    online(svc, clock, "bob", "b2")  # and comes back
    events, cursor = _sync_all(svc, "bob", "b2", cursor)
    assert [e["data"]["MsgKey"] for e in events] == missed
    assert [e["event"] for e in events] == ["c2c_msg"] * 5
    cursors = [e["data"]["Cursor"] for e in events]
    assert cursors == sorted(set(cursors)) and cursor == cursors[-1]
    assert _sync_all(svc, "bob", "b2", cursor)[0] == []  # nothing twice
    send(api, "alice", "bob", "live again")
    assert pusher.frames("b2", "c2c_msg")[-1]["data"]["Cursor"] == cursor + 1  # the next push follows on


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
    (withdrawn,) = pusher.frames("a1", "msg_withdraw")  # the recalling terminal too: its cursors stay contiguous
    assert withdrawn["data"]["Cursor"] == sent["Cursor"] + 1
    online(svc, clock, "alice", "a2")  # a terminal that was not online for either
    events, _ = _sync_all(svc, "alice", "a2", 0)
    assert [(e["event"], e["data"]["MsgKey"]) for e in events] == [
        ("c2c_msg", sent["MsgKey"]),
        ("msg_withdraw", sent["MsgKey"]),
    ]
    bob_events, _ = _sync_all(svc, "bob", "b1", 0)
    assert bob_events[0]["data"]["MsgFlagBits"] == 8  # the recipient's copy is the placeholder itself


def test_sync_pages_stay_within_a_websocket_frame(api, svc):
    accounts(api, "alice", "bob")
    for i in range(5):
        send(api, "alice", "bob", str(i) * 8000)
    page = ws(svc, "bob", "b1", "openim/sync", {"Cursor": 0, "MaxCnt": 100})
    assert len(str(page)) < 32 * 1024 and page["Complete"] == 0 and len(page["Events"]) >= 1


def test_bad_sync_requests_have_their_code(api):
    accounts(api, "alice")
    cases = [
        ({"Cursor": "x"}, 90001),
        ({"Cursor": -1}, 90001),
        ({"MaxCnt": 0}, 90001),
        ({"MaxCnt": 101}, 90001),
        ({"From_Account": 5}, 90001),
    ]
    each_fails(api, "openim/sync", {"From_Account": "alice"}, cases)


def test_an_account_syncs_only_its_own_stream(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    api.fails("openim/sync", {"From_Account": "bob"}, 90009, identifier="alice")
    assert len(api.ok("openim/sync", {}, identifier="bob")["Events"]) == 1
