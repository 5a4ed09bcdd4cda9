"""Offline push devices and preferences in the `entities` table.

- `{app}#U#{user}` / `PUSH#DEV#{platform}#{hash}`: a device token of the account (its SNS endpoint ARN, the terminal
  that registered it), in the account's partition, so deleting the account deletes it.
- `{app}#U#{user}` / `PUSH#PREFS`: quiet hours and per-conversation receive options (one item per account).
- `{app}#PUSHTOKEN#{platform}#{hash}` / `OWNER`: which account holds a token (a token moves to the newest account
  that registers it).
- A C2C receive option `Discard` is also a flag on the conversation's lower row (`set_discard`), where the send reads
  it for free.

`PUSH#` sorts apart from the all-member push rows (`PUSHTAG#`, `PUSHATTR#`): one Query reads an account's devices
and preferences together, which is all a push task reads per recipient.
"""

from __future__ import annotations

import hashlib
import json
from typing import ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.domain.c2c import conversation_pair
from chalicelib.domain.conversations import C2C
from chalicelib.domain.offline_push import Device, PushPrefs
from chalicelib.store.base import BaseModel, Gsi1, TableMeta
from chalicelib.store.conversations import ConversationModel, conversation_sk
from chalicelib.store.keys import user_pk

DEVICE_PREFIX = "PUSH#DEV#"
PREFS_SK = "PUSH#PREFS"
OWNER_SK = "OWNER"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:40]


def device_sk(platform: str, token: str) -> str:
    return f"{DEVICE_PREFIX}{platform}#{token_hash(token)}"


def devices_index(sdkappid: int) -> str:
    return f"{sdkappid}#PUSHDEVS"


def owner_pk(sdkappid: int, platform: str, token: str) -> str:
    return f"{sdkappid}#PUSHTOKEN#{platform}#{token_hash(token)}"


class PushRowModel(BaseModel):
    """Device rows, the preferences row and token owner rows (attributes used per kind)."""

    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    user = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    token = UnicodeAttribute(null=True)
    terminal = UnicodeAttribute(null=True)
    endpoint = UnicodeAttribute(null=True)
    connection_id = UnicodeAttribute(null=True)
    updated = NumberAttribute(null=True)
    quiet_start = NumberAttribute(null=True)
    quiet_end = NumberAttribute(null=True)
    receive = UnicodeAttribute(null=True)  # JSON {"1#peer": opt, "2#GroupId": opt}
    gsi1pk = UnicodeAttribute(null=True)  # device rows: `{app}#PUSHDEVS`, so all-member push lists the app's devices
    gsi1sk = UnicodeAttribute(null=True)
    by_app = Gsi1()


def _device(m: PushRowModel) -> Device:
    return Device(
        user=m.user or "",
        platform=m.platform or "",
        token=m.token or "",
        terminal=m.terminal or "",
        endpoint=m.endpoint or "",
        connection_id=m.connection_id or "",
        updated=int(m.updated or 0),
    )


def _prefs(m: PushRowModel | None) -> PushPrefs:
    if m is None:
        return PushPrefs()
    return PushPrefs(int(m.quiet_start or 0), int(m.quiet_end or 0), json.loads(m.receive or "{}"))


class DynamoDeviceRepo:
    def owner(self, sdkappid: int, platform: str, token: str) -> str | None:
        try:
            m = PushRowModel.get(owner_pk(sdkappid, platform, token), OWNER_SK, consistent_read=True)
        except PushRowModel.DoesNotExist:
            return None
        return m.user

    def put(self, sdkappid: int, device: Device) -> None:
        """The device row and the token's owner row (one batch of two puts)."""
        with PushRowModel.batch_write() as batch:
            batch.save(
                PushRowModel(
                    user_pk(sdkappid, device.user),
                    device_sk(device.platform, device.token),
                    user=device.user,
                    platform=device.platform,
                    token=device.token,
                    terminal=device.terminal or None,
                    endpoint=device.endpoint or None,
                    connection_id=device.connection_id or None,
                    updated=device.updated,
                    gsi1pk=devices_index(sdkappid),
                    gsi1sk=f"{device.user}#{device_sk(device.platform, device.token)}",
                )
            )
            batch.save(PushRowModel(owner_pk(sdkappid, device.platform, device.token), OWNER_SK, user=device.user))

    def get(self, sdkappid: int, user: str, platform: str, token: str) -> Device | None:
        try:
            return _device(PushRowModel.get(user_pk(sdkappid, user), device_sk(platform, token), consistent_read=True))
        except PushRowModel.DoesNotExist:
            return None

    def remove(self, sdkappid: int, user: str, platform: str, token: str) -> None:
        """The account's device row, and the owner row while it still names this account (a racing register of
        the same token by another account keeps its own)."""
        PushRowModel(user_pk(sdkappid, user), device_sk(platform, token)).delete()
        try:
            PushRowModel(owner_pk(sdkappid, platform, token), OWNER_SK).delete(condition=PushRowModel.user == user)
        except DeleteError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def of_user(self, sdkappid: int, user: str) -> tuple[list[Device], PushPrefs]:
        """The account's devices and preferences: one Query."""
        devices: list[Device] = []
        prefs: PushRowModel | None = None
        for m in PushRowModel.query(user_pk(sdkappid, user), PushRowModel.sk.startswith("PUSH#")):
            if m.sk == PREFS_SK:
                prefs = m
            elif m.sk.startswith(DEVICE_PREFIX):
                devices.append(_device(m))
        return devices, _prefs(prefs)

    def app_page(self, sdkappid: int, after: str, limit: int) -> tuple[list[Device], str]:
        """One page of the app's devices (all-member push to everybody), and the cursor after it."""
        after_cond = PushRowModel.gsi1sk > after if after else None
        rows = list(PushRowModel.by_app.query(devices_index(sdkappid), after_cond, limit=limit))
        return [_device(m) for m in rows], (rows[-1].gsi1sk or "" if rows else after)

    def prefs(self, sdkappid: int, user: str) -> PushPrefs:
        try:
            return _prefs(PushRowModel.get(user_pk(sdkappid, user), PREFS_SK, consistent_read=True))
        except PushRowModel.DoesNotExist:
            return PushPrefs()

    def set_discard(self, sdkappid: int, user: str, peer: str, on: bool) -> None:
        """C2C receive option Discard, kept where a send reads it for free: on the conversation's lower row (the
        one it takes its log position from, store/c2c.py), `xlo` or `xhi` for the side that discards. One
        UpdateItem; switching it off never creates the row."""
        lo, hi = conversation_pair(user, peer)
        cm = ConversationModel
        flag = cm.xlo if user == lo else cm.xhi
        row = ConversationModel(user_pk(sdkappid, lo), conversation_sk(C2C, hi))
        if on:
            row.update(actions=[cm.type.set(C2C), cm.peer.set(hi), flag.set(1)])
            return
        try:
            row.update(actions=[flag.remove()], condition=cm.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def save_prefs(self, sdkappid: int, user: str, prefs: PushPrefs) -> None:
        PushRowModel(
            user_pk(sdkappid, user),
            PREFS_SK,
            quiet_start=prefs.quiet_start,
            quiet_end=prefs.quiet_end,
            receive=json.dumps(dict(prefs.receive or {}), ensure_ascii=False, sort_keys=True),
        ).save()
