from tests.chat import accounts, each_fails, history, online, recent, send, stored, text, ws


def _conversation(api, clock, n=5, gap=10):
    keys = []
    for i in range(n):
        keys.append(send(api, "alice" if i % 2 == 0 else "bob", "bob" if i % 2 == 0 else "alice", f"m{i}")["MsgKey"])
        clock.advance(gap)
    return keys


def test_history_accepts_both_field_forms_and_shows_both_directions_oldest_first(api, clock):
    accounts(api, "alice", "bob")
    keys = _conversation(api, clock)
    new = history(api, "bob", "alice")
    old = api.ok(
        "openim/admin_getroammsg",
        {"From_Account": "alice", "To_Account": "bob", "MaxCnt": 100, "MinTime": 0, "MaxTime": 2**31},
    )
    assert [m["MsgKey"] for m in new["MsgList"]] == [m["MsgKey"] for m in old["MsgList"]] == keys
    assert new["Complete"] == 1 and new["MsgCnt"] == 5
    assert [m["From_Account"] for m in new["MsgList"]] == ["alice", "bob", "alice", "bob", "alice"]


def test_history_pages_backwards_with_last_msg_key_within_the_time_window(api, clock):
    accounts(api, "alice", "bob")
    start = int(clock.now())
    keys = _conversation(api, clock, n=7)
    window = {"MinTime": start + 10, "MaxTime": start + 50, "MaxCnt": 2}
    got, extra = [], {}
    while True:
        page = history(api, "bob", "alice", **{**window, **extra})
        got = [m["MsgKey"] for m in page["MsgList"]] + got
        if page["Complete"]:
            break
        extra = {"MaxTime": page["LastMsgTime"], "LastMsgKey": page["LastMsgKey"]}
        assert page["LastMsgKey"] == page["MsgList"][0]["MsgKey"]
    assert got == keys[1:6]


def test_history_answers_stay_within_13_kb(api, clock):
    accounts(api, "alice", "bob")
    for i in range(4):
        send(api, "alice", "bob", str(i) * 5000)
    page = history(api, "bob", "alice")
    assert page["MsgCnt"] == 2 and page["Complete"] == 0
    assert len(str(page["MsgList"])) < 13 * 1024


def test_an_account_reads_its_own_conversations_only(api, svc):
    accounts(api, "alice", "bob", "carol")
    send(api, "alice", "bob")
    body = {"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**31}
    assert api.ok("openim/admin_getroammsg", body, identifier="bob")["MsgCnt"] == 1
    api.fails("openim/admin_getroammsg", body, 90009, identifier="carol")
    old_form = {"From_Account": "bob", "To_Account": "alice", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**31}
    api.fails("openim/admin_getroammsg", old_form, 90009, identifier="carol")


def test_bad_history_requests_have_their_code(api):
    accounts(api, "alice", "bob")
    body = {"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**31}
    cases = [
        ({"Operator_Account": None}, 90008),
        ({"Peer_Account": None}, 90003),
        ({"MaxCnt": None}, 90001),
        ({"MaxCnt": 0}, 90001),
        ({"MinTime": "0"}, 90001),
        ({"MaxTime": None}, 90001),
        ({"MinTime": 10, "MaxTime": 5}, 90001),
        ({"LastMsgKey": "nope"}, 90054),
        ({"LastMsgKey": 5}, 90001),
    ]
    each_fails(api, "openim/admin_getroammsg", body, cases)


def test_unread_counts_and_read_receipts(api, svc, clock, pusher):
    accounts(api, "alice", "bob", "carol")
    for cid, user in (("a1", "alice"), ("b1", "bob"), ("b2", "bob")):
        online(svc, clock, user, cid)
    for i in range(3):
        send(api, "alice", "bob", f"a{i}")
    send(api, "carol", "bob")
    unread = api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob", "Peer_Account": ["alice", "carol", "ghost"]})
    assert unread["AllC2CUnreadMsgNum"] == 4
    assert unread["C2CUnreadMsgNumList"] == [
        {"Peer_Account": "alice", "C2CUnreadMsgNum": 3},
        {"Peer_Account": "carol", "C2CUnreadMsgNum": 1},
    ]
    assert unread["ErrorList"] == [{"Peer_Account": "ghost", "ErrorCode": 70107}]
    pusher.clear()
    ws(svc, "bob", "b1", "openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"})
    (receipt,) = pusher.frames("a1", "c2c_read")
    assert receipt["data"] == {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": int(clock.now())}
    assert pusher.frames("b2", "c2c_read")[0]["data"]["UnreadMsgNum"] == 0 and pusher.frames("b1") == []
    after = api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})
    assert after["AllC2CUnreadMsgNum"] == 1 and "C2CUnreadMsgNumList" not in after


def test_reading_up_to_a_past_time_leaves_later_messages_unread(api, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "early")
    read_at = int(clock.now())
    clock.advance(10)
    send(api, "alice", "bob", "late")
    api.ok("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": read_at})
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 1
    api.ok("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": 0})
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 1  # never back
    api.ok("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"})
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 0


UNREAD_AND_READ_CASES = [
    ("openim/get_c2c_unread_msg_num", {}, 90003),
    ("openim/get_c2c_unread_msg_num", {"To_Account": "ghost"}, 70107),
    ("openim/get_c2c_unread_msg_num", {"To_Account": "bob", "Peer_Account": "alice"}, 90001),
    ("openim/get_c2c_unread_msg_num", {"To_Account": "bob", "Peer_Account": ["alice"] * 11}, 90001),
    ("openim/admin_set_msg_read", {"Peer_Account": "alice"}, 90001),
    ("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "ghost"}, 20003),
    ("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": "x"}, 90001),
]


def test_bad_unread_and_read_requests_have_their_code_and_write_nothing(api):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    before = stored("entities")
    for name, body, code in UNREAD_AND_READ_CASES:
        each_fails(api, name, body, [({}, code)])
    assert stored("entities") == before


def test_admin_recalls_anytime_history_keeps_a_placeholder_and_both_sides_are_told(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "alice", "a1")
    online(svc, clock, "bob", "b1")
    key = send(api, "alice", "bob", "oops")["MsgKey"]
    clock.advance(86400)
    api.ok("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": key})
    for cid in ("a1", "b1"):
        (frame,) = pusher.frames(cid, "msg_withdraw")
        assert frame["data"]["MsgKey"] == key and frame["data"]["MsgFlagBits"] == 8
    for operator, peer in (("alice", "bob"), ("bob", "alice")):
        (placeholder,) = history(api, operator, peer)["MsgList"]
        assert placeholder["MsgFlagBits"] == 8 and placeholder["MsgBody"] == [] and placeholder["MsgKey"] == key
    assert recent(api, "bob")["SessionItem"][0]["LastMsg"]["MsgFlagBits"] == 8
    api.fails("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": key}, 20023)


def test_an_account_recalls_its_own_message_within_the_apps_window(api, svc, clock):
    accounts(api, "alice", "bob")
    first = send(api, "alice", "bob", "one")["MsgKey"]
    second = send(api, "alice", "bob", "two")["MsgKey"]
    own = {"From_Account": "alice", "To_Account": "bob"}
    api.ok("openim/admin_msgwithdraw", {**own, "MsgKey": first}, identifier="alice")
    clock.advance(121)
    api.fails("openim/admin_msgwithdraw", {**own, "MsgKey": second}, 20016, identifier="alice")
    api.fails("openim/admin_msgwithdraw", {**own, "MsgKey": second}, 90009, identifier="bob")
    svc.apps.configure(1400000001, {"c2c_recall_seconds": "600"})
    api.ok("openim/admin_msgwithdraw", {**own, "MsgKey": second}, identifier="alice")


def test_recalling_an_unread_message_takes_it_out_of_the_unread_count(api, clock):
    accounts(api, "alice", "bob")

    def unread():
        return api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"]

    read_one = send(api, "alice", "bob", "read")["MsgKey"]
    api.ok("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice"})
    clock.advance(1)
    quiet = send(api, "alice", "bob", "not counted", SendMsgControl=["NoUnread"])["MsgKey"]
    unread_keys = [send(api, "alice", "bob", f"unread {i}")["MsgKey"] for i in range(2)]
    assert unread() == 2
    for key in (read_one, quiet, unread_keys[0]):
        api.ok("openim/admin_msgwithdraw", {"From_Account": "alice", "To_Account": "bob", "MsgKey": key})
    assert unread() == 1  # only the unread one counted down
    api.ok("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": 1})
    assert unread() == 1  # a read mark before everything: the recalled and NoUnread messages do not count again


def test_bad_recall_requests_have_their_code_and_change_nothing(api):
    accounts(api, "alice", "bob")
    key = send(api, "alice", "bob")["MsgKey"]
    body = {"From_Account": "alice", "To_Account": "bob", "MsgKey": key}
    cases = [
        ({"MsgKey": "1_2_3"}, 20022),
        ({"MsgKey": "bad"}, 90054),
        ({"MsgKey": None}, 90054),
        ({"MsgKey": 12}, 90054),
        ({"From_Account": None}, 90008),
        ({"To_Account": None}, 90003),
        ({"To_Account": "carol"}, 90012),  # not an imported account
        ({"From_Account": "bob", "To_Account": "alice"}, 20022),
    ]
    each_fails(api, "openim/admin_msgwithdraw", body, cases)
    assert history(api, "bob", "alice")["MsgList"][0]["MsgFlagBits"] == 0


def test_modify_edits_the_stored_message_and_tells_both_sides(api, svc, clock, pusher):
    accounts(api, "alice", "bob")
    online(svc, clock, "alice", "a1")
    online(svc, clock, "bob", "b1")
    key = send(api, "alice", "bob", "typo", CloudCustomData="v1")["MsgKey"]
    body = {"From_Account": "alice", "To_Account": "bob", "MsgKey": key}
    api.ok("openim/modify_c2c_msg", {**body, "MsgBody": text("fixed")})
    api.ok("openim/modify_c2c_msg", {**body, "CloudCustomData": "v2"})
    (msg,) = history(api, "bob", "alice")["MsgList"]
    assert (msg["MsgBody"], msg["CloudCustomData"], msg["MsgKey"]) == (text("fixed"), "v2", key)
    for cid in ("a1", "b1"):
        assert [f["data"]["MsgBody"] for f in pusher.frames(cid, "msg_modify")] == [text("fixed"), text("fixed")]
    api.ok("openim/admin_msgwithdraw", body)
    api.fails("openim/modify_c2c_msg", {**body, "MsgBody": text("again")}, 20023)


def test_bad_modify_requests_have_their_code_and_change_nothing(api):
    accounts(api, "alice", "bob")
    key = send(api, "alice", "bob", "keep")["MsgKey"]
    body = {"From_Account": "alice", "To_Account": "bob", "MsgKey": key}
    cases = [
        ({}, 90001),
        ({"MsgBody": text("shit")}, 80001),
        ({"MsgBody": []}, 90002),
        ({"MsgBody": text("x" * 9300)}, 80002),
        ({"CloudCustomData": 3}, 90001),
        ({"MsgKey": "9_9_9", "MsgBody": text("z")}, 20022),
        ({"MsgKey": "x", "MsgBody": text("z")}, 90054),
    ]
    each_fails(api, "openim/modify_c2c_msg", body, cases)
    each_fails(api, "openim/modify_c2c_msg", body, [({"MsgBody": text("z")}, 90009)], identifier="bob")
    assert history(api, "bob", "alice")["MsgList"][0]["MsgBody"] == text("keep")


def test_a_read_mark_before_a_nolastmsg_message_leaves_it_unread(api, clock):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob", "one")
    mark = int(clock.now())
    clock.advance(5)
    send(api, "alice", "bob", "quiet", SendMsgControl=["NoLastMsg"])  # moves no activity time
    api.ok("openim/admin_set_msg_read", {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": mark})
    assert api.ok("openim/get_c2c_unread_msg_num", {"To_Account": "bob"})["AllC2CUnreadMsgNum"] == 1
