"""Read-ahead: the items one operation will read, fetched together in one BatchGetItem before it starts.

A send reads several items by key (its sender's account, the recipient's, the conversation row or the group, its
member row and its seq watermark). `DynamoReadAhead.c2c_send` / `group_send` fetch them all in one request
(eventually consistent) and keep them for the duration of the `with` block; `BaseModel.get` answers from them
instead of making its own GetItem. Each item is answered once (a second read of it goes to DynamoDB, so a retry
loop never sees the same answer twice), and an item found missing is read again strongly consistent when the
reader asked for that (an account or a group created a moment ago is not refused for a stale answer).

A group send's read-ahead block also lets its seq watermark's update run in the background (store/background.py):
the reply waits for it at the end of the block, so that write overlaps the fan-out's Query and posts instead of
adding a round trip to the send's critical path.

An eventually consistent answer may be up to about a second old. The writes that depend on it are conditional
(the conversation's position, the group's next seq), so a stale item costs a retry, never a wrong write; a stale
mute or membership check errs for at most that second.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib.domain.c2c import conversation_pair
from chalicelib.domain.conversations import C2C
from chalicelib.store.accounts import AccountModel
from chalicelib.store.background import waiting
from chalicelib.store.base import BaseModel, answered
from chalicelib.store.connections import ONLINE_SK, AccountOnlineModel
from chalicelib.store.conversations import ConversationModel, conversation_sk
from chalicelib.store.group_messages import SEQ_SK, DedupModel, SeqModel, dedup_sk, msg_pk
from chalicelib.store.groups import META_SK, GroupModel, MemberModel, group_pk, member_sk, members_pk
from chalicelib.store.keys import ACCOUNT_SK, user_pk
from chalicelib.store.relations import RelationRowModel, black_sk, friend_sk

Key = tuple[type[BaseModel], str, str]
BATCH_LIMIT = 100
INCARNATIONS_REMEMBERED = 10_000


def fetch(keys: Sequence[Key]) -> dict[tuple[str, str, str], dict[str, Any] | None]:
    """One BatchGetItem (more only past 100 keys or for unprocessed keys): (table, pk, sk) → raw item or None."""
    unique = list(dict.fromkeys((model.Meta.table_name, pk, sk) for model, pk, sk in keys))
    found: dict[tuple[str, str, str], dict[str, Any] | None] = dict.fromkeys(unique)
    if not unique:
        return found
    client = keys[0][0]._get_connection().connection.client
    for i in range(0, len(unique), BATCH_LIMIT):
        request: dict[str, Any] = {}
        for table, pk, sk in unique[i : i + BATCH_LIMIT]:
            request.setdefault(table, {"Keys": []})["Keys"].append({"pk": {"S": pk}, "sk": {"S": sk}})
        while request:
            out = client.batch_get_item(RequestItems=request)
            for table, items in out.get("Responses", {}).items():
                for item in items:
                    found[(table, item["pk"]["S"], item["sk"]["S"])] = item
            request = out.get("UnprocessedKeys") or {}
    return found


_ahead: ContextVar[dict[tuple[str, str, str], dict[str, Any] | None] | None] = ContextVar("ahead", default=None)


@contextmanager
def reading_ahead(keys: Sequence[Key]) -> Iterator[dict[tuple[str, str, str], dict[str, Any] | None]]:
    found = fetch(keys)
    token = _ahead.set(found)
    try:
        yield found
    finally:
        _ahead.reset(token)


def _take(table: str, pk: str, sk: str) -> tuple[bool, dict[str, Any] | None]:
    found = _ahead.get()
    if found is None or (table, pk, sk) not in found:
        return False, None
    return True, found.pop((table, pk, sk))


answered.take = _take


class DynamoReadAhead:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # A group's incarnation (its member rows and its log are keyed by it), learned from earlier reads of the
        # group in this container: with it, the member row and the seq watermark join the group's read.
        self._incarnations: dict[tuple[int, str], str] = {}

    @contextmanager
    def c2c_send(
        self, sdkappid: int, sender: str, recipient: str, *, relations: bool, friends: bool, terminals: bool = False
    ) -> Iterator[None]:
        """The sender's account, the recipient's, the conversation's lower row; with `relations` whether the
        recipient blocked the sender, with `friends` both friend rows, with `terminals` the sender's terminal
        count (a send from the sender's only terminal has no other terminal to echo to: no Query for them)."""
        lo, hi = conversation_pair(sender, recipient)
        keys: list[Key] = [
            (AccountModel, user_pk(sdkappid, sender), ACCOUNT_SK),
            (AccountModel, user_pk(sdkappid, recipient), ACCOUNT_SK),
            (ConversationModel, user_pk(sdkappid, lo), conversation_sk(C2C, hi)),
        ]
        if relations:
            keys.append((RelationRowModel, user_pk(sdkappid, recipient), black_sk(sender)))
        if friends:
            keys.append((RelationRowModel, user_pk(sdkappid, sender), friend_sk(recipient)))
            keys.append((RelationRowModel, user_pk(sdkappid, recipient), friend_sk(sender)))
        if terminals:
            keys.append((AccountOnlineModel, user_pk(sdkappid, sender), ONLINE_SK))
        with reading_ahead(keys):
            yield

    def terminals(self, sdkappid: int, user: str) -> int | None:
        """The account's terminal count as read ahead (it also counts terminals expired but not yet swept);
        None when it was not read ahead (or was already answered)."""
        hit, item = answered.take(AccountOnlineModel.Meta.table_name, user_pk(sdkappid, user), ONLINE_SK)
        if not hit:
            return None
        return int((item or {}).get("n", {}).get("N", "0"))

    @contextmanager
    def group_send(
        self, sdkappid: int, gid: str, sender: str | None, claim: tuple[str, int] | None = None
    ) -> Iterator[None]:
        """The group; with `sender` its account; once the group's incarnation is known, also the sender's member
        row, the group's seq watermark and, with `claim` (From_Account, Random), that claim (a retry is known
        before anything is written)."""
        keys: list[Key] = [(GroupModel, group_pk(sdkappid, gid), META_SK)]
        if sender is not None:
            keys.append((AccountModel, user_pk(sdkappid, sender), ACCOUNT_SK))
        inc = self._incarnations.get((sdkappid, gid))
        if inc is not None:
            keys.append((SeqModel, msg_pk(sdkappid, gid, inc), SEQ_SK))
            if sender is not None:
                keys.append((MemberModel, members_pk(sdkappid, gid, inc), member_sk(sender)))
            if claim is not None:
                keys.append((DedupModel, msg_pk(sdkappid, gid, inc), dedup_sk(*claim)))
        with reading_ahead(keys) as found, waiting():
            group = found.get((GroupModel.Meta.table_name, group_pk(sdkappid, gid), META_SK))
            if group is not None and "inc" in group:
                with self._lock:
                    if len(self._incarnations) >= INCARNATIONS_REMEMBERED:
                        self._incarnations.clear()
                    self._incarnations[(sdkappid, gid)] = str(group["inc"]["S"])
            yield
