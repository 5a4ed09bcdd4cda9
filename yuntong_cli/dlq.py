"""`yuntong dlq list|redrive`: the tasks SQS moved to the fan-out queue's dead-letter queue, and sending them back.

A task lands there after failing `MAX_RECEIVES` times (chalicelib/api/tasks.py). `list` peeks without consuming
(each listed message is made visible again at once); `redrive` moves messages back to the source queue, where the
consumer runs them again (fix the cause first). Bodies can hold message content: `list` shows only the task kind,
its size and ids unless `--show-body`. The queue is the stage's: `yuntong-fanout` locally, `{table prefix}-fanout` for
a deployed stage (`--stage S`: `yuntong-S-fanout`), or `--queue NAME`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from chalicelib.config import DLQ_SUFFIX, Settings, stage_fanout_queue
from chalicelib.wiring import Services

PEEK_VISIBILITY_S = 30  # long enough for one listing to see each message once


def sqs_client(settings: Settings) -> Any:
    import boto3

    endpoint = settings.sqs_endpoint or settings.dynamodb_endpoint  # the local stack's moto serves every AWS API
    return boto3.client("sqs", region_name=settings.region, endpoint_url=endpoint)


def queue_name(settings: Settings, override: str | None = None) -> str:
    """The fan-out queue of the stage the command targets (deploy/ names a deployed stage's after its tables)."""
    if override:
        return override
    return settings.fanout_queue_name if settings.stage == "local" else stage_fanout_queue(settings.table_prefix)


def queue_urls(client: Any, queue_name: str) -> tuple[str, str]:
    """(source queue URL, dead-letter queue URL)."""
    source = client.get_queue_url(QueueName=queue_name)["QueueUrl"]
    dead = client.get_queue_url(QueueName=queue_name + DLQ_SUFFIX)["QueueUrl"]
    return str(source), str(dead)


def _receive(client: Any, url: str, limit: int, visibility: int) -> list[dict[str, Any]]:
    """Up to `limit` distinct messages, each hidden for `visibility` seconds once received."""
    seen: dict[str, dict[str, Any]] = {}
    while len(seen) < limit:
        reply = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, limit - len(seen)),
            VisibilityTimeout=visibility,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        )
        batch = [m for m in reply.get("Messages", []) if m["MessageId"] not in seen]
        if not batch:
            break
        for m in batch:
            seen[m["MessageId"]] = m
    return list(seen.values())


def describe(message: dict[str, Any], show_body: bool = False) -> dict[str, Any]:
    body = str(message.get("Body", ""))
    try:
        doc = json.loads(body)
        kind = str(doc.get("kind", "?")) if isinstance(doc, dict) else "?"
    except ValueError:
        kind = "?"
    attrs = message.get("Attributes", {})
    sent_ms = int(attrs.get("SentTimestamp", "0") or 0)
    out: dict[str, Any] = {
        "MessageId": message["MessageId"],
        "kind": kind,
        "bytes": len(body.encode("utf-8")),
        "sent": datetime.fromtimestamp(sent_ms / 1000, UTC).isoformat(timespec="seconds") if sent_ms else None,
        "receives": int(attrs.get("ApproximateReceiveCount", "0") or 0),
    }
    if show_body:
        out["body"] = body
    return out


def list_dead(client: Any, dlq_url: str, limit: int, show_body: bool = False) -> list[dict[str, Any]]:
    messages = _receive(client, dlq_url, limit, PEEK_VISIBILITY_S)
    for m in messages:  # a listing consumes nothing: visible again at once
        client.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return [describe(m, show_body) for m in messages]


def redrive(client: Any, dlq_url: str, source_url: str, limit: int) -> int:
    """Send up to `limit` dead letters back to the source queue (each deleted once re-sent); returns how many."""
    moved = 0
    for m in _receive(client, dlq_url, limit, PEEK_VISIBILITY_S):
        client.send_message(QueueUrl=source_url, MessageBody=m["Body"])
        client.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
        moved += 1
    return moved


def dlq_list(args: argparse.Namespace, svc: Services, out: TextIO) -> None:
    client = sqs_client(svc.settings)
    name = queue_name(svc.settings, args.queue)
    _, dead = queue_urls(client, name)
    rows = list_dead(client, dead, args.max, args.show_body)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False), file=out)
    print(f"{len(rows)} dead letter(s) in {name}{DLQ_SUFFIX}", file=out)


def dlq_redrive(args: argparse.Namespace, svc: Services, out: TextIO) -> None:
    client = sqs_client(svc.settings)
    name = queue_name(svc.settings, args.queue)
    source, dead = queue_urls(client, name)
    moved = redrive(client, dead, source, args.max)
    print(f"redrove {moved} message(s) to {name}", file=out)


def register(groups: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    help_text = "list or redrive the fan-out queue's dead letters (tasks that failed 3 times)"
    parser: argparse.ArgumentParser = groups.add_parser("dlq", help=help_text, description=help_text)
    cmds = parser.add_subparsers(dest="command", required=True)
    listing = cmds.add_parser("list", help="show dead letters (kind, size, ids; not consumed)", parents=parents)
    listing.add_argument("--max", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument("--show-body", action="store_true", help="include each task's body (may hold content)")
    listing.add_argument("--queue", help="the fan-out queue (default: the stage's)")
    listing.set_defaults(func=dlq_list)
    again = cmds.add_parser("redrive", help="send dead letters back to the fan-out queue", parents=parents)
    again.add_argument("--max", type=int, default=1000, help="at most this many (default 1000)")
    again.add_argument("--queue", help="the fan-out queue (default: the stage's)")
    again.set_defaults(func=dlq_redrive)
    return parser
