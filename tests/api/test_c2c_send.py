import json

from tests.chat import accounts, conversation_rows, each_fails, history, online, recent, send, stored, text, ws

APP = 1400000001


def test_backend_send_reaches_every_recipient_terminal_with_the_senders_nick_and_avatar(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    online(svc, clock, "bob", "b2")
    out = send(api, "alice", "bob", "hi bob")
    assert out["MsgKey"].endswith(f"_{out['MsgTime']}") and out["MsgTime"] == int(clock.now())
    for cid in ("b1", "b2"):
        (frame,) = pusher.frames(cid, "c2c_msg")
        data = frame["data"]
        assert data["SenderProfile"] == {"Nick": "Alice", "FaceUrl": "http://f/alice"}
        assert (data["From_Account"], data["To_Account"], data["MsgKey"]) == ("alice", "bob", out["MsgKey"])
        assert data["MsgBody"] == text("hi bob") and isinstance(data["Seq"], int) and isinstance(data["Cursor"], str)


def test_sender_profile_is_the_one_at_send_time(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    send(api, "alice", "bob", "one")
    api.ok(
        "profile/portrait_set",
        {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "Al"}]},
    )
    send(api, "alice", "bob", "two")
    nicks = [f["data"]["SenderProfile"]["Nick"] for f in pusher.frames("b1", "c2c_msg")]
    assert nicks == ["Alice", "Al"]
    replay = ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice"})["Events"]
    assert [e["data"]["SenderProfile"]["Nick"] for e in replay] == ["Alice", "Al"]


def test_an_account_sending_as_itself_echoes_to_its_other_terminals_not_the_sending_one(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    for cid, user in (("a1", "alice"), ("a2", "alice"), ("b1", "bob")):
        online(svc, clock, user, cid)
    reply = ws(svc, "alice", "a1", "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 1, "MsgBody": text()})
    assert pusher.frames("a1") == []
    assert len(pusher.frames("a2", "c2c_msg")) == len(pusher.frames("b1", "c2c_msg")) == 1
    assert reply["Cursor"] == pusher.frames("a2")[0]["data"]["Cursor"]  # the sending terminal learns its cursor


def test_sync_other_machine_2_keeps_the_message_out_of_the_senders_history_and_terminals(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "alice", "a1")
    send(api, "alice", "bob", "quiet", SyncOtherMachine=2)
    assert pusher.frames("a1") == []
    assert history(api, "alice", "bob")["MsgList"] == []
    assert len(history(api, "bob", "alice")["MsgList"]) == 1
    assert recent(api, "alice")["SessionItem"] == []


def test_a_retried_send_within_120_seconds_is_stored_and_delivered_once(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    body = {"From_Account": "alice", "To_Account": "bob", "MsgSeq": 5, "MsgRandom": 9, "MsgBody": text()}
    first = api.ok("openim/sendmsg", body)
    clock.advance(30)
    again = api.ok("openim/sendmsg", body)
    assert (again["MsgKey"], again["MsgTime"]) == (first["MsgKey"], first["MsgTime"])
    assert len(pusher.frames("b1", "c2c_msg")) == 1
    assert len(history(api, "bob", "alice")["MsgList"]) == 1
    clock.advance(121)  # outside the window it is a new message
    assert api.ok("openim/sendmsg", body)["MsgKey"] != first["MsgKey"]
    assert len(history(api, "bob", "alice")["MsgList"]) == 2


def test_online_only_message_reaches_online_terminals_and_is_never_stored(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    send(api, "alice", "bob", "typing…", MsgLifeTime=0)
    (frame,) = pusher.frames("b1", "c2c_msg")
    assert frame["data"]["OnlineOnlyFlag"] == 1 and "Cursor" not in frame["data"]
    assert history(api, "bob", "alice")["MsgList"] == []
    assert recent(api, "bob", flags=2)["SessionItem"] == []
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 0
    assert ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice"})["Events"] == []
    assert stored() == []


def test_expired_messages_never_come_back(api, svc, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "short", MsgLifeTime=60)
    clock.advance(61)
    assert history(api, "bob", "alice")["MsgList"] == []
    assert ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice"})["Events"] == []
    (item,) = recent(api, "bob", flags=2)["SessionItem"]
    assert "LastMsg" not in item
    clock.advance(7 * 86400)
    send(api, "bob", "alice", "later")  # the default lifetime is the app's roaming period
    clock.advance(7 * 86400 + 1)
    assert history(api, "alice", "bob")["MsgList"] == []


def test_admin_sends_as_itself_when_from_account_is_omitted(api, svc, clock, pusher):
    accounts(api, "administrator", "bob")
    online(svc, clock, "bob", "b1")
    api.ok("openim/sendmsg", {"To_Account": "bob", "MsgRandom": 1, "MsgBody": text()})
    assert pusher.frames("b1")[0]["data"]["From_Account"] == "administrator"


def test_send_controls_no_unread_and_no_last_msg(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "counted")
    send(api, "alice", "bob", "silent", SendMsgControl=["NoUnread", "NoLastMsg"])
    (item,) = recent(api, "bob")["SessionItem"]
    assert item["UnreadMsgNum"] == 1 and item["LastMsg"]["MsgBody"] == text("counted")
    assert len(history(api, "bob", "alice")["MsgList"]) == 2


def _nothing_written():
    assert stored() == []
    assert conversation_rows() == []


SENDMSG_CASES = [
    ({"From_Account": 5}, 90008),
    ({"From_Account": "ghost"}, 90008),
    ({"To_Account": None}, 90003),
    ({"To_Account": ["bob"]}, 90003),
    ({"To_Account": "ghost"}, 90012),
    ({"To_Account": "alice"}, 90003),
    ({"MsgRandom": None}, 90005),
    ({"MsgRandom": "1"}, 90005),
    ({"MsgRandom": -1}, 90005),
    ({"MsgRandom": 2**32}, 90005),
    ({"MsgSeq": "x"}, 90001),
    ({"MsgTimeStamp": "x"}, 90006),
    ({"MsgTimeStamp": 1_700_000_000 + 86400}, 90006),
    ({"MsgTimeStamp": 1_700_000_000 - 8 * 86400}, 90006),
    ({"MsgBody": None}, 90007),
    ({"MsgBody": {"MsgType": "TIMTextElem"}}, 90007),
    ({"MsgBody": []}, 90002),
    ({"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": 1}}]}, 90010),
    ({"MsgBody": [{"MsgType": "TIMNope", "MsgContent": {}}]}, 90002),
    ({"MsgBody": text("x" * 9300)}, 80002),
    ({"MsgBody": text("you shit")}, 80001),
    ({"MsgLifeTime": "60"}, 90044),
    ({"MsgLifeTime": -5}, 90026),
    ({"SyncOtherMachine": "1"}, 90031),
    ({"SyncOtherMachine": 3}, 90031),
    ({"SendMsgControl": ["Loud"]}, 90001),
    ({"SendMsgControl": "NoUnread"}, 90001),
    ({"CloudCustomData": 7}, 90001),
    ({"CloudCustomData": "c" * 9300}, 80002),
    ({"OfflinePushInfo": "x"}, 90001),
]


def test_bad_sendmsg_input_has_its_code_and_writes_nothing(api):
    accounts(api, "alice", "bob")
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": text()}
    each_fails(api, "openim/sendmsg", body, SENDMSG_CASES)
    _nothing_written()


def test_malformed_json_wrong_role_and_wrong_tenant_write_nothing(api):
    accounts(api, "alice", "bob", "carol")
    api.fails("openim/sendmsg", None, 90001, raw="{not json")
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": text()}
    api.fails("openim/sendmsg", body, 90009, identifier="carol")  # an account sends only as itself
    api.fails("openim/sendmsg", body, 70020, sdkappid=1400000999)
    _nothing_written()


def test_relationship_chain_rules_for_an_account_sending_as_itself(api, svc):
    accounts(api, "alice", "bob")
    body = {"To_Account": "bob", "MsgRandom": 1, "MsgBody": text()}
    api.ok("sns/black_list_add", {"From_Account": "bob", "To_Account": ["alice"]})
    api.fails("openim/sendmsg", body, 20007, identifier="alice")
    send(api, "alice", "bob")  # the admin's REST send checks no relationship (reference)
    api.ok("sns/black_list_delete", {"From_Account": "bob", "To_Account": ["alice"]})
    svc.apps.configure(APP, {"c2c_friend_check": "true"})

    def lists(owner, peer, present):
        if present:
            item = {"To_Account": peer, "AddSource": "AddSource_Type_Test"}
            api.ok("sns/friend_import", {"From_Account": owner, "AddFriendItem": [item]})
        else:
            single = {"From_Account": owner, "To_Account": [peer], "DeleteType": "Delete_Type_Single"}
            api.ok("sns/friend_delete", single)

    api.fails("openim/sendmsg", {**body, "MsgRandom": 2}, 20009, identifier="alice")  # neither lists the other
    lists("alice", "bob", True)
    api.fails("openim/sendmsg", {**body, "MsgRandom": 3}, 20010, identifier="alice")  # bob does not list alice
    lists("alice", "bob", False)
    lists("bob", "alice", True)
    api.fails("openim/sendmsg", {**body, "MsgRandom": 4}, 20011, identifier="alice")  # alice does not list bob
    lists("alice", "bob", True)
    api.ok("openim/sendmsg", body, identifier="alice")


def test_a_globally_muted_account_cannot_send(api, svc, clock):
    accounts(api, "alice", "bob")
    svc.accounts.repo.set_mute(APP, "alice", int(clock.now()) + 60, None)
    body = {"To_Account": "bob", "MsgRandom": 1, "MsgBody": text()}
    api.fails("openim/sendmsg", body, 20012, identifier="alice")
    clock.advance(61)
    api.ok("openim/sendmsg", body, identifier="alice")


def test_batch_send_lists_failed_recipients_and_shares_one_msg_key(api, svc, clock, pusher):
    accounts(api, "alice", "bob", "carol")
    online(svc, clock, "carol", "c1")
    out = api.ok(
        "openim/batchsendmsg",
        {"From_Account": "alice", "To_Account": ["bob", "ghost", "carol", "alice"], "MsgRandom": 3, "MsgBody": text()},
    )
    assert sorted(map(json.dumps, out["ErrorList"])) == sorted(
        map(json.dumps, [{"To_Account": "ghost", "ErrorCode": 90012}, {"To_Account": "alice", "ErrorCode": 90003}])
    )
    for peer in ("bob", "carol"):
        assert history(api, peer, "alice")["MsgList"][0]["MsgKey"] == out["MsgKey"]
    assert pusher.frames("c1")[0]["data"]["MsgKey"] == out["MsgKey"]


def test_a_large_batch_is_delivered_through_the_queue(api, svc, task_queue):
    users = [f"u{i}" for i in range(5)]
    accounts(api, "alice", *users)
    svc.c2c.inline_recipients = 2
    out = api.ok(
        "openim/batchsendmsg", {"From_Account": "alice", "To_Account": users, "MsgRandom": 3, "MsgBody": text()}
    )
    assert [kind for kind, _ in task_queue.enqueued] == ["c2c_batch", "c2c_batch"]
    assert all(history(api, u, "alice")["MsgList"][0]["MsgKey"] == out["MsgKey"] for u in users)


def test_bad_batchsendmsg_input_has_its_code_and_writes_nothing(api):
    accounts(api, "alice", "bob")
    body = {"From_Account": "alice", "To_Account": ["bob"], "MsgRandom": 1, "MsgBody": text()}
    cases = [
        ({"To_Account": "bob"}, 90003),
        ({"To_Account": []}, 90003),
        ({"To_Account": ["bob"] * 501}, 90011),
        ({"MsgLifeTime": 604801}, 90026),
        ({"MsgRandom": None}, 90005),
        ({"MsgBody": [{}]}, 90002),
    ]
    each_fails(api, "openim/batchsendmsg", body, cases)
    _nothing_written()


def test_import_history_lands_in_history_only_and_realtime_import_counts_unread(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "bob", "b1")
    past = int(clock.now()) - 3600
    body = {"From_Account": "alice", "To_Account": "bob", "MsgSeq": 4, "MsgRandom": 1, "MsgTimeStamp": past}
    body["MsgBody"] = text("old")
    api.ok("openim/importmsg", {**body, "SyncFromOldSystem": 2})
    api.ok("openim/importmsg", {**body, "SyncFromOldSystem": 2})  # importing twice stores once
    assert [m["MsgTimeStamp"] for m in history(api, "bob", "alice")["MsgList"]] == [past]
    assert pusher.sent == [] and ws(svc, "bob", "b1", "openim/sync", {"Peer_Account": "alice"})["Events"] == []
    (item,) = recent(api, "bob")["SessionItem"]
    assert item["UnreadMsgNum"] == 0 and item["LastMsg"]["MsgBody"] == text("old")
    api.ok("openim/importmsg", {**body, "MsgRandom": 2, "MsgTimeStamp": past + 60, "SyncFromOldSystem": 5})
    assert len(pusher.frames("b1", "c2c_msg")) == 1
    assert recent(api, "bob")["SessionItem"][0]["UnreadMsgNum"] == 1


IMPORT_CASES = [
    ({"SyncFromOldSystem": None}, 90030),
    ({"SyncFromOldSystem": 3}, 90030),
    ({"SyncFromOldSystem": "2"}, 90030),
    ({"MsgTimeStamp": None}, 90006),
    ({"MsgTimeStamp": 1_700_000_000 - 8 * 86400}, 90006),
    ({"From_Account": None}, 90008),
    ({"From_Account": "ghost"}, 90008),
    ({"To_Account": "ghost"}, 90012),
    ({"MsgBody": "x"}, 90007),
    ({"MsgBody": text("shit")}, 80001),
]


def test_bad_importmsg_input_has_its_code_and_writes_nothing(api):
    accounts(api, "alice", "bob")
    body = {"SyncFromOldSystem": 2, "From_Account": "alice", "To_Account": "bob", "MsgRandom": 1}
    body |= {"MsgTimeStamp": 1_700_000_000 - 60, "MsgBody": text()}
    each_fails(api, "openim/importmsg", body, IMPORT_CASES)
    _nothing_written()


def test_importmsg_is_for_the_admin_only(api):
    accounts(api, "alice", "bob")
    body = {"SyncFromOldSystem": 2, "From_Account": "alice", "To_Account": "bob", "MsgRandom": 1}
    api.fails("openim/importmsg", {**body, "MsgTimeStamp": 1_700_000_000, "MsgBody": text()}, 60010, identifier="alice")


def test_sends_are_counted_in_the_days_statistics(api, svc, clock, stream):
    from chalicelib.domain.stats import day_of

    accounts(api, "alice", "bob", "carol")
    send(api, "alice", "bob")
    api.ok(
        "openim/batchsendmsg",
        {"From_Account": "alice", "To_Account": ["bob", "carol"], "MsgRandom": 1, "MsgBody": text()},
    )
    send(api, "alice", "bob", MsgLifeTime=0)
    stream.drain()  # stored messages are counted from the messages stream (online-only ones by the send path)
    figures = svc.metrics.day(APP, day_of(clock.now(), "Asia/Shanghai"))
    assert (figures["C2CUpMsgNum"], figures["C2CDownMsgNum"], figures["C2CSendMsgUserNum"]) == (3, 4, 1)
