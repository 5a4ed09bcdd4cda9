"""recentcontact/get_list's cost follows the page, not the account's conversation count (issue 15 item 6): an
account with 300 conversations reads about a page of conversation rows per page (its activity index's keys above
the page are counted, ~80 bytes each), and pages the same list as a read of every row would. Counts only."""

from __future__ import annotations

from typing import Any

from bench.counting import Usage, count_dynamodb
from chalicelib.services.conversations import FEW_ROWS
from chalicelib.store.conversations import INDEXED_SK, LISTED, ConversationModel, IndexedMark, bucket_sk, list_pk
from tests.chat import accounts, recent, send

APP = 1400000001
PAGE = 20
T0 = 1_699_000_000


def _rows(owner: str, count: int, spacing: int) -> list[str]:
    """`count` C2C rows as messages leave them (written directly, with their index entries), one every `spacing`
    seconds, newest last; without a last message (listed with AssistFlags 2), so a page reads no message."""
    peers = [f"q{i:03}" for i in range(count)]
    with ConversationModel.batch_write() as batch:
        for i, peer in enumerate(peers):
            t = T0 + i * spacing
            index = {"gsi3pk": list_pk(APP, owner, LISTED), "gsi3sk": bucket_sk(t)}
            row: dict[str, Any] = {"type": 1, "peer": peer, "time": t, "recv": 1, **index}
            batch.save(ConversationModel(f"{APP}#U#{owner}", f"CONV#1#{peer}", **row))
    IndexedMark(f"{APP}#U#{owner}", INDEXED_SK).save()  # rows written with their entries: nothing to catch up on
    return peers


def _entities(usage: Usage) -> Usage:
    return Usage([c for c in usage.calls if any(t.endswith("-entities") for t in c.tables)])


def _rows_bound(per_hour: int) -> int:
    """Rows a page may read: the account, the probe (are there more than FEW_ROWS?), the page and one more (is it
    the last?) and the rest of the page's first and last hours."""
    return 1 + FEW_ROWS + PAGE + 2 + 2 * per_hour


def _keys_bound(limit: int) -> int:
    """Index entries a page may read: those above it (counted, up to the list limit + 1) and its own, read in
    Query pages of a page and two."""
    return limit + 1 + 2 * (PAGE + 3)


def _walk(api: Any, owner: str, flags: int = 2) -> tuple[list[str], list[Usage]]:
    seen: list[str] = []
    costs: list[Usage] = []
    extra: dict[str, Any] = {}
    while True:
        with count_dynamodb() as usage:
            page = recent(api, owner, flags, **extra)
        costs.append(_entities(usage))
        seen += [i.get("To_Account") or i.get("GroupId") for i in page["SessionItem"]]
        if page["CompleteFlag"]:
            return seen, costs
        extra = {"TimeStamp": page["TimeStamp"], "StartIndex": page["StartIndex"]}


def _rows_read(usage: Usage) -> int:
    """Conversation rows and accounts read (by key or by a Query of the table), not the index's keys."""
    return sum(c.items_read for c in usage.calls if not c.index)


def _keys_read(usage: Usage) -> int:
    """Entries of the activity index read (keys only)."""
    return sum(c.items_read for c in usage.calls if c.index == "gsi3")


def test_a_page_costs_the_same_with_300_or_600_conversations(api, svc, clock):
    accounts(api, "bob", "carol")
    bobs = _rows("bob", 300, 600)  # six an hour
    carols = _rows("carol", 600, 300)  # twelve an hour
    svc.apps.configure(APP, {"recent_contacts": "100"})
    pages = {}
    for owner, peers, per_hour in (("bob", bobs, 6), ("carol", carols, 12)):
        seen, costs = _walk(api, owner)
        assert seen == list(reversed(peers))[:100]  # every conversation once, most recent first, to the app's limit
        assert len(costs) == 5
        for i, usage in enumerate(costs):
            # the probe (41 rows: more than two pages?), the page's rows with the rest of their hours, the account
            assert _rows_read(usage) <= _rows_bound(per_hour), (owner, i, usage.summary())
            # the index keys above the page are counted (~80 bytes each), up to the app's list limit + 1
            assert _keys_read(usage) <= _keys_bound(100), (owner, i, usage.summary())
        pages[owner] = costs
    # the pages of 600 conversations cost what they cost with 300, give or take their hours' extra rows
    for bob, carol in zip(pages["bob"], pages["carol"], strict=True):
        assert carol.rcu <= bob.rcu + 2 * 12 * 0.5 + 1, (bob.summary(), carol.summary())  # (denser hours)
    # a read of every row: 300 or 600 items (what every page read before)
    assert max(_rows_read(u) + _keys_read(u) for u in pages["carol"]) < 300


def test_an_account_with_few_conversations_is_read_in_one_query(api, svc, clock):
    accounts(api, "bob")
    peers = _rows("bob", FEW_ROWS, 600)
    seen, costs = _walk(api, "bob")
    assert seen == list(reversed(peers))[:50]
    for usage in costs:
        assert usage.operations == {"GetItem": 1, "Query": 1}, usage.summary()  # the account, its rows


def test_the_default_list_of_50_pages_in_three_whatever_the_count(api, svc, clock):
    accounts(api, "bob")
    peers = _rows("bob", 300, 600)
    seen, costs = _walk(api, "bob")
    assert seen == list(reversed(peers))[:50]
    assert len(costs) == 3
    for usage in costs:
        assert _rows_read(usage) <= _rows_bound(6) and _keys_read(usage) <= _keys_bound(50), usage.summary()


def test_pinned_conversations_and_groups_join_the_indexed_list_in_order(api, svc, clock):
    accounts(api, "bob", "alice", "carol")
    peers = _rows("bob", 45, 600)
    clock.t = T0 + 45 * 600 + 10
    send(api, "alice", "bob", "newest")  # a real send: the row and its index entry as the send path writes them
    api.ok("recentcontact/set_top", {"From_Account": "bob", "Type": 1, "To_Account": "carol", "TopFlag": 1})
    gid = api.ok(
        "group_open_http_svc/create_group",
        {"Type": "Public", "Name": "g", "Owner_Account": "alice", "MemberList": [{"Member_Account": "bob"}]},
    )["GroupId"]
    clock.advance(5)
    api.ok("group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": 1, "From_Account": "alice",
           "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "g"}}]})  # fmt: skip
    seen, _ = _walk(api, "bob")  # empty ones too (AssistFlags 2): the pinned carol, never messaged
    assert seen[:3] == [gid, "alice", peers[-1]]
    assert "carol" in seen and len(seen) == 48
    first = recent(api, "bob", 3)["SessionItem"]  # pinned first, apart
    assert [(i.get("To_Account") or i.get("GroupId"), i["TopFlag"]) for i in first[:3]] == [
        ("carol", 1), (gid, 0), ("alice", 0)
    ]  # fmt: skip
    with_top, _ = _walk(api, "bob", flags=3)
    assert with_top.count("carol") == 1 and len(with_top) == 48
    api.ok("recentcontact/delete", {"From_Account": "bob", "Type": 1, "To_Account": "alice"})
    seen, _ = _walk(api, "bob", flags=0)
    assert "alice" not in seen and seen[0] == gid
    clock.advance(5)
    send(api, "alice", "bob", "back")
    seen, _ = _walk(api, "bob", flags=0)
    assert seen[0] == "alice"


def test_rows_written_before_the_index_get_their_entries_on_the_first_long_list(api, clock):
    """An upgrade: rows without index entries (as the earlier version wrote them) are listed all the same; the
    first get_list of a long list gives them their entries (one full Query, once), later pages do not read them all."""
    accounts(api, "bob", "alice")
    peers = [f"old{i:02}" for i in range(60)]
    with ConversationModel.batch_write() as batch:
        for i, peer in enumerate(peers):
            batch.save(ConversationModel(f"{APP}#U#bob", f"CONV#1#{peer}", type=1, peer=peer, time=T0 + i * 60))
    api.ok("recentcontact/set_top", {"From_Account": "bob", "Type": 1, "To_Account": "alice", "TopFlag": 1})
    seen, costs = _walk(api, "bob")
    assert seen == list(reversed(peers))[:50]
    assert _rows_read(costs[0]) >= 60  # the catch-up, once
    again, costs = _walk(api, "bob")
    assert again == seen
    assert all(_rows_read(u) <= _rows_bound(60) for u in costs)
    pinned = recent(api, "bob", 3)["SessionItem"]  # pinned apart (AssistFlags 1): alice, pinned after the upgrade
    assert [(i["To_Account"], i["TopFlag"]) for i in pinned[:2]] == [("alice", 1), ("old59", 0)]
