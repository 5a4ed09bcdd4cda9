"""Regressions found in review: each was a confirmed defect on main."""

import base64
import json
import zlib

from tests.builders import RestCaller

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]


def _import(api: RestCaller, *users: str) -> None:
    for u in users:
        api.ok("im_open_login_svc/account_import", {"UserID": u})


def test_a_reimported_userid_never_sees_the_deleted_accounts_messages(api, clock):
    _import(api, "alice", "bob")
    api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": TEXT})
    assert "hi" in json.dumps(
        api.ok("openim/sync", {"Peer_Account": "alice"}, identifier="bob")
    )  # delivered before deletion
    api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    clock.advance(5)
    _import(api, "bob")
    synced = api.ok("openim/sync", {"Peer_Account": "alice"}, identifier="bob")
    assert "hi" not in json.dumps(synced)
    window = {"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 20, "MinTime": 0, "MaxTime": 2**31}
    assert api.ok("openim/admin_getroammsg", window, identifier="bob")["MsgList"] == []


def test_out_of_range_numbers_are_refused_like_nan_and_write_nothing(api):
    _import(api, "alice", "bob")
    raw = (
        '{"From_Account":"alice","To_Account":"bob","MsgRandom":1,'
        '"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi","X":1e400}}]}'
    )
    out = api.call("openim/sendmsg", raw=raw)
    assert out["ErrorCode"] == 90001
    assert "hi" not in json.dumps(api.ok("openim/sync", {"Peer_Account": "alice"}, identifier="bob"))


def test_an_unhashable_msgtype_is_a_format_error_not_a_crash(api):
    _import(api, "alice", "bob")
    body = {
        "From_Account": "alice",
        "To_Account": "bob",
        "MsgRandom": 1,
        "MsgBody": [{"MsgType": ["x"], "MsgContent": {}}],
    }
    api.fails("openim/sendmsg", body, 90002)


def test_a_usersig_with_a_lone_surrogate_is_undecodable_not_a_crash(api):
    doc = json.dumps(
        {
            "TLS.ver": "2.0",
            "TLS.identifier": "administrator",
            "TLS.sdkappid": api.tenant.sdkappid,
            "TLS.expire": 86400,
            "TLS.time": int(api.tenant.clock.now()),
            "TLS.sig": "\ud800",
        }
    )  # json.dumps writes the lone surrogate as the escape "\ud800", as an attacker would
    sig = base64.b64encode(zlib.compress(doc.encode())).decode().translate(str.maketrans("+/=", "*-_"))
    out = api.call("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "a"}]}, sig=sig)
    assert out["ErrorCode"] in (70003, 70009), out


def test_recall_and_edit_do_not_reach_an_expired_message(api, clock):
    _import(api, "alice", "bob")
    sent = api.ok(
        "openim/sendmsg",
        {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 7, "MsgLifeTime": 60, "MsgBody": TEXT},
    )
    clock.advance(120)
    key = {"From_Account": "alice", "To_Account": "bob", "MsgKey": sent["MsgKey"]}
    api.fails("openim/admin_msgwithdraw", key, 20022)
    api.fails("openim/modify_c2c_msg", {**key, "MsgBody": TEXT}, 20022)


def test_read_time_and_request_cursor_are_bounded_and_write_nothing(api):
    _import(api, "alice", "bob")
    read = {"Report_Account": "bob", "Peer_Account": "alice", "MsgReadTime": 10**40}
    api.fails("openim/admin_set_msg_read", read, 90001)
    api.fails("sns/friend_request_list", {"From_Account": "bob", "Cursor": "x" * 2000}, 30001)
