"""yuntong_media: upload (秒传 or a presigned upload), complete (the bytes checked), get_urls (renewed download URLs);
the task that makes an image's large and thumbnail versions. Any account of the app, or its admin, may call them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import media as m
from chalicelib.services.media import DERIVE_TASK
from chalicelib.wiring import services

SHA = "0" * 64
GET_URLS_MAX = 20


@command(
    "yuntong_media/upload",
    allow_self=True,
    invalid_code=m.INVALID,
    fields=(
        f.string("SHA256", required=True, sample=SHA),
        f.uint32("Size", required=True, min_value=1, sample=10),
        f.string("Type", required=True, choices=m.KINDS),
        f.string("ContentType", required=True, max_bytes=128, sample="image/png"),
        f.string("Name", max_bytes=m.NAME_MAX_BYTES),
    ),
)
def upload(ctx: AuthContext, body: Body) -> dict[str, Any]:
    request = m.UploadRequest(
        sha256=body.string("SHA256", required=True),
        size=body.integer("Size", required=True, min_value=1),
        kind=body.string("Type", required=True),
        content_type=body.string("ContentType", required=True),
        name=body.string("Name", default=""),
    )
    return services().media.upload(ctx.app, request)


@command(
    "yuntong_media/complete",
    allow_self=True,
    invalid_code=m.INVALID,
    fields=(
        f.string("SHA256", required=True, sample=SHA),
        f.string("UploadId", required=True, max_bytes=64, sample="0123456789abcdef"),
    ),
)
def complete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    sha = m.check_object_id(body.string("SHA256", required=True))
    return services().media.complete(ctx.app, sha, body.string("UploadId", required=True, allow_empty=False))


@command(
    "yuntong_media/get_urls",
    allow_self=True,
    invalid_code=m.INVALID,
    fields=(f.strings("UUIDList", required=True, sample=[SHA]),),
)
def get_urls(ctx: AuthContext, body: Body) -> dict[str, Any]:
    ids = body.strings("UUIDList", required=True, min_items=1, max_items=GET_URLS_MAX) or []
    return services().media.get_urls(ctx.app, [m.check_object_id(i) for i in ids])


@task(DERIVE_TASK)
def derive(payload: Mapping[str, Any]) -> None:
    services().media.derive(int(payload["SdkAppId"]), str(payload["UUID"]))
