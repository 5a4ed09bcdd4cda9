"""Media cost (issue 16): DynamoDB and S3 requests of an upload (request, completion, thumbnail task), of a 秒传
upload, and what a media element adds to a send; upload-to-thumbnail time in process on moto (the client's POST
is a put_object here). `python -m bench media`.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.client import BaseClient

from bench.counting import count_dynamodb
from bench.sandbox import SETTINGS, _drop_tables, _fake_aws_environment

UPLOADS = 5


@contextmanager
def count_s3() -> Iterator[Counter[str]]:
    """S3 requests by operation (presigning makes none)."""
    seen: Counter[str] = Counter()
    raw = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "s3":
            seen[operation] += 1
        return raw(client, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign,unused-ignore]
    try:
        yield seen
    finally:
        BaseClient._make_api_call = raw  # type: ignore[method-assign,unused-ignore]


def _png(seed: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (seed % 256, 90, 160)).save(out, "PNG")
    return out.getvalue()


def main() -> None:
    _fake_aws_environment()
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib import wiring
    from chalicelib.blobs.s3 import create_bucket
    from chalicelib.domain.clock import FixedClock
    from chalicelib.store.schema import create_tables
    from tests.builders import RestCaller, make_tenant
    from tests.fakes import InlineTaskQueue, RecordingPusher

    app = importlib.import_module("app").app
    with mock_aws():
        create_tables(SETTINGS)
        create_bucket(SETTINGS.bucket, SETTINGS.region)
        clock = FixedClock()
        built = wiring.build(SETTINGS, clock=clock, pusher=RecordingPusher(), tasks=InlineTaskQueue())
        wiring.install(built)
        s3 = boto3.client("s3", region_name=SETTINGS.region)
        try:
            tenant = make_tenant(built, clock)
            with Client(app) as client:
                api = RestCaller(client, tenant)
                for user in ("alice", "bob"):
                    api.ok("im_open_login_svc/account_import", {"UserID": user})
                times, ddb_ops, ddb_req, s3_ops = [], Counter[str](), 0, Counter[str]()
                shas = []
                for i in range(UPLOADS):
                    data = _png(i)
                    sha = hashlib.sha256(data).hexdigest()
                    shas.append(sha)
                    declared = {"SHA256": sha, "Size": len(data), "Type": "image", "ContentType": "image/png"}
                    started = time.perf_counter()
                    with count_dynamodb(measure_capacity=False) as usage, count_s3() as s3_seen:
                        answer = api.ok("yuntong_media/upload", declared, identifier="alice")
                        key = answer["Upload"]["Fields"]["key"]
                        s3.put_object(Bucket=SETTINGS.bucket, Key=key, Body=data)  # the client's form POST
                        s3_seen["PutObject"] -= 1  # counted apart: not the server's
                        api.ok("yuntong_media/complete", {"SHA256": sha, "UploadId": answer["UploadId"]})
                    times.append(time.perf_counter() - started)
                    media_calls = [
                        c for c in usage.calls if any(m.startswith("chalicelib.store.media") for m in c.callers)
                    ]
                    ddb_ops.update(c.operation for c in media_calls)
                    ddb_req += usage.requests
                    s3_ops.update(s3_seen)
                with count_dynamodb(measure_capacity=False) as again, count_s3() as again_s3:
                    declared = {"SHA256": shas[0], "Size": len(_png(0)), "Type": "image", "ContentType": "image/png"}
                    assert api.ok("yuntong_media/upload", declared, identifier="bob")["Stored"] == 1
                text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
                image = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": shas[0], "ImageFormat": 3}}]
                sends = {}
                for label, body in (("text", text), ("image", image)):
                    api.ok("openim/sendmsg", {"To_Account": "bob", "MsgRandom": 1, "MsgBody": body}, identifier="alice")
                    with count_dynamodb(measure_capacity=False) as sent:
                        api.ok(
                            "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 2, "MsgBody": body}, identifier="alice"
                        )
                    sends[label] = sent
        finally:
            wiring.install(None)
            _drop_tables()

    per = {op: n / UPLOADS for op, n in sorted(ddb_ops.items())}
    print(f"Media: {UPLOADS} image uploads of 1600x1200 PNG, in process on moto (upload, POST, complete, thumbnails)")
    print(
        f"  upload-to-thumbnail: median {sorted(times)[len(times) // 2] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    print(f"  DynamoDB requests per upload: {ddb_req / UPLOADS:.1f} (two REST calls), media rows: {per}")
    s3_per = {op: n / UPLOADS for op, n in sorted(s3_ops.items())}
    print(f"  S3 requests per upload (the client's POST apart): {sum(s3_ops.values()) / UPLOADS:.1f}  {s3_per}")
    print(f"  秒传 upload: DynamoDB {again.requests} {dict(again.operations)}, S3 {sum(again_s3.values())}")
    extra = dict(sends["image"].operations - sends["text"].operations)
    print(f"  send: text {sends['text'].requests} DynamoDB requests, image {sends['image'].requests} (+{extra})")
