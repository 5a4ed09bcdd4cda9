"""Model base, GSI classes and binding models to the configured tables and endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import Settings


class TableMeta:
    table_name = "unbound"
    region = "us-east-1"
    host: str | None = None
    max_retry_attempts = 3


def _nothing_ahead(table: str, pk: str, sk: str) -> tuple[bool, dict[str, Any] | None]:
    return False, None


class _Answered:
    """Items read ahead in one request (store/readahead.py installs `take`): (read ahead?, raw item or None)."""

    take: Callable[[str, str, str], tuple[bool, dict[str, Any] | None]] = staticmethod(_nothing_ahead)


answered = _Answered()
_M = TypeVar("_M", bound="BaseModel")


class BaseModel(Model):
    """All models: `pk`/`sk` string keys. Subclasses set `table_key` and their own `class Meta(TableMeta)`."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    @classmethod
    def get(
        cls: type[_M],
        hash_key: Any,
        range_key: Any = None,
        consistent_read: bool = False,
        attributes_to_get: Sequence[str] | None = None,
    ) -> _M:
        """GetItem, unless the item was read ahead for the running operation (store/readahead.py): then that
        answer, once; an item read ahead as missing is read again when a consistent read was asked for."""
        hit, item = answered.take(cls.Meta.table_name, str(hash_key), str(range_key))
        if hit:
            if item is not None:
                return cls.from_raw_data(item)
            if not consistent_read:
                raise cls.DoesNotExist()
        got: _M = Model.get.__func__(  # type: ignore[attr-defined]
            cls, hash_key, range_key, consistent_read=consistent_read, attributes_to_get=attributes_to_get
        )
        return got


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


def delete_partition(model: type[BaseModel], pk: str) -> list[str]:
    """Delete every item under `pk` (keys-only Query, paged; batch deletes of 25); returns their sort keys."""
    deleted = []
    with model.batch_write() as batch:
        for m in model.query(pk, attributes_to_get=["pk", "sk"]):
            batch.delete(m)
            deleted.append(m.sk)
    return deleted


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


class TxCancelled(Exception):
    """A transaction was cancelled because some items' conditions failed; `labels` names those items."""

    def __init__(self, labels: set[str]) -> None:
        super().__init__(", ".join(sorted(labels)))
        self.labels = labels


class Tx:
    """TransactWriteItems with a label per item, so a cancellation says which condition failed.

    It runs on `model`'s connection (the shared client). PynamoDB sends deletes, then puts, then updates (after any
    condition checks); cancellation reasons follow that order.
    """

    def __init__(self, model: type[BaseModel]) -> None:
        self._tx = TransactWrite(connection=model._get_connection().connection)
        self._labels: dict[str, list[str]] = {"delete": [], "put": [], "update": []}

    def __len__(self) -> int:
        return sum(len(v) for v in self._labels.values())

    def delete(self, label: str, item: BaseModel, condition: Condition | None = None) -> None:
        self._tx.delete(item, condition=condition)
        self._labels["delete"].append(label)

    def put(self, label: str, item: BaseModel, condition: Condition | None = None) -> None:
        self._tx.save(item, condition=condition)
        self._labels["put"].append(label)

    def update(self, label: str, item: BaseModel, actions: list[Action], condition: Condition | None = None) -> None:
        self._tx.update(item, actions=actions, condition=condition)
        self._labels["update"].append(label)

    def commit(self) -> None:
        """Raises TxCancelled (with the failed labels) when conditions cancel it; other errors propagate."""
        if not len(self):
            return
        try:
            self._tx._commit()
        except TransactWriteError as exc:
            if exc.cause_response_code != "TransactionCanceledException":
                raise
            order = [*self._labels["delete"], *self._labels["put"], *self._labels["update"]]
            reasons = exc.cancellation_reasons or []
            failed = {
                label
                for label, reason in zip(order, reasons, strict=False)
                if reason is not None and reason.code == "ConditionalCheckFailed"
            }
            if not failed:
                raise
            raise TxCancelled(failed) from exc
