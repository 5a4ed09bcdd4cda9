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


_session: Any = None


def _shared_client(settings: Settings) -> Any:
    """One DynamoDB client for every model, from one botocore session per process.

    Left alone, PynamoDB builds a botocore session and client per model class, and each new session parses botocore's
    service and endpoint models again (≈0.3 s per model class here; a dozen model classes on every cold start).
    The configuration is PynamoDB's own (no parameter validation, its timeouts, pool and retries).
    """
    global _session
    import botocore.session
    from botocore.config import Config

    if _session is None:
        _session = botocore.session.get_session()
    config = Config(
        parameter_validation=False,
        connect_timeout=15,
        read_timeout=30,
        max_pool_connections=10,
        retries={"total_max_attempts": 1 + TableMeta.max_retry_attempts, "mode": "standard"},
    )
    return _session.create_client("dynamodb", settings.region, endpoint_url=settings.dynamodb_endpoint, config=config)


def bind(settings: Settings) -> None:
    """Point every model at its table, region and endpoint, through one shared client; a model's connection is
    rebuilt only if its target changed."""
    client: Any = None
    for model in _all_models():
        target = (settings.table_name(model.table_key), settings.region, settings.dynamodb_endpoint)
        if (model.Meta.table_name, model.Meta.region, model.Meta.host) == target:
            continue
        model.Meta.table_name, model.Meta.region, model.Meta.host = target
        model._connection = None
        client = client or _shared_client(settings)
        model._get_connection().connection._client = client
