"""Relationship-chain use cases: friends, friend requests, friend groups, blacklist; sync events; account cleanup.

Each per-account item is planned by domain/relations from the stored pair and written as one transaction; a write
that raced another is re-read and re-planned (30008 after three tries). Events go to every terminal of the accounts
an item touches, batched per recipient.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import callbacks as cb
from chalicelib.domain import errors
from chalicelib.domain import relations as rel
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.services import callbacks
from chalicelib.services.notify import Notifier
from chalicelib.services.ports import AccountRepo, Metrics, RelationRepo
from chalicelib.services.profiles import ProfileService

ATTEMPTS = 3
EVENT_ITEMS_PER_FRAME = 50  # keeps a push frame well under API Gateway's 32 KB
DELETE_CHUNK = 20  # friend pairs per transaction in friend_delete_all (≤ 4 rows + 2 metas each)
UPDATE_CHUNK = 90  # friend rows per transaction when a group is deleted
# Deletions never raise a counter, so their limits never bind.
NO_LIMITS = rel.RelationLimits(friends=1 << 30, blacklist=1 << 30, pending=1 << 30, groups=1 << 30)


@dataclass(frozen=True)
class Response:
    peer: str  # the requester
    action: str
    remark: str = ""
    group: str = ""


@dataclass(frozen=True)
class FriendPage:
    friends: list[rel.Friend]
    meta: rel.RelationMeta
    next_start: int
    with_standard: bool
    with_custom: bool


@dataclass(frozen=True)
class RequestPage:
    incoming: list[rel.FriendRequest]
    outgoing: list[rel.FriendRequest]
    next_cursor: str


@dataclass(frozen=True)
class ListedFriend:
    peer: str
    items: list[tuple[str, Any]] | None  # None: not a friend


def limits_of(app: App) -> rel.RelationLimits:
    c = app.config
    return rel.RelationLimits(c.max_friends, c.max_blacklist, c.max_pending_requests, c.max_friend_groups)


class _Events:
    """Event items collected during a command, pushed once per recipient and event name at the end."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, list[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))

    def add(self, events: Iterable[rel.Event]) -> None:
        for e in events:
            for user in e.recipients:
                self.items[user][e.name].append(e.item)

    def flush(self, notifier: Notifier, sdkappid: int, exclude: str | None) -> None:
        for user, by_event in self.items.items():
            conns = notifier.directory.of_user(sdkappid, user)
            if not conns:
                continue
            for name, items in by_event.items():
                for i in range(0, len(items), EVENT_ITEMS_PER_FRAME):
                    chunk = items[i : i + EVENT_ITEMS_PER_FRAME]
                    notifier.to_connections(conns, name, {"Items": chunk}, exclude=exclude)


class RelationService:
    def __init__(
        self,
        repo: RelationRepo,
        accounts: AccountRepo,
        profiles: ProfileService,
        notifier: Notifier,
        metrics: Metrics,
        clock: Clock,
    ) -> None:
        self.repo = repo
        self.accounts = accounts
        self.profiles = profiles
        self.notifier = notifier
        self.metrics = metrics
        self.clock = clock
        self.callbacks: callbacks.Callbacks = callbacks.NO_CALLBACKS  # set by wiring

    def _tell(self, app: App, command: str, owner: str, results: Sequence[rel.ItemResult], client_cmd: str) -> None:
        """Sns.Callback{FriendAdd,FriendDelete,BlackListAdd,BlackListDelete} for the pairs that changed (queued)."""
        done = [r.peer for r in results if r.code == 0]
        if done:
            callbacks.notify(self.callbacks, app, command, PairList=cb.pairs(owner, done), ClientCmd=client_cmd)

    # --- shared machinery -----------------------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self.clock.now())

    def require_account(self, app: App, user: str) -> None:
        """The acting account must exist (the admin may name any From_Account)."""
        if not self.accounts.exists(app.sdkappid, user):
            raise errors.error(30003, f"account {user!r} does not exist")

    def _run(
        self,
        app: App,
        owner: str,
        peer: str,
        plan: Callable[[rel.Pair], rel.Outcome],
        events: _Events,
        *,
        first: rel.Pair | None = None,
        parts: Iterable[str] = ("all",),
        require: Sequence[str] = (),
        missing_code: int = 30003,
    ) -> rel.ItemResult:
        """Plan and write one item, re-reading on a race; a pending-request limit first purges expired requests."""
        purged: set[str] = set()
        pair = first
        for _ in range(ATTEMPTS):
            if pair is None:
                pair = self.repo.pairs(app.sdkappid, owner, [peer], parts)[peer]
            outcome = plan(pair)
            if not outcome.changes:
                return rel.ItemResult(peer, outcome.code, outcome.info)
            try:
                self.repo.apply(app.sdkappid, outcome.changes, limits_of(app), require=require)
            except rel.LimitReached as hit:
                if hit.counter.startswith("pending") and hit.owner not in purged:
                    purged.add(hit.owner)
                    self._purge_expired(app, hit.owner)
                    pair = None
                    continue
                code = rel.limit_code(hit.counter, acting_owner=hit.owner == owner)
                return rel.ItemResult(peer, code, errors.CODES[code])
            except rel.AccountGone:
                return rel.ItemResult(peer, missing_code, "account does not exist")
            except rel.Conflict:
                pair = None
                continue
            events.add(outcome.events)
            self._count_chain(app, outcome.changes)
            return rel.ItemResult(peer, outcome.code, outcome.info)
        return rel.ItemResult(peer, 30008, errors.CODES[30008])

    def _count_chain(self, app: App, changes: Sequence[rel.Change]) -> None:
        """getappinfo's ChainIncrease / ChainDecrease: friend rows formed and removed."""
        added = sum(1 for c in changes if isinstance(c, rel.PutFriend))
        removed = sum(1 for c in changes if isinstance(c, rel.DeleteRow) and c.kind == rel.FRIEND)
        if added:
            self.metrics.incr(app, "ChainIncrease", added)
        if removed:
            self.metrics.incr(app, "ChainDecrease", removed)

    def _purge_expired(self, app: App, owner: str) -> int:
        """Delete `owner`'s expired requests (both rows, both counters); returns how many went."""
        now, cursor, purged = self._now(), None, 0
        while True:
            requests, cursor = self.repo.requests_page(app.sdkappid, owner, cursor, rel.REQUEST_PAGE)
            purged += self._drop_expired(app, requests, now)
            if not cursor:
                return purged

    def _drop_expired(self, app: App, requests: Sequence[rel.FriendRequest], now: int) -> int:
        dropped = 0
        for r in requests:
            if r.live(now):
                continue
            try:
                self.repo.apply(app.sdkappid, rel.delete_request(r), NO_LIMITS)
                dropped += 1
            except rel.Conflict:
                pass  # someone else removed or renewed it
        return dropped

    def _batch(
        self,
        app: App,
        owner: str,
        peers: Sequence[str],
        plan_for: Callable[[str], Callable[[rel.Pair], rel.Outcome]],
        *,
        origin: str | None,
        parts: Iterable[str] = ("all",),
        require_peer: bool = True,
        missing_code: int = 30003,
        check_exists: bool = True,
        profiles: Mapping[str, Any] | None = None,
    ) -> list[rel.ItemResult]:
        """Run `plan_for(peer)` for each peer (self and unknown accounts get their per-item codes).

        With `check_exists`, peers must be accounts (`profiles`, if given, already says which are).
        """
        unique = list(dict.fromkeys(peers))
        if check_exists and profiles is None:
            profiles = self.accounts.get_profiles(app.sdkappid, [*unique, owner])
        if profiles is None:
            self.require_account(app, owner)
        elif owner not in profiles:
            raise errors.error(30003, f"account {owner!r} does not exist")
        valid = [p for p in unique if p != owner and (profiles is None or p in profiles)]
        pairs = self.repo.pairs(app.sdkappid, owner, valid, parts) if valid else {}
        events, results = _Events(), []
        for peer in unique:
            if peer == owner:
                results.append(rel.ItemResult(peer, 30001, "an account cannot do this to itself"))
            elif peer not in pairs:
                results.append(rel.ItemResult(peer, missing_code, "account does not exist"))
            else:
                require = (peer,) if require_peer else ()
                results.append(
                    self._run(
                        app,
                        owner,
                        peer,
                        plan_for(peer),
                        events,
                        first=pairs[peer],
                        parts=parts,
                        require=require,
                        missing_code=missing_code,
                    )
                )
        events.flush(self.notifier, app.sdkappid, origin)
        return results

    # --- friends --------------------------------------------------------------------------------------------------
    def add_friends(
        self,
        app: App,
        owner: str,
        items: Sequence[rel.AddRequest],
        *,
        add_type: str,
        force: bool,
        origin: str | None = None,
    ) -> list[rel.ItemResult]:
        by_peer = {i.peer: i for i in reversed(items)}  # the first item for a peer wins
        profiles: dict[str, dict[str, Any]] = {}
        if items:  # one BatchGet: the peers' AllowType, and whether they and the owner exist
            profiles = self.accounts.get_profiles(app.sdkappid, [*(i.peer for i in items), owner])
        now, ttl = self._now(), app.config.friend_request_days * 86400

        def plan_for(peer: str) -> Callable[[rel.Pair], rel.Outcome]:
            allow = rel.allow_type_of(profiles.get(peer))
            return lambda pair: rel.plan_add(
                pair, by_peer[peer], add_type=add_type, allow_type=allow, force=force, now=now, request_ttl=ttl
            )

        verdict = callbacks.ask(  # Sns.CallbackPrevFriendAdd: a refusal raises before anything is written
            self.callbacks, app, cb.SNS_BEFORE_FRIEND_ADD, Requester_Account=owner, From_Account=owner,
            FriendItem=[
                {"To_Account": i.peer, "Remark": i.remark, "GroupName": i.group, "AddSource": i.add_source,
                 "AddWording": i.add_wording} for i in items
            ],
            AddType=add_type, ForceAddFlags=int(force),
        )  # fmt: skip
        refused = cb.refused_peers(verdict)  # the answer's ResultItem may refuse some peers only
        wanted = [i.peer for i in items if i.peer not in refused]
        done = self._batch(app, owner, wanted, plan_for, origin=origin, profiles=profiles) if wanted else []
        self._tell(app, cb.SNS_FRIEND_ADD, owner, done, "friend_add")
        by_peer_result = {r.peer: r for r in done}
        by_peer_result |= {
            p: rel.ItemResult(p, code, "refused by the app backend's callback") for p, code in refused.items()
        }
        return [by_peer_result[p] for p in dict.fromkeys(i.peer for i in items) if p in by_peer_result]

    def import_friends(
        self, app: App, owner: str, friends: Sequence[rel.Friend], *, origin: str | None = None
    ) -> list[rel.ItemResult]:
        by_peer = {f.peer: f for f in reversed(friends)}
        return self._batch(
            app,
            owner,
            [f.peer for f in friends],
            lambda peer: lambda pair: rel.plan_import(pair, by_peer[peer]),
            origin=origin,
        )

    def update_friends(
        self, app: App, owner: str, edits: Sequence[tuple[str, rel.FriendEdit]], *, origin: str | None = None
    ) -> list[rel.ItemResult]:
        by_peer: dict[str, rel.FriendEdit] = {}
        for peer, edit in edits:
            prev = by_peer.get(peer)
            by_peer[peer] = edit if prev is None else prev.merged(edit)
        now = self._now()
        return self._batch(
            app,
            owner,
            list(by_peer),
            lambda peer: lambda pair: rel.plan_update(pair, by_peer[peer], now=now),
            origin=origin,
            parts=("mine",),
            require_peer=False,
            missing_code=31704,
            check_exists=False,
        )

    def delete_friends(
        self, app: App, owner: str, peers: Sequence[str], delete_type: str, *, origin: str | None = None
    ) -> list[rel.ItemResult]:
        results = self._batch(
            app,
            owner,
            peers,
            lambda peer: lambda pair: rel.plan_delete(pair, delete_type),
            origin=origin,
            parts=("mine", "theirs"),
            require_peer=False,
            missing_code=31704,
            check_exists=False,
        )
        self._tell(app, cb.SNS_FRIEND_DELETE, owner, results, "friend_delete")
        return results

    def delete_all_friends(self, app: App, owner: str, delete_type: str, *, origin: str | None = None) -> int:
        """Clear the friend list (and, for Both, the owner from each friend's list); returns friends removed."""
        self.require_account(app, owner)
        peers = [f.peer for f in self.repo.friends(app.sdkappid, owner)]
        events, removed = _Events(), 0
        for i in range(0, len(peers), DELETE_CHUNK):
            chunk = peers[i : i + DELETE_CHUNK]
            pairs = self.repo.pairs(app.sdkappid, owner, chunk, ("mine", "theirs"))
            outcomes = [rel.plan_delete(pairs[p], delete_type) for p in chunk]
            changes = [c for o in outcomes for c in o.changes]
            try:
                self.repo.apply(app.sdkappid, changes, NO_LIMITS)
            except rel.Conflict:
                # a friend changed meanwhile: fall back to one pair at a time
                for p in chunk:
                    r = self._run(
                        app, owner, p, lambda pair: rel.plan_delete(pair, delete_type), events, parts=("mine", "theirs")
                    )
                    removed += int(r.code == 0)
                continue
            events.add(e for o in outcomes for e in o.events)
            self._count_chain(app, changes)
            removed += sum(1 for o in outcomes if o.code == 0)
        events.flush(self.notifier, app.sdkappid, origin)
        if removed:
            self._tell(app, cb.SNS_FRIEND_DELETE, owner, [rel.ItemResult(p) for p in peers], "friend_delete_all")
        return removed

    def check_friends(
        self, app: App, owner: str, peers: Sequence[str], check_type: str
    ) -> list[tuple[rel.ItemResult, str]]:
        return self._check(
            app,
            owner,
            peers,
            ("mine", "theirs") if check_type == rel.CHECK_BOTH else ("mine",),
            lambda pair: rel.friend_relation(pair, check_type),
            rel.REL_NONE,
            30003,
        )

    def _check(
        self,
        app: App,
        owner: str,
        peers: Sequence[str],
        parts: Sequence[str],
        relation: Callable[[rel.Pair], str],
        none: str,
        missing_code: int,
    ) -> list[tuple[rel.ItemResult, str]]:
        self.require_account(app, owner)
        unique = list(dict.fromkeys(peers))
        others = [p for p in unique if p != owner]
        pairs = self.repo.pairs(app.sdkappid, owner, others, parts, consistent=False) if others else {}
        related = {p: relation(pair) for p, pair in pairs.items()}
        # a stored relation implies the account exists (deletion removes them): look up only the rest
        unrelated = [p for p, r in related.items() if r == none]
        known = self.accounts.existing(app.sdkappid, unrelated) if unrelated else set()
        out = []
        for peer in unique:
            if peer == owner:
                out.append((rel.ItemResult(peer, 30001, "an account has no relation with itself"), none))
            elif related[peer] != none or peer in known:
                out.append((rel.ItemResult(peer), related[peer]))
            else:
                out.append((rel.ItemResult(peer, missing_code, "account does not exist"), none))
        return out

    def friend_page(self, app: App, owner: str, start: int, standard_seq: int, custom_seq: int) -> FriendPage:
        """friend_get: one Query per page of FRIEND_PAGE; an unchanged sequence leaves that data out (first page)."""
        self.require_account(app, owner)
        meta = self.repo.meta(app.sdkappid, owner)
        friends, nxt = self.repo.friends_page(app.sdkappid, owner, start, rel.FRIEND_PAGE)
        first = start == 0
        with_standard = not (first and standard_seq and standard_seq == meta.friend_seq)
        with_custom = not (first and custom_seq and custom_seq == meta.custom_seq)
        return FriendPage(friends, meta, nxt, with_standard, with_custom)

    def friend_list(self, app: App, owner: str, peers: Sequence[str], tags: Sequence[str]) -> list[ListedFriend]:
        """friend_get_list: SNS tags from the friend rows, Tag_Profile_* through the profile service, one call."""
        self.require_account(app, owner)
        unique = list(dict.fromkeys(peers))
        pairs = self.repo.pairs(app.sdkappid, owner, unique, ("mine",), consistent=False)
        friends = {p: pair.mine for p, pair in pairs.items() if pair.mine is not None}
        profile_tags = [t for t in dict.fromkeys(tags) if t.startswith("Tag_Profile_")]
        profiles: dict[str, dict[str, Any]] = {}
        if profile_tags and friends:
            for r in self.profiles.get(app.sdkappid, list(friends), profile_tags):
                profiles[r.user] = dict(r.items or [])
        out = []
        for peer in unique:
            friend = friends.get(peer)
            if friend is None:
                out.append(ListedFriend(peer, None))
                continue
            values = [(t, profiles.get(peer, {}).get(t, "") if t in profile_tags else friend.tag(t)) for t in tags]
            out.append(ListedFriend(peer, values))
        return out

    # --- friend requests ------------------------------------------------------------------------------------------
    def list_requests(self, app: App, owner: str, pendency: str, cursor: str | None, size: int) -> RequestPage:
        """Live pending requests in peer order; expired ones met on the way are purged (counters follow)."""
        self.require_account(app, owner)
        if cursor is not None and not cursor.startswith((f"{rel.REQ_IN}#", f"{rel.REQ_OUT}#")):
            raise errors.error(rel.INVALID, "Cursor is not one this server returned")
        now = self._now()
        requests, nxt = self.repo.requests_page(app.sdkappid, owner, cursor, size)
        self._drop_expired(app, requests, now)
        live = [r for r in requests if r.live(now)]
        incoming = [r for r in live if r.target == owner] if pendency != rel.PENDENCY_OUT else []
        outgoing = [r for r in live if r.requester == owner] if pendency != rel.PENDENCY_IN else []
        return RequestPage(incoming, outgoing, nxt)

    def respond(
        self, app: App, owner: str, responses: Sequence[Response], *, origin: str | None = None
    ) -> list[rel.ItemResult]:
        by_peer = {r.peer: r for r in reversed(responses)}
        now = self._now()

        def plan_for(peer: str) -> Callable[[rel.Pair], rel.Outcome]:
            r = by_peer[peer]
            return lambda pair: rel.plan_respond(pair, r.action, r.remark, r.group, now=now)

        results = self._batch(app, owner, [r.peer for r in responses], plan_for, origin=origin, missing_code=30614)
        agreed = [r for r in results if by_peer[r.peer].action != rel.REJECT]
        self._tell(app, cb.SNS_FRIEND_ADD, owner, agreed, "friend_response")
        return results

    def withdraw(
        self, app: App, owner: str, peers: Sequence[str], *, origin: str | None = None
    ) -> list[rel.ItemResult]:
        now = self._now()
        return self._batch(
            app,
            owner,
            peers,
            lambda peer: lambda pair: rel.plan_withdraw(pair, now=now),
            origin=origin,
            parts=("sent",),
            require_peer=False,
            missing_code=30614,
            check_exists=False,
        )

    # --- blacklist ------------------------------------------------------------------------------------------------
    def block(self, app: App, owner: str, peers: Sequence[str], *, origin: str | None = None) -> list[rel.ItemResult]:
        now = self._now()
        results = self._batch(
            app,
            owner,
            peers,
            lambda peer: lambda pair: rel.plan_block(pair, now=now),
            origin=origin,
            missing_code=31804,
        )
        self._tell(app, cb.SNS_BLACKLIST_ADD, owner, results, "black_list_add")
        return results

    def unblock(self, app: App, owner: str, peers: Sequence[str], *, origin: str | None = None) -> list[rel.ItemResult]:
        results = self._batch(
            app,
            owner,
            peers,
            lambda peer: rel.plan_unblock,
            origin=origin,
            parts=("i_block",),
            require_peer=False,
            missing_code=31804,
            check_exists=False,
        )
        self._tell(app, cb.SNS_BLACKLIST_DELETE, owner, results, "black_list_delete")
        return results

    def black_page(
        self, app: App, owner: str, start: int, size: int, last_seq: int
    ) -> tuple[list[rel.Block], int, int]:
        """black_list_get: (items, next start (0 = done), current sequence); unchanged sequence → nothing."""
        self.require_account(app, owner)
        meta = self.repo.meta(app.sdkappid, owner)
        if start == 0 and last_seq and last_seq == meta.black_seq:
            return [], 0, meta.black_seq
        blocks, nxt = self.repo.blocks_page(app.sdkappid, owner, start, size)
        return blocks, nxt, meta.black_seq

    def check_blocks(
        self, app: App, owner: str, peers: Sequence[str], check_type: str
    ) -> list[tuple[rel.ItemResult, str]]:
        parts = ("i_block", "they_block") if check_type == rel.BLACK_CHECK_BOTH else ("i_block",)
        return self._check(
            app, owner, peers, parts, lambda pair: rel.black_relation(pair, check_type), rel.BLACK_NONE, 31804
        )

    # --- friend groups --------------------------------------------------------------------------------------------
    def add_groups(
        self, app: App, owner: str, names: Sequence[str], peers: Sequence[str], *, origin: str | None = None
    ) -> tuple[list[rel.ItemResult], int]:
        """Create groups (existing names are kept) and put friends in all of them; returns results, sequence."""
        self.require_account(app, owner)
        before = self.repo.meta(app.sdkappid, owner).groups
        events = _Events()
        try:
            self.repo.apply(app.sdkappid, [rel.AddGroups(owner, tuple(names))], limits_of(app))
        except rel.LimitReached as hit:
            raise errors.error(30011, f"at most {app.config.max_friend_groups} friend groups") from hit
        except rel.Conflict as exc:
            raise errors.error(30008) from exc
        created = [n for n in names if n not in before]
        if created:
            events.add(
                [rel.Event(rel.FRIEND_GROUP_ADDED, (owner,), {"From_Account": owner, "GroupName": n}) for n in created]
            )
        edit = rel.FriendEdit(add_groups=tuple(names))
        not_friend = (32216, rel.GROUP_ADD_NOT_FRIEND)

        def plan(pair: rel.Pair) -> rel.Outcome:
            return rel.plan_update(pair, edit, now=self._now(), not_friend=not_friend)

        results = []
        for peer in dict.fromkeys(peers):
            if peer == owner:
                results.append(rel.ItemResult(peer, 32216, rel.GROUP_ADD_NOT_FRIEND))
            else:
                results.append(self._run(app, owner, peer, plan, events, parts=("mine",)))
        events.flush(self.notifier, app.sdkappid, origin)
        return results, self.repo.meta(app.sdkappid, owner).group_seq

    def delete_groups(self, app: App, owner: str, names: Sequence[str], *, origin: str | None = None) -> int:
        """Delete groups (their friends stay friends); every named group must exist. Returns the sequence."""
        self.require_account(app, owner)
        existing = self.repo.meta(app.sdkappid, owner).groups
        unknown = [n for n in names if n not in existing]
        if unknown:
            raise errors.error(rel.INVALID, f"friend group {unknown[0]!r} does not exist")
        gone = set(names)
        self.repo.apply(app.sdkappid, [rel.DeleteGroups(owner, tuple(names))], NO_LIMITS)
        members = [f for f in self.repo.friends(app.sdkappid, owner) if gone & set(f.groups)]
        for i in range(0, len(members), UPDATE_CHUNK):
            chunk = members[i : i + UPDATE_CHUNK]
            changes = [
                rel.UpdateFriend(owner, f.peer, remove_groups=tuple(sorted(gone & set(f.groups)))) for f in chunk
            ]
            try:
                self.repo.apply(app.sdkappid, changes, NO_LIMITS)
            except rel.Conflict:
                for c in changes:  # a friend was deleted meanwhile: the rest still leave the group
                    try:
                        self.repo.apply(app.sdkappid, [c], NO_LIMITS)
                    except rel.Conflict:
                        pass
        events = _Events()
        events.add(
            [rel.Event(rel.FRIEND_GROUP_DELETED, (owner,), {"From_Account": owner, "GroupName": n}) for n in names]
        )
        events.flush(self.notifier, app.sdkappid, origin)
        return self.repo.meta(app.sdkappid, owner).group_seq

    def get_groups(self, app: App, owner: str, names: Sequence[str] | None) -> tuple[list[tuple[str, list[str]]], int]:
        """[(group, member peers)] for the named groups (all when None), and the current sequence."""
        self.require_account(app, owner)
        meta = self.repo.meta(app.sdkappid, owner)
        wanted = sorted(meta.groups) if names is None else [n for n in dict.fromkeys(names) if n in meta.groups]
        members: dict[str, list[str]] = {n: [] for n in wanted}
        if wanted:
            for f in self.repo.friends(app.sdkappid, owner):
                for g in f.groups:
                    if g in members:
                        members[g].append(f.peer)
        return [(n, members[n]) for n in wanted], meta.group_seq

    # --- account deletion -----------------------------------------------------------------------------------------
    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        """Remove other accounts' rows naming `user` (its own partition goes with the account)."""
        events = _Events()
        for row in self.repo.pointing_at(sdkappid, user):
            try:
                self.repo.apply(sdkappid, [row], NO_LIMITS)
            except rel.Conflict:
                continue  # already gone
            name = {
                rel.FRIEND: rel.FRIEND_DELETED,
                rel.BLACK: rel.BLACKLIST_DELETED,
            }.get(row.kind, rel.FRIEND_REQUEST_DELETED)
            item: dict[str, Any] = rel.pair_item(row.owner, user)
            if row.kind == rel.REQ_IN:  # `user` had asked row.owner
                item = {**rel.pair_item(user, row.owner), "Reason": rel.REMOVED}
            elif row.kind == rel.REQ_OUT:
                item = {**item, "Reason": rel.REMOVED}
            events.add([rel.Event(name, (row.owner,), item)])
        events.flush(self.notifier, sdkappid, None)
