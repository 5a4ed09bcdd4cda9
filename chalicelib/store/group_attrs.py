"""Group attributes in `entities`: one item `{app}#G#{gid}#{inc}` / `ATTR` in the incarnation's member partition.

Keyed by incarnation, so a dissolved group's attributes go with its members (the background purge deletes the
partition) and never show in a later group of the same id. `attrs` is a JSON object, `version` the write count:
every write is conditional on the version it read (a racing write answers 10056, nothing written).
"""

from __future__ import annotations

import json
from typing import ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.domain import errors
from chalicelib.domain.group_attrs import CONFLICT, GroupAttrs
from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.groups import members_pk

ATTR_SK = "ATTR"
CONDITION_FAILED = "ConditionalCheckFailedException"


class GroupAttrModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    attrs = UnicodeAttribute()
    version = NumberAttribute()


class DynamoGroupAttrRepo:
    def get(self, sdkappid: int, gid: str, inc: str, *, consistent: bool = False) -> GroupAttrs:
        try:
            m = GroupAttrModel.get(members_pk(sdkappid, gid, inc), ATTR_SK, consistent_read=consistent)
        except DoesNotExist:
            return GroupAttrs()
        return GroupAttrs(dict(json.loads(m.attrs)), int(m.version))

    def put(self, sdkappid: int, gid: str, inc: str, values: dict[str, str], expect_version: int) -> int:
        """Write the whole set if the stored version is still `expect_version`; returns the new version."""
        version = expect_version + 1
        item = GroupAttrModel(
            members_pk(sdkappid, gid, inc),
            ATTR_SK,
            attrs=json.dumps(values, ensure_ascii=False, separators=(",", ":")),
            version=version,
        )
        condition = (
            GroupAttrModel.pk.does_not_exist() if expect_version == 0 else GroupAttrModel.version == expect_version
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == CONDITION_FAILED:
                raise errors.error(CONFLICT) from exc
            raise
        return version
