"""The relationship-chain benchmark runs, and each write is one transaction, each 100-account read two batches."""

from __future__ import annotations

from bench import relations
from bench.sandbox import sandbox


def test_relation_writes_are_one_transaction_and_batch_reads_stay_batched():
    with sandbox() as sb:
        rows = dict(relations.measure(sb))
    for label in ("friend_add, AllowAny, both ways", "friend_response, accept", "black_list_add, of a friend"):
        assert rows[label].operations["TransactWriteItems"] == 1, label
    # a request takes no list position and no stats: its one UpdateItem at most is the REST rate window's lease
    # (operations/limits: one per tenth of the second's budget)
    assert rows["friend_add, NeedConfirm (request)"].operations["UpdateItem"] <= 1
    assert rows["friend_check, 100 accounts, both"].operations["BatchGetItem"] == 2
    assert rows["friend_get, first page (100)"].operations["Query"] == 1
