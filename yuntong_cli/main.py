"""The `yuntong` command: manage apps (tenants) and make UserSigs, against the local stack or a deployed stage.

Every action goes through chalicelib's AppService (built by wiring.build), so the rules are the server's own.
Exit status: 0 done, 1 refused or failed (the message says why), 2 bad command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.domain import apps as app_rules
from chalicelib.domain import errors, usersig
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.ids import check_user_id
from yuntong_cli import dlq, history_export, infra, usage

LOCAL_STAGE = "local"
LOCAL_DYNAMODB = "http://127.0.0.1:8002"  # the local stack's moto server (`make run`)
LOCAL_REGION = "us-east-1"
DEMO_SDKAPPID = 1400000001  # the app the local stack creates at start


class CliError(Exception):
    """A failure worth one clear line on stderr (exit status 1)."""


def target_settings(
    stage: str | None, region: str | None, endpoint: str | None, env: Mapping[str, str] | None = None
) -> Settings:
    """The local stack unless a stage is named; a deployed stage is real AWS with tables `yuntong-<stage>-*`."""
    e = os.environ if env is None else env
    stage = stage or LOCAL_STAGE
    if stage == LOCAL_STAGE:
        # moto keeps one state per region: use the local stack's, whatever the shell's AWS_REGION says
        region = region or LOCAL_REGION
        aws_port = e.get("YUNTONG_AWS_PORT")  # the local stack's moto port, as `make run` reads it
        local = f"http://127.0.0.1:{aws_port}" if aws_port else LOCAL_DYNAMODB
        endpoint = endpoint or e.get("YUNTONG_DYNAMODB_ENDPOINT") or local
    region = region or e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or "us-east-1"
    return Settings(
        stage=stage,
        region=region,
        table_prefix=f"yuntong-{stage}",
        dynamodb_endpoint=endpoint or None,
        sns_endpoint=endpoint or None,  # the local stack's moto serves every AWS API on one port
        app_restore_days=int(e.get("YUNTONG_APP_RESTORE_DAYS") or 7),  # the stage's, as its Lambdas have it
    )


def _where(settings: Settings) -> str:
    if settings.dynamodb_endpoint:
        return f"{settings.dynamodb_endpoint} (stage {settings.stage})"
    return f"AWS {settings.region} (stage {settings.stage})"


def explain_storage_error(exc: Exception, settings: Settings) -> str:
    """Turn a PynamoDB/botocore failure into what to do about it."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

    cause = getattr(exc, "cause", None) or exc
    code = getattr(exc, "cause_response_code", None)
    local = settings.stage == LOCAL_STAGE
    if isinstance(cause, EndpointConnectionError):
        hint = "is the local stack running? (`make run`)" if local else "check the region and your network"
        return f"cannot reach DynamoDB at {_where(settings)}: {hint}"
    if isinstance(cause, NoCredentialsError):
        return "no AWS credentials found: configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID)"
    if isinstance(cause, NoRegionError):
        return "no AWS region: pass --region or set AWS_REGION"
    if code == "ResourceNotFoundException":
        hint = "start the local stack (`make run`)" if local else "deploy the stack first (README: Deploy to AWS)"
        return f"table {settings.table_name('apps')} does not exist at {_where(settings)}: {hint}"
    if code in ("AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException"):
        return f"AWS refused the request ({code}): check your credentials and their DynamoDB rights"
    return f"DynamoDB request failed at {_where(settings)}: {exc}"


def _describe(app: App, show_key: bool) -> dict[str, Any]:
    from chalicelib.store.apps import DynamoAppRepo

    out = DynamoAppRepo.describe(app)
    if show_key:
        out["secret_key"] = app.secret_key
    return out


def _restorable_until(app: App, restore_seconds: int) -> str:
    until = app.restorable_until(restore_seconds)
    assert until is not None
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(until))


def _config_changes(pairs: Sequence[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"expected key=value, got {pair!r}")
        changes[key.strip()] = value.strip()
    return changes


# --- commands: each gets the parsed args, the services and stdout --------------------------------------------------
def app_create(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    app = svc.apps.create(args.sdkappid, args.name, args.admin, args.key)
    print(f"created app {app.sdkappid} {app.name!r} (admins: {', '.join(app.admins)})", file=out)
    print(f"secret key: {app.secret_key}", file=out)


def app_list(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    apps = svc.apps.all()
    if not apps:
        print("no apps", file=out)
        return
    name_width = max(len("NAME"), *(len(a.name) for a in apps))
    print(f"{'SDKAPPID':<10}  {'STATUS':<9}  {'NAME':<{name_width}}  ADMINS", file=out)
    for a in apps:
        print(f"{a.sdkappid:<10}  {a.status:<9}  {a.name:<{name_width}}  {','.join(a.admins)}", file=out)


def app_show(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    print(json.dumps(_describe(svc.apps.get(args.sdkappid), args.show_key), indent=2, ensure_ascii=False), file=out)


def app_config(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    changes = _config_changes(args.settings)
    app = svc.apps.configure(args.sdkappid, changes) if changes else svc.apps.get(args.sdkappid)
    print(json.dumps(app.config.to_dict(), indent=2, ensure_ascii=False), file=out)


def app_push(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    """Offline push credentials: read from files (never from the command line, where `ps` and shell history see
    them), handed to SNS, never printed."""
    credential = _read_secret(args.credential_file) if args.credential_file else (args.url or "")
    principal = _read_secret(args.principal_file) if args.principal_file else ""
    app = svc.offline_push.configure(args.sdkappid, args.platform, credential, principal)
    print(f"{args.platform.upper()} push for app {app.sdkappid}: {app.config.push_arn(args.platform)}", file=out)


def app_callbacks(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    """Show or change the app's callbacks to its backend (README "Callbacks"); the token is read from a file and
    never printed."""
    app = svc.apps.get(args.sdkappid)
    if args.clear:
        svc.callbacks.clear(app)
    changes: dict[str, Any] = {
        "url": args.url,
        "commands": args.command,
        "timeout_ms": args.timeout_ms,
        "on_failure": args.on_failure,
        "token": _read_secret(args.token_file) if args.token_file else ("" if args.no_token else None),
    }
    if any(v is not None for v in changes.values()):
        config = svc.callbacks.configure(app, **changes)
    else:
        config = svc.callbacks.config(app.sdkappid)
    print(json.dumps(config.public(), indent=2, ensure_ascii=False), file=out)


def _read_secret(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def app_admins(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    """Show the app's admin identifiers, adding and removing some first (it keeps at least one)."""
    if args.add or args.remove:
        app = svc.apps.modify_admins(args.sdkappid, args.add or [], args.remove or [])
    else:
        app = svc.apps.get(args.sdkappid)
    print(f"app {app.sdkappid} admins: {', '.join(app.admins)}", file=out)


def app_suspend(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    app = svc.apps.suspend(args.sdkappid)
    print(
        f"app {app.sdkappid} suspended: its calls fail with 60006 until `yuntong app restore`; "
        f"`yuntong app delete {app.sdkappid}` deletes it",
        file=out,
    )


def app_restore(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    app = svc.apps.restore(args.sdkappid)
    print(f"app {app.sdkappid} is active", file=out)


def app_delete(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    app = svc.apps.delete(args.sdkappid)
    until = _restorable_until(app, svc.apps.restore_seconds)
    print(
        f"app {app.sdkappid} deleted: its calls fail with 60016; "
        f"`yuntong app restore {app.sdkappid}` brings it back until {until}; "
        "then its data is purged",
        file=out,
    )


def app_rotate_key(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    app = svc.apps.rotate_key(args.sdkappid)
    print(f"new secret key for app {app.sdkappid}: {app.secret_key}", file=out)
    print("UserSigs made with the old key stop verifying (within 10 s on running servers)", file=out)


def sig(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    if args.expire <= 0:
        raise CliError("--expire must be a positive number of seconds")
    identifier = check_user_id(args.identifier, field="identifier")
    app = svc.apps.get(args.sdkappid)
    if app.status != app_rules.ACTIVE:
        print(f"warning: app {app.sdkappid} is {app.status}; its calls are refused", file=sys.stderr)
    print(usersig.generate(app.sdkappid, app.secret_key, identifier, int(svc.clock.now()), args.expire), file=out)


Command = Callable[[argparse.Namespace, wiring.Services, TextIO], None]


# --- command line ----------------------------------------------------------------------------------------------------
def _target_options() -> argparse.ArgumentParser:
    # SUPPRESS: the options may come before or after the subcommand without one hiding the other.
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("target")
    g.add_argument(
        "--stage",
        default=argparse.SUPPRESS,
        help="deployed stage (real AWS, tables yuntong-<stage>-*); default: the local stack",
    )
    g.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help=f"AWS region of a stage (default: AWS_REGION or us-east-1; the local stack: {LOCAL_REGION})",
    )
    g.add_argument(
        "--endpoint",
        default=argparse.SUPPRESS,
        help=f"DynamoDB endpoint (local default: YUNTONG_DYNAMODB_ENDPOINT or {LOCAL_DYNAMODB})",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    target = _target_options()
    parser = argparse.ArgumentParser(
        prog="yuntong", description="Manage Yuntong apps and make UserSigs.", parents=[target]
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="{app,sig,usage,dlq,infra}")

    app = groups.add_parser("app", help="manage apps (tenants)")
    cmds = app.add_subparsers(dest="command", required=True)

    def leaf(name: str, func: Command, help_text: str, with_id: bool = True) -> argparse.ArgumentParser:
        p = cmds.add_parser(name, help=help_text, description=help_text, parents=[target])
        if with_id:
            p.add_argument("sdkappid", type=int, help="the app's SDKAppID")
        p.set_defaults(func=func)
        return p

    create = leaf("create", app_create, "create an app and print its secret key", with_id=False)
    create.add_argument("--sdkappid", type=int, required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--admin", action="append", required=True, help="an App admin identifier (repeatable)")
    create.add_argument("--key", help="secret key to use (default: 32 random bytes, hex)")
    leaf("list", app_list, "list apps", with_id=False)
    leaf("show", app_show, "show an app (key hidden unless --show-key)").add_argument("--show-key", action="store_true")
    leaf("config", app_config, "show or change an app's settings").add_argument(
        "settings", nargs="*", metavar="key=value", help="e.g. max_msg_bytes=4096 c2c_friend_check=true"
    )
    push = leaf("push", app_push, "configure offline push for a platform (APNs, FCM, webhook) through Amazon SNS")
    push.add_argument("--platform", required=True, type=str.upper, choices=["APNS", "APNS_SANDBOX", "FCM", "WEBHOOK"])
    push.add_argument("--credential-file", help="APNs private key / .p12 key, or the FCM server key (a file)")
    push.add_argument("--principal-file", help="APNs certificate (a file), when the credential is a key")
    push.add_argument("--url", help="WEBHOOK: the vendor gateway's https URL that SNS posts each push to")
    admins = leaf("admins", app_admins, "show an app's admin identifiers, adding or removing some")
    admins.add_argument("--add", action="append", metavar="IDENTIFIER", help="an admin identifier to add (repeatable)")
    admins.add_argument("--remove", action="append", metavar="IDENTIFIER", help="one to remove (repeatable)")
    hooks = leaf("callbacks", app_callbacks, "show or change the app's callbacks to its backend (Tencent's protocol)")
    hooks.add_argument("--url", help='the callback URL (https:// outside the local stack; "" switches them off)')
    hooks.add_argument(
        "--command", action="append", metavar="CALLBACK_COMMAND", help="an enabled CallbackCommand (repeatable; all)"
    )
    hooks.add_argument("--timeout-ms", type=int, help="before-callbacks' timeout, 100-5000 (default 2000)")
    hooks.add_argument("--on-failure", choices=["allow", "refuse"], help="a failed before-callback allows or refuses")
    hooks.add_argument("--token-file", help="a file holding the token (Sign = sha256(token + RequestTime))")
    hooks.add_argument("--no-token", action="store_true", help="remove the token")
    hooks.add_argument("--clear", action="store_true", help="remove the whole configuration first")
    leaf("suspend", app_suspend, "suspend an app (calls fail with 60006); the step before deleting it")
    leaf("restore", app_restore, "make a suspended app, or a deleted one within its restore period, active again")
    leaf(
        "delete",
        app_delete,
        "delete a suspended app (calls fail with 60016; restorable for YUNTONG_APP_RESTORE_DAYS, default 7, days; "
        "then the purge job removes its data)",
    )
    leaf("rotate-key", app_rotate_key, "replace an app's secret key and print the new one")

    s = groups.add_parser(
        "sig", help="print a UserSig for an identifier", description="Print a UserSig.", parents=[target]
    )
    s.add_argument("identifier")
    s.add_argument(
        "--sdkappid",
        type=int,
        default=int(os.environ.get("YUNTONG_SDKAPPID") or DEMO_SDKAPPID),
        help=f"default: YUNTONG_SDKAPPID or {DEMO_SDKAPPID}",
    )
    s.add_argument("--expire", type=int, default=usersig.DEFAULT_EXPIRE, help="validity in seconds (default 180 days)")
    s.set_defaults(func=sig)
    usage.register(groups, parents=[target])
    dlq.register(groups, parents=[target])
    history_export.register(groups, parents=[target])
    infra.register(groups, parents=[target])
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    """Run one command; `clock` lets tests share a FixedClock with the server they check against."""
    args = build_parser().parse_args(argv)
    settings = target_settings(
        getattr(args, "stage", None), getattr(args, "region", None), getattr(args, "endpoint", None)
    )
    if settings.stage == LOCAL_STAGE:
        # moto takes any credentials; without some botocore refuses to sign the request
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        args.func(args, wiring.build(settings, clock=clock), sys.stdout)
    except errors.DomainError as exc:
        print(f"error: {exc.info} ({exc.error_code})", file=sys.stderr)
        return 1
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        print(f"error: {explain_storage_error(exc, settings)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
