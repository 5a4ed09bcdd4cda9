"""Apps (tenants): status lifecycle and per-app configuration with the FAQ's defaults."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import errors

ACTIVE, SUSPENDED, DELETED = "active", "suspended", "deleted"
STATUSES = (ACTIVE, SUSPENDED, DELETED)
# FAQ: "App 被误删除了, 可以恢复吗 — 可以" names no period; 7 days by default (Settings.app_restore_days): after it a
# deleted app is gone (70020) and the purge job (chalicelib/jobs/purge.py) removes its data.
RESTORE_DAYS = 7

# Multi-terminal login policies (FAQ 多终端同时在线), see domain/terminals.py.
LOGIN_POLICIES = ("no_kick", "mobile_pc", "per_platform", "single")
LOG_LEVELS = ("", "DEBUG", "INFO", "WARNING", "ERROR")
CUSTOM_TAG_KEY = re.compile(r"[A-Za-z]{1,8}")  # Tag_Profile_Custom_<key>: 1-8 letters (doc 1500)
MAX_CUSTOM_PROFILE_TAGS = 20


@dataclass(frozen=True)
class AppConfig:
    """Per-app settings; every default follows the FAQ."""

    login_policy: str = "single"  # FAQ: by default one account is online on one terminal
    c2c_friend_check: bool = False  # FAQ: non-friends may message each other by default
    max_msg_bytes: int = 9216  # FAQ: a message must stay within 9 KB
    roaming_days: int = 7  # FAQ: roaming messages are kept 7 days
    recent_contacts: int = 50  # FAQ: 50 recent contacts
    max_friends: int = 1000  # FAQ: 1000 friends
    max_friend_groups: int = 32  # FAQ: 32 friend groups
    max_blacklist: int = 1000
    max_pending_requests: int = 100  # pending friend requests per account and direction (30012)
    friend_request_days: int = 30  # a pending friend request expires after this many days
    rest_rate_per_second: int = 100  # FAQ: 100 REST calls per second
    daily_new_groups: int = 500  # FAQ: 500 net new groups per day
    max_groups: int = 100_000  # FAQ: 100,000 groups in all
    daily_all_member_pushes: int = 100  # FAQ: 100 all-member pushes per day
    offline_kick_seconds: int = 300  # FAQ: offline members of live rooms kicked after 5 minutes
    c2c_recall_seconds: int = 120  # a sender may recall its own message within 2 minutes
    timezone: str = "Asia/Shanghai"  # natural day for DAU
    log_level: str = ""  # "" = the stage's level (Settings.log_level); DEBUG/INFO/WARNING/ERROR override it
    # The app's custom profile fields, declared as in Tencent's console: comma-separated keys of
    # Tag_Profile_Custom_<key> (1-8 letters, at most 20). An undeclared custom tag is refused (40009).
    custom_profile_tags: str = ""
    # Offline push (README "Offline push"): `account` pushes a stored message when the recipient has no online
    # terminal; `platform` when it has none of the device's type (an iPhone is pushed while only the PC is online).
    offline_push_scope: str = "account"
    # The app's SNS platform applications (ARNs) and the webhook topic, written by `yuntong app push` and
    # offline_push/set_credentials (the credentials themselves live only in SNS).
    push_apns_arn: str = ""
    push_apns_sandbox_arn: str = ""
    push_fcm_arn: str = ""
    push_webhook_arn: str = ""

    def push_arn(self, platform: str) -> str:
        """The platform application (or webhook topic) of a device platform (domain/offline_push.PLATFORMS)."""
        return str(getattr(self, f"push_{platform.lower()}_arn", ""))

    def custom_tags(self) -> frozenset[str]:
        """The declared custom profile tags, full names (`Tag_Profile_Custom_Hobby`)."""
        return frozenset(f"Tag_Profile_Custom_{k}" for k in _custom_keys(self.custom_profile_tags))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AppConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def updated(self, changes: dict[str, str]) -> AppConfig:
        """Apply `key=value` strings (CLI) with type checks; raises InvalidParam on a bad key or value."""
        current = self.to_dict()
        types = {f.name: f.type for f in dataclasses.fields(self)}
        for key, raw in changes.items():
            if key not in current:
                raise errors.InvalidParam(f"unknown config key {key!r}; known: {', '.join(sorted(current))}")
            kind = types[key]
            if kind == "bool":
                if raw.lower() not in ("true", "false", "1", "0", "on", "off"):
                    raise errors.InvalidParam(f"{key} takes true or false")
                current[key] = raw.lower() in ("true", "1", "on")
            elif kind == "int":
                try:
                    value = int(raw)
                except ValueError as exc:
                    raise errors.InvalidParam(f"{key} takes an integer") from exc
                if value < 0:
                    raise errors.InvalidParam(f"{key} must not be negative")
                current[key] = value
            else:
                current[key] = raw
        result = AppConfig.from_dict(current)
        if result.login_policy not in LOGIN_POLICIES:
            raise errors.InvalidParam(f"login_policy must be one of {', '.join(LOGIN_POLICIES)}")
        if result.log_level not in LOG_LEVELS:
            raise errors.InvalidParam("log_level must be empty (the stage level) or DEBUG, INFO, WARNING, ERROR")
        if result.offline_push_scope not in ("account", "platform"):
            raise errors.InvalidParam("offline_push_scope must be account or platform")
        keys = _custom_keys(result.custom_profile_tags)
        bad = [k for k in keys if not CUSTOM_TAG_KEY.fullmatch(k)]
        if bad or len(keys) > MAX_CUSTOM_PROFILE_TAGS or len(set(keys)) != len(keys):
            raise errors.InvalidParam(
                f"custom_profile_tags takes at most {MAX_CUSTOM_PROFILE_TAGS} distinct comma-separated keys of "
                "1-8 letters (Tag_Profile_Custom_<key>)"
            )
        return dataclasses.replace(result, custom_profile_tags=",".join(keys))


def _custom_keys(text: str) -> list[str]:
    """`Hobby, Tag_Profile_Custom_City` → ["Hobby", "City"] (the prefix may be given or not)."""
    parts = (p.strip() for p in text.split(","))
    return [p.removeprefix("Tag_Profile_Custom_") for p in parts if p]


@dataclass(frozen=True)
class App:
    sdkappid: int
    name: str
    secret_key: str
    admins: tuple[str, ...]
    status: str = ACTIVE
    created_at: int = 0
    deleted_at: int | None = None
    config: AppConfig = field(default_factory=AppConfig)
    # Where the purge of a deleted app past its restore period got to (opaque to the domain; "" = not started).
    purge_cursor: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"bad app status {self.status}")
        if not self.admins:
            raise ValueError("an app needs at least one admin identifier")

    def is_admin(self, identifier: str) -> bool:
        return identifier in self.admins

    def restorable_until(self, restore_seconds: int) -> int | None:
        """A deleted app's last restorable moment (epoch seconds); None for an app that is not deleted."""
        if self.status != DELETED or self.deleted_at is None:
            return None
        return self.deleted_at + restore_seconds

    def ensure_usable(self) -> None:
        """Calls to a suspended app fail with 60006, to a deleted one with 60016."""
        if self.status == SUSPENDED:
            raise errors.AppSuspended(f"SDKAppID {self.sdkappid} is suspended")
        if self.status == DELETED:
            raise errors.AppDeleted(f"SDKAppID {self.sdkappid} is deleted")
