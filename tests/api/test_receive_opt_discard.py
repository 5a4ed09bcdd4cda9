"""The C2C receive option Discard (offline_push/set_receive_opt Opt "Discard"; Tencent's V2TIM_NOT_RECEIVE_MESSAGE,
"在线和离线都不接收消息 ... 会话列表也不会更新"): the recipient gets the message neither online nor as a push, and
it is kept out of its history, sync, unread and recent contacts; the sender's history has it. Checked for a
recipient on either side of the conversation's row pair (the flag lives on the lower account's row)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.c2c import C2C_MSG
from tests.chat import accounts, history, online, recent, send, ws


def _opt(api: Any, user: str, peer: str, opt: str) -> None:
    api.ok("offline_push/set_receive_opt", {"UserID": user, "Type": 1, "To_Account": peer, "Opt": opt})


def _unread(api: Any, user: str, peer: str) -> int:
    out = api.ok("openim/get_c2c_unread_msg_num", {"To_Account": user, "Peer_Account": [peer]})
    return sum(int(c["C2CUnreadMsgNum"]) for c in out.get("C2CUnreadMsgNumList", []))


# "alice" < "bob": alice's row is the lower one (the one a send takes its position from); "zed" > "bob": the higher
@pytest.mark.parametrize("recipient", ["alice", "zed"])
def test_discard_stops_online_delivery_history_and_unread_for_the_recipient_only(
    api: Any, svc: Any, clock: Any, pusher: Any, task_queue: Any, recipient: str
) -> None:
    accounts(api, "bob", recipient)
    online(svc, clock, recipient, "r1")
    send(api, "bob", recipient, "before")  # the conversation exists, the recipient got it
    assert len(pusher.frames("r1", C2C_MSG)) == 1
    _opt(api, recipient, "bob", "Discard")
    unread = _unread(api, recipient, "bob")
    pusher.clear()
    task_queue.enqueued.clear()

    send(api, "bob", recipient, "discarded")
    assert pusher.frames("r1", C2C_MSG) == []  # not delivered online
    assert "offline_push" not in [kind for kind, _ in task_queue.enqueued]  # nor pushed
    assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in history(api, "bob", recipient)["MsgList"]] == [
        "before",
        "discarded",
    ]  # the sender's history keeps it
    assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in history(api, recipient, "bob")["MsgList"]] == ["before"]
    assert _unread(api, recipient, "bob") == unread
    events = ws(svc, recipient, "r1", "openim/sync", {"Peer_Account": "bob"})["Events"]
    texts = [e["MsgBody"][0]["MsgContent"]["Text"] for e in events if e.get("MsgBody")]
    assert "discarded" not in texts  # a terminal catching up does not get it either
    (item,) = recent(api, recipient)["SessionItem"]
    assert item["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"] == "before"  # the conversation did not move

    _opt(api, recipient, "bob", "AcceptAndNotify")
    send(api, "bob", recipient, "after")
    assert len(pusher.frames("r1", C2C_MSG)) == 1
    assert history(api, recipient, "bob")["MsgList"][-1]["MsgBody"][0]["MsgContent"]["Text"] == "after"
    assert _unread(api, recipient, "bob") == unread + 1


def test_discard_concerns_one_direction_and_one_peer(api: Any, svc: Any, clock: Any, pusher: Any) -> None:
    accounts(api, "alice", "bob", "carol")
    for user in ("alice", "bob", "carol"):
        online(svc, clock, user, f"{user}-1")
    _opt(api, "alice", "bob", "Discard")  # before any message: the option alone makes the row
    send(api, "bob", "alice", "dropped")
    send(api, "carol", "alice", "from carol")
    send(api, "alice", "bob", "from alice")
    assert [f["data"]["From_Account"] for f in pusher.frames("alice-1", C2C_MSG)] == ["carol"]
    assert [f["data"]["From_Account"] for f in pusher.frames("bob-1", C2C_MSG)] == ["alice"]
    assert [s["To_Account"] for s in recent(api, "alice")["SessionItem"]] == ["bob", "carol"]  # she wrote to bob
    _opt(api, "carol", "alice", "AcceptNotNotify")  # other options never stop online delivery
    send(api, "alice", "carol", "still online")
    assert len(pusher.frames("carol-1", C2C_MSG)) == 1
    assert api.ok("offline_push/get_push_settings", {"UserID": "alice"})["ReceiveOptList"] == [
        {"Type": 1, "To_Account": "bob", "Opt": "Discard"}
    ]


def test_a_retried_discarded_message_leaves_the_recipients_row_alone(api: Any, svc: Any, clock: Any) -> None:
    accounts(api, "bob", "zed")  # zed holds the higher row, which a retry of a stored message would repair
    send(api, "bob", "zed", "before")
    _opt(api, "zed", "bob", "Discard")
    unread = _unread(api, "zed", "bob")
    body = {"From_Account": "bob", "To_Account": "zed", "MsgSeq": 7, "MsgRandom": 7, "MsgBody": [
        {"MsgType": "TIMTextElem", "MsgContent": {"Text": "discarded"}}]}  # fmt: skip
    first = api.ok("openim/sendmsg", body)
    again = api.ok("openim/sendmsg", body)  # the client's retry: answered from the stored message
    assert again["MsgKey"] == first["MsgKey"]
    assert _unread(api, "zed", "bob") == unread
    assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in history(api, "zed", "bob")["MsgList"]] == ["before"]
