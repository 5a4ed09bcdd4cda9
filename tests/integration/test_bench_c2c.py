"""The one-to-one messaging benchmark runs, and its figures hold the costs the design relies on."""

import pytest

from bench import c2c
from bench.sandbox import sandbox


@pytest.fixture
def empty_world(aws):
    """The bench sandbox nests in the tests' one moto world, where an earlier sandbox may have left its app."""
    from tests.conftest import _empty_aws

    _empty_aws()


def test_c2c_costs_stay_at_their_measured_figures(empty_world):
    with sandbox() as sb:
        rows = {label: (usage, posts) for label, usage, posts in c2c.measure(sb, page=4)}
    send, posts = rows["100 B, account over ws (echo)"]
    assert c2c.messaging(send).wcu == c2c.TARGET_WCU == 3 and c2c.statistics(send).wcu == 0  # batched
    assert posts == 2  # the recipient's terminal and the sender's other one, not the sending one
    labels = (
        "800 B of prose",
        "1 KB of prose (stored compressed)",
        "1 KB of random base64",
        "100 B, admin (not echoed)",
    )
    for label in (*labels, "100 B, lower account receives"):
        assert c2c.messaging(rows[label][0]).wcu == 3, label
    assert c2c.messaging(rows["3 KB of random base64"][0]).wcu > 3  # beyond 1 KB an item costs a unit per KB
    assert c2c.messaging(rows["100 B, SyncOtherMachine 2"][0]).wcu == 3  # the sender's row is the lower one
    assert c2c.messaging(rows["retried send (answered, not stored)"][0]).wcu == 0
    assert rows["retried send (answered, not stored)"][1] == 0
    assert c2c.messaging(rows["online only (MsgLifeTime 0)"][0]).wcu == 0
    # Both accounts are checked to exist (unknown ones are refused, issue 11) in one BatchGetItem, then one Query
    assert rows["history page"][0].operations == {"BatchGetItem": 1, "Query": 1}
    assert rows["sync page (one conversation)"][0].operations == {"BatchGetItem": 1, "Query": 2}
    assert "Scan" not in {op for usage, _ in rows.values() for op in usage.operations}
