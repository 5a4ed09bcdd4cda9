"""What a conversation log does when sends race, fail half-way or die: found in review, each once a defect."""

import pytest

from chalicelib.domain.c2c import HOLE_SECONDS, KIND_MSG, Message
from tests.chat import accounts, conversation_rows, history, recent, send, text, ws

APP = 1400000001


def _sync_all(svc, user, peer, cursor="", max_cnt=10):
    events = []
    for _ in range(50):
        page = ws(svc, user, "t1", "openim/sync", {"Peer_Account": peer, "Cursor": cursor, "MaxCnt": max_cnt})
        events += page["Events"]
        cursor = page["Cursor"]
        if page["Complete"]:
            return events, cursor
    raise AssertionError("sync never completed")


def _late(clock, sender, recipient, t):
    return Message(sender, recipient, 77, 77, t, text("late"), expires=int(clock.now()) + 86400)


def _unread(api, user):
    return api.ok("openim/get_c2c_unread_msg_num", {"To_Account": user})["AllC2CUnreadMsgNum"]


def _raising(exc):
    """A stand-in for a store call that fails with `exc`."""

    def fail(*args, **kwargs):
        raise exc

    return fail


def _seqs(page):
    return [e["data"]["Seq"] for e in page["Events"]]


def test_a_first_sync_waits_for_seq_1_while_its_sender_may_still_be_writing(api, svc, clock):
    accounts(api, "alice", "bob")
    store = svc.c2c._store
    taken = store.allocate(APP, "alice", "bob", at=int(clock.now()))  # seq 1: a sender still writing
    send(api, "alice", "bob", "two")  # seq 2 lands first
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "MaxCnt": 10})
    assert _seqs(page) == [] and page["Complete"] == 0 and page["Cursor"] == ""
    store.put(APP, KIND_MSG, taken, _late(clock, "alice", "bob", taken.time))  # the in-flight write lands
    assert [e["data"]["Seq"] for e in _sync_all(svc, "bob", "alice")[0]] == [1, 2]


def test_the_hole_rule_counts_from_when_an_entry_was_written_not_its_old_msgtimestamp(api, svc, clock):
    accounts(api, "alice", "bob")
    old = int(clock.now()) - 3600
    first = send(api, "alice", "bob", "one", MsgTimeStamp=old)
    store = svc.c2c._store
    taken = store.allocate(APP, "alice", "bob", at=old)  # seq 2 in flight right now
    send(api, "alice", "bob", "three", MsgTimeStamp=old)  # seq 3 lands first
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "Cursor": first["Cursor"]})
    assert _seqs(page) == [] and page["Complete"] == 0
    store.put(APP, KIND_MSG, taken, _late(clock, "alice", "bob", taken.time))
    assert [e["data"]["Seq"] for e in _sync_all(svc, "bob", "alice", first["Cursor"])[0]] == [2, 3]


def test_retry_tokens_are_kept_newest_first_by_position_not_by_msgseq(api):
    accounts(api, "alice", "bob")
    for r in range(7):
        api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgSeq": 9, "MsgRandom": 100 + r,
                                  "MsgBody": text(f"o{r}")})  # fmt: skip
    x = {"From_Account": "alice", "To_Account": "bob", "MsgSeq": 1, "MsgRandom": 1, "MsgBody": text("X")}
    first = api.ok("openim/sendmsg", x)
    api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgSeq": 9, "MsgRandom": 200,
                              "MsgBody": text("Y")})  # fmt: skip
    retry = api.ok("openim/sendmsg", x)  # the client retries its last unanswered send
    assert retry["MsgKey"] == first["MsgKey"] and "Seq" not in retry  # answered, not stored again
    assert [m["MsgKey"] for m in history(api, "bob", "alice")["MsgList"]].count(first["MsgKey"]) == 1


def test_a_failed_send_takes_back_the_unread_it_counted_on_the_lower_row(api, svc, monkeypatch):
    accounts(api, "alice", "bob")  # alice < bob: alice's row takes positions and holds her unread count
    store = svc.c2c._store
    real = store.put
    monkeypatch.setattr(store, "put", _raising(RuntimeError("down")))
    body = {"From_Account": "bob", "To_Account": "alice", "MsgRandom": 3, "MsgSeq": 3, "MsgBody": text("x")}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500
    assert _unread(api, "alice") == 0
    monkeypatch.setattr(store, "put", real)
    api.ok("openim/sendmsg", body)
    assert _unread(api, "alice") == 1


def test_a_write_that_stored_but_lost_its_answer_is_a_success_not_a_duplicate(api, svc, monkeypatch):
    accounts(api, "alice", "bob")
    store = svc.c2c._store
    real = store.put

    def stored_then_timeout(*a, **k):
        real(*a, **k)
        raise RuntimeError("read timeout")  # the write happened; its answer was lost

    monkeypatch.setattr(store, "put", stored_then_timeout)
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 4, "MsgSeq": 4, "MsgBody": text("x")}
    sent = api.ok("openim/sendmsg", body)
    monkeypatch.setattr(store, "put", real)
    assert api.ok("openim/sendmsg", body)["MsgKey"] == sent["MsgKey"]
    events, _ = _sync_all(svc, "bob", "alice")
    assert [e["event"] for e in events] == ["c2c_msg"] and _unread(api, "bob") == 1


class Killed(BaseException):
    """The Lambda timed out or was killed: no `except Exception` runs."""


def test_a_retry_of_a_send_whose_sender_died_waits_then_takes_over(api, svc, clock, monkeypatch):
    accounts(api, "alice", "bob")
    store = svc.c2c._store
    real = store.put
    monkeypatch.setattr(store, "put", _raising(Killed()))
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 5, "MsgSeq": 5, "MsgBody": text("x")}
    with pytest.raises(Killed):
        api.call("openim/sendmsg", body)
    monkeypatch.setattr(store, "put", real)
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500  # the first attempt may still be writing
    clock.advance(HOLE_SECONDS + 1)
    retry = api.ok("openim/sendmsg", body)  # now it is dead: this attempt sends the message
    assert retry["Seq"] == 2
    assert [e["data"]["Seq"] for e in _sync_all(svc, "bob", "alice")[0]] == [2]
    assert len(history(api, "bob", "alice")["MsgList"]) == 1
    assert api.ok("openim/sendmsg", body)["MsgKey"] == retry["MsgKey"]  # and its retries are answered by it


def test_deleting_a_conversation_reads_it_so_a_later_recall_leaves_newer_unread_alone(api, clock):
    accounts(api, "alice", "bob")
    m1 = send(api, "alice", "bob", "m1")
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 1, "To_Account": "alice"})
    clock.advance(1)
    send(api, "alice", "bob", "m2")
    assert _unread(api, "bob") == 1
    api.ok("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": m1["MsgKey"]})
    assert _unread(api, "bob") == 1


def test_recalling_imported_history_leaves_unread_alone(api, clock):
    accounts(api, "alice", "bob")
    t = int(clock.now()) - 100
    api.ok("openim/importmsg", {"SyncFromOldSystem": 2, "From_Account": "alice", "To_Account": "bob",
                                "MsgRandom": 9, "MsgSeq": 9, "MsgTimeStamp": t, "MsgBody": text("old")})  # fmt: skip
    send(api, "alice", "bob", "live")
    api.ok("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": f"9_9_{t}"})
    assert _unread(api, "bob") == 1


def test_a_future_msgtimestamp_is_taken_as_now_so_the_conversation_clock_stays_true(api, clock):
    accounts(api, "alice", "bob", "carol")
    now = int(clock.now())
    assert send(api, "alice", "carol", "ahead", MsgTimeStamp=now + 100)["MsgTime"] == now
    sent = api.ok("openim/batchsendmsg", {"From_Account": "alice", "To_Account": ["bob", "carol"], "MsgRandom": 8,
                                          "MsgBody": text("b")})  # fmt: skip
    assert sent["MsgKey"] in [m["MsgKey"] for m in history(api, "carol", "alice")["MsgList"]]


def test_a_recall_whose_log_entry_fails_changes_nothing_and_its_retry_logs_it(api, svc, monkeypatch):
    accounts(api, "alice", "bob")
    m = send(api, "alice", "bob", "x")
    store = svc.c2c._store
    real = store.put

    def put(sdk, kind, pos, message):
        if kind != KIND_MSG:
            raise RuntimeError("down")
        return real(sdk, kind, pos, message)

    monkeypatch.setattr(store, "put", put)
    recall = {"From_Account": "alice", "To_Account": "bob", "MsgKey": m["MsgKey"]}
    assert api.call("openim/admin_msgwithdraw", recall)["ErrorCode"] == 70500
    assert history(api, "bob", "alice")["MsgList"][0]["MsgFlagBits"] == 0  # not recalled
    monkeypatch.setattr(store, "put", real)
    api.ok("openim/admin_msgwithdraw", recall)
    events, _ = _sync_all(svc, "bob", "alice")
    assert [(e["event"], e["data"]["Seq"]) for e in events] == [("c2c_msg", 1), ("msg_withdraw", 3)]  # 2: voided


def test_one_msgkey_names_one_message_of_a_conversation_in_either_direction(api, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "m0")
    clock.advance(1)
    same = {"MsgSeq": 1, "MsgRandom": 1, "MsgBody": text("x")}
    api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", **same})
    api.fails("openim/sendmsg", {"From_Account": "bob", "To_Account": "alice", **same}, 90005)
    p1 = history(api, "alice", "bob", MaxCnt=1)
    p2 = history(api, "alice", "bob", MaxCnt=1, MaxTime=p1["LastMsgTime"], LastMsgKey=p1["LastMsgKey"])
    assert [m["MsgKey"] for m in p1["MsgList"] + p2["MsgList"]] == [
        p1["MsgList"][0]["MsgKey"],
        p2["MsgList"][0]["MsgKey"],
    ]
    assert len({m["MsgKey"] for m in p1["MsgList"] + p2["MsgList"]}) == 2


DELETE = "im_open_login_svc/account_delete"


def test_a_retry_that_takes_over_a_dead_send_counts_the_lower_recipients_unread_once(api, svc, clock, monkeypatch):
    accounts(api, "alice", "bob")  # alice < bob: alice's row holds her unread
    store = svc.c2c._store
    real = store.put
    monkeypatch.setattr(store, "put", _raising(Killed()))
    body = {"From_Account": "bob", "To_Account": "alice", "MsgRandom": 5, "MsgSeq": 5, "MsgBody": text("x")}
    with pytest.raises(Killed):
        api.call("openim/sendmsg", body)
    monkeypatch.setattr(store, "put", real)
    clock.advance(HOLE_SECONDS + 1)
    api.ok("openim/sendmsg", body)
    assert len(history(api, "alice", "bob")["MsgList"]) == 1 and _unread(api, "alice") == 1


def test_a_reimported_lower_account_continues_the_conversation_log(api, svc, clock):
    accounts(api, "alice", "bob")  # alice < bob: her row, deleted with her, held the log's count
    t0 = int(clock.now())
    send(api, "alice", "bob", "old1")
    old = send(api, "alice", "bob", "old2")
    _, kept = _sync_all(svc, "bob", "alice")
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    accounts(api, "alice")
    new = send(api, "alice", "bob", "new", MsgTimeStamp=t0 - 5)  # same second, even an older time
    assert new["Seq"] == old["Seq"] + 1 and new["MsgTime"] == t0
    assert [m["MsgBody"] for m in history(api, "bob", "alice")["MsgList"]] == [text("old1"), text("old2"), text("new")]
    events, _ = _sync_all(svc, "bob", "alice", kept)
    assert [e["data"]["MsgKey"] for e in events] == [new["MsgKey"]]
    assert _sync_all(svc, "alice", "bob")[0][0]["data"]["MsgKey"] == new["MsgKey"]  # the new alice: only hers


def test_a_reimported_lower_accounts_in_flight_position_is_waited_for(api, svc, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "old")
    _, kept = _sync_all(svc, "bob", "alice")
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    accounts(api, "alice")
    store = svc.c2c._store
    taken = store.allocate(APP, "alice", "bob", at=int(clock.now()))  # seq 2 in flight
    send(api, "alice", "bob", "three")  # seq 3 lands first
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "Cursor": kept})
    assert _seqs(page) == [] and page["Complete"] == 0
    store.put(APP, KIND_MSG, taken, _late(clock, "alice", "bob", taken.time))
    assert [e["data"]["Seq"] for e in _sync_all(svc, "bob", "alice", kept)[0]] == [2, 3]


def test_a_recall_applied_whose_answer_was_lost_is_logged_and_counts_down(api, svc, monkeypatch):
    accounts(api, "alice", "bob")
    m = send(api, "alice", "bob", "x")
    _, kept = _sync_all(svc, "bob", "alice")
    store = svc.c2c._store
    real = store.rewrite

    def lost(*a, **k):
        real(*a, **k)
        raise RuntimeError("timeout")

    monkeypatch.setattr(store, "rewrite", lost)
    api.ok("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": m["MsgKey"]})
    assert history(api, "bob", "alice")["MsgList"][0]["MsgFlagBits"] == 8
    assert [e["event"] for e in _sync_all(svc, "bob", "alice", kept)[0]] == ["msg_withdraw"]
    assert _unread(api, "bob") == 0


def test_a_queued_batch_part_skips_a_recipient_deleted_meanwhile(api, svc, clock):
    from chalicelib.domain.c2c import Outgoing, SyncMode

    accounts(api, "alice", "zed")
    app = svc.apps.get(APP)
    now = int(clock.now())
    out = Outgoing(("alice",), 1, 1, text("queued"), 86400, SyncMode.ROAM)
    payload = svc.c2c._batch_payload(app, Message("zed", "alice", 1, 1, now, text("queued"), expires=now + 86400),
                                     out, ["alice"])  # fmt: skip
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})  # deleted while the part waits in the queue
    svc.c2c.deliver_batch(app, payload)
    accounts(api, "alice")
    assert _unread(api, "alice") == 0 and history(api, "alice", "zed")["MsgList"] == []


def test_of_two_racing_edits_the_later_logged_one_stands_in_history_and_log(api, svc, monkeypatch):
    accounts(api, "alice", "bob")
    m = send(api, "alice", "bob", "v0")
    store = svc.c2c._store
    real = store.rewrite
    edit = {"From_Account": "alice", "To_Account": "bob", "MsgKey": m["MsgKey"]}
    outcome: list[int] = []
    racing = []

    def slow(*a, **k):
        if not racing:  # the first edit is slow: the second is logged and applied in between
            racing.append(True)
            outcome.append(api.call("openim/modify_c2c_msg", {**edit, "MsgBody": text("v2")})["ErrorCode"])
        return real(*a, **k)

    monkeypatch.setattr(store, "rewrite", slow)
    first = api.call("openim/modify_c2c_msg", {**edit, "MsgBody": text("v1")})
    assert (outcome, first["ErrorCode"]) == ([0], 20023)  # the earlier-logged edit lost
    page = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice", "MaxCnt": 10})
    logged = [e["data"]["MsgBody"] for e in page["Events"] if e["event"] == "msg_modify"]
    assert logged == [text("v2")] == [history(api, "bob", "alice")["MsgList"][0]["MsgBody"]]


def test_a_retry_of_a_send_that_failed_after_storing_gives_the_recipient_its_row(api, svc, clock, monkeypatch):
    accounts(api, "alice", "bob")  # bob is the higher account: his row is the send's last write
    store = svc.c2c._store
    real = store.touch
    monkeypatch.setattr(store, "touch", _raising(RuntimeError("down")))
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 6, "MsgSeq": 6, "MsgBody": text("x")}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500
    monkeypatch.setattr(store, "touch", real)
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500  # the first attempt might still be finishing
    clock.advance(HOLE_SECONDS + 1)
    api.ok("openim/sendmsg", body)  # answered from the first attempt, which stored the message
    assert [c["Peer_Account"] for c in ws(svc, "bob", "b1", "openim/sync_conversations", {})["Conversations"]] == [
        "alice"
    ]
    assert _unread(api, "bob") == 1
    api.ok("openim/sendmsg", body)  # a further retry finds the row and changes nothing
    assert _unread(api, "bob") == 1


def _clear(api, owner, peer):
    api.ok("recentcontact/delete", {"From_Account": owner, "Type": 1, "To_Account": peer, "ClearRamble": 1})


def _import(api, t, r, value):
    api.ok("openim/importmsg", {"SyncFromOldSystem": 2, "From_Account": "alice", "To_Account": "bob",
                                "MsgRandom": r, "MsgSeq": r, "MsgTimeStamp": t, "MsgBody": text(value)})  # fmt: skip


def test_clear_ramble_takes_imported_history_out_too(api, clock):
    accounts(api, "alice", "bob")
    now = int(clock.now())
    _import(api, now - 200, 9, "only imported")
    _clear(api, "bob", "alice")  # a conversation of imported history alone has no log position
    assert history(api, "bob", "alice")["MsgList"] == []
    send(api, "alice", "bob", "live", MsgTimeStamp=now - 100)
    for t, r in ((now - 100, 1), (now - 50, 2)):  # in the second of the newest entry, and after it
        _import(api, t, r, f"imp{r}")
    _clear(api, "bob", "alice")
    assert history(api, "bob", "alice")["MsgList"] == []
    assert len(history(api, "alice", "bob")["MsgList"]) == 4


def test_a_takeover_that_fails_too_leaves_the_unread_count_right(api, svc, clock, monkeypatch):
    accounts(api, "alice", "bob")  # alice < bob: her row holds her unread
    store = svc.c2c._store
    real = store.put
    monkeypatch.setattr(store, "put", _raising(Killed()))
    body = {"From_Account": "bob", "To_Account": "alice", "MsgRandom": 5, "MsgSeq": 5, "MsgBody": text("x")}
    with pytest.raises(Killed):
        api.call("openim/sendmsg", body)
    clock.advance(HOLE_SECONDS + 1)
    monkeypatch.setattr(store, "put", _raising(RuntimeError("down")))
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500  # the takeover fails too
    monkeypatch.setattr(store, "put", real)
    api.ok("openim/sendmsg", body)
    assert len(history(api, "alice", "bob")["MsgList"]) == 1 and _unread(api, "alice") == 1


def test_a_retry_overtaking_its_first_attempt_before_the_recipients_row_waits(api, svc, monkeypatch):
    accounts(api, "alice", "bob")  # bob is higher: the last write is his row
    store = svc.c2c._store
    real = store.touch
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 6, "MsgSeq": 6, "MsgBody": text("x")}
    nested: list[int] = []
    racing = []

    def slow(*a, **k):
        if not racing:
            racing.append(True)
            nested.append(api.call("openim/sendmsg", body)["ErrorCode"])  # the client's retry overtakes
        return real(*a, **k)

    monkeypatch.setattr(store, "touch", slow)
    api.ok("openim/sendmsg", body)
    assert nested == [70500] and _unread(api, "bob") == 1


def test_a_retry_repairs_the_recipients_row_in_an_ongoing_conversation_once_the_first_attempt_is_over(
    api, svc, clock, monkeypatch
):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "first")
    store = svc.c2c._store
    real = store.touch
    monkeypatch.setattr(store, "touch", _raising(RuntimeError("down")))
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 6, "MsgSeq": 6, "MsgBody": text("x")}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500
    monkeypatch.setattr(store, "touch", real)
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500  # it could still be finishing
    clock.advance(HOLE_SECONDS + 1)
    api.ok("openim/sendmsg", body)
    api.ok("openim/sendmsg", body)  # repaired once
    assert _unread(api, "bob") == 2
    (item,) = recent(api, "bob")["SessionItem"]
    assert item["LastMsg"]["MsgBody"] == text("x")


def test_the_lower_recipients_read_shortcut_uses_the_stored_msgtime(api, clock):
    accounts(api, "alice", "bob")  # alice lower: her row is written by the position's write
    t0 = int(clock.now())
    m1 = send(api, "bob", "alice", "m1")
    clock.advance(100)
    api.ok("openim/modify_c2c_msg", {"From_Account": "bob", "To_Account": "alice", "MsgKey": m1["MsgKey"],
                                     "MsgBody": text("m1'")})  # fmt: skip  # the log's time moves to t0+100
    m2 = send(api, "bob", "alice", "m2", MsgTimeStamp=t0 + 50, SendMsgControl=["NoLastMsg"])
    assert m2["MsgTime"] == t0 + 100
    api.ok("openim/admin_set_msg_read", {"Report_Account": "alice", "Peer_Account": "bob", "MsgReadTime": t0 + 60})
    assert _unread(api, "alice") == 1


def test_recall_and_edit_refuse_a_deleted_account_and_write_nothing_in_its_partition(api, svc):
    accounts(api, "alice", "bob")
    m = send(api, "bob", "alice", "x")
    api.ok(DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    before = conversation_rows()
    key = {"From_Account": "bob", "To_Account": "alice", "MsgKey": m["MsgKey"]}
    api.fails("openim/admin_msgwithdraw", key, 90012)
    api.fails("openim/modify_c2c_msg", {**key, "MsgBody": text("y")}, 90012)
    assert conversation_rows() == before
    accounts(api, "alice")
    assert ws(svc, "alice", "a1", "openim/sync_conversations", {})["Conversations"] == []


def test_a_recall_is_final_even_over_an_edit_logged_after_it(api, svc, monkeypatch):
    accounts(api, "alice", "bob")
    m = send(api, "alice", "bob", "v0")
    store = svc.c2c._store
    real = store.rewrite
    key = {"From_Account": "alice", "To_Account": "bob", "MsgKey": m["MsgKey"]}
    edits: list[int] = []
    racing = []

    def slow(*a, **k):
        if not racing:
            racing.append(True)
            edits.append(api.call("openim/modify_c2c_msg", {**key, "MsgBody": text("v1")})["ErrorCode"])
        return real(*a, **k)

    monkeypatch.setattr(store, "rewrite", slow)
    api.ok("openim/admin_msgwithdraw", key)
    assert edits == [0] and history(api, "bob", "alice")["MsgList"][0]["MsgFlagBits"] == 8
    assert _unread(api, "bob") == 0


def test_a_msgkey_with_anything_around_it_is_90054(api):
    accounts(api, "alice", "bob")
    m = send(api, "alice", "bob", "x")
    for bad in (m["MsgKey"] + "\n", " " + m["MsgKey"], "1_2_\u0663"):
        api.fails("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": bad}, 90054)


def test_recent_contacts_show_the_last_message_there_is_when_a_send_failed_after_pointing_at_its_own(
    api, svc, clock, monkeypatch
):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "kept")
    clock.advance(1)
    store = svc.c2c._store
    real = store.put
    monkeypatch.setattr(store, "put", _raising(RuntimeError("down")))
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 7, "MsgSeq": 7, "MsgBody": text("lost")}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 70500
    monkeypatch.setattr(store, "put", real)
    (item,) = recent(api, "alice")["SessionItem"]  # alice's (lower) row points at the voided position
    assert item["LastMsg"]["MsgBody"] == text("kept")
