"""Per-app callback configuration in the `apps` table: `{app}#CALLBACK` / `CONFIG` (one item, beside the app's
registry row, so the registry's listing Query on partition `APP` never sees it). Read through the service's cache."""

from __future__ import annotations

import json
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.domain.callbacks import CallbackConfig
from chalicelib.store.base import BaseModel, TableMeta

SK = "CONFIG"


def callback_pk(sdkappid: int) -> str:
    return f"{sdkappid}#CALLBACK"


class CallbackConfigModel(BaseModel):
    table_key: ClassVar[str] = "apps"

    class Meta(TableMeta):
        pass

    config = UnicodeAttribute()  # JSON of CallbackConfig (with the token: never logged, never shown)


class DynamoCallbackConfigRepo:
    def get(self, sdkappid: int) -> CallbackConfig | None:
        try:
            item = CallbackConfigModel.get(callback_pk(sdkappid), SK)
        except CallbackConfigModel.DoesNotExist:
            return None
        return CallbackConfig.from_dict(json.loads(item.config))

    def put(self, sdkappid: int, config: CallbackConfig) -> None:
        CallbackConfigModel(callback_pk(sdkappid), SK, config=json.dumps(config.to_dict())).save()

    def delete(self, sdkappid: int) -> None:
        CallbackConfigModel(callback_pk(sdkappid), SK).delete()
