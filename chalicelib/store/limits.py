"""Rate and quota windows in the `counters` table, shared by every Lambda instance.

- `{app}#LIMIT#{bucket}` / `N`: a counter for one window (e.g. `REST#{epoch second}`, `PUSHDAY#{yyyymmdd}`),
  incremented with ADD under the condition `n < limit`, so two instances can never both take the last slot.
- `{app}#LIMIT#{bucket}` / `AT`: the time of the last claim of a "minimum gap" rule (one push per second).
Both carry a TTL; reads never happen (the conditional write is the whole check), so late deletion is harmless.
"""

from __future__ import annotations

from typing import ClassVar

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.store.base import ExpiringModel, TableMeta
from chalicelib.store.keys import limit_pk

COUNT_SK = "N"
GAP_SK = "AT"


class LimitModel(ExpiringModel):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass

    n = NumberAttribute(null=True)
    at = NumberAttribute(null=True)


def _refused(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class DynamoLimits:
    def take(self, sdkappid: int, bucket: str, limit: int, expires: int, amount: int = 1) -> bool:
        """Count `amount` uses of the window; False (and nothing written) if that would pass `limit` uses."""
        item = LimitModel(limit_pk(sdkappid, bucket), COUNT_SK)
        if amount > limit:
            return False
        try:
            item.update(
                actions=[LimitModel.n.add(amount), LimitModel.expires.set(expires)],
                condition=LimitModel.n.does_not_exist() | (LimitModel.n <= limit - amount),
            )
        except UpdateError as exc:
            if _refused(exc):
                return False
            raise
        return True

    def give_back(self, sdkappid: int, bucket: str) -> None:
        """Undo one `take` whose action was then refused for another reason (keeps quotas honest)."""
        item = LimitModel(limit_pk(sdkappid, bucket), COUNT_SK)
        try:
            item.update(actions=[LimitModel.n.add(-1)], condition=LimitModel.n > 0)
        except UpdateError as exc:
            if not _refused(exc):
                raise

    def space(self, sdkappid: int, bucket: str, now: float, gap: float, expires: int) -> bool:
        """Claim the rule if its last claim was at least `gap` seconds before `now`; False (nothing written) if not."""
        item = LimitModel(limit_pk(sdkappid, bucket), GAP_SK)
        try:
            item.update(
                actions=[LimitModel.at.set(now), LimitModel.expires.set(expires)],
                condition=LimitModel.at.does_not_exist() | (LimitModel.at <= now - gap),
            )
        except UpdateError as exc:
            if _refused(exc):
                return False
            raise
        return True
