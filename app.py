"""Yuntong's table of contents: the Chalice app, its REST route, websocket handlers and schedules. No logic here."""

from __future__ import annotations

from chalice import Chalice, Rate, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api import rest, tasks
from chalicelib.config import FANOUT_QUEUE
from chalicelib.jobs import daily_stats

app = Chalice(app_name="yuntong")

# Tencent clients send no Content-Type, text/plain, form types or anything else; the body is always read raw as
# JSON, and Chalice would answer an unlisted type with HTTP 415 where Tencent answers 200 with an envelope.
_BODY_TYPES = ["*/*"]


@app.route("/v4/{service}/{command}", methods=["POST", "GET"], content_types=_BODY_TYPES)
def v4(service: str, command: str) -> Response:
    request = app.current_request
    assert request is not None
    body = rest.handle(service, command, request.query_params, request.raw_body)
    return Response(body=body, status_code=200, headers={"Content-Type": "application/json; charset=utf-8"})


@app.on_sqs_message(queue=FANOUT_QUEUE, batch_size=10)
def fanout(event: SQSEvent) -> None:
    tasks.handle_messages(record.body for record in event)


# Hourly, so each app's natural day is finalised soon after its own midnight whatever its timezone.
@app.schedule(Rate(1, unit=Rate.HOURS))
def daily_stats_job(event: CloudWatchEvent) -> None:
    daily_stats.run()
