"""Finalised daily figures in the `counters` table: `{app}#FINAL` / `{yyyymmdd}`, one item per app per day.

The raw counters (store/counters.py) are what features write during the day; the daily job turns a finished day
into one of these items (an overwrite, so running it twice leaves the same item). They carry no TTL: billing needs
whole months and getappinfo 30 days. A month, or getappinfo's 30 days, is one Query on the app's partition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from pynamodb.attributes import MapAttribute, NumberAttribute

from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.counters import MarkModel, mark_pk
from chalicelib.store.keys import final_stats_pk


class FinalStatsModel(BaseModel):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass

    figures: MapAttribute[str, Any] = MapAttribute(default=dict)
    finalized_at = NumberAttribute()


def _figures(m: FinalStatsModel) -> dict[str, int]:
    raw = m.figures.as_dict() if m.figures is not None else {}
    return {k: int(v) for k, v in raw.items()}


class DynamoDailyStats:
    def put(self, sdkappid: int, day: str, figures: Mapping[str, int], now: int) -> None:
        FinalStatsModel(final_stats_pk(sdkappid), day, figures=dict(figures), finalized_at=now).save()

    def get(self, sdkappid: int, day: str) -> dict[str, int] | None:
        try:
            return _figures(FinalStatsModel.get(final_stats_pk(sdkappid), day, consistent_read=True))
        except FinalStatsModel.DoesNotExist:
            return None

    def between(self, sdkappid: int, first: str, last: str) -> dict[str, dict[str, int]]:
        """Finalised days from `first` to `last` (both included), oldest first; PynamoDB follows every page."""
        rows = FinalStatsModel.query(final_stats_pk(sdkappid), FinalStatsModel.sk.between(first, last))
        return {m.sk: _figures(m) for m in rows}

    def latest_day(self, sdkappid: int) -> str | None:
        for m in FinalStatsModel.query(
            final_stats_pk(sdkappid), scan_index_forward=False, limit=1, attributes_to_get=["pk", "sk"]
        ):
            return str(m.sk)
        return None

    def marked(self, sdkappid: int, day: str, names: Iterable[str]) -> set[str]:
        """Members counted once that day under any of `names` (e.g. the C2C and group senders), deduplicated."""
        out: set[str] = set()
        for name in names:
            for m in MarkModel.query(mark_pk(sdkappid, day, name), attributes_to_get=["sk"]):
                out.add(m.sk)
        return out
