"""The demo tenant the local stack starts with (tables, app, admin UserSig) and the banner telling how to reach it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from devstack.settings import StackSettings
from devstack.stack import Stack


@dataclass(frozen=True)
class Demo:
    sdkappid: int
    secret_key: str
    admin: str
    admin_sig: str
    key_generated: bool
    note: str = ""
    accounts: tuple[str, ...] = ()


# Accounts the demo app starts with, so that two browser windows can chat at once (nicknames for the page).
DEMO_ACCOUNTS: dict[str, str] = {"alice": "Alice", "bob": "Bob", "carol": "Carol"}


def create_demo(settings: StackSettings) -> Demo:
    """Create the tables and the demo app through the app's own services (idempotent if the app exists)."""
    from chalicelib.blobs.s3 import create_bucket
    from chalicelib.config import Settings
    from chalicelib.domain import usersig
    from chalicelib.store.apps import AppExists
    from chalicelib.store.schema import create_tables
    from chalicelib.wiring import services

    env = Settings.from_env()
    create_tables(env)
    create_bucket(env.bucket, env.region, env.s3_endpoint)  # media, with the deployed bucket's CORS and lifecycle
    apps = services().apps
    note = ""
    try:
        app = apps.create(settings.sdkappid, "local demo", [settings.admin], secret_key=settings.secret_key)
    except AppExists:
        app = apps.get(settings.sdkappid)
        note = "(the app already existed: its stored key is shown)"
    admin = settings.admin if settings.admin in app.admins else app.admins[0]
    for user, nick in DEMO_ACCOUNTS.items():
        services().accounts.import_account(app.sdkappid, user, nick=nick)
    sig = usersig.generate(app.sdkappid, app.secret_key, admin, int(time.time()))
    return Demo(app.sdkappid, app.secret_key, admin, sig, settings.secret_key is None, note, tuple(DEMO_ACCOUNTS))


def banner(stack: Stack, demo: Demo) -> str:
    rest, ws = stack.rest.url, stack.gateway.url
    query = f"sdkappid={demo.sdkappid}&identifier={demo.admin}&usersig={demo.admin_sig}&random=1&contenttype=json"
    key_origin = "generated: set YUNTONG_SECRET_KEY to keep one" if demo.key_generated else "from YUNTONG_SECRET_KEY"
    lines = [
        "",
        f"{rest}/  <- open this: the web app (chat, and the Operator console as {demo.admin})",
        "Yuntong local stack is running (Ctrl-C stops it)",
        f"  Web app       {rest}/  demo accounts: {', '.join(demo.accounts) or '-'} (any other ID: 'Create')",
        f"  REST API      {rest}/v4/{{service}}/{{command}}?sdkappid&identifier&usersig&random&contenttype=json",
        f"  REST base     {rest}/v4",
        f"  WebSocket     {ws}/?sdkappid={demo.sdkappid}&identifier=<user>&usersig=<sig>&platform=<platform>",
        f"  @connections  {stack.gateway.endpoint}/@connections/{{connectionId}}",
        f"  AWS (moto)    {stack.moto.endpoint}",
        f"  SDKAppID      {demo.sdkappid}",
        f"  Secret key    {demo.secret_key}  ({key_origin}) {demo.note}".rstrip(),
        f"  Admin         {demo.admin}",
        f"  Admin UserSig {demo.admin_sig}",
    ]
    if not stack.gateway.routes:
        lines.append("  WebSocket: app.py declares no @app.on_ws_* handler, so every upgrade is refused (403)")
    for job in stack.scheduler.jobs:
        lines.append(f"  Schedule      {job.function.name}: {job.function.expression}")
    for poller in stack.pollers:
        lines.append(f"  Queue         {poller.consumer.name} <- {poller.queue_url}")
        lines.append(f"  Dead letters  {poller.dlq_url}  (yuntong dlq list|redrive)")
    lines += [
        "",
        "Try:",
        f"  curl -s '{rest}/v4/im_open_login_svc/account_import?{query}' --data-binary '{{\"UserID\":\"alice\"}}'",
        "",
    ]
    return "\n".join(lines)
