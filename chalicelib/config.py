"""Settings.from_env(): the only place that reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# The fan-out queue's name: the stage's YUNTONG_FANOUT_QUEUE (`.chalice/config.json` gives each deployed stage its
# own, `{table prefix}-fanout`, so two stages can share an account and region), else FANOUT_QUEUE (the local stack).
# app.py's `@app.on_sqs_message` needs it at import time: Chalice imports app.py with the stage's variables set.
FANOUT_QUEUE = "yuntong-fanout"
FANOUT_QUEUE_VARIABLE = "YUNTONG_FANOUT_QUEUE"
# Every queue has a dead-letter queue `{queue}-dlq`: a task that failed MAX_RECEIVES times is moved there by SQS
# (its redrive policy), kept 14 days, alarmed on, listed and redriven with `yuntong dlq list|redrive`.
DLQ_SUFFIX = "-dlq"
MAX_RECEIVES = 3
TABLE_KEYS = ("apps", "entities", "messages", "connections", "counters")


def fanout_queue(env: Mapping[str, str] | None = None) -> str:
    """The fan-out queue this process consumes and sends to (read at import time by app.py)."""
    e = os.environ if env is None else env
    return e.get(FANOUT_QUEUE_VARIABLE) or FANOUT_QUEUE


# The messages table's stream (statistics, history export): app.py's `@app.on_dynamodb_record` needs its ARN at
# import time. `yuntong infra deploy` writes it into the stage's variables (Chalice imports app.py with them set);
# `make package` replaces it with the table's own StreamArn; the local stack polls its table's stream whatever it is.
MESSAGES_STREAM_VARIABLE = "YUNTONG_MESSAGES_STREAM_ARN"
MESSAGES_STREAM_PLACEHOLDER = "arn:aws:dynamodb:us-east-1:000000000000:table/yuntong-local-messages/stream/local"


def messages_stream_arn(env: Mapping[str, str] | None = None) -> str:
    e = os.environ if env is None else env
    return e.get(MESSAGES_STREAM_VARIABLE) or MESSAGES_STREAM_PLACEHOLDER


def stage_fanout_queue(table_prefix: str) -> str:
    """A deployed stage's fan-out queue, beside its tables `{prefix}-*` (deploy/ writes it into config.json)."""
    return f"{table_prefix}-fanout"


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    dynamodb_endpoint: str | None = None
    # @connections management endpoint, e.g. https://{api}.execute-api.{region}.amazonaws.com/{stage}
    ws_endpoint: str | None = None
    sqs_endpoint: str | None = None
    sns_endpoint: str | None = None  # offline push (None: boto3's own, AWS_ENDPOINT_URL_SNS or AWS)
    # Media (images, files, sounds, videos): the bucket, and S3's endpoint (moto in the local stack, where
    # presigned URLs point at it too). Bucket names are global in AWS: deploy sets YUNTONG_MEDIA_BUCKET.
    media_bucket: str = ""
    s3_endpoint: str | None = None
    fanout_queue_url: str | None = None
    fanout_queue_name: str = FANOUT_QUEUE
    # The queue's event source mapping has FunctionResponseTypes ReportBatchItemFailures (the packaged template and
    # the local stack); `chalice deploy` cannot set it, so without this the consumer deletes what it did and raises.
    batch_item_failures: bool = False
    log_level: str = "INFO"
    push_workers: int = 32
    # Group fan-out: terminals posted inline by the sending request, and per queued task beyond that.
    group_inline_fanout: int = 200
    group_fanout_page: int = 500
    # Tenants: a deleted app is restorable this many days, then the purge job deletes its data, at most
    # `purge_pages` DynamoDB Scan / S3 list pages per run (the next run resumes).
    app_restore_days: int = 7
    purge_pages: int = 100
    # Callbacks to app backends may use http:// and loopback/private addresses (the dev receiver): None = only in
    # the local stage; YUNTONG_CALLBACK_LOCAL_URLS=0/1 overrides it (the e2e test of the SSRF refusal sets 0).
    callback_local_urls: bool | None = None

    def table_name(self, key: str) -> str:
        return f"{self.table_prefix}-{key}"

    @property
    def callbacks_local(self) -> bool:
        return self.stage == "local" if self.callback_local_urls is None else self.callback_local_urls

    @property
    def bucket(self) -> str:
        """The media bucket: YUNTONG_MEDIA_BUCKET, else `{table prefix}-media`."""
        return self.media_bucket or f"{self.table_prefix}-media"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        stage = e.get("YUNTONG_STAGE", "dev")
        return cls(
            stage=stage,
            region=e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or "us-east-1",
            table_prefix=e.get("YUNTONG_TABLE_PREFIX", f"yuntong-{stage}"),
            dynamodb_endpoint=e.get("YUNTONG_DYNAMODB_ENDPOINT") or None,
            ws_endpoint=e.get("YUNTONG_WS_ENDPOINT") or None,
            sqs_endpoint=e.get("YUNTONG_SQS_ENDPOINT") or None,
            sns_endpoint=e.get("YUNTONG_SNS_ENDPOINT") or None,
            media_bucket=e.get("YUNTONG_MEDIA_BUCKET", ""),
            s3_endpoint=e.get("YUNTONG_S3_ENDPOINT") or None,
            fanout_queue_url=e.get("YUNTONG_FANOUT_QUEUE_URL") or None,
            fanout_queue_name=fanout_queue(e),
            batch_item_failures=e.get("YUNTONG_BATCH_ITEM_FAILURES") == "1",
            log_level=e.get("YUNTONG_LOG_LEVEL", "INFO"),
            push_workers=int(e.get("YUNTONG_PUSH_WORKERS", "32")),
            group_inline_fanout=int(e.get("YUNTONG_GROUP_INLINE_FANOUT", "200")),
            group_fanout_page=int(e.get("YUNTONG_GROUP_FANOUT_PAGE", "500")),
            app_restore_days=int(e.get("YUNTONG_APP_RESTORE_DAYS", "7")),
            purge_pages=int(e.get("YUNTONG_PURGE_PAGES", "100")),
            callback_local_urls=_flag(e.get("YUNTONG_CALLBACK_LOCAL_URLS")),
        )


def _flag(value: str | None) -> bool | None:
    return None if value is None else value == "1"
