"""Relationship-chain rows in the `entities` table, under the owner's account partition.

- `{app}#U#{owner}` / `FRIEND#{peer}`: `peer` is in `owner`'s friend list (remark, groups, add source/wording/time,
  custom `Tag_SNS_Custom_*` values).
- `{app}#U#{owner}` / `BLACK#{peer}`: `owner` blacklisted `peer`.
- `{app}#U#{owner}` / `REQOUT#{peer}` and `{app}#U#{peer}` / `REQIN#{owner}`: a pending friend request from `owner`
  to `peer`, written together; `expires` is filtered on read (this table has no TTL: expired rows are purged lazily).
- `{app}#U#{owner}` / `SNS`: counters (friends, blacks, pending_in, pending_out) kept in the same transaction as the
  rows, with `count + n <= limit` conditions, so concurrent writers never pass a limit; sequences; friend groups.
- gsi1 `{app}#U#{owner}#FRIENDS|#BLACKS` / zero-padded `ord`: friend_get / black_list_get pages (one Query each).
- gsi2 `{app}#REL#{peer}` / `{kind}#{owner}`: the rows of other accounts pointing at `peer` (account deletion).
The relations feature writes them; messaging reads FRIEND#/BLACK# through the RelationCheck port.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition, size
from pynamodb.transactions import TransactWrite

from chalicelib.domain import relations as rel
from chalicelib.store.accounts import AccountModel
from chalicelib.store.base import BaseModel, Gsi1, Gsi2, TableMeta
from chalicelib.store.keys import ACCOUNT_SK, bound, pad, user_pk

META_SK = "SNS"
_COUNTER = {rel.FRIEND: "friends", rel.BLACK: "blacks", rel.REQ_IN: "pending_in", rel.REQ_OUT: "pending_out"}


def friend_sk(peer: str) -> str:
    return f"FRIEND#{peer}"


def black_sk(peer: str) -> str:
    return f"BLACK#{peer}"


def row_sk(kind: str, peer: str) -> str:
    return f"{kind}#{peer}"


def _list_pk(sdkappid: int, owner: str, kind: str) -> str:
    return f"{user_pk(sdkappid, owner)}#{'FRIENDS' if kind == rel.FRIEND else 'BLACKS'}"


def _reverse_pk(sdkappid: int, peer: str) -> str:
    return f"{sdkappid}#REL#{peer}"


def _owner_of(pk: str) -> str:
    return pk.split("#U#", 1)[1]


class RelationRowModel(BaseModel):
    """Key-only view of relation rows (what the RelationCheck port reads)."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass


class RelationModel(BaseModel):
    """Every relation row kind (the sort key prefix says which); attributes unused by a kind stay unset."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    peer = UnicodeAttribute(null=True)
    ord = NumberAttribute(null=True)
    add_source = UnicodeAttribute(null=True)
    add_wording = UnicodeAttribute(null=True)
    add_time = NumberAttribute(null=True)
    remark = UnicodeAttribute(null=True)
    remark_time = NumberAttribute(null=True)
    groups = UnicodeSetAttribute(null=True)
    custom: MapAttribute[str, Any] = MapAttribute(null=True)
    added_at = NumberAttribute(null=True)
    requester = UnicodeAttribute(null=True)
    target = UnicodeAttribute(null=True)
    add_type = UnicodeAttribute(null=True)
    group_name = UnicodeAttribute(null=True)
    created = NumberAttribute(null=True)
    expires = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_order = Gsi1()
    by_peer = Gsi2()


class RelationMetaModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    friends = NumberAttribute(null=True)
    blacks = NumberAttribute(null=True)
    pending_in = NumberAttribute(null=True)
    pending_out = NumberAttribute(null=True)
    friend_seq = NumberAttribute(null=True)
    custom_seq = NumberAttribute(null=True)
    black_seq = NumberAttribute(null=True)
    group_seq = NumberAttribute(null=True)
    next_ord = NumberAttribute(null=True)
    groups = UnicodeSetAttribute(null=True)


class DynamoRelationCheck:
    def _exists(self, pk: str, sk: str) -> bool:
        try:
            RelationRowModel.get(pk, sk, attributes_to_get=["pk"])
            return True
        except DoesNotExist:
            return False

    def is_friend(self, sdkappid: int, owner: str, peer: str) -> bool:
        return self._exists(user_pk(sdkappid, owner), friend_sk(peer))

    def is_blocked(self, sdkappid: int, owner: str, peer: str) -> bool:
        return self._exists(user_pk(sdkappid, owner), black_sk(peer))

    def blocked_among(self, sdkappid: int, owner: str, peers: Sequence[str]) -> set[str]:
        """The peers `owner` blacklisted (BatchGets of keys only, 100 a request)."""
        pk, prefix = user_pk(sdkappid, owner), black_sk("")
        keys = [(pk, black_sk(p)) for p in dict.fromkeys(peers)]
        found = RelationRowModel.batch_get(keys, attributes_to_get=["pk", "sk"]) if keys else ()
        return {m.sk[len(prefix) :] for m in found}


# --- rows ↔ domain ------------------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _to_friend(m: RelationModel) -> rel.Friend:
    custom = m.custom.as_dict() if m.custom is not None else {}
    return rel.Friend(
        peer=m.peer or m.sk.split("#", 1)[1],
        add_source=m.add_source or "",
        add_wording=m.add_wording or "",
        add_time=_int(m.add_time),
        remark=m.remark or "",
        remark_time=_int(m.remark_time),
        groups=tuple(sorted(m.groups or ())),
        custom={k: _plain(v) for k, v in custom.items()},
        ord=_int(m.ord),
    )


def _to_block(m: RelationModel) -> rel.Block:
    return rel.Block(peer=m.peer or m.sk.split("#", 1)[1], added_at=_int(m.added_at), ord=_int(m.ord))


def _to_request(m: RelationModel) -> rel.FriendRequest:
    return rel.FriendRequest(
        requester=m.requester or "",
        target=m.target or "",
        add_type=m.add_type or rel.ADD_BOTH,
        add_source=m.add_source or "",
        add_wording=m.add_wording or "",
        remark=m.remark or "",
        group=m.group_name or "",
        created=_int(m.created),
        expires=_int(m.expires),
    )


def _to_meta(m: RelationMetaModel | None) -> rel.RelationMeta:
    if m is None:
        return rel.RelationMeta()
    return rel.RelationMeta(
        friends=_int(m.friends),
        blacks=_int(m.blacks),
        pending_in=_int(m.pending_in),
        pending_out=_int(m.pending_out),
        friend_seq=_int(m.friend_seq),
        custom_seq=_int(m.custom_seq),
        black_seq=_int(m.black_seq),
        group_seq=_int(m.group_seq),
        groups=frozenset(m.groups or ()),
    )


def _row(sdkappid: int, owner: str, kind: str, peer: str, **attrs: Any) -> RelationModel:
    return RelationModel(
        user_pk(sdkappid, owner),
        row_sk(kind, peer),
        peer=peer,
        gsi2pk=_reverse_pk(sdkappid, peer),
        gsi2sk=f"{kind}#{owner}",
        **attrs,
    )


def _friend_model(sdkappid: int, owner: str, f: rel.Friend, ord_: int) -> RelationModel:
    return _row(
        sdkappid,
        owner,
        rel.FRIEND,
        f.peer,
        ord=ord_,
        add_source=f.add_source,
        add_wording=f.add_wording,
        add_time=f.add_time,
        remark=f.remark,
        remark_time=f.remark_time,
        groups=set(f.groups) or None,
        custom=dict(f.custom),  # always present, so friend_update can set single keys
        gsi1pk=_list_pk(sdkappid, owner, rel.FRIEND),
        gsi1sk=pad(ord_),
    )


def _block_model(sdkappid: int, owner: str, b: rel.Block, ord_: int) -> RelationModel:
    return _row(
        sdkappid,
        owner,
        rel.BLACK,
        b.peer,
        ord=ord_,
        added_at=b.added_at,
        gsi1pk=_list_pk(sdkappid, owner, rel.BLACK),
        gsi1sk=pad(ord_),
    )


def _request_models(sdkappid: int, r: rel.FriendRequest) -> tuple[RelationModel, RelationModel]:
    attrs: dict[str, Any] = dict(
        requester=r.requester,
        target=r.target,
        add_type=r.add_type,
        add_source=r.add_source,
        add_wording=r.add_wording,
        remark=r.remark,
        group_name=r.group,
        created=r.created,
        expires=r.expires,
    )
    return (
        _row(sdkappid, r.requester, rel.REQ_OUT, r.target, **attrs),
        _row(sdkappid, r.target, rel.REQ_IN, r.requester, **attrs),
    )


# --- the transaction builder ----------------------------------------------------------------------------------------
@dataclass
class _MetaDelta:
    counts: Counter[str] = field(default_factory=Counter)
    seqs: set[str] = field(default_factory=set)
    add_groups: set[str] = field(default_factory=set)
    remove_groups: set[str] = field(default_factory=set)
    new_ords: int = 0


@dataclass
class _Action:
    kind: str  # "check" | "delete" | "put" | "update"
    label: tuple[str, str]  # ("meta", owner) | ("row", owner) | ("account", user)
    model: Any
    condition: Condition | None = None
    actions: list[Any] = field(default_factory=list)


_ORDER = ("check", "delete", "put", "update")  # PynamoDB sends transaction items in this order


class DynamoRelationRepo:
    """Reads pairs, lists and counters; applies a set of changes as one transaction (≤100 items)."""

    # --- reads ----------------------------------------------------------------------------------------------------
    def meta(self, sdkappid: int, owner: str) -> rel.RelationMeta:
        try:
            return _to_meta(RelationMetaModel.get(user_pk(sdkappid, owner), META_SK, consistent_read=True))
        except DoesNotExist:
            return rel.RelationMeta()

    def pairs(
        self,
        sdkappid: int,
        owner: str,
        peers: Sequence[str],
        parts: Iterable[str] = ("all",),
        *,
        consistent: bool = True,
    ) -> dict[str, rel.Pair]:
        """The stored relation between `owner` and each peer (one BatchGet per 100 keys).

        Reads that plan a write are strongly consistent; reads that only report may pass consistent=False (half
        the read units).
        """
        wanted = set(parts)
        every = "all" in wanted
        keys: list[tuple[str, str]] = []
        for peer in dict.fromkeys(peers):
            mine = [(rel.FRIEND, "mine"), (rel.BLACK, "i_block"), (rel.REQ_OUT, "sent"), (rel.REQ_IN, "received")]
            theirs = [(rel.FRIEND, "theirs"), (rel.BLACK, "they_block")]
            keys += [(user_pk(sdkappid, owner), row_sk(k, peer)) for k, part in mine if every or part in wanted]
            keys += [(user_pk(sdkappid, peer), row_sk(k, owner)) for k, part in theirs if every or part in wanted]
        found: dict[tuple[str, str], RelationModel] = {
            (m.pk, m.sk): m for m in RelationModel.batch_get(keys, consistent_read=consistent)
        }
        out: dict[str, rel.Pair] = {}
        for peer in dict.fromkeys(peers):
            mine_pk, theirs_pk = user_pk(sdkappid, owner), user_pk(sdkappid, peer)

            def get(pk: str, kind: str, other: str) -> RelationModel | None:
                return found.get((pk, row_sk(kind, other)))

            mine_f, theirs_f = get(mine_pk, rel.FRIEND, peer), get(theirs_pk, rel.FRIEND, owner)
            i_b, they_b = get(mine_pk, rel.BLACK, peer), get(theirs_pk, rel.BLACK, owner)
            sent, received = get(mine_pk, rel.REQ_OUT, peer), get(mine_pk, rel.REQ_IN, peer)
            out[peer] = rel.Pair(
                owner,
                peer,
                mine=_to_friend(mine_f) if mine_f else None,
                theirs=_to_friend(theirs_f) if theirs_f else None,
                i_block=_to_block(i_b) if i_b else None,
                they_block=_to_block(they_b) if they_b else None,
                sent=_to_request(sent) if sent else None,
                received=_to_request(received) if received else None,
            )
        return out

    def friends(self, sdkappid: int, owner: str) -> list[rel.Friend]:
        """The whole friend list (≤ the app's limit), in peer order; paginated Query on the owner's partition."""
        rows = RelationModel.query(
            user_pk(sdkappid, owner), RelationModel.sk.startswith(f"{rel.FRIEND}#"), consistent_read=True
        )
        return [_to_friend(m) for m in rows]

    def _page(self, sdkappid: int, owner: str, kind: str, start: int, size: int) -> tuple[list[RelationModel], int]:
        """One Query on gsi1 from position `start`; returns the rows and the next start (0: no more)."""
        rows = list(
            RelationModel.by_order.query(
                _list_pk(sdkappid, owner, kind),
                RelationModel.gsi1sk >= bound(start),
                limit=size + 1,
                page_size=size + 1,
            )
        )
        if len(rows) > size:
            return rows[:size], _int(rows[size].ord)
        return rows, 0

    def friends_page(self, sdkappid: int, owner: str, start: int, size: int) -> tuple[list[rel.Friend], int]:
        rows, nxt = self._page(sdkappid, owner, rel.FRIEND, start, size)
        return [_to_friend(m) for m in rows], nxt

    def blocks_page(self, sdkappid: int, owner: str, start: int, size: int) -> tuple[list[rel.Block], int]:
        rows, nxt = self._page(sdkappid, owner, rel.BLACK, start, size)
        return [_to_block(m) for m in rows], nxt

    def requests_page(
        self, sdkappid: int, owner: str, cursor: str | None, size: int
    ) -> tuple[list[rel.FriendRequest], str]:
        """Incoming and outgoing request rows (expired ones included: the caller filters and purges)."""
        pk = user_pk(sdkappid, owner)
        start = {"pk": {"S": pk}, "sk": {"S": cursor}} if cursor else None
        rows = list(
            RelationModel.query(
                pk,
                RelationModel.sk.startswith("REQ"),
                consistent_read=True,
                last_evaluated_key=start,
                limit=size + 1,
                page_size=size + 1,
            )
        )
        nxt = rows[size - 1].sk if len(rows) > size else ""
        return [_to_request(m) for m in rows[:size]], nxt

    def pointing_at(self, sdkappid: int, user: str) -> list[rel.DeleteRow]:
        """Rows of other accounts naming `user` (friend, blacklist, request rows), via gsi2."""
        out = []
        for m in RelationModel.by_peer.query(_reverse_pk(sdkappid, user)):
            owner = _owner_of(m.pk)
            if owner != user:
                out.append(rel.DeleteRow(owner, m.sk.split("#", 1)[0], user))
        return out

    # --- writes ---------------------------------------------------------------------------------------------------
    def apply(
        self,
        sdkappid: int,
        changes: Sequence[rel.Change],
        limits: rel.RelationLimits,
        *,
        require: Sequence[str] = (),
    ) -> None:
        """Write `changes` atomically, with counters and limits; `require` names accounts that must still exist.

        Raises LimitReached (a counter would pass its limit), AccountGone, or Conflict (rows changed since read).
        """
        deltas: dict[str, _MetaDelta] = defaultdict(_MetaDelta)
        actions: list[_Action] = []
        pending_rows: list[tuple[str, rel.PutFriend | rel.PutBlock]] = []
        for ch in changes:
            self._plan(sdkappid, ch, deltas, actions, pending_rows)
        ords = self._allocate(sdkappid, deltas)
        for owner, put in pending_rows:
            ord_ = ords[owner]
            ords[owner] += 1
            model = (
                _friend_model(sdkappid, owner, put.friend, ord_)
                if isinstance(put, rel.PutFriend)
                else _block_model(sdkappid, owner, put.block, ord_)
            )
            actions.append(_Action("put", ("row", owner), model, RelationModel.pk.does_not_exist()))
        current_groups = {owner: self.meta(sdkappid, owner).groups for owner, d in deltas.items() if d.add_groups}
        for owner, d in deltas.items():
            meta_action = self._meta_action(sdkappid, owner, d, limits, current_groups.get(owner, frozenset()))
            if meta_action is not None:
                actions.append(meta_action)
        for user in dict.fromkeys(require):
            actions.append(
                _Action(
                    "check",
                    ("account", user),
                    (user_pk(sdkappid, user), ACCOUNT_SK),
                    AccountModel.pk.exists(),
                )
            )
        self._commit(sdkappid, actions, deltas, limits)

    def _plan(
        self,
        sdkappid: int,
        ch: rel.Change,
        deltas: dict[str, _MetaDelta],
        actions: list[_Action],
        pending_rows: list[tuple[str, rel.PutFriend | rel.PutBlock]],
    ) -> None:
        exists, missing = RelationModel.pk.exists(), RelationModel.pk.does_not_exist()
        if isinstance(ch, rel.PutFriend):
            d = deltas[ch.owner]
            d.counts["friends"] += 1
            d.seqs.add("friend_seq")
            if ch.friend.custom:
                d.seqs.add("custom_seq")
            d.new_ords += 1
            pending_rows.append((ch.owner, ch))
        elif isinstance(ch, rel.PutBlock):
            d = deltas[ch.owner]
            d.counts["blacks"] += 1
            d.seqs.add("black_seq")
            d.new_ords += 1
            pending_rows.append((ch.owner, ch))
        elif isinstance(ch, rel.PutRequest):
            out_row, in_row = _request_models(sdkappid, ch.request)
            for model, owner, counter in (
                (out_row, ch.request.requester, "pending_out"),
                (in_row, ch.request.target, "pending_in"),
            ):
                actions.append(_Action("put", ("row", owner), model, exists if ch.replace else missing))
                if not ch.replace:
                    deltas[owner].counts[counter] += 1
        elif isinstance(ch, rel.DeleteRow):
            model = RelationModel(user_pk(sdkappid, ch.owner), row_sk(ch.kind, ch.peer))
            actions.append(_Action("delete", ("row", ch.owner), model, exists))
            d = deltas[ch.owner]
            d.counts[_COUNTER[ch.kind]] -= 1
            if ch.kind == rel.FRIEND:
                d.seqs.add("friend_seq")
            elif ch.kind == rel.BLACK:
                d.seqs.add("black_seq")
        elif isinstance(ch, rel.UpdateFriend):
            update = _friend_update(ch)
            if update:
                model = RelationModel(user_pk(sdkappid, ch.owner), friend_sk(ch.peer))
                actions.append(_Action("update", ("row", ch.owner), model, exists, update))
                d = deltas[ch.owner]
                if ch.remark is not None or ch.groups is not None or ch.add_groups or ch.remove_groups:
                    d.seqs.add("friend_seq")
                if ch.custom:
                    d.seqs.add("custom_seq")
        elif isinstance(ch, rel.AddGroups):
            deltas[ch.owner].add_groups.update(ch.names)
        elif isinstance(ch, rel.DeleteGroups):
            deltas[ch.owner].remove_groups.update(ch.names)

    def _allocate(self, sdkappid: int, deltas: Mapping[str, _MetaDelta]) -> dict[str, int]:
        """Reserve list positions (ord) for new friend/blacklist rows: gaps are harmless, order is what counts."""
        first: dict[str, int] = {}
        for owner, d in deltas.items():
            if d.new_ords:
                item = RelationMetaModel(user_pk(sdkappid, owner), META_SK)
                item.update(actions=[RelationMetaModel.next_ord.add(d.new_ords)])
                first[owner] = int(item.next_ord) - d.new_ords + 1
        return first

    def _meta_action(
        self, sdkappid: int, owner: str, d: _MetaDelta, limits: rel.RelationLimits, groups_now: frozenset[str]
    ) -> _Action | None:
        updates: list[Any] = []
        condition: Condition | None = None
        caps = {"friends": limits.friends, "blacks": limits.blacklist, "pending_in": limits.pending}
        caps["pending_out"] = limits.pending
        for counter, delta in sorted(d.counts.items()):
            if delta == 0:
                continue
            attr = getattr(RelationMetaModel, counter)
            updates.append(attr.add(delta))
            if delta > 0:
                if delta > caps[counter]:
                    raise rel.LimitReached(owner, counter)
                cond = attr.does_not_exist() | (attr <= caps[counter] - delta)
                condition = cond if condition is None else condition & cond
        new_names = d.add_groups - groups_now
        if new_names:
            if len(groups_now | new_names) > limits.groups:
                raise rel.LimitReached(owner, "groups")
            updates.append(RelationMetaModel.groups.add(new_names))
            cond = RelationMetaModel.groups.does_not_exist() | (
                size(RelationMetaModel.groups) <= limits.groups - len(new_names)
            )
            condition = cond if condition is None else condition & cond
            d.seqs.add("group_seq")
        if d.remove_groups:
            updates.append(RelationMetaModel.groups.delete(d.remove_groups))
            d.seqs.add("group_seq")
        updates += [getattr(RelationMetaModel, seq).add(1) for seq in sorted(d.seqs)]
        if not updates:
            return None
        return _Action(
            "update", ("meta", owner), RelationMetaModel(user_pk(sdkappid, owner), META_SK), condition, updates
        )

    def _commit(
        self, sdkappid: int, actions: list[_Action], deltas: Mapping[str, _MetaDelta], limits: rel.RelationLimits
    ) -> None:
        ordered = sorted(actions, key=lambda a: _ORDER.index(a.kind))
        if not ordered:
            return
        if len(ordered) > 100:
            raise ValueError(f"transaction of {len(ordered)} items exceeds DynamoDB's 100")
        connection = RelationModel._get_connection().connection
        try:
            with TransactWrite(connection=connection) as tx:
                for a in ordered:
                    if a.kind == "check":
                        pk, sk = a.model
                        tx.condition_check(AccountModel, pk, sk, condition=a.condition)
                    elif a.kind == "delete":
                        tx.delete(a.model, condition=a.condition)
                    elif a.kind == "put":
                        tx.save(a.model, condition=a.condition)
                    else:
                        tx.update(a.model, actions=a.actions, condition=a.condition)
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons
            if not reasons:
                raise
            failed = [
                a.label
                for a, r in zip(ordered, reasons, strict=False)
                if r is not None and r.code not in (None, "None")
            ]
            for what, who in failed:
                if what == "account":
                    raise rel.AccountGone(who) from exc
            for what, who in failed:
                if what == "meta":
                    self._diagnose(sdkappid, who, deltas[who], limits)
            raise rel.Conflict(str(failed)) from exc

    def _diagnose(self, sdkappid: int, owner: str, d: _MetaDelta, limits: rel.RelationLimits) -> None:
        """A meta condition failed: re-read it and name the limit, if one is really hit."""
        meta = self.meta(sdkappid, owner)
        caps = {"friends": limits.friends, "blacks": limits.blacklist, "pending_in": limits.pending}
        caps["pending_out"] = limits.pending
        for counter, delta in sorted(d.counts.items()):
            if delta > 0 and getattr(meta, counter) + delta > caps[counter]:
                raise rel.LimitReached(owner, counter)
        if d.add_groups and len(meta.groups | d.add_groups) > limits.groups:
            raise rel.LimitReached(owner, "groups")


def _friend_update(ch: rel.UpdateFriend) -> list[Any]:
    m = RelationModel
    updates: list[Any] = []
    if ch.remark is not None:
        updates += [m.remark.set(ch.remark), m.remark_time.set(ch.remark_time)]
    if ch.groups is not None:
        updates.append(m.groups.set(set(ch.groups)) if ch.groups else m.groups.remove())
    if ch.add_groups:
        updates.append(m.groups.add(set(ch.add_groups)))
    if ch.remove_groups:
        updates.append(m.groups.delete(set(ch.remove_groups)))
    updates += [m.custom[tag].set(value) for tag, value in ch.custom.items()]
    return updates
