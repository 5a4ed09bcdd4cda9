"""Soak (issue 11 item 5): terminals, senders, cut sockets and retries at once; nothing lost, duplicated or reordered.

Bounded (12 s of traffic, well under a minute in all), loopback only, fixed seeds. Ten terminals of eight accounts
(two accounts online twice, policy no_kick) and a six-member Public group; every terminal follows the README's sync
protocol (tests/e2e/sync_client.py) while its thread sends one-to-one and group messages over its socket, retries some
with the same MsgRandom/Random, cuts its socket cleanly or abruptly and reconnects with the same URL, sometimes right
after sending a frame whose reply it will never read; two REST threads send as an app backend would, with retries.
Threads interleave as the scheduler likes, so every assertion is on the final state after a quiet period:
- each conversation's log holds every message sent in it exactly once (the retries and lost replies included);
- every terminal applied exactly its account's log, in order, for every conversation and for the group;
- every retry was answered with its first MsgKey (C2C) or MsgSeq (group);
- no terminal was ever refused (6014) or kicked after a successful login.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.harness import LocalStack
from tests.e2e.sync_client import Tenant, Terminal

pytestmark = pytest.mark.e2e

SEED = 20261203
SOAK_SDKAPPID = 1400000777
TRAFFIC_SECONDS = 12.0
USERS = [f"soak{i}" for i in range(8)]
MEMBERS = USERS[:6]  # the group: soak0 owns it
TERMINALS = [(u, "Android") for u in USERS] + [("soak0", "PC"), ("soak1", "Web")]
REST_SENDERS = 2


def _text(value: str) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


@dataclass
class Ledger:
    """What the senders did, shared by every thread (appends and dict writes are atomic under the GIL)."""

    c2c: dict[tuple[str, str, int], str] = field(default_factory=dict)  # (from, to, MsgRandom) → first MsgKey
    group: dict[tuple[str, int], int] = field(default_factory=dict)  # (from, Random) → first MsgSeq
    retries: int = 0
    mismatches: list[str] = field(default_factory=list)  # a retry answered with another key/seq
    errors: list[str] = field(default_factory=list)  # exceptions in threads

    def __post_init__(self) -> None:
        self._ids = itertools.count(1_000_000)
        self._lock = threading.Lock()

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def retried(self, what: str, first: object, again: object) -> None:
        with self._lock:
            self.retries += 1
        if first != again:
            self.mismatches.append(f"{what}: first {first}, retry {again}")


def _until_ok(send: Callable[[dict[str, Any]], dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    """Send, and send again while the server says 70500 (a first attempt still being written: retry in a moment)."""
    for _ in range(40):
        reply = send(body)
        if reply["ErrorCode"] != 70500:
            assert reply["ErrorCode"] == 0, (body, reply)
            return reply
        time.sleep(0.25)
    raise AssertionError(f"still 70500 after 10 s: {body}")


class TerminalDriver:
    def __init__(self, terminal: Terminal, index: int, gid: str, ledger: Ledger) -> None:
        self.t = terminal
        self.rng = random.Random(SEED * 100 + index)
        self.gid = gid
        self.ledger = ledger

    def run(self, deadline: float) -> None:
        try:
            self.t.connect()
            # every terminal does each kind of step at least once, however slow the machine; then at random
            for step in self.script():
                step()
                self.t.pump(0.05)
            while time.monotonic() < deadline:
                r = self.rng.random()
                if r < 0.04:
                    self.t.reconnect(abrupt=False)
                elif r < 0.08:
                    self.t.reconnect(abrupt=True)
                elif r < 0.30:
                    self.send_c2c()
                elif r < 0.34:
                    self.send_c2c_and_lose_the_reply()
                elif r < 0.46 and self.t.user in MEMBERS:
                    self.send_group()
                self.t.pump(self.rng.uniform(0.02, 0.15))
        except Exception as exc:  # noqa: BLE001 - reported by the test with the terminal's name
            self.ledger.errors.append(f"{self.t.user}/{self.t.platform}: {exc!r}")

    def script(self) -> list[Callable[[], None]]:
        steps: list[Callable[[], None]] = [lambda: self.send_c2c(retry=True)]
        if self.t.user in MEMBERS:
            steps.append(lambda: self.send_group(retry=True))
        return [*steps, self.send_c2c_and_lose_the_reply, lambda: self.t.reconnect(abrupt=False)]

    def _c2c_body(self) -> dict[str, Any]:
        peer = self.rng.choice([u for u in USERS if u != self.t.user])
        random_id = self.ledger.next_id()
        body = {"To_Account": peer, "MsgRandom": random_id, "MsgSeq": self.rng.randrange(1, 2**32)}
        return {**body, "MsgBody": _text(f"{self.t.user}→{peer} #{random_id}")}

    def send_c2c(self, retry: bool | None = None) -> None:
        body = self._c2c_body()
        key = (self.t.user, body["To_Account"], body["MsgRandom"])
        first = _until_ok(self.t.sendmsg, body)["MsgKey"]
        self.ledger.c2c[key] = first
        if self.rng.random() < 0.3 if retry is None else retry:
            self.ledger.retried(f"c2c {key}", first, _until_ok(self.t.sendmsg, body)["MsgKey"])

    def send_c2c_and_lose_the_reply(self) -> None:
        """The frame leaves, the network drops before the reply: reconnect and send the same message again."""
        assert self.t.client is not None
        body = self._c2c_body()
        self.t.req += 1
        self.t.client.send_json({"reqId": self.t.req, "cmd": "openim/sendmsg", "body": body})
        self.t.reconnect(abrupt=True)
        key = (self.t.user, body["To_Account"], body["MsgRandom"])
        self.ledger.c2c[key] = _until_ok(self.t.sendmsg, body)["MsgKey"]

    def send_group(self, retry: bool | None = None) -> None:
        random_id = self.ledger.next_id()
        body = {"GroupId": self.gid, "Random": random_id, "MsgBody": _text(f"{self.t.user} to all #{random_id}")}
        first = _until_ok(self.t.send_group, body)["MsgSeq"]
        self.ledger.group[(self.t.user, random_id)] = first
        if self.rng.random() < 0.3 if retry is None else retry:
            self.ledger.retried(f"group {random_id}", first, _until_ok(self.t.send_group, body)["MsgSeq"])


def _rest_sender(tenant: Tenant, index: int, gid: str, ledger: Ledger, deadline: float) -> None:
    rng = random.Random(SEED * 1000 + index)

    def rest(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda body: tenant.rest(name, body)

    try:
        while time.monotonic() < deadline:
            random_id = ledger.next_id()
            if rng.random() < 0.6:
                sender, peer = rng.sample(USERS, 2)
                body = {
                    "From_Account": sender,
                    "To_Account": peer,
                    "MsgRandom": random_id,
                    "MsgSeq": rng.randrange(1, 2**32),
                    "SyncOtherMachine": 1,  # in the sender's sync and on its terminals too
                    "MsgBody": _text(f"backend {sender}→{peer} #{random_id}"),
                }
                first = _until_ok(rest("openim/sendmsg"), body)["MsgKey"]
                ledger.c2c[(sender, peer, random_id)] = first
                if rng.random() < 0.3:
                    ledger.retried(f"rest c2c {random_id}", first, _until_ok(rest("openim/sendmsg"), body)["MsgKey"])
            else:
                sender = rng.choice(MEMBERS)
                body = {"GroupId": gid, "From_Account": sender, "Random": random_id, "MsgBody": _text(f"#{random_id}")}
                first = _until_ok(rest("group_open_http_svc/send_group_msg"), body)["MsgSeq"]
                ledger.group[(sender, random_id)] = first
                if rng.random() < 0.3:
                    again = _until_ok(rest("group_open_http_svc/send_group_msg"), body)["MsgSeq"]
                    ledger.retried(f"rest group {random_id}", first, again)
            time.sleep(rng.uniform(0.02, 0.1))
    except Exception as exc:  # noqa: BLE001 - reported by the test
        ledger.errors.append(f"rest sender {index}: {exc!r}")


def _c2c_log(tenant: Tenant, user: str, peer: str) -> list[str]:
    keys: list[str] = []
    cursor = ""
    while True:
        body = {"From_Account": user, "Peer_Account": peer, "Cursor": cursor, "MaxCnt": 100}
        page = tenant.ok("openim/sync", body)
        keys += [e["data"]["MsgKey"] for e in page["Events"] if e["event"] == "c2c_msg"]
        if page["Complete"]:
            return keys
        if page["Cursor"] == cursor:
            time.sleep(0.2)
        cursor = page["Cursor"]


def _group_log(tenant: Tenant, gid: str, identifier: str | None = None) -> list[dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    top: int | None = None
    while True:
        body: dict[str, Any] = {"GroupId": gid, "ReqMsgNumber": 20}
        if top is not None:
            body["ReqMsgSeq"] = top
        page = tenant.ok("group_open_http_svc/group_msg_get_simple", body, identifier)
        found.update((m["MsgSeq"], m) for m in page["RspMsgList"])
        seqs = [m["MsgSeq"] for m in page["RspMsgList"]]
        if page["IsFinished"] or not seqs or min(seqs) <= 1:
            return [found[s] for s in sorted(found)]
        top = min(seqs) - 1


def test_soak_nothing_lost_duplicated_or_reordered_and_no_terminal_dropped(stack: LocalStack) -> None:
    phases = [time.monotonic()]
    key = f"soak-{SEED}"
    stack.cli("app", "create", "--sdkappid", str(SOAK_SDKAPPID), "--name", "soak", "--admin", "administrator",
         "--key", key)  # fmt: skip
    tenant = Tenant(stack.rest_url, stack.ws_url, SOAK_SDKAPPID, key)
    tenant.ok("openconfigsvr/set_app_config", {"AppConfig": {"login_policy": "no_kick"}})
    tenant.ok("im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    body = {"Type": "Public", "Name": "soak", "Owner_Account": MEMBERS[0]}
    gid = str(
        tenant.ok(
            "group_open_http_svc/create_group", {**body, "MemberList": [{"Member_Account": m} for m in MEMBERS[1:]]}
        )["GroupId"]
    )

    phases.append(time.monotonic())
    ledger = Ledger()
    terminals = [Terminal(tenant, u, p, (gid,) if u in MEMBERS else ()) for u, p in TERMINALS]
    deadline = time.monotonic() + TRAFFIC_SECONDS
    threads = [
        threading.Thread(target=TerminalDriver(t, i, gid, ledger).run, args=(deadline,), name=f"soak-{t.user}")
        for i, t in enumerate(terminals)
    ] + [
        threading.Thread(target=_rest_sender, args=(tenant, i, gid, ledger, deadline), name=f"soak-rest{i}")
        for i in range(REST_SENDERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TRAFFIC_SECONDS + 120)  # only to report a hang: each thread stops sending at the deadline
    assert not [t.name for t in threads if t.is_alive()], "a soak thread hung"
    assert ledger.errors == []
    assert [p for t in terminals for p in t.problems] == []

    phases.append(time.monotonic())
    # quiet period: nothing is being sent; every terminal reconnects once more (as after a drop) and catches up
    with ThreadPoolExecutor(len(terminals)) as pool:
        list(pool.map(lambda t: (t.reconnect(abrupt=False), t.pump(0.2)), terminals))
    assert [p for t in terminals for p in t.problems] == []

    # C2C: each conversation's log holds each message once, both sides see the same log, each terminal applied it
    sent_in: dict[frozenset[str], set[int]] = {}
    for sender, peer, random_id in ledger.c2c:
        sent_in.setdefault(frozenset((sender, peer)), set()).add(random_id)
    # floors from the scripted steps (two sends per terminal), whatever the machine's speed
    assert len(ledger.c2c) >= 2 * len(terminals), "the soak sent too little to mean anything"
    with ThreadPoolExecutor(4) as pool:
        logs = dict(zip(sent_in, pool.map(lambda pair: _c2c_log(tenant, *sorted(pair)), sent_in), strict=True))
    for pair, randoms in sent_in.items():
        a, b = sorted(pair)
        log = logs[pair]  # both sides share it: the terminals of both accounts are compared with it
        assert len(log) == len(set(log)), f"{a}↔{b}: a message is stored twice"
        assert sorted(int(k.split("_")[1]) for k in log) == sorted(randoms), f"{a}↔{b}: lost or extra messages"
        answered = {k for (s, p, _), k in ledger.c2c.items() if frozenset((s, p)) == pair}
        assert answered <= set(log), f"{a}↔{b}: an answered MsgKey is not in the log"
        for terminal in terminals:
            if terminal.user in pair:
                peer = b if terminal.user == a else a
                applied = terminal.conversations[peer].applied
                assert applied == log, f"{terminal.user}/{terminal.platform} applied {a}↔{b} differently"
    for terminal in terminals:
        talked = {p for p, c in terminal.conversations.items() if c.applied}
        assert talked == {p for pair in sent_in if terminal.user in pair for p in pair if p != terminal.user}

    # group: seqs 1..N without gap, each message once, every member terminal applied exactly its member's view
    history = _group_log(tenant, gid)
    assert [m["MsgSeq"] for m in history] == list(range(1, len(history) + 1))
    stored = [(m["From_Account"], m["MsgRandom"]) for m in history if not m.get("IsSystemMsg")]
    assert len(ledger.group) >= sum(t.user in MEMBERS for t in terminals)
    assert len(stored) == len(set(stored)) and set(stored) == set(ledger.group)
    assert {(m["From_Account"], m["MsgRandom"]): m["MsgSeq"] for m in history if not m.get("IsSystemMsg")} == (
        ledger.group
    )
    views = {m: [msg["MsgSeq"] for msg in _group_log(tenant, gid, m)] for m in MEMBERS}  # what each may read
    for terminal in terminals:
        if terminal.user in MEMBERS:
            assert terminal.groups[gid].applied == views[terminal.user], f"{terminal.user}/{terminal.platform}: group"

    assert ledger.retries >= len(terminals) and ledger.mismatches == []
    assert all(t.logins >= 4 for t in terminals)
    for terminal in terminals:
        terminal.cut(abrupt=False)
    phases.append(time.monotonic())
    logins = sum(t.logins for t in terminals)
    took = " / ".join(f"{b - a:.1f}" for a, b in itertools.pairwise(phases))
    print(f"soak: {len(ledger.c2c)} C2C, {len(ledger.group)} group messages, {ledger.retries} retries, {logins} logins")
    print(f"soak: setup / traffic / catch-up and checks took {took} s")
