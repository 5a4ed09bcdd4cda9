"""Issue 11 item 1 over real sockets: an account logs in again and again while another thread sends to it.

Before the fix about half of these logins answered their first heartbeat with 6014: the push met the handshake, the
gateway answered 410 Gone (it cannot post before `$connect` returns) and the Gone handler removed the new terminal.
The service tests (tests/api/test_login_race.py) make the race happen every time; this one runs it as a client would.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest

from tests.e2e.harness import LocalStack
from tests.e2e.sync_client import Tenant, Terminal

pytestmark = pytest.mark.e2e

_run = itertools.count(1)


def _tenant(stack: LocalStack) -> Tenant:
    return Tenant(stack.rest_url, stack.ws_url, stack.sdkappid, stack.key, stack.admin)


def _text(value: str) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


def _log(tenant: Tenant, user: str, peer: str) -> list[str]:
    """The conversation's whole log as the server has it (admin sync from the start)."""
    keys: list[str] = []
    cursor = ""
    while True:
        body = {"From_Account": user, "Peer_Account": peer, "Cursor": cursor, "MaxCnt": 100}
        page = tenant.ok("openim/sync", body)
        keys += [e["data"]["MsgKey"] for e in page["Events"] if e["event"] == "c2c_msg"]
        cursor = page["Cursor"]
        if page["Complete"]:
            return keys


def test_every_login_raced_by_pushes_stays_logged_in_and_nothing_is_lost(stack: LocalStack) -> None:
    tenant = _tenant(stack)
    n = next(_run)
    user, sender = f"u-race{n}", f"s-race{n}"
    for who in (user, sender):
        tenant.ok("im_open_login_svc/account_import", {"UserID": who})
    sent: list[str] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def send_forever() -> None:
        try:
            for i in itertools.count(1):
                if stop.is_set():
                    return
                body = {"From_Account": sender, "To_Account": user, "MsgRandom": i, "MsgBody": _text(f"m{i}")}
                sent.append(tenant.ok("openim/sendmsg", body)["MsgKey"])
        except (AssertionError, OSError, ValueError) as exc:  # reported by the main thread
            failures.append(exc)

    thread = threading.Thread(target=send_forever, name="race-sender", daemon=True)
    terminal = Terminal(tenant, user, "Android")
    thread.start()
    try:
        for i in itertools.count():
            if (i >= 30 and len(sent) >= 10) or i >= 300:  # 30 logins at least, and enough sends to race them
                break
            terminal.connect()  # raises Refused when the first heartbeat is not OK
            terminal.pump(0.05)
            terminal.cut(abrupt=i % 2 == 0)
    finally:
        stop.set()
        thread.join(30)
    assert not failures, failures
    assert terminal.problems == []
    assert len(sent) >= 10, "the sender must actually have raced the logins"
    terminal.connect()  # a last login catches up the rest
    terminal.pump(0.5)
    applied = terminal.conversations[sender].applied
    assert len(applied) == len(set(applied)), "a message was applied twice"
    assert applied == _log(tenant, user, sender), "the terminal's view differs from the log"
    assert set(applied) == set(sent), "every message was pushed or found by the login sync"
    terminal.cut(abrupt=False)
