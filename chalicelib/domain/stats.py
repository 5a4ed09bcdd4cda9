"""Daily statistics: metric names (getappinfo's field names) and the natural day in an app's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo

# Every counter a feature may record; the daily stats job and getappinfo read them under these names.
METRICS: tuple[str, ...] = (
    "ActiveUserNum",  # DAU: accounts that logged in (unique per day, FAQ)
    "RegistUserNumOneDay",
    "RegistUserNumTotal",
    "LoginTimes",
    "LoginUserNum",
    "UpMsgNum",
    "DownMsgNum",
    "SendMsgUserNum",
    "APNSMsgNum",
    "C2CUpMsgNum",
    "C2CDownMsgNum",
    "C2CSendMsgUserNum",
    "C2CAPNSMsgNum",
    "MaxOnlineNum",  # peak concurrent online connections of the day
    "ChainIncrease",
    "ChainDecrease",
    "GroupUpMsgNum",
    "GroupDownMsgNum",
    "GroupSendMsgUserNum",
    "GroupAPNSMsgNum",
    "GroupSendMsgGroupNum",
    "GroupJoinGroupTimes",
    "GroupQuitGroupTimes",
    "GroupNewGroupNum",
    "GroupAllGroupNum",
    "GroupDestroyGroupNum",
    "CallBackReq",
    "CallBackRsp",
    "AllMemberPushNum",
)

_SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def zone(name: str) -> tzinfo:
    """The app's timezone; falls back to a fixed +08:00 for Asia/Shanghai where tzdata is missing."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 — zoneinfo raises several types when tzdata is absent
        if name == "Asia/Shanghai":
            return _SHANGHAI
        return UTC


def day_of(ts: float, tz: str) -> str:
    """The natural day (YYYYMMDD) of a timestamp in the app's timezone."""
    return datetime.fromtimestamp(ts, zone(tz)).strftime("%Y%m%d")
