"""Callbacks to the app backend (README "Callbacks"): the app admin's configuration commands (Yuntong extensions in
`openconfigsvr/`, bad input → 70402 and nothing written) and the queued after-callback task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import callbacks as rules
from chalicelib.domain import errors
from chalicelib.services.callbacks import TASK
from chalicelib.wiring import services

SETTINGS = ("URL", "Commands", "TimeoutMs", "OnFailure", "Token")


@command("openconfigsvr/get_callback_config", fields=())
def get_callback_config(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """`{"CallbackConfig": {URL, Commands, TimeoutMs, OnFailure, TokenSet}}` (the token itself is never shown)."""
    return {"CallbackConfig": services().callbacks.config(ctx.sdkappid).public()}


@command(
    "openconfigsvr/set_callback_config",
    fields=(
        f.string("URL", max_bytes=rules.URL_MAX_BYTES, sample="https://hooks.example.com/im"),
        f.strings("Commands", sample=[rules.C2C_BEFORE_SEND]),
        f.uint32("TimeoutMs", min_value=rules.MIN_TIMEOUT_MS, max_value=rules.MAX_TIMEOUT_MS, sample=2000),
        f.string("OnFailure", choices=(rules.ALLOW, rules.REFUSE)),
        f.string("Token", max_bytes=rules.TOKEN_MAX_BYTES),
    ),
)
def set_callback_config(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """The named settings change, the others stay: `URL` ("" switches every callback off), `Commands` (the
    enabled CallbackCommands, ["all"] for every one), `TimeoutMs` (100-5000, default 2000), `OnFailure` (allow,
    the default, or refuse), `Token` ("" for none)."""
    if not any(name in body for name in SETTINGS):
        raise errors.InvalidParam(f"name at least one of {', '.join(SETTINGS)}")
    commands = body.strings("Commands", max_items=len(rules.COMMANDS))
    config = services().callbacks.configure(
        ctx.app,
        url=body.string("URL", max_bytes=rules.URL_MAX_BYTES),
        commands=commands,
        timeout_ms=body.integer("TimeoutMs", min_value=rules.MIN_TIMEOUT_MS, max_value=rules.MAX_TIMEOUT_MS),
        on_failure=body.string("OnFailure", choices=(rules.ALLOW, rules.REFUSE)),
        token=body.string("Token", max_bytes=rules.TOKEN_MAX_BYTES),
    )
    return {"CallbackConfig": config.public()}


@command("openconfigsvr/delete_callback_config", fields=())
def delete_callback_config(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().callbacks.clear(ctx.app)
    return {}


@task(TASK)
def deliver(payload: Mapping[str, Any]) -> None:
    """One after-callback attempt (services/callbacks.py: a failure queues the next, the last one raises)."""
    svc = services()
    try:
        app = svc.apps.get(int(payload["sdkappid"]))
    except errors.DomainError:
        return  # the app is gone: nobody to tell
    svc.callbacks.deliver(app, payload)
