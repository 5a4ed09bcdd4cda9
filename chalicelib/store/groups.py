"""Groups, members, join applications and read marks in `entities`; the app's group quotas in `counters`.

- `{app}#G#{gid}` / `META`: the group, with its current incarnation `inc`; gsi1 = (`{app}#GROUPS`, padded serial):
  get_appid_group_list is one paged Query.
- `{app}#G#{gid}#{inc}` / `M#{user}`: a member. gsi1 = (`{app}#UG#{user}`, gid): an account's groups in one Query.
  gsi2 = (`{app}#OFFLINE`, padded offline_since#gid#user) only while a member of a kick-enabled group is offline:
  the offline-kick job finds whom to remove with one Query.
- `{app}#G#{gid}#{inc}` / `A#{user}`: a pending join application.
- `{app}#U#{user}` / `GREAD#{gid}`: the member's read seq, in the account's partition (one write per read report;
  account deletion removes it).
- counters `{app}#GQUOTA` / `TOTAL` (`total` groups alive) and `DAY#{yyyymmdd}` (`net`
  new groups that day, TTL): create and destroy change them in the same transaction as the group item.
Members are keyed by incarnation, so the rows of a dissolved group (removed in the background) never mix with a
new group of the same id; readers compare a member row's `inc` with the group's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain import errors
from chalicelib.domain import groups as rules
from chalicelib.domain.groups import Group, Member, Membership, OfflineMember
from chalicelib.store.base import BaseModel, ExpiringModel, Gsi1, Gsi2, TableMeta, Tx, TxCancelled, delete_partition
from chalicelib.store.keys import bound, pad, user_pk

META_SK = "META"
TOTAL_SK = "TOTAL"
TX_MAX_ITEMS = 100
DAY_TTL = 3 * 86400
CONDITION_FAILED = "ConditionalCheckFailedException"


def group_pk(sdkappid: int, gid: str) -> str:
    return f"{sdkappid}#G#{gid}"


def members_pk(sdkappid: int, gid: str, inc: str) -> str:
    return f"{sdkappid}#G#{gid}#{inc}"


def member_sk(user: str) -> str:
    return f"M#{user}"


def application_sk(user: str) -> str:
    return f"A#{user}"


def read_sk(gid: str) -> str:
    return f"GREAD#{gid}"


def quota_pk(sdkappid: int) -> str:
    return f"{sdkappid}#GQUOTA"


def day_sk(day: str) -> str:
    return f"DAY#{day}"


class GroupModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    group_id = UnicodeAttribute()
    inc = UnicodeAttribute()
    type_name = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    owner = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    max_members = NumberAttribute()
    apply_join = UnicodeAttribute()
    introduction = UnicodeAttribute(null=True)
    notification = UnicodeAttribute(null=True)
    face_url = UnicodeAttribute(null=True)
    app_data = UnicodeAttribute(null=True)  # JSON object
    mute_all = NumberAttribute(null=True)
    info_seq = NumberAttribute(null=True)
    last_info_time = NumberAttribute(null=True)
    member_num = NumberAttribute(null=True)
    admins = UnicodeSetAttribute(null=True)
    serial = NumberAttribute(null=True)
    kick_offline = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_app = Gsi1()


class MemberModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    role = UnicodeAttribute()
    join_time = NumberAttribute()
    visible_from = NumberAttribute()
    msg_flag = UnicodeAttribute(null=True)
    name_card = UnicodeAttribute(null=True)
    mute_until = NumberAttribute(null=True)
    app_data = UnicodeAttribute(null=True)
    last_send_time = NumberAttribute(null=True)
    kind = UnicodeAttribute(null=True)  # the group's kind: the presence hooks need its shards and kick rule
    kick_offline = NumberAttribute(null=True)
    offline_since = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_user = Gsi1()
    by_offline = Gsi2()


class ApplicationModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    user = UnicodeAttribute()
    message = UnicodeAttribute(null=True)
    time = NumberAttribute()


class ReadMarkModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    inc = UnicodeAttribute()
    read_seq = NumberAttribute()


class GroupQuotaModel(ExpiringModel):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass

    total = NumberAttribute(null=True)
    net = NumberAttribute(null=True)


def _to_group(sdkappid: int, m: GroupModel) -> Group:
    return Group(
        sdkappid=sdkappid,
        group_id=m.group_id,
        incarnation=m.inc,
        type_name=m.type_name,
        kind=m.kind,
        name=m.name,
        owner=m.owner or "",
        created_at=int(m.created_at),
        max_members=int(m.max_members),
        apply_join=m.apply_join,
        introduction=m.introduction or "",
        notification=m.notification or "",
        face_url=m.face_url or "",
        app_data=rules.decode_data(m.app_data),
        mute_all=bool(m.mute_all),
        info_seq=int(m.info_seq or 0),
        last_info_time=int(m.last_info_time or 0),
        member_num=int(m.member_num or 0),
        admins=tuple(sorted(m.admins or ())),
        serial=int(m.serial or 0),
        kick_offline=bool(m.kick_offline),
    )


def _group_model(g: Group) -> GroupModel:
    return GroupModel(
        group_pk(g.sdkappid, g.group_id),
        META_SK,
        group_id=g.group_id,
        inc=g.incarnation,
        type_name=g.type_name,
        kind=g.kind,
        name=g.name,
        owner=g.owner or None,
        created_at=g.created_at,
        max_members=g.max_members,
        apply_join=g.apply_join,
        introduction=g.introduction or None,
        notification=g.notification or None,
        face_url=g.face_url or None,
        app_data=rules.encode_data(g.app_data) if g.app_data else None,
        mute_all=1 if g.mute_all else 0,
        info_seq=g.info_seq,
        last_info_time=g.last_info_time,
        member_num=g.member_num,
        admins=set(g.admins) or None,
        serial=g.serial,
        kick_offline=1 if g.kick_offline else 0,
        gsi1pk=f"{g.sdkappid}#GROUPS",
        gsi1sk=pad(g.serial),
    )


def _member_keys(m: MemberModel) -> tuple[str, str, str]:
    """(GroupId, incarnation, UserID) from a member row's keys (GroupIds and UserIDs may contain "#"; the
    incarnation is hex), so member rows carry no copies of them: huge rooms hold fewer bytes per member."""
    rest = m.pk.split("#G#", 1)[1]
    gid, inc = rest.rsplit("#", 1)
    return gid, inc, m.sk[2:]


def _to_member(m: MemberModel) -> Member:
    return Member(
        user=m.sk[2:],
        role=m.role,
        join_time=int(m.join_time),
        visible_from=int(m.visible_from),
        msg_flag=m.msg_flag or rules.MSG_FLAGS[0],
        name_card=m.name_card or "",
        mute_until=int(m.mute_until or 0),
        app_data=rules.decode_data(m.app_data),
        last_send_time=int(m.last_send_time or 0),
        offline_since=None if m.offline_since is None else int(m.offline_since),
    )


def _offline_keys(sdkappid: int, gid: str, user: str, since: int | None) -> tuple[str | None, str | None]:
    if since is None:
        return None, None
    return f"{sdkappid}#OFFLINE", f"{pad(since)}#{gid}#{user}"


def _member_model(g: Group, m: Member) -> MemberModel:
    offline_pk, offline_sk = _offline_keys(g.sdkappid, g.group_id, m.user, m.offline_since)
    return MemberModel(
        members_pk(g.sdkappid, g.group_id, g.incarnation),
        member_sk(m.user),
        role=m.role,
        join_time=m.join_time,
        visible_from=m.visible_from,
        msg_flag=None if m.msg_flag == rules.MSG_FLAGS[0] else m.msg_flag,
        name_card=m.name_card or None,
        mute_until=m.mute_until or None,
        app_data=rules.encode_data(m.app_data) if m.app_data else None,
        last_send_time=m.last_send_time or None,
        kind=g.kind,
        kick_offline=1 if g.kick_offline else None,
        offline_since=m.offline_since,
        gsi1pk=f"{g.sdkappid}#UG#{m.user}",
        gsi1sk=g.group_id,
        gsi2pk=offline_pk,
        gsi2sk=offline_sk,
    )


def _condition_failed(exc: PutError | UpdateError | DeleteError) -> bool:
    return exc.cause_response_code == CONDITION_FAILED


class DynamoGroupRepo:
    # --- groups ----------------------------------------------------------------------------------
    def create(
        self,
        group: Group,
        members: Sequence[Member],
        *,
        day: str,
        daily_limit: int | None,
        total_limit: int,
        expires: int,
    ) -> None:
        """Group item and quotas in one transaction (nothing written if a quota is reached or the id is taken),
        then the members. Raises GroupIdTaken / GroupQuotaReached."""
        tx = Tx(GroupModel)
        tx.put("group", _group_model(group), condition=GroupModel.pk.does_not_exist())
        total = GroupQuotaModel.total
        tx.update(
            "total",
            GroupQuotaModel(quota_pk(group.sdkappid), TOTAL_SK),
            [total.add(1)],
            condition=total.does_not_exist() | (total < total_limit),
        )
        if daily_limit is not None:
            net = GroupQuotaModel.net
            tx.update(
                "day",
                GroupQuotaModel(quota_pk(group.sdkappid), day_sk(day)),
                [net.add(1), GroupQuotaModel.expires.set(expires + DAY_TTL)],
                condition=net.does_not_exist() | (net < daily_limit),
            )
        try:
            tx.commit()
        except TxCancelled as exc:
            if "group" in exc.labels:
                raise errors.GroupIdTaken(f"GroupId {group.group_id!r} is already in use") from exc
            if "total" in exc.labels:
                raise errors.GroupQuotaReached(f"the app already has {total_limit} groups") from exc
            raise errors.GroupQuotaReached(f"the app created {daily_limit} groups (net) today") from exc
        with MemberModel.batch_write() as batch:
            for m in members:
                batch.save(_member_model(group, m))

    def get(self, sdkappid: int, gid: str) -> Group | None:
        try:
            return _to_group(sdkappid, GroupModel.get(group_pk(sdkappid, gid), META_SK, consistent_read=True))
        except DoesNotExist:
            return None

    def get_many(self, sdkappid: int, gids: Iterable[str]) -> dict[str, Group]:
        keys = [(group_pk(sdkappid, g), META_SK) for g in dict.fromkeys(gids)]
        return {m.group_id: _to_group(sdkappid, m) for m in GroupModel.batch_get(keys)}

    def page(self, sdkappid: int, after: int, limit: int, kind: str | None) -> tuple[list[Group], int]:
        """Groups in creation order after serial `after`; returns them and the serial to continue from (0: done)."""
        condition = GroupModel.kind == kind if kind else None
        results = GroupModel.by_app.query(
            f"{sdkappid}#GROUPS", GroupModel.gsi1sk > bound(after), filter_condition=condition, limit=limit
        )
        found = [_to_group(sdkappid, m) for m in results]
        more = results.last_evaluated_key is not None and len(found) == limit
        return found, (found[-1].serial if more and found else 0)

    def total(self, sdkappid: int) -> int:
        try:
            return int(GroupQuotaModel.get(quota_pk(sdkappid), TOTAL_SK).total or 0)
        except DoesNotExist:
            return 0

    def update(self, group: Group, changes: dict[str, Any], now: int) -> None:
        """Set base-info fields (Group attribute names) on the current incarnation; bumps InfoSeq."""
        item = GroupModel(group_pk(group.sdkappid, group.group_id), META_SK)
        actions: list[Action] = [GroupModel.info_seq.add(1), GroupModel.last_info_time.set(now)]
        for name, value in changes.items():
            attr = getattr(GroupModel, name)
            if name == "app_data":
                value = rules.encode_data(value) if value else None
            elif name == "mute_all":
                value = 1 if value else 0
            actions.append(attr.remove() if value in (None, "") else attr.set(value))
        self._update_group(item, group, actions)

    def _update_group(self, item: GroupModel, group: Group, actions: list[Action]) -> None:
        try:
            item.update(actions=actions, condition=GroupModel.inc == group.incarnation)
        except UpdateError as exc:
            if _condition_failed(exc):
                raise errors.GroupNotFound(f"group {group.group_id!r} was dissolved") from exc
            raise

    def delete(self, group: Group, day: str, expires: int) -> None:
        """Remove the group item (this incarnation only) and give its place back to the quotas, atomically."""
        tx = Tx(GroupModel)
        tx.delete(
            "group",
            GroupModel(group_pk(group.sdkappid, group.group_id), META_SK),
            condition=GroupModel.inc == group.incarnation,
        )
        tx.update("total", GroupQuotaModel(quota_pk(group.sdkappid), TOTAL_SK), [GroupQuotaModel.total.add(-1)])
        tx.update(
            "day",
            GroupQuotaModel(quota_pk(group.sdkappid), day_sk(day)),
            [GroupQuotaModel.net.add(-1), GroupQuotaModel.expires.set(expires + DAY_TTL)],
        )
        try:
            tx.commit()
        except TxCancelled as exc:
            raise errors.GroupNotFound(f"group {group.group_id!r} was already dissolved") from exc

    # --- members ---------------------------------------------------------------------------------
    def member(self, group: Group, user: str) -> Member | None:
        try:
            m = MemberModel.get(
                members_pk(group.sdkappid, group.group_id, group.incarnation), member_sk(user), consistent_read=True
            )
        except DoesNotExist:
            return None
        return _to_member(m)

    def members(self, group: Group, users: Iterable[str]) -> dict[str, Member]:
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        keys = [(pk, member_sk(u)) for u in dict.fromkeys(users)]
        found = (_to_member(m) for m in MemberModel.batch_get(keys, consistent_read=True))
        return {m.user: m for m in found}

    def all_members(self, group: Group) -> Iterator[Member]:
        """Every member, in UserID order (paged Query)."""
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        for m in MemberModel.query(pk, MemberModel.sk.startswith("M#")):
            yield _to_member(m)

    def add_members(self, group: Group, members: Sequence[Member]) -> tuple[list[str], list[str]]:
        """Add members and count them on the group item atomically, ≤99 per transaction.

        Returns (added, already members). Raises GroupFull when the cap would be passed (that chunk writes
        nothing), GroupNotFound when the group was dissolved meanwhile.
        """
        added: list[str] = []
        already: list[str] = []
        pending = list(members)
        while pending:
            chunk, pending = pending[: TX_MAX_ITEMS - 1], pending[TX_MAX_ITEMS - 1 :]
            while chunk:
                try:
                    self._add_chunk(group, chunk)
                    added += [m.user for m in chunk]
                    break
                except TxCancelled as exc:
                    present = {label for label in exc.labels if label != "group"}
                    if not present:
                        self._raise_group_state(group, len(chunk))
                    already += sorted(present)
                    chunk = [m for m in chunk if m.user not in present]
        return added, already

    def _add_chunk(self, group: Group, chunk: Sequence[Member]) -> None:
        tx = Tx(GroupModel)
        for m in chunk:
            tx.put(m.user, _member_model(group, m), condition=MemberModel.pk.does_not_exist())
        condition = GroupModel.inc == group.incarnation
        if group.max_members:
            condition &= GroupModel.member_num <= group.max_members - len(chunk)
        actions: list[Action] = [GroupModel.member_num.add(len(chunk))]
        admins = {m.user for m in chunk if m.role == rules.ADMIN}
        if admins:
            actions.append(GroupModel.admins.add(admins))
        tx.update("group", GroupModel(group_pk(group.sdkappid, group.group_id), META_SK), actions, condition)
        tx.commit()

    def _raise_group_state(self, group: Group, wanted: int) -> None:
        current = self.get(group.sdkappid, group.group_id)
        if current is None or current.incarnation != group.incarnation:
            raise errors.GroupNotFound(f"group {group.group_id!r} does not exist")
        raise errors.GroupFull(
            f"group {group.group_id!r} has {current.member_num} of {current.max_members} members; "
            f"{wanted} more do not fit"
        )

    def remove_members(self, group: Group, users: Sequence[str]) -> list[str]:
        """Remove members and count them off atomically (one transaction per member); returns those removed."""
        removed = []
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        for user in dict.fromkeys(users):
            tx = Tx(GroupModel)
            tx.delete(user, MemberModel(pk, member_sk(user)), condition=MemberModel.pk.exists())
            actions: list[Action] = [GroupModel.member_num.add(-1)]
            if user in group.admins:
                actions.append(GroupModel.admins.delete({user}))
            tx.update("group", GroupModel(group_pk(group.sdkappid, group.group_id), META_SK), actions)
            try:
                tx.commit()
            except TxCancelled:
                continue  # not a member (any more)
            removed.append(user)
        return removed

    def update_member(self, group: Group, user: str, changes: dict[str, Any]) -> bool:
        """Set member fields (Member attribute names); False if not a member."""
        item = MemberModel(members_pk(group.sdkappid, group.group_id, group.incarnation), member_sk(user))
        actions: list[Action] = []
        for name, value in changes.items():
            attr = getattr(MemberModel, name)
            if name == "app_data":
                value = rules.encode_data(value) if value else None
            actions.append(attr.remove() if value in (None, "", 0) and name != "role" else attr.set(value))
        try:
            item.update(actions=actions, condition=MemberModel.pk.exists())
        except UpdateError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def set_role(self, group: Group, user: str, role: str) -> None:
        """Member row and the group's admin list together."""
        tx = Tx(GroupModel)
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        tx.update("member", MemberModel(pk, member_sk(user)), [MemberModel.role.set(role)], MemberModel.pk.exists())
        admins = GroupModel.admins
        tx.update(
            "group",
            GroupModel(group_pk(group.sdkappid, group.group_id), META_SK),
            [admins.add({user}) if role == rules.ADMIN else admins.delete({user})],
            GroupModel.inc == group.incarnation,
        )
        try:
            tx.commit()
        except TxCancelled as exc:
            if "group" in exc.labels:
                raise errors.GroupNotFound(f"group {group.group_id!r} was dissolved") from exc
            raise errors.GroupForbidden(f"{user!r} is not a member of this group") from exc

    def change_owner(self, group: Group, old: str, new: str) -> None:
        tx = Tx(GroupModel)
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        tx.update("new", MemberModel(pk, member_sk(new)), [MemberModel.role.set(rules.OWNER)], MemberModel.pk.exists())
        if old:
            tx.update("old", MemberModel(pk, member_sk(old)), [MemberModel.role.set(rules.MEMBER)])
        actions: list[Action] = [GroupModel.owner.set(new), GroupModel.info_seq.add(1)]
        if new in group.admins:
            actions.append(GroupModel.admins.delete({new}))
        tx.update(
            "group",
            GroupModel(group_pk(group.sdkappid, group.group_id), META_SK),
            actions,
            GroupModel.inc == group.incarnation,
        )
        try:
            tx.commit()
        except TxCancelled as exc:
            if "group" in exc.labels:
                raise errors.GroupNotFound(f"group {group.group_id!r} was dissolved") from exc
            raise errors.GroupForbidden(f"the new owner {new!r} is not a member of this group") from exc

    def clear_owner(self, group: Group) -> None:
        """The owner of a Private group quit: the group stays, ownerless (the App admin still manages it)."""
        item = GroupModel(group_pk(group.sdkappid, group.group_id), META_SK)
        self._update_group(item, group, [GroupModel.owner.remove()])

    def bulk_put_members(self, group: Group, members: Sequence[Member]) -> None:
        """Batch-write member rows and count them (imports and tests of huge rooms; no per-member condition)."""
        with MemberModel.batch_write() as batch:
            for m in members:
                batch.save(_member_model(group, m))
        item = GroupModel(group_pk(group.sdkappid, group.group_id), META_SK)
        self._update_group(item, group, [GroupModel.member_num.add(len(members))])

    def purge(self, sdkappid: int, gid: str, inc: str) -> list[str]:
        """Delete a dissolved incarnation's member and application rows (background cleanup); returns the members."""
        deleted = delete_partition(MemberModel, members_pk(sdkappid, gid, inc))
        return [sk[2:] for sk in deleted if sk.startswith("M#")]

    # --- an account's groups, presence and offline members ---------------------------------------
    def memberships(self, sdkappid: int, user: str) -> list[Membership]:
        out = []
        for m in MemberModel.by_user.query(f"{sdkappid}#UG#{user}"):
            gid, inc, _ = _member_keys(m)
            out.append(Membership(gid, inc, m.kind or "", bool(m.kick_offline), _to_member(m)))
        return out

    def set_offline(self, sdkappid: int, gid: str, inc: str, user: str, since: int | None) -> None:
        """Mark (or clear) when a member of a kick-enabled group went offline; no-op if no longer a member."""
        item = MemberModel(members_pk(sdkappid, gid, inc), member_sk(user))
        actions: list[Action]
        if since is None:
            actions = [MemberModel.offline_since.remove(), MemberModel.gsi2pk.remove(), MemberModel.gsi2sk.remove()]
        else:
            offline_pk, offline_sk = f"{sdkappid}#OFFLINE", f"{pad(since)}#{gid}#{user}"
            actions = [
                MemberModel.offline_since.set(since),
                MemberModel.gsi2pk.set(offline_pk),
                MemberModel.gsi2sk.set(offline_sk),
            ]
        try:
            item.update(actions=actions, condition=MemberModel.pk.exists())
        except UpdateError as exc:
            if not _condition_failed(exc):
                raise

    def offline_before(self, sdkappid: int, before: int, limit: int) -> list[OfflineMember]:
        """Members of kick-enabled groups offline since before `before` (oldest first)."""
        rows = MemberModel.by_offline.query(f"{sdkappid}#OFFLINE", MemberModel.gsi2sk < bound(before), limit=limit)
        return [OfflineMember(*_member_keys(m), int(m.offline_since or 0)) for m in rows]

    # --- join applications -----------------------------------------------------------------------
    def put_application(self, group: Group, user: str, message: str, now: int) -> None:
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        ApplicationModel(pk, application_sk(user), user=user, message=message or None, time=now).save()

    def applications(self, group: Group) -> list[tuple[str, str, int]]:
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        rows = ApplicationModel.query(pk, ApplicationModel.sk.startswith("A#"))
        return [(m.user, m.message or "", int(m.time)) for m in rows]

    def take_application(self, group: Group, user: str) -> tuple[str, int] | None:
        """Remove a pending application (only one handler wins); None if there was none."""
        pk = members_pk(group.sdkappid, group.group_id, group.incarnation)
        try:
            item = ApplicationModel.get(pk, application_sk(user), consistent_read=True)
            item.delete(condition=ApplicationModel.pk.exists())
        except DoesNotExist:
            return None
        except DeleteError as exc:
            if _condition_failed(exc):
                return None
            raise
        return item.message or "", int(item.time)

    # --- read marks ------------------------------------------------------------------------------
    def read_seq(self, group: Group, user: str) -> int:
        try:
            m = ReadMarkModel.get(user_pk(group.sdkappid, user), read_sk(group.group_id))
        except DoesNotExist:
            return 0
        return int(m.read_seq) if m.inc == group.incarnation else 0

    def read_seqs(self, sdkappid: int, user: str, groups: Sequence[Group]) -> dict[str, int]:
        keys = [(user_pk(sdkappid, user), read_sk(g.group_id)) for g in groups]
        incs = {g.group_id: g.incarnation for g in groups}
        out: dict[str, int] = {}
        for m in ReadMarkModel.batch_get(keys):
            gid = m.sk.split("#", 1)[1]
            if incs.get(gid) == m.inc:
                out[gid] = int(m.read_seq)
        return out

    def set_read_seq(self, group: Group, user: str, seq: int) -> None:
        pk, sk = user_pk(group.sdkappid, user), read_sk(group.group_id)
        ReadMarkModel(pk, sk, inc=group.incarnation, read_seq=seq).save()
