"""The realtime benchmark runs, and its figures hold the costs the design relies on."""

import pytest

from bench import realtime
from bench.sandbox import sandbox


@pytest.fixture
def empty_world(aws):
    """The bench sandbox nests in the tests' one moto world, where an earlier sandbox may have left its app."""
    from tests.conftest import _empty_aws

    _empty_aws()


def test_realtime_costs_stay_at_their_targets(empty_world):
    with sandbox() as sb:
        rows = dict(realtime.measure(sb, accounts=150))
    # a frame soon after the last write only reads its connection (the app registry is cached)
    assert rows["frame (heartbeat), within a minute of the last write"].operations == {"GetItem": 1}
    # presence reads the terminal counts in batches and queries only the accounts that have terminals
    presence = rows["openim/query_online_status, 150 accounts (12 online in all)"].operations
    assert (presence["BatchGetItem"], presence["Query"]) == (4, 12)
    assert presence["UpdateItem"] <= 1  # at most the REST call-rate window's lease (a tenth of a second's budget)
    # the sweep is one Query per app when nothing is stale, never a Scan
    assert rows["sweep of one app, nothing stale"].operations == {"Query": 1}
    assert "Scan" not in rows["sweep of one app, 12 stale terminals"].operations
    # 4 item writes, and deleting the terminal row from the connections gsi1 costs one more
    assert rows["logout ($disconnect)"].wcu == 5
    # a login writes its terminal, the account's terminal count, one online-total shard and (first time a day) its
    # DAU mark; LoginTimes, the DAU counter's +1 and the peaks wait for the statistics flush (~3 UpdateItems)
    login = rows["login, first terminal of the day"].operations
    assert (login["UpdateItem"], login["PutItem"]) == (2, 1)
    assert rows[realtime.FLUSH_ROW].operations == {"UpdateItem": 3}
    requests, _ = realtime.per_login(list(rows.items()))
    assert requests < 8.2
