"""App registry in the `apps` table: one partition `APP`, sort key = zero-padded SDKAppID (listing is one Query);
and the purge of a deleted app's items from the other tables (a Scan: see DynamoTenantData)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition

from chalicelib.domain import errors
from chalicelib.domain.apps import App, AppConfig
from chalicelib.store.base import BaseModel, TableMeta
from chalicelib.store.keys import pad

APP_PK = "APP"


class AppModel(BaseModel):
    table_key: ClassVar[str] = "apps"

    class Meta(TableMeta):
        pass

    sdkappid = NumberAttribute()
    name = UnicodeAttribute()
    secret_key = UnicodeAttribute()
    admins: ListAttribute[str] = ListAttribute(of=UnicodeAttribute)  # type: ignore[arg-type]
    status = UnicodeAttribute()
    created_at = NumberAttribute()
    deleted_at = NumberAttribute(null=True)
    config = UnicodeAttribute()  # JSON of AppConfig
    purge_cursor = UnicodeAttribute(null=True)  # where the purge of a deleted app got to (services/apps.AppPurge)


class AppExists(errors.DomainError):
    code = 70402


def _to_app(m: AppModel) -> App:
    return App(
        sdkappid=int(m.sdkappid),
        name=m.name,
        secret_key=m.secret_key,
        admins=tuple(m.admins),
        status=m.status,
        created_at=int(m.created_at),
        deleted_at=None if m.deleted_at is None else int(m.deleted_at),
        config=AppConfig.from_dict(json.loads(m.config)),
        purge_cursor=m.purge_cursor or "",
    )


def _to_model(app: App) -> AppModel:
    return AppModel(
        pk=APP_PK,
        sk=pad(app.sdkappid, 10),
        sdkappid=app.sdkappid,
        name=app.name,
        secret_key=app.secret_key,
        admins=list(app.admins),
        status=app.status,
        created_at=app.created_at,
        deleted_at=app.deleted_at,
        config=json.dumps(app.config.to_dict()),
        purge_cursor=app.purge_cursor or None,
    )


class DynamoAppRepo:
    def get(self, sdkappid: int) -> App | None:
        try:
            return _to_app(AppModel.get(APP_PK, pad(sdkappid, 10), consistent_read=True))
        except AppModel.DoesNotExist:
            return None

    def create(self, app: App) -> None:
        try:
            _to_model(app).save(condition=AppModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise AppExists(f"SDKAppID {app.sdkappid} already exists") from exc
            raise

    def save(self, app: App) -> None:
        _to_model(app).save()

    def list(self) -> list[App]:
        return [_to_app(m) for m in AppModel.query(APP_PK)]  # PynamoDB follows LastEvaluatedKey

    def purge(self, sdkappid: int) -> None:
        AppModel(pk=APP_PK, sk=pad(sdkappid, 10)).delete()

    @staticmethod
    def describe(app: App) -> dict[str, Any]:
        return {
            "SDKAppID": app.sdkappid,
            "name": app.name,
            "status": app.status,
            "admins": list(app.admins),
            "created_at": app.created_at,
            "deleted_at": app.deleted_at,
            "config": app.config.to_dict(),
        }


# --- purge ------------------------------------------------------------------------------------------------------------
# Keys only, one class per table the purge goes through (the apps table holds only the record, deleted last).
class _PurgeKeys(BaseModel):
    class Meta(TableMeta):
        pass

    sdkappid = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)


class _EntityKeys(_PurgeKeys):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass


class _MessageKeys(_PurgeKeys):
    table_key: ClassVar[str] = "messages"

    class Meta(TableMeta):
        pass


class _ConnectionKeys(_PurgeKeys):
    table_key: ClassVar[str] = "connections"

    class Meta(TableMeta):
        pass


class _CounterKeys(_PurgeKeys):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass


PURGE_MODELS: tuple[type[_PurgeKeys], ...] = (_EntityKeys, _MessageKeys, _ConnectionKeys, _CounterKeys)
SCAN_PAGE = 1000  # items read per Scan page (a page also stops at 1 MB)


def _owned_by(model: type[_PurgeKeys], sdkappid: int) -> Condition:
    """Every key the app owns starts with `{app}#`; the one row type that cannot (`CONN#{connection id}`, global
    ids of API Gateway) carries the SDKAppID as an attribute. GSI keys are matched too (rows found by an index)."""
    prefix = f"{sdkappid}#"
    owned: Condition = (
        model.pk.startswith(prefix)
        | model.gsi1pk.startswith(prefix)
        | model.gsi2pk.startswith(prefix)
        | (model.sdkappid == sdkappid)
    )
    return owned


class DynamoTenantData:
    """Deletes a deleted app's items, one Scan page at a time.

    A Scan with a filter, not an index: keys are `{app}#...` partition keys of many shapes, and an index by app over
    every item would put each app's whole write traffic on one GSI partition and double the cost of every write
    (a text send included) for an operation that runs once per deleted app. A Scan reads the whole table (all
    apps), 0.5 read unit per 4 KB, only in the purge job, paged and resumable (the cursor names the table and its
    LastEvaluatedKey)."""

    def purge_page(self, sdkappid: int, cursor: str) -> str | None:
        state: dict[str, Any] = json.loads(cursor) if cursor else {"t": 0}
        index = int(state["t"])
        model = PURGE_MODELS[index]
        page = model._get_connection().scan(
            filter_condition=_owned_by(model, sdkappid),
            attributes_to_get=["pk", "sk"],
            limit=SCAN_PAGE,
            exclusive_start_key=state.get("k"),
        )
        items = page.get("Items", [])
        if items:
            with model.batch_write() as batch:  # 25 per request; PynamoDB retries unprocessed items
                for item in items:
                    batch.delete(model(item["pk"]["S"], item["sk"]["S"]))
        last = page.get("LastEvaluatedKey")
        if last:
            return json.dumps({"t": index, "k": last})
        if index + 1 < len(PURGE_MODELS):
            return json.dumps({"t": index + 1})
        return None
