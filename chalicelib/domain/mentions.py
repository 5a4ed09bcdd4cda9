"""Mentions in group messages: GroupAtInfo on the wire, and the "@me" state of a member's group conversation.

GroupAtInfo (Tencent's send_group_msg field): [{"GroupAtAllFlag": 1}] mentions everybody, [{"GroupAtAllFlag": 0,
"GroupAt_Account": "bob"}] mentions bob. A member's group conversation lists its unread mentions as
GroupAtInfoList [{"MsgSeq", "AtType"}], AtType as Tencent's conversation types: 1 @me, 2 @all, 3 @all and @me in one
message; a mention is unread while its seq is above the member's read seq.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors
from chalicelib.domain.ids import check_user_id

AT_MAX = 100  # accounts one message may mention (the App admin's REST API and members alike)
AT_ME, AT_ALL, AT_ALL_AT_ME = 1, 2, 3
INVALID = 10004


@dataclass(frozen=True)
class Mentions:
    users: tuple[str, ...] = ()
    everyone: bool = False

    def __bool__(self) -> bool:
        return self.everyone or bool(self.users)

    def wire(self) -> list[dict[str, Any]]:
        """GroupAtInfo as stored and delivered with the message."""
        out: list[dict[str, Any]] = [{"GroupAtAllFlag": 1}] if self.everyone else []
        return out + [{"GroupAtAllFlag": 0, "GroupAt_Account": u} for u in self.users]


NO_MENTIONS = Mentions()


def parse(items: Sequence[Mapping[str, Any]] | None) -> Mentions:
    if not items:
        return NO_MENTIONS
    if len(items) > AT_MAX:
        raise errors.error(INVALID, f"GroupAtInfo mentions at most {AT_MAX} accounts")
    users: list[str] = []
    everyone = False
    for i, item in enumerate(items):
        flag = item.get("GroupAtAllFlag", 0)
        if flag not in (0, 1) or isinstance(flag, bool):
            raise errors.error(INVALID, f"GroupAtInfo[{i}].GroupAtAllFlag must be 0 or 1")
        if flag == 1:
            everyone = True
        else:
            users.append(check_user_id(item.get("GroupAt_Account"), code=INVALID, field=f"GroupAtInfo[{i}]"))
    return Mentions(tuple(dict.fromkeys(users)), everyone)


def unread(mine: int, everyone: int, read_seq: int, first_visible: int) -> list[dict[str, int]]:
    """GroupAtInfoList of a member's conversation: the latest unread @me and @all (one item when they are one)."""
    floor = max(read_seq, first_visible - 1)
    me = mine if mine > floor else 0
    all_ = everyone if everyone > floor else 0
    if me and me == all_:
        return [{"MsgSeq": me, "AtType": AT_ALL_AT_ME}]
    out = [{"MsgSeq": s, "AtType": t} for s, t in ((me, AT_ME), (all_, AT_ALL)) if s]
    return sorted(out, key=lambda x: x["MsgSeq"])
