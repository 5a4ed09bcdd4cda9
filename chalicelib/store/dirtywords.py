"""Per-app custom dirty words in the `entities` table: `{app}#DIRTY` / `W#{word}` (listing is one paged Query)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import BaseModel, TableMeta


def dirty_pk(sdkappid: int) -> str:
    return f"{sdkappid}#DIRTY"


class DirtyWordModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    word = UnicodeAttribute()


class DynamoDirtyWordRepo:
    def list(self, sdkappid: int) -> list[str]:
        return [m.word for m in DirtyWordModel.query(dirty_pk(sdkappid))]

    def add(self, sdkappid: int, words: Iterable[str]) -> None:
        with DirtyWordModel.batch_write() as batch:
            for w in words:
                batch.save(DirtyWordModel(dirty_pk(sdkappid), f"W#{w}", word=w))

    def delete(self, sdkappid: int, words: Iterable[str]) -> None:
        with DirtyWordModel.batch_write() as batch:
            for w in words:
                batch.delete(DirtyWordModel(dirty_pk(sdkappid), f"W#{w}"))
