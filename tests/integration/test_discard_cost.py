"""The C2C receive option Discard costs a send nothing: the flag is on the conversation row the send reads and
writes anyway (store/c2c.py allocate), and a discarded message skips the recipient's row and terminal lookup.
Counts only (bench/counting.py), as tests/integration/test_send_costs.py."""

from __future__ import annotations

from typing import Any

import pytest

from bench.counting import Usage, count_dynamodb
from tests import group_builders as gb

SENDS = 10


def _steady(usage: Usage) -> Usage:
    return Usage([c for c in usage.calls if not any(t.endswith("-counters") for t in c.tables)])


# "alice" < "bob": the discarding recipient holds the lower row (its side is left alone in the same UpdateItem);
# "zed" > "bob": it holds the higher row (not written at all)
@pytest.mark.parametrize(("recipient", "updates"), [("alice", 2), ("zed", 1)])
def test_a_send_to_an_account_that_discards_the_sender_costs_no_more_than_a_send(
    api: Any, svc: Any, clock: Any, recipient: str, updates: int
) -> None:
    gb.accounts(api, "bob", recipient)
    gb.connect(svc, recipient, "r-phone")
    api.ok("openim/sendmsg", {"From_Account": "bob", "To_Account": recipient, "MsgRandom": 1, "MsgBody": gb.text("x")})
    api.ok("offline_push/set_receive_opt", {"UserID": recipient, "Type": 1, "To_Account": "bob", "Opt": "Discard"})
    clock.advance(1)
    with count_dynamodb() as usage:
        for i in range(SENDS):
            body = {"From_Account": "bob", "To_Account": recipient, "MsgRandom": 100 + i, "MsgBody": gb.text("y")}
            api.ok("openim/sendmsg", body)
    each = _steady(usage)
    assert each.requests / SENDS <= 5, each.summary()
    # the read-ahead, the lower row (position; the sender's side when the recipient is the higher account), the
    # message, and the sender's own row when it is the higher one; no Query for the recipient's terminals
    assert each.operations == {"BatchGetItem": SENDS, "UpdateItem": updates * SENDS, "PutItem": SENDS}, each.summary()
