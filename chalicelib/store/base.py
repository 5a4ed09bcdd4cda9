"""Model base, GSI classes and binding models to the configured tables and endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import Settings


class TableMeta:
    table_name = "unbound"
    region = "us-east-1"
    host: str | None = None
    max_retry_attempts = 3


class BaseModel(Model):
    """All models: `pk`/`sk` string keys. Subclasses set `table_key` and their own `class Meta(TableMeta)`."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ExpiringModel(BaseModel):
    """Items with a TTL attribute; reads must filter `expires > now` (DynamoDB deletes late, moto never)."""

    class Meta(TableMeta):
        pass

    expires = NumberAttribute(null=True)


def _all_models(cls: type[BaseModel] = BaseModel) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_models(sub)


def bind(settings: Settings) -> None:
    """Point every model at its table, region and endpoint; drops a cached connection only if its target changed."""
    for model in _all_models():
        target = (settings.table_name(model.table_key), settings.region, settings.dynamodb_endpoint)
        if (model.Meta.table_name, model.Meta.region, model.Meta.host) == target:
            continue
        model.Meta.table_name, model.Meta.region, model.Meta.host = target
        model._connection = None
