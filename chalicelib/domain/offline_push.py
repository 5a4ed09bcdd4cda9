"""Offline push rules: device platforms, payload limits, OfflinePushInfo, receive options and quiet hours (stdlib only).

A stored message to an account with no online terminal is pushed to its registered devices (APNs, FCM, a webhook
for vendor gateways) through Amazon SNS. This module decides what a push says and whether it fits: each platform
has a payload limit (APNs 1 KB as in the FAQ's era, FCM 4 KB), and the text (`Desc`, else a preview of the message)
is cut on a character boundary until the platform's payload fits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors

APNS, APNS_SANDBOX, FCM, WEBHOOK = "APNS", "APNS_SANDBOX", "FCM", "WEBHOOK"
PLATFORMS: tuple[str, ...] = (APNS, APNS_SANDBOX, FCM, WEBHOOK)
# SNS's name of each platform application type (a webhook is an SNS topic the app's gateway subscribes to).
SNS_PLATFORM = {APNS: "APNS", APNS_SANDBOX: "APNS_SANDBOX", FCM: "GCM"}

# Payload limits in bytes of the platform's own JSON (FAQ: "受 APNs 限制, iPhone 的推送内容不超过1K byte").
# Today's APNs takes 4 KB; 1 KB keeps the FAQ's behaviour and is one constant to change.
APNS_PAYLOAD_LIMIT = 1024
FCM_PAYLOAD_LIMIT = 4096
WEBHOOK_PAYLOAD_LIMIT = 4096
PAYLOAD_LIMITS = {
    APNS: APNS_PAYLOAD_LIMIT,
    APNS_SANDBOX: APNS_PAYLOAD_LIMIT,
    FCM: FCM_PAYLOAD_LIMIT,
    WEBHOOK: WEBHOOK_PAYLOAD_LIMIT,
}
MAX_TOKEN_BYTES = 2048  # an SNS endpoint token (APNs: 64 hex characters; FCM: ~160; webhook: the gateway's id)
ELLIPSIS = "…"

# Terminal types (domain/terminals.py platforms) a device platform stands for: with the app's
# `offline_push_scope=platform`, a device is pushed unless a terminal of its type is online.
DEVICE_TERMINALS = {APNS: "ios", APNS_SANDBOX: "ios", FCM: "android", WEBHOOK: "android"}
TERMINAL_TYPES = {"iphone": "ios", "ipad": "ios", "android": "android"}
SCOPES = ("account", "platform")  # AppConfig.offline_push_scope

# Per-conversation receive options (Tencent's MsgFlag / MSG_REMIND_*): receive and push, receive without push,
# do not receive (and so no push).
ACCEPT_AND_NOTIFY, ACCEPT_NOT_NOTIFY, DISCARD = "AcceptAndNotify", "AcceptNotNotify", "Discard"
RECEIVE_OPTS: tuple[str, ...] = (ACCEPT_AND_NOTIFY, ACCEPT_NOT_NOTIFY, DISCARD)
MAX_RECEIVE_OPTS = 1000  # conversations with a non-default option per account (they share one item)

TASK = "offline_push"


def check_platform(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in PLATFORMS:
        raise errors.UnknownPlatform(f"Platform must be one of {', '.join(PLATFORMS)}")
    return value.upper()


def check_token(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise errors.BadToken("Token must be a non-empty string")
    if len(value.encode("utf-8")) > MAX_TOKEN_BYTES or any(ord(c) < 0x20 for c in value):
        raise errors.BadToken(f"Token must be printable and at most {MAX_TOKEN_BYTES} bytes")
    return value


def check_receive_opt(value: Any) -> str:
    if value not in RECEIVE_OPTS:
        raise errors.InvalidParam(f"Opt must be one of {', '.join(RECEIVE_OPTS)}")
    return str(value)


def check_quiet_time(start: Any, end: Any) -> tuple[int, int]:
    """Minutes of the day in the app's timezone (0-1439); equal values switch quiet hours off."""
    for name, v in (("StartMinute", start), ("EndMinute", end)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 1440:
            raise errors.BadQuietTime(f"{name} must be a minute of the day, 0-1439")
    return int(start), int(end)


def in_quiet_time(start: int, end: int, minute: int) -> bool:
    """Is `minute` (of the day) inside [start, end)? A window may wrap midnight (22:00-07:00)."""
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


@dataclass(frozen=True)
class Device:
    """A registered device token of one account and terminal, and its SNS endpoint (none for webhooks)."""

    user: str
    platform: str
    token: str
    terminal: str = ""  # the terminal platform that registered it (iPhone, Android...), "" from REST
    endpoint: str = ""  # SNS platform endpoint ARN
    connection_id: str = ""  # the websocket connection that registered it (logout drops it)
    updated: int = 0


@dataclass(frozen=True)
class PushPrefs:
    """An account's push preferences: quiet hours and per-conversation receive options ("1#peer" / "2#GroupId")."""

    quiet_start: int = 0
    quiet_end: int = 0
    receive: Mapping[str, str] | None = None

    def receive_opt(self, type_: int, peer: str) -> str:
        return (self.receive or {}).get(f"{type_}#{peer}", ACCEPT_AND_NOTIFY)


@dataclass(frozen=True)
class PushInfo:
    """OfflinePushInfo as a sender gives it (reference §3.5); values of the wrong type are ignored."""

    flag: int = 0  # PushFlag: 0 push, 1 do not
    title: str = ""
    desc: str = ""
    ext: str = ""
    sound: str = ""
    android_sound: str = ""
    badge_mode: int = 0  # ApnsInfo.BadgeMode: 0 count, 1 do not
    apns_title: str = ""
    apns_subtitle: str = ""

    @classmethod
    def parse(cls, raw: Any) -> PushInfo:
        if not isinstance(raw, Mapping):
            return cls()
        a, b = raw.get("AndroidInfo"), raw.get("ApnsInfo")
        android: Mapping[str, Any] = a if isinstance(a, Mapping) else {}
        apns: Mapping[str, Any] = b if isinstance(b, Mapping) else {}

        def text(src: Mapping[str, Any], key: str) -> str:
            v = src.get(key)
            return v if isinstance(v, str) else ""

        def num(src: Mapping[str, Any], key: str) -> int:
            v = src.get(key)
            return v if isinstance(v, int) and not isinstance(v, bool) else 0

        return cls(
            flag=num(raw, "PushFlag"),
            title=text(raw, "Title"),
            desc=text(raw, "Desc"),
            ext=text(raw, "Ext"),
            sound=text(apns, "Sound") or text(raw, "Sound"),
            android_sound=text(android, "Sound"),
            badge_mode=num(apns, "BadgeMode"),
            apns_title=text(apns, "Title"),
            apns_subtitle=text(apns, "SubTitle"),
        )

    def to_wire(self) -> dict[str, Any]:
        """The compact form a push task carries."""
        return {k: v for k, v in self.__dict__.items() if v}


_PREVIEWS = {
    "TIMFaceElem": "[Face]",
    "TIMLocationElem": "[Location]",
    "TIMSoundElem": "[Voice]",
    "TIMImageElem": "[Image]",
    "TIMFileElem": "[File]",
    "TIMVideoFileElem": "[Video]",
    "TIMCustomElem": "[Custom]",
}


def preview(body: Sequence[Any]) -> tuple[str, str, str]:
    """(text, ext, sound) a message shows when no Desc is given: its texts, a custom element's Desc/Ext/Sound
    (reference §3.4), or a placeholder per element type."""
    parts: list[str] = []
    ext = sound = ""
    for elem in body:
        if not isinstance(elem, Mapping):
            continue
        kind, content = elem.get("MsgType"), elem.get("MsgContent")
        content = content if isinstance(content, Mapping) else {}
        if kind == "TIMTextElem" and isinstance(content.get("Text"), str):
            parts.append(content["Text"])
        elif kind == "TIMCustomElem":
            desc = content.get("Desc")
            parts.append(desc if isinstance(desc, str) and desc else _PREVIEWS[kind])
            ext = ext or (content["Ext"] if isinstance(content.get("Ext"), str) else "")
            sound = sound or (content["Sound"] if isinstance(content.get("Sound"), str) else "")
        elif kind == "TIMLocationElem" and isinstance(content.get("Desc"), str):
            parts.append(f"[Location] {content['Desc']}")
        elif isinstance(kind, str):
            parts.append(_PREVIEWS.get(kind, ""))
    return "".join(p for p in parts if p), ext, sound


@dataclass(frozen=True)
class Notice:
    """What a phone shows for one message."""

    title: str
    text: str
    subtitle: str = ""
    ext: str = ""
    sound: str = ""
    android_sound: str = ""
    badge: int | None = None  # None: leave the app's badge as it is
    kind: str = "C2C"  # C2C | Group
    sender: str = ""
    group_id: str = ""


def notice(
    info: PushInfo,
    *,
    sender: str,
    nick: str,
    body: Sequence[Any],
    badge: int,
    kind: str,
    group_id: str = "",
    group_name: str = "",
) -> Notice:
    """Defaults: the title is the sender's nickname (UserID without one; in groups "nick (group)"), the text a
    preview of the message; OfflinePushInfo's fields override them, ApnsInfo's Title over Title on iOS."""
    text, ext, sound = preview(body)
    who = nick or sender
    title = info.title or (f"{who} ({group_name or group_id})" if kind == "Group" else who)
    return Notice(
        title=title,
        text=info.desc or text,
        subtitle=info.apns_subtitle,
        ext=info.ext or ext,
        sound=info.sound or sound,
        android_sound=info.android_sound,
        badge=None if info.badge_mode == 1 else badge,
        kind=kind,
        sender=sender,
        group_id=group_id,
    )


def _ext(n: Notice) -> Any:
    """Ext is a JSON string (reference §3.5): sent parsed when it is JSON, as the string otherwise."""
    if not n.ext:
        return None
    try:
        return json.loads(n.ext)
    except ValueError:
        return n.ext


def _compact(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _apns(n: Notice, text: str, title: str) -> str:
    alert: dict[str, Any] = {"title": title, "body": text}
    if n.subtitle:
        alert["subtitle"] = n.subtitle
    aps: dict[str, Any] = {"alert": alert}
    if n.badge is not None:
        aps["badge"] = n.badge
    aps["sound"] = n.sound or "default"
    doc: dict[str, Any] = {"aps": aps, "yuntong": {"type": n.kind, "from": n.sender}}
    if n.group_id:
        doc["yuntong"]["group"] = n.group_id
    ext = _ext(n)
    if ext is not None:
        doc["ext"] = ext
    return _compact(doc)


def _fcm(n: Notice, text: str, title: str) -> str:
    note: dict[str, Any] = {"title": title, "body": text}
    if n.android_sound or n.sound:
        note["sound"] = n.android_sound or n.sound
    if n.badge is not None:
        note["notification_count"] = n.badge
    data = {"type": n.kind, "from": n.sender}
    if n.group_id:
        data["group"] = n.group_id
    if n.ext:
        data["ext"] = n.ext  # FCM data values are strings
    return _compact({"notification": note, "data": data})


def _webhook(n: Notice, text: str, title: str) -> str:
    doc: dict[str, Any] = {"title": title, "text": text, "type": n.kind, "from": n.sender}
    for key, value in (("subtitle", n.subtitle), ("group", n.group_id), ("sound", n.android_sound or n.sound)):
        if value:
            doc[key] = value
    if n.badge is not None:
        doc["badge"] = n.badge
    ext = _ext(n)
    if ext is not None:
        doc["ext"] = ext
    return _compact(doc)


_BUILDERS: dict[str, Callable[[Notice, str, str], str]] = {
    APNS: _apns,
    APNS_SANDBOX: _apns,
    FCM: _fcm,
    WEBHOOK: _webhook,
}


def _size(s: str) -> int:
    return len(s.encode("utf-8"))


def _fit(build: Callable[[str], str], text: str, limit: int) -> str | None:
    """The longest prefix of `text` (whole characters, "…" appended when cut) whose payload fits."""
    whole = build(text)
    if _size(whole) <= limit:
        return whole
    lo, hi = 0, len(text)  # invariant: prefix of length lo fits (checked below), hi does not
    if _size(build(ELLIPSIS)) > limit:
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _size(build(text[:mid] + ELLIPSIS)) <= limit:
            lo = mid
        else:
            hi = mid
    return build(text[:lo] + ELLIPSIS)


def payload(platform: str, n: Notice, limit: int | None = None) -> str | None:
    """The platform's payload (APNs `aps` JSON, FCM message JSON, webhook JSON) within its limit: the text is
    cut first, then the title; None if even that cannot fit (an Ext too large for the platform)."""
    build = _BUILDERS[platform]
    limit = PAYLOAD_LIMITS[platform] if limit is None else limit
    fitted = _fit(lambda text: build(n, text, n.title), n.text, limit)
    if fitted is not None:
        return fitted
    return _fit(lambda title: build(n, ELLIPSIS if n.text else "", title), n.title, limit)


def sns_message(platform: str, body: str) -> str:
    """SNS's MessageStructure=json document for one platform endpoint (a webhook topic gets the body as is)."""
    if platform == WEBHOOK:
        return body
    key = {APNS: "APNS", APNS_SANDBOX: "APNS_SANDBOX", FCM: "GCM"}[platform]
    return _compact({"default": "", key: body})
