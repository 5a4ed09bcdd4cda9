"""Relationship-chain rows in the `entities` table, under the owner's account partition.

- `{app}#U#{owner}` / `FRIEND#{peer}`: `peer` is in `owner`'s friend list.
- `{app}#U#{owner}` / `BLACK#{peer}`: `owner` blacklisted `peer`.
The relations feature writes them; messaging reads them through the RelationCheck port.
"""

from __future__ import annotations

from typing import ClassVar

from pynamodb.exceptions import DoesNotExist

from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.keys import user_pk


def friend_sk(peer: str) -> str:
    return f"FRIEND#{peer}"


def black_sk(peer: str) -> str:
    return f"BLACK#{peer}"


class RelationRowModel(BaseModel):
    """Key-only view of relation rows (the relations feature declares the full attributes)."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass


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
