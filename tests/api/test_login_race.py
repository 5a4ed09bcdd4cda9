"""Issue 11 item 1: a push racing a login's handshake must not log the new terminal out, and nothing is lost.

API Gateway answers 410 Gone to posts until `$connect` has returned, but the terminal is stored during `$connect`.
These tests make the race happen every time: a presence hook (run by the directory while `$connect` stores the
terminal) sends to the account, and the HandshakePusher answers Gone for every connection whose handshake has not
returned yet, exactly as API Gateway (and devstack's gateway) does.
"""

from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.domain.terminals import HANDSHAKE_GRACE_SECONDS
from chalicelib.services.group_fanout import FanoutLimits
from chalicelib.services.ports import Connection, Online
from tests import group_builders as groups
from tests.builders import SDKAPPID
from tests.chat import accounts, send, text, ws
from tests.fakes import HandshakePusher


@pytest.fixture
def pusher() -> HandshakePusher:
    return HandshakePusher()


class DuringHandshake:
    """A PresenceHook that runs `action` while the login of `user` is inside `$connect` (after its terminal was
    stored, before the handshake returned)."""

    def __init__(self, user: str, action: Callable[[Connection], Any]) -> None:
        self.user = user
        self.action = action
        self.fired: list[str] = []

    def on_connected(self, conn: Connection) -> None:
        if conn.user == self.user:
            self.fired.append(conn.connection_id)
            self.action(conn)

    def on_disconnected(self, conn: Connection) -> None:
        pass


def _login(ws_caller: Any, pusher: HandshakePusher, user: str, platform: str = "Android") -> str:
    """A whole handshake: `$connect` answers 200, then API Gateway lets posts through."""
    return pusher.opened(ws_caller.login(user, platform))


def _during_handshake(svc: Any, user: str, action: Callable[[Connection], Any]) -> DuringHandshake:
    hook = DuringHandshake(user, action)
    svc.presence_hooks.append(hook)  # after the groups' hook: the terminal is already in its groups' index
    return hook


def _sync(svc: Any, user: str, cid: str, peer: str, cursor: str = "") -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = ws(svc, user, cid, "openim/sync", {"Peer_Account": peer, "Cursor": cursor, "MaxCnt": 100})
        events += page["Events"]
        cursor = page["Cursor"]
        if page["Complete"]:
            return events


def test_a_c2c_push_during_the_handshake_leaves_the_new_terminal_logged_in(api, ws, svc, pusher):
    accounts(api, "alice", "bob")
    sent: list[str] = []
    hook = _during_handshake(svc, "bob", lambda conn: sent.append(send(api, "alice", "bob", "racing")["MsgKey"]))
    cid = _login(ws, pusher, "bob")
    assert hook.fired == [cid] and len(sent) == 1
    assert [c for c, f in pusher.raced if f["event"] == "c2c_msg"] == [cid]  # the push did meet the handshake
    assert svc.connections.get(cid) is not None
    assert svc.connections.online(SDKAPPID) == Online(1, 1)
    assert ws.ok(cid, "realtime/heartbeat")["IdleTimeout"] > 0  # was 6014 "not logged in" and the socket closed
    # nothing lost: the message the push could not deliver is in the login sync
    assert [e["data"]["MsgKey"] for e in _sync(svc, "bob", cid, "alice")] == sent
    # and the terminal is a full terminal: the next push reaches it
    later = send(api, "alice", "bob", "after")
    assert [f["data"]["MsgKey"] for f in pusher.frames(cid, "c2c_msg")] == [later["MsgKey"]]


def test_repeated_logins_each_raced_by_a_push_all_stay_logged_in(api, ws, svc, pusher, clock):
    """As the soak found it: bob logs in again and again (single policy: each login kicks the previous one) while
    messages arrive; every login's first heartbeat answers OK, every message is pushed or found by sync."""
    accounts(api, "alice", "bob")
    sent: list[str] = []
    _during_handshake(svc, "bob", lambda conn: sent.append(send(api, "alice", "bob", f"m{len(sent)}")["MsgKey"]))
    seen: set[str] = set()
    logins: list[str] = []
    for i in range(6):
        clock.advance(HANDSHAKE_GRACE_SECONDS + 1 if i % 2 else 1)  # inside and past the previous login's grace
        cid = _login(ws, pusher, "bob", "Android" if i % 3 else "iPhone")
        logins.append(cid)
        ws.ok(cid, "realtime/heartbeat")
        seen.update(f["data"]["MsgKey"] for f in pusher.frames(cid, "c2c_msg"))
        seen.update(e["data"]["MsgKey"] for e in _sync(svc, "bob", cid, "alice"))
        assert [c.connection_id for c in svc.connections.of_user(SDKAPPID, "bob")] == [cid]
    assert len(sent) == 6 and seen == set(sent)
    assert all(pusher.frames(c, "kicked") for c in logins[:-1])  # the policy still kicks older terminals
    assert svc.connections.online(SDKAPPID) == Online(1, 1)


def test_a_group_push_during_the_handshake_keeps_the_terminal_in_the_groups_index(api, ws, svc, pusher):
    groups.accounts(api, "alice", "bob")
    gid = groups.create(api, "Public", members=("bob",))
    racing: list[int] = []
    _during_handshake(svc, "bob", lambda conn: racing.append(groups.send(api, gid, "racing")["MsgSeq"]))
    cid = _login(ws, pusher, "bob")
    assert [c for c, f in pusher.raced if f["event"] == "GroupMessage"] == [cid]
    ws.ok(cid, "realtime/heartbeat")
    # the login sync of a group (by seq) finds it
    got = ws.ok(cid, "group_open_http_svc/group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20})
    assert racing[0] in [m["MsgSeq"] for m in got["RspMsgList"]]
    # the terminal is still in the group's online index: the next message is pushed to it
    nxt = groups.send(api, gid, "after")
    assert [f["data"]["MsgSeq"] for f in pusher.frames(cid, "GroupMessage")] == [nxt["MsgSeq"]]
    assert api.ok("group_open_http_svc/get_online_member_num", {"GroupId": gid})["OnlineMemberNum"] == 1


def test_a_queued_group_page_racing_the_handshake_keeps_the_terminal(api, ws, svc, pusher, task_queue):
    groups.accounts(api, "alice", "bob", "carol")
    gid = groups.create(api, "Public", members=("bob", "carol"))
    carol = _login(ws, pusher, "carol")
    svc.group_messages.fanout.limits = FanoutLimits(inline_max=1, page_size=1)  # one inline, the rest queued
    _during_handshake(svc, "bob", lambda conn: groups.send(api, gid, "racing"))
    bob = _login(ws, pusher, "bob")
    assert task_queue.enqueued  # the queue consumer posted a page too
    assert [c for c, _ in pusher.raced] == [bob]
    assert len(pusher.frames(carol, "GroupMessage")) == 1
    ws.ok(bob, "realtime/heartbeat")
    groups.send(api, gid, "after")
    assert len(pusher.frames(bob, "GroupMessage")) == 1


def test_a_dead_terminal_past_the_grace_is_pruned_once_from_directory_counters_and_index(api, svc, pusher, clock):
    groups.accounts(api, "alice", "bob")
    gid = groups.create(api, "Public", members=("bob",))
    groups.connect(svc, "bob", "b1")
    groups.connect(svc, "bob", "b2")  # bob stays online on b2: only b1's row may go
    pusher.opened("b2")
    index = svc.group_messages.fanout._online
    removals: list[list[str]] = []
    original = index.remove

    def counting(sdkappid: int, refs: Any, terminals: Any) -> None:
        removals.append([t.connection_id for t in terminals])
        original(sdkappid, refs, terminals)

    index.remove = counting  # type: ignore[method-assign]
    clock.advance(HANDSHAKE_GRACE_SECONDS + 1)
    pusher.gone.add("b1")
    groups.send(api, gid, "to a dead socket")
    assert svc.connections.get("b1") is None
    assert removals == [["b1"]]  # once, by the directory's presence hook (the fan-out pruned it a second time)
    assert svc.connections.online(SDKAPPID) == Online(1, 1)
    assert api.ok("group_open_http_svc/get_online_member_num", {"GroupId": gid})["OnlineMemberNum"] == 1


def test_a_stale_index_row_whose_terminal_is_gone_from_the_directory_is_dropped(api, svc, pusher, clock):
    groups.accounts(api, "alice", "bob")
    gid = groups.create(api, "Public", members=("bob",))
    groups.connect(svc, "bob", "b1")
    svc.connections.inner.remove("b1")  # removed without telling the hooks (a hook that failed)
    pusher.gone.add("b1")
    groups.send(api, gid, "to a stale row")
    assert api.ok("group_open_http_svc/get_online_member_num", {"GroupId": gid})["OnlineMemberNum"] == 0


def test_a_young_socket_that_really_died_goes_at_its_disconnect(api, ws, svc, pusher):
    accounts(api, "alice", "bob")
    cid = ws.login("bob")  # never opened: every post is Gone, as for a socket that died at once
    send(api, "alice", "bob")
    assert svc.connections.get(cid) is not None  # within its grace: kept
    ws.disconnect(cid)
    assert svc.connections.get(cid) is None
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_a_young_socket_that_died_without_disconnect_is_swept(api, ws, svc, pusher, clock):
    accounts(api, "alice", "bob")
    cid = ws.login("bob")
    send(api, "alice", "bob")
    clock.advance(600)
    ws.sweep()
    assert svc.connections.get(cid) is None
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_the_message_sent_during_the_handshake_counts_as_unread(api, ws, svc, pusher):
    accounts(api, "alice", "bob")
    _during_handshake(svc, "bob", lambda conn: send(api, "alice", "bob", "racing"))
    cid = _login(ws, pusher, "bob")
    states = ws.ok(cid, "openim/sync_conversations", {"MaxCnt": 100})["Conversations"]
    assert [(c["Peer_Account"], c["UnreadMsgNum"]) for c in states] == [("alice", 1)]
    assert text("racing") == _sync(svc, "bob", cid, "alice")[0]["data"]["MsgBody"]
