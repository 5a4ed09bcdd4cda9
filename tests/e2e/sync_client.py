"""A websocket terminal that follows the README's sync protocol, for the e2e race and soak tests.

One-to-one: per conversation the terminal keeps the `Seq` and `Cursor` of the last event it applied; on every
(re)connect it calls `openim/sync_conversations`, then `openim/sync` from the kept cursor for every conversation that
moved; a push is applied when its `Seq` is the kept one + 1, ignored when already applied, and a gap is synced.
Groups: the terminal keeps the last `MsgSeq` applied per group and catches up with `group_msg_get_simple` paged down
by `ReqMsgSeq`. Pushes that arrive while it waits for a reply are held back and applied after. Everything it applied
is recorded, so a test can compare it with the server's log at the end.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
import websocket
from TLSSigAPIv2 import TLSSigAPIv2

from tests.e2e.harness import WsClient


@dataclass
class Tenant:
    """An app of the running stack: UserSigs, REST calls and websocket URLs for its accounts."""

    rest_url: str
    ws_url: str
    sdkappid: int
    key: str
    admin: str = "administrator"

    def sig(self, identifier: str) -> str:
        return str(TLSSigAPIv2(self.sdkappid, self.key).gen_sig(identifier))

    def rest(self, name: str, body: Any, identifier: str | None = None) -> dict[str, Any]:
        who = identifier or self.admin
        query = {"sdkappid": self.sdkappid, "identifier": who, "usersig": self.sig(who), "random": 7}
        url = f"{self.rest_url}/{name}?{urlencode({**query, 'contenttype': 'json'})}"
        reply = requests.post(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), timeout=30)
        assert reply.status_code == 200, reply.text
        out: dict[str, Any] = reply.json()
        return out

    def ok(self, name: str, body: Any, identifier: str | None = None) -> dict[str, Any]:
        out = self.rest(name, body, identifier)
        assert out["ActionStatus"] == "OK", (name, body, out)
        return out

    def url(self, identifier: str, platform: str, **extra: str) -> str:
        query = {"sdkappid": self.sdkappid, "identifier": identifier, "usersig": self.sig(identifier)}
        return f"{self.ws_url}/?{urlencode({**query, 'platform': platform, **extra})}"


class Refused(AssertionError):
    """A terminal whose login succeeded was answered as not logged in (or kicked)."""


@dataclass
class Conversation:
    seq: int = 0
    cursor: str = ""
    applied: list[str] = field(default_factory=list)  # MsgKeys of applied c2c_msg events, in order


@dataclass
class GroupState:
    seq: int = 0
    applied: list[int] = field(default_factory=list)  # MsgSeqs applied, in order


class Terminal:
    """One terminal of `user`. Not thread-safe: one thread drives it."""

    def __init__(self, tenant: Tenant, user: str, platform: str, groups: tuple[str, ...] = ()) -> None:
        self.tenant = tenant
        self.user = user
        self.platform = platform
        self.url = tenant.url(user, platform)  # the same URL (and UserSig) for every reconnect
        self.client: WsClient | None = None
        self.conversations: dict[str, Conversation] = {}
        self.groups: dict[str, GroupState] = {g: GroupState() for g in groups}
        self.pending: list[dict[str, Any]] = []
        self.req = 0
        self.logins = 0
        self.problems: list[str] = []  # refusals after login, kicks, bad replies

    # --- connection --------------------------------------------------------------------------------------
    def connect(self) -> None:
        """Open the socket; the first frame is a heartbeat whose OK reply means "logged in"; then catch up."""
        self.client = WsClient(self.url, timeout=30)
        self.logins += 1
        self.pending.clear()  # pushes from the old socket are gone with it; the sync below covers them
        reply = self.call("realtime/heartbeat", None, check=False)
        if reply["ErrorCode"] != 0:
            self.problems.append(f"login {self.logins} of {self.user}/{self.platform}: first heartbeat {reply}")
            raise Refused(self.problems[-1])
        self.sync_all()

    def cut(self, abrupt: bool) -> None:
        """Close the socket: with a close frame, or as a dropped network (no close frame at all)."""
        if self.client is None:
            return
        if abrupt:
            self.client.ws.shutdown()
        else:
            self.client.close()
        self.client = None

    def reconnect(self, abrupt: bool) -> None:
        self.cut(abrupt)
        self.connect()

    # --- frames ------------------------------------------------------------------------------------------
    def call(self, cmd: str, body: Any, *, check: bool = True) -> dict[str, Any]:
        """Send a command frame and wait for its reply; pushes received meanwhile are held back in `pending`."""
        assert self.client is not None
        self.req += 1
        req = self.req
        frame: dict[str, Any] = {"reqId": req, "cmd": cmd}
        if body is not None:
            frame["body"] = body
        self.client.send_json(frame)
        while True:
            got = self.client.recv_json(timeout=30)
            if "reqId" in got:
                if got["reqId"] != req:
                    continue  # the reply to an earlier attempt on this socket
                if got.get("ErrorCode") == 6014:
                    self.problems.append(f"{self.user}/{self.platform}: 6014 after login {self.logins}: {cmd}")
                    raise Refused(self.problems[-1])
                if check:
                    assert got["ActionStatus"] == "OK", (cmd, body, got)
                return dict(got)
            self.pending.append(got)

    def pump(self, seconds: float) -> None:
        """Read and apply pushes for about `seconds`."""
        assert self.client is not None
        deadline = time.monotonic() + seconds
        self.apply_pending()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                self.pending.append(self.client.recv_json(timeout=left))
            except websocket.WebSocketTimeoutException:
                return
            self.apply_pending()

    def apply_pending(self) -> None:
        while self.pending:
            self.apply(self.pending.pop(0))

    def apply(self, frame: dict[str, Any]) -> None:
        event, data = frame.get("event"), frame.get("data") or {}
        if event == "c2c_msg" and not data.get("OnlineOnlyFlag"):
            peer = data["To_Account"] if data["From_Account"] == self.user else data["From_Account"]
            self.c2c_event(peer, data["Seq"], data["Cursor"], data["MsgKey"])
        elif event in ("GroupMessage", "GroupTip") and data.get("MsgSeq"):
            self.group_event(data["GroupId"], data["MsgSeq"])
        elif event == "kicked":
            self.problems.append(f"{self.user}/{self.platform} kicked: {data}")
            raise Refused(self.problems[-1])

    def c2c_event(self, peer: str, seq: int, cursor: str, key: str) -> None:
        conv = self.conversations.setdefault(peer, Conversation())
        if seq <= conv.seq:
            return  # already applied (a push overlapping a sync)
        if seq == conv.seq + 1:
            conv.applied.append(key)
            conv.seq, conv.cursor = seq, cursor
        else:
            self.sync_c2c(peer)  # a gap: fetch it from the kept cursor

    def group_event(self, gid: str, seq: int) -> None:
        state = self.groups.setdefault(gid, GroupState())
        if seq <= state.seq:
            return
        if seq == state.seq + 1:
            state.applied.append(seq)
            state.seq = seq
        else:
            self.sync_group(gid)

    # --- sync --------------------------------------------------------------------------------------------
    def sync_all(self) -> None:
        after: str | None = None
        while True:
            body: dict[str, Any] = {"MaxCnt": 100}
            if after is not None:
                body["After"] = after
            page = self.call("openim/sync_conversations", body)
            for item in page["Conversations"]:
                conv = self.conversations.setdefault(item["Peer_Account"], Conversation())
                if item["Cursor"] != conv.cursor:
                    self.sync_c2c(item["Peer_Account"])
            if page["Complete"] or not page["Conversations"]:
                break
            after = page["Conversations"][-1]["Peer_Account"]
        for gid in self.groups:
            self.sync_group(gid)
        self.apply_pending()

    def sync_c2c(self, peer: str) -> None:
        conv = self.conversations.setdefault(peer, Conversation())
        for _ in range(200):
            page = self.call("openim/sync", {"Peer_Account": peer, "Cursor": conv.cursor, "MaxCnt": 50})
            for frame in page["Events"]:
                data = frame["data"]
                if frame["event"] == "c2c_msg":
                    conv.applied.append(data["MsgKey"])
            moved = page["Cursor"] != conv.cursor
            conv.seq, conv.cursor = page["Seq"], page["Cursor"]
            if page["Complete"]:
                return
            if not moved:
                time.sleep(0.2)  # a send is still being written
        raise AssertionError(f"sync of {self.user}↔{peer} never completed")

    def sync_group(self, gid: str) -> None:
        state = self.groups.setdefault(gid, GroupState())
        found: dict[int, dict[str, Any]] = {}
        top: int | None = None
        while True:
            body: dict[str, Any] = {"GroupId": gid, "ReqMsgNumber": 20}
            if top is not None:
                body["ReqMsgSeq"] = top
            page = self.call("group_open_http_svc/group_msg_get_simple", body)
            seqs = [m["MsgSeq"] for m in page["RspMsgList"]]
            found.update((m["MsgSeq"], m) for m in page["RspMsgList"] if m["MsgSeq"] > state.seq)
            if page["IsFinished"] or not seqs or min(seqs) <= state.seq + 1:
                break
            top = min(seqs) - 1
        for seq in sorted(found):
            state.applied.append(seq)
            state.seq = seq

    # --- sends -------------------------------------------------------------------------------------------
    def sendmsg(self, body: dict[str, Any]) -> dict[str, Any]:
        """`openim/sendmsg` over this socket; its reply is applied like a push (README, sync protocol step 4)."""
        reply = self.call("openim/sendmsg", body, check=False)
        if reply["ErrorCode"] == 0:
            peer = body["To_Account"]
            if "Seq" in reply:
                self.c2c_event(peer, reply["Seq"], reply["Cursor"], reply["MsgKey"])
            else:
                self.sync_c2c(peer)  # answered a retry of an earlier attempt
        return reply

    def send_group(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.call("group_open_http_svc/send_group_msg", body, check=False)
        if reply["ErrorCode"] == 0:
            self.group_event(body["GroupId"], reply["MsgSeq"])
        return reply
