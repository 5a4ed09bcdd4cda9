"""offline_push/* (a Yuntong service): device tokens, receive options, quiet hours, the app's push credentials;
and the `offline_push` task that publishes pushes through SNS. README "Offline push"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.api.tasks import task
from chalicelib.domain import offline_push as rules
from chalicelib.services.groups import MemberChanges
from chalicelib.services.offline_push import devices_wire
from chalicelib.wiring import services

USER = f.account("UserID")
PLATFORM = f.string("Platform", required=True, code=91101, choices=rules.PLATFORMS)
TOKEN = f.string("Token", required=True, code=91102, max_bytes=rules.MAX_TOKEN_BYTES)
CREDENTIAL_MAX_BYTES = 16384


def _user(ctx: AuthContext, body: Body) -> str:
    return ctx.acting_user(body.user("UserID"))


@command(
    "offline_push/set_device",
    acting_field="UserID",
    fields=(USER, PLATFORM, TOKEN, f.string("Terminal", max_bytes=16)),
)
def set_device(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Register a device token for the account and this terminal (over ws: the socket's platform)."""
    user = _user(ctx, body)
    terminal = ctx.platform or body.string("Terminal", default="")
    services().offline_push.register(
        ctx.app, user, body.raw("Platform"), body.raw("Token"), terminal=terminal, connection_id=ctx.connection_id or ""
    )
    return {}


@command("offline_push/remove_device", acting_field="UserID", fields=(USER, PLATFORM, TOKEN))
def remove_device(ctx: AuthContext, body: Body) -> dict[str, Any]:
    services().offline_push.remove(ctx.app, _user(ctx, body), body.raw("Platform"), body.raw("Token"))
    return {}


@command("offline_push/get_devices", acting_field="UserID", fields=(USER,))
def get_devices(ctx: AuthContext, body: Body) -> dict[str, Any]:
    return {"DeviceList": devices_wire(services().offline_push.devices(ctx.app, _user(ctx, body)))}


@command("offline_push/logout", acting_field="UserID", fields=(USER, f.flag("KeepDevice")))
def logout(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Before closing its socket, a terminal says whether its devices keep receiving pushes (KeepDevice 1) or are
    dropped (default). From REST (the admin) it concerns every device of the account."""
    keep = body.integer("KeepDevice", default=0, max_value=1) == 1
    removed = services().offline_push.logout(ctx.app, _user(ctx, body), ctx.connection_id, keep=keep)
    return {"RemovedDeviceNum": removed}


@command(
    "offline_push/set_receive_opt",
    acting_field="UserID",
    fields=(
        USER,
        f.uint32("Type", required=True, min_value=1, max_value=2),
        f.account("To_Account"),
        f.group("GroupId", given=(("Type", 2),)),
        f.string("Opt", required=True, choices=rules.RECEIVE_OPTS),
    ),
)
def set_receive_opt(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Per conversation (Type 1 + To_Account, Type 2 + GroupId): AcceptAndNotify (default), AcceptNotNotify
    (received, never pushed), Discard (never pushed; C2C: not received online either, and kept out of the account's
    history and unread, as Tencent's 不接收; groups: the option is also the member's MsgFlag, so Discard is not
    received online either)."""
    user = _user(ctx, body)
    svc = services()
    svc.offline_push.require_accounts(ctx.app, user)
    type_ = body.integer("Type", required=True, min_value=1, max_value=2)
    if type_ == 1:
        peer = body.user("To_Account", required=True)
        svc.offline_push.require_accounts(ctx.app, peer)
    else:
        peer = svc.group_messages.group(ctx.app, body.string("GroupId", required=True)).group_id
        # a group's receive option is the member's MsgFlag (Tencent's setGroupReceiveMessageOpt): Discard then stops
        # online delivery too; a non-member is refused (10007) before anything is written
        opt = body.string("Opt", required=True, choices=rules.RECEIVE_OPTS)
        svc.groups.modify_member(ctx.app, user, ctx.is_admin, peer, user, MemberChanges(msg_flag=opt))
    svc.offline_push.set_receive_opt(ctx.app, user, type_, peer, body.raw("Opt"))
    return {}


@command(
    "offline_push/set_quiet_time",
    acting_field="UserID",
    fields=(
        USER,
        f.uint32("StartMinute", required=True, code=91105, max_value=1439),
        f.uint32("EndMinute", required=True, code=91105, max_value=1439),
    ),
)
def set_quiet_time(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Do not disturb: no push from StartMinute to EndMinute (minutes of the day in the app's timezone; the
    window may wrap midnight; equal values switch it off)."""
    user = _user(ctx, body)
    services().offline_push.require_accounts(ctx.app, user)
    services().offline_push.set_quiet_time(ctx.app, user, body.raw("StartMinute"), body.raw("EndMinute"))
    return {}


@command("offline_push/get_push_settings", acting_field="UserID", fields=(USER,))
def get_push_settings(ctx: AuthContext, body: Body) -> dict[str, Any]:
    user = _user(ctx, body)
    services().offline_push.require_accounts(ctx.app, user)
    prefs = services().offline_push.prefs(ctx.app, user)
    opts = []
    for key, opt in sorted((prefs.receive or {}).items()):
        type_, peer = key.split("#", 1)
        opts.append({"Type": int(type_), "To_Account" if type_ == "1" else "GroupId": peer, "Opt": opt})
    return {"StartMinute": prefs.quiet_start, "EndMinute": prefs.quiet_end, "ReceiveOptList": opts}


@command(
    "offline_push/set_credentials",
    fields=(
        PLATFORM,
        f.string("Credential", required=True, max_bytes=CREDENTIAL_MAX_BYTES),
        f.string("Principal", max_bytes=CREDENTIAL_MAX_BYTES),
    ),
)
def set_credentials(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """Admin: the app's APNs / FCM credentials (to SNS only, never stored nor logged here), or the webhook
    gateway's URL. Same as `yuntong app push`."""
    app = services().offline_push.configure(
        ctx.sdkappid, body.raw("Platform"), body.raw("Credential"), body.string("Principal", default="")
    )
    return {"PlatformApplicationArn": app.config.push_arn(body.raw("Platform"))}


@task(rules.TASK)
def offline_push_task(payload: Mapping[str, Any]) -> None:
    services().offline_push.run(payload)
