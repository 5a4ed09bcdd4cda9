"""Hourly history export files (open_msg_svc/get_history), recorded in the `counters` table (TTL).

- `{app}#EXPORT#{C2C|Group}` / `{YYYYMMDDHH}`: the gzipped file's S3 key, FileSize, FileMD5, GzipSize, GzipMD5;
  expires with the file (7 days after its hour, as Tencent keeps them).
"""

from __future__ import annotations

from typing import ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.domain.clock import Clock
from chalicelib.domain.history_export import ExportFile
from chalicelib.store.base import ExpiringModel, TableMeta


def export_pk(sdkappid: int, chat: str) -> str:
    return f"{sdkappid}#EXPORT#{chat}"


class ExportModel(ExpiringModel):
    table_key: ClassVar[str] = "counters"

    class Meta(TableMeta):
        pass

    key = UnicodeAttribute(attr_name="key")
    file_size = NumberAttribute(attr_name="fs")
    file_md5 = UnicodeAttribute(attr_name="fm")
    gzip_size = NumberAttribute(attr_name="gs")
    gzip_md5 = UnicodeAttribute(attr_name="gm")
    messages = NumberAttribute(attr_name="n")


class DynamoExportRepo:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def get(self, sdkappid: int, chat: str, hour: str) -> ExportFile | None:
        try:
            m = ExportModel.get(export_pk(sdkappid, chat), hour)
        except ExportModel.DoesNotExist:
            return None
        if m.expires is not None and m.expires <= self._clock.now():
            return None  # TTL deletes late
        return ExportFile(
            sdkappid=sdkappid,
            chat=chat,
            hour=hour,
            key=m.key,
            file_size=int(m.file_size),
            file_md5=m.file_md5,
            gzip_size=int(m.gzip_size),
            gzip_md5=m.gzip_md5,
            messages=int(m.messages),
            expires=int(m.expires or 0),
        )

    def put(self, export: ExportFile) -> None:
        ExportModel(
            export_pk(export.sdkappid, export.chat),
            export.hour,
            key=export.key,
            file_size=export.file_size,
            file_md5=export.file_md5,
            gzip_size=export.gzip_size,
            gzip_md5=export.gzip_md5,
            messages=export.messages,
            expires=export.expires,
        ).save()
