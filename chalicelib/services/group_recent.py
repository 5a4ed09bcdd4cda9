"""When each group conversation was last active, for ordering recent contacts like one-to-one conversations.

A member's group row is written when it joins (or pins, deletes...), never per message (design §4): its time would
order the list by join time. Before the list is paged, each group row takes its group's last message time, read from
the groups' seq watermarks (one BatchGet of the groups, one of their watermarks), so a group with a new message moves
up as a one-to-one conversation does.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.conversations import Conversation
from chalicelib.services.group_ports import GroupMessageRepo, GroupRepo


class GroupRecentTimes:
    def __init__(self, groups: GroupRepo, messages: GroupMessageRepo) -> None:
        self._groups = groups
        self._messages = messages

    def last_times(self, sdkappid: int, rows: Sequence[Conversation]) -> dict[str, int]:
        """GroupId → time of its last message (groups without messages, or dissolved, are left out)."""
        if not rows:
            return {}
        groups = self._groups.get_many(sdkappid, [r.peer for r in rows])
        return self._messages.last_times(sdkappid, [(g.group_id, g.incarnation) for g in groups.values()])
