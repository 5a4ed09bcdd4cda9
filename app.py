"""Yuntong's table of contents: the Chalice app, its REST route, websocket handlers and schedules. No logic here."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, DynamoDBEvent, Rate, Response, SQSEvent, WebsocketEvent

from chalicelib import logs
from chalicelib.api import rest, tasks, ws
from chalicelib.config import fanout_queue, messages_stream_arn
from chalicelib.jobs import connections, daily_stats, group_offline_kick, history_export, purge, streams

app = Chalice(app_name="yuntong")
app.experimental_feature_flags.update(["WEBSOCKETS"])  # `chalice package` refuses ws handlers without it

# Tencent clients send no Content-Type, text/plain, form types or anything else; the body is always read raw as
# JSON, and Chalice would answer an unlisted type with HTTP 415 where Tencent answers 200 with an envelope.
_BODY_TYPES = ["*/*"]


# Every handler's log lines carry its Lambda request id and cold-start flag (chalicelib/logs.py).
@app.middleware("all")
def invocation(event: Any, get_response: Any) -> Any:
    logs.bind_invocation(event)
    return get_response(event)


@app.route("/v4/{service}/{command}", methods=["POST", "GET"], content_types=_BODY_TYPES)
def v4(service: str, command: str) -> Response:
    request = app.current_request
    assert request is not None
    body = rest.handle(service, command, request.query_params, request.raw_body, rest.source_ip(request.context))
    return Response(body=body, status_code=200, headers={"Content-Type": "application/json; charset=utf-8"})


# Partial batch failures: only the failed messages return to the queue, then to its dead-letter queue
# (chalicelib/api/tasks.py: ReportBatchItemFailures where the mapping has it, else the successes are deleted).
@app.on_sqs_message(queue=fanout_queue(), batch_size=10)  # the stage's own queue (chalicelib/config.py)
def fanout(event: SQSEvent) -> dict[str, list[dict[str, str]]]:
    return tasks.consume([record.to_dict() for record in event])


# The messages table's stream: exact message statistics and the hourly export's chunks. A raise retries the batch;
# `make package` adds bisect-on-error, 5 retries and a dead-letter queue (deploy/template.py: chalice cannot).
@app.on_dynamodb_record(stream_arn=messages_stream_arn(), batch_size=100, starting_position="TRIM_HORIZON")
def message_stream(event: DynamoDBEvent) -> dict[str, int]:
    return streams.consume(event.to_dict())


# Hourly: every app's finished hours of messages become one gzipped file each (open_msg_svc/get_history).
@app.schedule(Rate(1, unit=Rate.HOURS))
def history_export_job(event: CloudWatchEvent) -> None:
    history_export.run()


# Hourly, so each app's natural day is finalised soon after its own midnight whatever its timezone.
@app.schedule(Rate(1, unit=Rate.HOURS))
def daily_stats_job(event: CloudWatchEvent) -> None:
    daily_stats.run()


# The websocket edge: login, frames, logout (these MUST be declared on app, not on a Blueprint).
@app.on_ws_connect()
def ws_connect(event: WebsocketEvent) -> dict[str, Any]:
    return ws.connect(event)


@app.on_ws_message()
def ws_message(event: WebsocketEvent) -> dict[str, Any]:
    return ws.message(event)


@app.on_ws_disconnect()
def ws_disconnect(event: WebsocketEvent) -> dict[str, Any]:
    return ws.disconnect(event)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_connections(event: CloudWatchEvent) -> None:
    connections.sweep()


@app.schedule(Rate(1, unit=Rate.MINUTES))
def group_offline_kick_job(event: CloudWatchEvent) -> None:
    group_offline_kick.run()


# Deleted apps past their restore period: a bounded share of the purge per run, resumed by the next.
@app.schedule(Rate(10, unit=Rate.MINUTES))
def app_purge_job(event: CloudWatchEvent) -> None:
    purge.run()
