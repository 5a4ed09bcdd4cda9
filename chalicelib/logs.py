"""Structured JSON logs: one formatter, a per-stage level (Settings.log_level) and a per-app level (AppConfig).

Every line is one JSON object. Message bodies and UserSigs never reach a line: callers pass only the fields they
mean to log, and the formatter replaces the value of any sensitive key (MsgBody, usersig, Text, ...) anywhere in
the extra fields with "[redacted]" as a second line of defence.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Mapping
from typing import IO, Any

ROOT = "yuntong"
LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")
REDACTED = "[redacted]"
# Lower-cased keys whose values are never written: message content, push payloads, credentials.
SENSITIVE_KEYS = frozenset(
    {
        "usersig",
        "sig",
        "msgbody",
        "msgcontent",
        "text",
        "desc",
        "ext",
        "data",
        "offlinepushinfo",
        "cloudcustomdata",
        "body",
        "secret_key",
        "key",
        # offline push: platform credentials (APNs key/certificate, FCM key) and device tokens
        "credential",
        "principal",
        "platformcredential",
        "platformprincipal",
        "token",
    }
)


def level_number(name: str | None, default: int = logging.INFO) -> int:
    """`"WARNING"` → 30; an empty or unknown name gives `default`."""
    if not name:
        return default
    value = logging.getLevelName(name.upper())
    return value if isinstance(value, int) else default


def scrub(value: Any) -> Any:
    """A copy of `value` with every sensitive key's value replaced, at any depth."""
    if isinstance(value, Mapping):
        return {k: REDACTED if str(k).lower() in SENSITIVE_KEYS else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


# The invocation a line belongs to: Lambda's request id and whether it was the container's first (cold start).
# By hand rather than Powertools' Logger: these two fields are all we need from it, on our own JSON formatter and
# level gate, without a dependency in the zip. A ContextVar, so that the local stack's concurrent handlers (threads
# of one process) each log their own.
_invocation: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "yuntong_invocation", default=None
)


class _ColdStart:
    pending = True


_cold = _ColdStart()


def bind_invocation(event: Any) -> None:
    """Called first by every handler (app.py's middleware) with its Chalice event or request."""
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    request_id = getattr(context, "aws_request_id", None)
    fields: dict[str, Any] = {"cold_start": _cold.pending}
    _cold.pending = False
    if request_id:
        fields["request_id"] = str(request_id)
    _invocation.set(fields)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **(_invocation.get() or {}),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            out.update(scrub(fields))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class LevelGate(logging.Filter):
    """Lets a record through if it reaches its app's level (set by `event`) or, without one, the stage's level."""

    def __init__(self, stage_level: int) -> None:
        super().__init__()
        self.stage_level = stage_level

    def filter(self, record: logging.LogRecord) -> bool:
        gate = getattr(record, "gate_level", None)
        return record.levelno >= (gate if isinstance(gate, int) else self.stage_level)


_gate = LevelGate(logging.INFO)


def configure(stage_level: str, stream: IO[str] | None = None) -> logging.Handler:
    """Install the JSON handler on the `yuntong` logger (idempotent: replaces the previous one)."""
    logger = logging.getLogger(ROOT)
    for handler in list(logger.handlers):
        if getattr(handler, "_yuntong", False):
            logger.removeHandler(handler)
    _gate.stage_level = level_number(stage_level)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_gate)
    handler._yuntong = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    # The logger passes everything; the gate decides per record, so one app can log DEBUG while the stage logs INFO.
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # Lambda's root handler would print every line a second time, unformatted
    return handler


def app_level(app_log_level: str | None) -> int:
    """An app's level; empty means the stage's."""
    return level_number(app_log_level, _gate.stage_level)


def event(logger: logging.Logger, level: int, msg: str, *, app_log_level: str | None = None, **fields: Any) -> None:
    """One structured line; with `app_log_level` the app's level decides instead of the stage's."""
    gate = app_level(app_log_level) if app_log_level is not None else None
    logger.log(level, msg, extra={"fields": fields, "gate_level": gate})
