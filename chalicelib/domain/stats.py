"""Daily statistics: metric names (getappinfo's field names) and the natural day in an app's timezone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

# Every counter a feature may record; the daily stats job and getappinfo read them under these names.
METRICS: tuple[str, ...] = (
    "ActiveUserNum",  # DAU: accounts that logged in or acted as themselves (unique per day, FAQ)
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
    "MaxOnlineNum",  # the day's peak of online ACCOUNTS, people not terminals (FAQ: 前一天最高在线人数)
    "MaxOnlineTerminalNum",  # Yuntong's: the day's peak of online terminals (connections); not in getappinfo
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

# Yuntong's own figures, recorded like the others but not Tencent's: getappinfo does not serve them.
YUNTONG_ONLY: tuple[str, ...] = ("AllMemberPushNum", "MaxOnlineTerminalNum")

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


# Figures the daily job derives instead of copying: sums across C2C and group, and running totals.
DERIVED: tuple[str, ...] = (
    "UpMsgNum",
    "DownMsgNum",
    "APNSMsgNum",
    "SendMsgUserNum",
    "LoginUserNum",
    "RegistUserNumTotal",
    "GroupAllGroupNum",
)


def finalize(
    raw: Mapping[str, int], previous: Mapping[str, int] | None, senders: int | None = None, active: int | None = None
) -> dict[str, int]:
    """A finished day's figures from its raw counters and the previous finished day's figures (pure, so re-running
    the job for a day gives the same result). `senders` = accounts that sent any message (C2C or group), if known;
    `active` = accounts with a DAU mark that day, if known (the marks are durable, the counter's +1 is buffered)."""
    day = {name: int(raw.get(name, 0)) for name in METRICS}
    before = previous or {}
    # The counter never exceeds the marks (it adds 1 per new mark); past the marks' TTL the counter is all there is.
    day["ActiveUserNum"] = max(active or 0, day["ActiveUserNum"])
    day["UpMsgNum"] = day["C2CUpMsgNum"] + day["GroupUpMsgNum"]
    day["DownMsgNum"] = day["C2CDownMsgNum"] + day["GroupDownMsgNum"]
    day["APNSMsgNum"] = day["C2CAPNSMsgNum"] + day["GroupAPNSMsgNum"]
    # The union can't be smaller than either side; when the per-member marks have expired, the larger side is the floor.
    day["SendMsgUserNum"] = max(senders or 0, day["C2CSendMsgUserNum"], day["GroupSendMsgUserNum"])
    # Logging in is what makes an account active (FAQ), so without a separate count the two are the same.
    day["LoginUserNum"] = day["LoginUserNum"] or day["ActiveUserNum"]
    day["RegistUserNumTotal"] = int(before.get("RegistUserNumTotal", 0)) + day["RegistUserNumOneDay"]
    day["GroupAllGroupNum"] = max(
        0, int(before.get("GroupAllGroupNum", 0)) + day["GroupNewGroupNum"] - day["GroupDestroyGroupNum"]
    )
    return day


def parse_day(day: str) -> date:
    """`"20240131"` → date; ValueError if it is not a YYYYMMDD day."""
    if len(day) != 8 or not day.isdigit():
        raise ValueError(f"not a YYYYMMDD day: {day!r}")
    return datetime.strptime(day, "%Y%m%d").date()


def shift(day: str, days: int) -> str:
    return (parse_day(day) + timedelta(days=days)).strftime("%Y%m%d")


def days_between(first: str, last: str) -> list[str]:
    """Every day from `first` to `last`, both included (empty if `last` is before `first`)."""
    start, end = parse_day(first), parse_day(last)
    return [(start + timedelta(days=i)).strftime("%Y%m%d") for i in range((end - start).days + 1)]


def month_days(month: str) -> list[str]:
    """The natural month `"YYYY-MM"` (or `"YYYYMM"`) as days; ValueError if malformed."""
    digits = month.replace("-", "")
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    first = date(int(digits[:4]), int(digits[4:]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return days_between(first.strftime("%Y%m%d"), (following - timedelta(days=1)).strftime("%Y%m%d"))


def billing_dau(daily_dau: Mapping[str, int]) -> int:
    """The month's billing DAU: the highest daily DAU of the natural month (FAQ: 取当月日 DAU 最高峰值)."""
    return max(daily_dau.values(), default=0)
