"""Mentions (@someone, @all) of group messages, kept so a member's group conversation can show "@me" until read.

- entities `{app}#U#{user}` / `GAT#{gid}`: the seq of the latest message mentioning that account (and the group's
  incarnation), in the account's partition beside its read mark: one item per mentioned account, written only by a
  message that mentions someone (account deletion removes the partition).
- messages `{app}#GM#{gid}#{inc}` / `ATALL`: the seq of the group's latest @all message (gone with the incarnation).
A mention shows while its seq is above the member's read seq: nothing is written when the member reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.domain.groups import Group
from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.group_messages import msg_pk
from chalicelib.store.keys import user_pk

AT_ALL_SK = "ATALL"


def mention_sk(gid: str) -> str:
    return f"GAT#{gid}"


class MentionModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    inc = UnicodeAttribute()
    seq = NumberAttribute()


class AtAllModel(BaseModel):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass

    seq = NumberAttribute()


class DynamoMentionRepo:
    def record(self, group: Group, seq: int, users: Sequence[str], at_all: bool) -> None:
        """A stored message at `seq` mentions `users` (and everybody when `at_all`): one batch of puts."""
        sdk, gid, inc = group.sdkappid, group.group_id, group.incarnation
        with MentionModel.batch_write() as batch:
            for user in dict.fromkeys(users):
                batch.save(MentionModel(user_pk(sdk, user), mention_sk(gid), inc=inc, seq=seq))
        if at_all:
            AtAllModel(msg_pk(sdk, gid, inc), AT_ALL_SK, seq=seq).save()

    def latest(self, sdkappid: int, user: str, groups: Sequence[Group]) -> dict[str, tuple[int, int]]:
        """GroupId → (seq of the latest message mentioning `user`, seq of the latest @all), 0 for none."""
        incs = {g.group_id: g.incarnation for g in groups}
        mine: dict[str, int] = {}
        for m in MentionModel.batch_get([(user_pk(sdkappid, user), mention_sk(g.group_id)) for g in groups]):
            gid = m.sk.split("#", 1)[1]
            if incs.get(gid) == m.inc:
                mine[gid] = int(m.seq)
        by_pk = {msg_pk(sdkappid, g.group_id, g.incarnation): g.group_id for g in groups}
        everyone: dict[str, int] = {}
        for a in AtAllModel.batch_get([(pk, AT_ALL_SK) for pk in by_pk]):
            everyone[by_pk[a.pk]] = int(a.seq)
        return {g.group_id: (mine.get(g.group_id, 0), everyone.get(g.group_id, 0)) for g in groups}
