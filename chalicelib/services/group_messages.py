"""Group message use cases: send, tips, system notifications, recall, deletion by sender, history, imports, unread.

Sending stores the message (contiguous MsgSeq, see store/group_messages.py) and returns; delivery goes through
GroupFanout. Events pushed to terminals: `GroupMessage` (a member's message), `GroupTip` (join, quit, kick, info
change, mute, recall, dissolve...: a stored system message that takes a seq) and `GroupSystemNotification` (not
stored); their data use history's field names.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, mentions, mute
from chalicelib.domain import group_messages as rules
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.conversations import Conversation, MessageRef
from chalicelib.domain.group_messages import GroupMessage, Page
from chalicelib.domain.groups import AVCHATROOM, MEMBER, Group, GroupRef, Member, check_group_id, check_recall
from chalicelib.domain.ids import check_user_id, is_user_id
from chalicelib.domain.mentions import NO_MENTIONS, Mentions
from chalicelib.domain.message_stream import ORIGIN_IMPORT
from chalicelib.domain.messages import GROUP_CODES, parse_body, texts
from chalicelib.domain.profiles import IMAGE, NICK
from chalicelib.domain.stats import day_of
from chalicelib.services import callbacks
from chalicelib.services.accounts import AccountService
from chalicelib.services.conversations import Description
from chalicelib.services.dirtywords import DirtyWordService
from chalicelib.services.group_access import GroupAccess
from chalicelib.services.group_fanout import GroupFanout
from chalicelib.services.group_ports import GroupMessageRepo, MentionRepo
from chalicelib.services.notify import Notifier
from chalicelib.services.offline_push import OfflinePushService
from chalicelib.services.ports import MediaRefs, Metrics, NoReadAhead, ReadAhead

MESSAGE_EVENT, TIP_EVENT, NOTIFICATION_EVENT = "GroupMessage", "GroupTip", "GroupSystemNotification"

_threads: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """A few threads per container: a send's claim is written beside its message (made on first use)."""
    global _threads
    if _threads is None:
        _threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="group-claim")
    return _threads


def _outcome(claiming: Future[bool]) -> bool | None:
    """The claim's answer: True taken, False already claimed, None failed (the error is in the future)."""
    return None if claiming.exception() is not None else claiming.result()


@dataclass(frozen=True)
class Outgoing:
    """A send_group_msg request, validated by the handler (body, priority, Random)."""

    sender: str | None  # From_Account; None: the caller
    random: int
    body: list[dict[str, Any]]
    priority: str = rules.NORMAL
    cloud_custom_data: str = ""
    online_only: bool = False
    push_info: dict[str, Any] | None = None  # OfflinePushInfo (services/offline_push.py)
    mentions: Mentions = NO_MENTIONS  # GroupAtInfo


@dataclass(frozen=True)
class Sent:
    time: int
    seq: int


class _OncePerDay:
    """Per-container memory of daily "counted once" marks already made, so a busy sender costs no write per message
    for the GroupSendMsgUserNum / GroupSendMsgGroupNum sets (the mark itself stays idempotent across containers)."""

    def __init__(self) -> None:
        self._day = ""
        self._seen: set[tuple[int, str, str]] = set()

    def first(self, day: str, sdkappid: int, name: str, member: str) -> bool:
        if day != self._day:
            self._day, self._seen = day, set()
        key = (sdkappid, name, member)
        if key in self._seen:
            return False
        if len(self._seen) >= 100_000:  # bounded memory: forgetting only costs an idempotent write again
            self._seen.clear()
        self._seen.add(key)
        return True


class GroupMessageService:
    def __init__(
        self,
        access: GroupAccess,
        repo: GroupMessageRepo,
        fanout: GroupFanout,
        notifier: Notifier,
        accounts: AccountService,
        dirty_words: DirtyWordService,
        metrics: Metrics,
        clock: Clock,
    ) -> None:
        self._access = access
        self._groups = access.repo
        self._repo = repo
        self.fanout = fanout
        self._notifier = notifier
        self._accounts = accounts
        self._dirty = dirty_words
        self._metrics = metrics
        self._clock = clock
        self._marks = _OncePerDay()
        self.offline_push: OfflinePushService | None = None  # set by wiring
        self.mentions: MentionRepo | None = None  # set by wiring
        self.read_ahead: ReadAhead = NoReadAhead()  # set by wiring
        self.callbacks: callbacks.Callbacks = callbacks.NO_CALLBACKS  # set by wiring
        self.media_refs: MediaRefs | None = None  # set by wiring

    # --- sending ---------------------------------------------------------------------------------
    def send(self, app: App, caller: str, gid: str, out: Outgoing, *, exclude: str | None = None) -> Sent:
        """The group, the sender's account and member row and the group's seq watermark are read in one request."""
        sender = out.sender or caller
        try:
            check_group_id(gid)
        except errors.DomainError:
            return self._send(app, caller, gid, out, exclude=exclude)  # refused by the group's load
        reader = None if app.is_admin(sender) or not is_user_id(sender) else sender
        claim = None if out.online_only else (sender, out.random)
        with self.read_ahead.group_send(app.sdkappid, gid, reader, claim):
            return self._send(app, caller, gid, out, exclude=exclude)

    def _send(self, app: App, caller: str, gid: str, out: Outgoing, *, exclude: str | None) -> Sent:
        group = self._access.load(app, gid)
        sender = out.sender or caller
        now = self._clock.now()
        profile = None if app.is_admin(sender) else self._check_sender(app, group, sender, now)
        self._dirty.check(app, texts(out.body), what="MsgBody")
        watermark, ring = self._repo.watermark(app.sdkappid, group.group_id, group.incarnation)
        now_ms = int(now * 1000)
        if not rules.admits(out.priority, rules.sent_in_last_second(ring, now_ms)):
            raise errors.GroupRateLimited(
                f"group {gid!r} takes at most {rules.RATE_PER_SECOND} messages a second; "
                f"{out.priority} priority messages are refused above it (High never is)"
            )
        t = int(now)
        checked = callbacks.group_before(self.callbacks, app, group.group_id, group.type_name, caller, out)
        if checked is None:  # Group.CallbackBeforeSendMsg dropped it silently (a refusal raised)
            return Sent(t, 0)
        out = checked
        if self.media_refs is not None and not out.online_only:  # checked and final: its objects stay referenced
            self.media_refs.reference(app, out.body, group=group.group_id)
        msg = GroupMessage(
            0, out.random, t, sender, out.priority, out.body, out.cloud_custom_data, expires=self._expires(app, t)
        )
        if profile is not None:  # stored with the message (no request of its own: _check_sender read it)
            msg = dataclasses.replace(msg, nick=str(profile.get(NICK) or ""), face=str(profile.get(IMAGE) or ""))
        if out.mentions:
            msg = dataclasses.replace(msg, at_info=out.mentions.wire())
        if out.online_only and group.kind != AVCHATROOM:
            seq = 0  # online only: delivered, never stored, takes no seq
        else:
            stored = self._store(app, group, sender, out.random, msg, watermark, now_ms)
            if isinstance(stored, GroupMessage):  # a retry: answered with the first message, nothing sent
                return Sent(stored.time, stored.seq)
            seq = stored
        if seq and out.mentions and self.mentions is not None:  # only a message that mentions someone writes these
            mentioned = [u for u in out.mentions.users if u != sender]
            self.mentions.record(group, seq, mentioned, out.mentions.everyone)
        data = rules.row(group.group_id, dataclasses.replace(msg, seq=seq))
        if profile is not None:  # the sender's profile at sending time, as C2C pushes it (FAQ); history has none
            data["SenderProfile"] = {"Nick": profile.get(NICK, ""), "FaceUrl": profile.get(IMAGE, "")}
        if seq == 0:
            data["OnlineOnlyFlag"] = 1
        self.fanout.deliver(app, GroupRef.of(group), MESSAGE_EVENT, data, exclude=exclude)
        if seq and self.offline_push is not None:  # one task finds the offline members (no DynamoDB request here)
            nick = str((profile or {}).get(NICK) or "")
            self.offline_push.after_group(
                app, group_id=group.group_id, incarnation=group.incarnation, group_type=group.kind, sender=sender,
                nick=nick, body=out.body, info=out.push_info,
            )  # fmt: skip
        if not seq:  # a stored message is counted from the messages stream (jobs/streams.py)
            self._count_sent(app, group, sender)
        callbacks.group_after(self.callbacks, app, group.group_id, group.type_name, caller, out, seq, t)  # queued
        return Sent(t, seq)

    def _check_sender(self, app: App, group: Group, sender: str, now: float) -> dict[str, Any]:
        """Membership, the three mutes (member, mute-all, global group mute); returns the profile to stamp."""
        member = self._access.member(group, sender)
        record = self._accounts.record(app.sdkappid, sender)
        if record is None:
            raise errors.GroupAccountNotFound(f"account {sender!r} does not exist")
        if mute.is_muted(member.mute_until, now):
            left = mute.remaining(member.mute_until, now)
            raise errors.Muted(f"{sender!r} is muted in this group ({left} s left)")
        if group.mute_all and member.role == MEMBER:
            raise errors.Muted("the whole group is muted (ShutUpAllMember): only the owner and admins may speak")
        if mute.is_muted(record.group_mute_until, now):
            raise errors.Muted(f"{sender!r} may not send group messages (setnospeaking)")
        return record.profile

    def _store(
        self, app: App, group: Group, sender: str, random: int, msg: GroupMessage, watermark: int, now_ms: int
    ) -> int | GroupMessage:
        """Claim (sender, Random) for 5 minutes and store the message: its seq, or the original message when this
        is a retry of one already sent.

        The claim and the message are written at the same time (one round trip, not two). A retry is normally
        known before that, from the claim read ahead; one that raced its original past that read finds the claim
        taken after its own copy was stored, and that copy becomes a deleted placeholder (IsPlaceMsg 1, never
        pushed) at its seq, so seqs stay whole."""
        sdkappid, gid, inc = app.sdkappid, group.group_id, group.incarnation
        t = msg.time
        if self._repo.claimed(sdkappid, gid, inc, sender, random, t):
            return self._original(sdkappid, gid, inc, sender, random)
        claiming = _pool().submit(self._repo.claim_random, sdkappid, gid, inc, sender, random, watermark, t)
        try:
            seq = self._repo.append(sdkappid, gid, inc, msg, watermark, now_ms)
        except Exception:
            # the message was not stored: a retry with the same Random must not be taken for a duplicate
            if _outcome(claiming) is True:
                self._repo.release_random(sdkappid, gid, inc, sender, random)
            raise
        claimed = _outcome(claiming)
        if claimed is True:
            return seq
        self._repo.set_state(sdkappid, gid, inc, seq, rules.DELETED)  # this copy must not stand
        if claimed is None:  # the claim failed: nothing was sent, the client retries
            claiming.result()
        return self._original(sdkappid, gid, inc, sender, random)

    def _original(self, sdkappid: int, gid: str, inc: str, sender: str, random: int) -> GroupMessage:
        original = self._repo.find_random(sdkappid, gid, inc, sender, random)
        if original is None:
            raise errors.error(10002, f"a message with Random {random} is still being stored; retry")
        return original

    def _count_sent(self, app: App, group: Group, sender: str) -> None:
        day = day_of(self._clock.now(), app.config.timezone)
        marks = [
            (name, member)
            for name, member in (("GroupSendMsgUserNum", sender), ("GroupSendMsgGroupNum", group.group_id))
            if self._marks.first(day, app.sdkappid, name, member)
        ]
        self._metrics.later(app, {"GroupUpMsgNum": 1}, marks)  # counted in the container, written in batches

    def _expires(self, app: App, t: int) -> int:
        return t + app.config.roaming_days * 86400

    def tip(
        self,
        app: App,
        group: Group,
        op: str,
        operator: str,
        details: Mapping[str, Any],
        *,
        also: Sequence[str] = (),
    ) -> int:
        """Store a group tip (it takes a seq), push it to online members and to `also` (e.g. the kicked)."""
        now = self._clock.now()
        t = int(now)
        body = rules.tip_body(op, operator, details)
        msg = GroupMessage(
            0, secrets.randbits(32), t, operator, rules.HIGH, body, is_system=True, expires=self._expires(app, t)
        )
        watermark, _ = self._repo.watermark(app.sdkappid, group.group_id, group.incarnation)
        seq = self._repo.append(app.sdkappid, group.group_id, group.incarnation, msg, watermark, int(now * 1000))
        data = rules.row(group.group_id, dataclasses.replace(msg, seq=seq))
        self.fanout.deliver(app, GroupRef.of(group), TIP_EVENT, data)
        if also:
            self._notifier.to_users(app.sdkappid, also, TIP_EVENT, data)
        return seq

    def notify_system(self, app: App, gid: str, users: Sequence[str] | None, content: str) -> None:
        """send_group_system_notification: pushed, not stored; to the named members, or to every online member."""
        group = self._access.load(app, gid)
        self._dirty.check(app, [content], what="Content")
        data = {"GroupId": group.group_id, "Content": content, "MsgTimeStamp": int(self._clock.now())}
        if users:
            members = self._groups.members(group, users)
            missing = [u for u in dict.fromkeys(users) if u not in members]
            if missing:
                raise errors.GroupForbidden(f"not members of group {gid!r}: {', '.join(missing)}")
            self._notifier.to_users(app.sdkappid, list(members), NOTIFICATION_EVENT, data)
        else:
            self.fanout.deliver(app, GroupRef.of(group), NOTIFICATION_EVENT, data)

    # --- recall and deletion ---------------------------------------------------------------------
    def recall(self, app: App, caller: str, is_admin: bool, gid: str, seqs: Sequence[int]) -> list[tuple[int, int]]:
        """Per seq: 0 recalled (or already), 10030 no such message, 10031 too late, 10007 not allowed."""
        group = self._access.load(app, gid)
        actor, _ = self._access.actor(group, caller, is_admin)
        now = self._clock.now()
        sdkappid, inc = app.sdkappid, group.incarnation
        results, recalled = [], []
        for seq in dict.fromkeys(seqs):
            msg = self._repo.get(sdkappid, group.group_id, inc, seq)
            if msg is None or msg.expired(now) or msg.state == rules.DELETED or msg.is_system:
                results.append((seq, 10030))
                continue
            if msg.state == rules.RECALLED:
                results.append((seq, 0))
                continue
            try:
                check_recall(group.rules, actor, msg.sender, now - msg.time, rules.RECALL_SECONDS)
            except errors.DomainError as err:
                results.append((seq, err.error_code))
                continue
            if self._repo.set_state(sdkappid, group.group_id, inc, seq, rules.RECALLED):
                recalled.append(seq)
            results.append((seq, 0))
        if recalled:
            self.tip(app, group, rules.RECALL, caller, {"MsgSeqList": [{"MsgSeq": s} for s in recalled]})
        return results

    def delete_by_sender(self, app: App, gid: str, sender: str) -> int:
        """The FAQ's server-side deletion of a member's recent messages; returns how many (placeholders remain).

        A sender that never existed is 10019; a deleted account's messages can still be deleted (that is the point
        of the command after removing a spammer)."""
        group = self._access.load(app, gid)
        sdkappid, inc = app.sdkappid, group.incarnation
        seqs = list(self._repo.seqs_by_sender(sdkappid, group.group_id, inc, sender))
        if not seqs and not self._accounts.existing(sdkappid, [sender]):
            raise errors.GroupAccountNotFound(f"account {sender!r} does not exist")
        return sum(1 for s in seqs if self._repo.set_state(sdkappid, group.group_id, inc, s, rules.DELETED))

    # --- reading ---------------------------------------------------------------------------------
    def history(
        self, app: App, caller: str, is_admin: bool, gid: str, count: int, top: int | None, with_recalled: bool
    ) -> Page:
        """group_msg_get_simple: members read from their first visible seq (type rule), the App admin everything."""
        group = self._access.load(app, gid)
        first = 1 if is_admin else self._access.member(group, caller).visible_from
        last = self.last_seq(group)
        high = last if top is None else min(top, last)
        if high < first:
            return Page([], rules.FINISHED)
        low, high = rules.page_range(high, first, count)
        stored = self._repo.range(app.sdkappid, group.group_id, group.incarnation, low, high)
        return rules.history_page(
            group.group_id,
            stored,
            top=high,
            bottom=low,
            first_visible=first,
            now=self._clock.now(),
            with_recalled=with_recalled,
        )

    def group(self, app: App, gid: str) -> Group:
        return self._access.load(app, gid)

    def last_seq(self, group: Group) -> int:
        return self._repo.last_seq(group.sdkappid, group.group_id, group.incarnation)

    def last(self, group: Group) -> tuple[int, int]:
        """NextMsgSeq - 1 and LastMsgTime (the send time the watermark's ring keeps for the last seq)."""
        seq, ring = self._repo.watermark(group.sdkappid, group.group_id, group.incarnation)
        return seq, ring[seq % rules.RING_SIZE] // 1000 if seq else 0

    def online_members(self, app: App, gid: str) -> int:
        group = self._access.load(app, gid)
        return self.fanout.online_count(app.sdkappid, GroupRef.of(group))

    # --- recent contacts (Type 2 rows) -----------------------------------------------------------------
    def stream_ref(self, group: Group) -> MessageRef:
        return self._repo.stream_ref(group.sdkappid, group.group_id, group.incarnation)

    def describe(self, sdkappid: int, owner: str, rows: Sequence[Conversation]) -> dict[str, Description]:
        """ConversationSource for Type 2: each group's latest message the owner may read, and its unread count
        (last seq - read seq), looked up now: members' rows are never written per message."""
        groups = self._groups.get_many(sdkappid, [r.peer for r in rows])
        members = {gid: self._groups.member(g, owner) for gid, g in groups.items()}
        joined = [g for gid, g in groups.items() if members[gid] is not None]
        reads = self._groups.read_seqs(sdkappid, owner, joined)
        ats = self.mentions.latest(sdkappid, owner, joined) if self.mentions is not None and joined else {}
        now = self._clock.now()
        out: dict[str, Description] = {r.peer: Description(None, 0) for r in rows}
        for group in joined:
            member = members[group.group_id]
            assert member is not None
            last = self.last_seq(group)
            msg = self._repo.get(sdkappid, group.group_id, group.incarnation, last) if last else None
            shown = None
            if msg is not None and last >= member.visible_from and not msg.expired(now) and msg.state == rules.LIVE:
                shown = rules.row(group.group_id, msg)
            read = reads.get(group.group_id, 0)
            unread = rules.unread(group.rules, last, read, member.visible_from)
            mine, everyone = ats.get(group.group_id, (0, 0))
            out[group.group_id] = Description(shown, unread, mentions.unread(mine, everyone, read, member.visible_from))
        return out

    def check_peer(self, sdkappid: int, owner: str, peer: str, *, pin: bool) -> None:
        """ConversationSource: the group exists (10010); to pin it, the owner is a member (10007)."""
        group = self._groups.get(sdkappid, peer)
        if group is None:
            raise errors.GroupNotFound(f"group {peer!r} does not exist")
        if pin and self._groups.member(group, owner) is None:
            raise errors.GroupForbidden(f"{owner!r} is not a member of group {peer!r}")

    def clear_roaming(self, sdkappid: int, owner: str, peer: str) -> None:
        """recentcontact/delete with ClearRamble 1 on a group: the member's history starts after the last message."""
        group = self._groups.get(sdkappid, peer)
        if group is None or self._groups.member(group, owner) is None:
            return
        self._groups.update_member(group, owner, {"visible_from": self.last_seq(group) + 1})

    def forget(self, sdkappid: int, gid: str, inc: str) -> None:
        """A dissolved incarnation's seq watermark (its messages expire with their TTL)."""
        self._repo.purge_watermark(sdkappid, gid, inc)

    # --- unread ----------------------------------------------------------------------------------
    def report_read(self, app: App, user: str, gid: str, seq: int | None) -> int:
        """A member read up to `seq` (default: everything); returns the read seq stored."""
        group = self._access.load(app, gid)
        self._access.member(group, user)
        last = self.last_seq(group)
        read = last if seq is None else min(seq, last)
        self._groups.set_read_seq(group, user, read)
        return read

    def set_unread(self, app: App, gid: str, user: str, unread: int) -> None:
        group = self._access.load(app, gid)
        member = self._access.member(group, user)
        last = self.last_seq(group)
        self._groups.set_read_seq(group, user, max(member.visible_from - 1, last - unread))

    def unread(self, app: App, user: str, joined: Sequence[tuple[Group, Member]]) -> dict[str, int]:
        reads = self._groups.read_seqs(app.sdkappid, user, [g for g, _ in joined])
        return {
            g.group_id: rules.unread(g.rules, self.last_seq(g), reads.get(g.group_id, 0), m.visible_from)
            for g, m in joined
        }

    # --- import ----------------------------------------------------------------------------------
    def import_messages(self, app: App, gid: str, items: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, int]]:
        """import_group_msg: per item (Result, MsgTime, MsgSeq); stored in SendTime order, never pushed."""
        group = self._access.load(app, gid)
        now = int(self._clock.now())
        parsed: list[tuple[int, GroupMessage | None, int]] = []
        for i, raw in enumerate(items):
            try:
                parsed.append((i, self._parse_import(app, group, raw, now), 0))
            except errors.DomainError as err:
                parsed.append((i, None, err.error_code))
        results: dict[int, tuple[int, int, int]] = {}
        for i, item, code in sorted(parsed, key=lambda p: p[1].time if p[1] else 0):
            if item is None:
                results[i] = (code, 0, 0)
                continue
            msg = item
            watermark, _ = self._repo.watermark(app.sdkappid, group.group_id, group.incarnation)
            seq = self._repo.append(app.sdkappid, group.group_id, group.incarnation, msg, watermark, msg.time * 1000)
            results[i] = (0, msg.time, seq)
        return [results[i] for i in range(len(items))]

    def _parse_import(self, app: App, group: Group, raw: Mapping[str, Any], now: int) -> GroupMessage:
        sender = check_user_id(raw.get("From_Account"), code=10004, field="From_Account")
        t = raw.get("SendTime")
        if isinstance(t, bool) or not isinstance(t, int) or not group.created_at <= t <= now:
            raise errors.error(10004, "SendTime must lie between the group's CreateTime and now")
        random = raw.get("Random", secrets.randbits(32))
        if isinstance(random, bool) or not isinstance(random, int) or not 0 <= random <= 4_294_967_295:
            raise errors.error(10004, "Random must be a 32-bit unsigned integer")
        body = parse_body(raw.get("MsgBody"), max_bytes=app.config.max_msg_bytes, codes=GROUP_CODES)
        self._dirty.check(app, texts(body), what="MsgBody")
        return GroupMessage(
            0, random, t, sender, rules.NORMAL, body, expires=self._expires(app, now), origin=ORIGIN_IMPORT
        )
