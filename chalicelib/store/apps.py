"""App registry in the `apps` table: one partition `APP`, sort key = zero-padded SDKAppID (listing is one Query)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

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
