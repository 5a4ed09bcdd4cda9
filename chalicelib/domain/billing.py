"""What a month costs: the FAQ's price table (CNY) and an AWS estimate from the stack's own daily counters (USD).

FAQ (费用相关问题): DAU counts each account that logged in once per natural day; a month is billed on its highest
daily DAU. Under 100,000 DAU is free; from 100,000 it is 10,000 CNY per month per 100,000 DAU (the table lists
prices up to 800,000 DAU; above that it says to ask sales). Value-added services are priced per unit of the
configured limit, with a 2,000 CNY minimum once past the free limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.domain.apps import AppConfig

DAU_FREE_BELOW = 100_000
DAU_UNIT = 100_000
DAU_UNIT_CNY = 10_000
DAU_TABLE_TOP = 800_000  # above this the table gives no price ("请咨询客服")
VALUE_ADDED_UNIT_CNY = 600
VALUE_ADDED_MIN_CNY = 2_000
MULTI_TERMINAL_CNY = 2_000
ALL_MEMBER_PUSH_CNY = 2_000
ROAMING_UNIT_CNY = 1_000  # per quarter of roaming, per 100,000 DAU, per month
FREE_ROAMING_DAYS = 7


@dataclass(frozen=True)
class FeeLine:
    item: str
    cny: int
    note: str = ""


def dau_units(peak_dau: int) -> int:
    """Started blocks of 100,000 DAU (the FAQ prices per 100,000; a partial block is billed as a whole one)."""
    return math.ceil(peak_dau / DAU_UNIT)


def dau_fee(peak_dau: int) -> FeeLine:
    if peak_dau < DAU_FREE_BELOW:
        return FeeLine("DAU", 0, f"peak DAU {peak_dau:,} < {DAU_FREE_BELOW:,}: free")
    units = dau_units(peak_dau)
    note = f"{units} x 100k DAU x {DAU_UNIT_CNY:,} CNY"
    if peak_dau > DAU_TABLE_TOP:
        note += f"; above {DAU_TABLE_TOP:,} the FAQ says to ask sales, extrapolated at the same rate"
    return FeeLine("DAU", units * DAU_UNIT_CNY, note)


def _per_unit(item: str, configured: int, free: int, unit: int) -> FeeLine | None:
    """FAQ's pattern: past the free limit, 600 CNY per `unit` of the whole configured amount, at least 2,000."""
    if configured <= free:
        return None
    units = math.ceil(configured / unit)
    fee = max(VALUE_ADDED_MIN_CNY, units * VALUE_ADDED_UNIT_CNY)
    return FeeLine(item, fee, f"{configured:,} configured: {units} x {VALUE_ADDED_UNIT_CNY} CNY, minimum 2,000")


def value_added_fees(config: AppConfig, peak_dau: int) -> list[FeeLine]:
    """Monthly fees the app's configuration implies (each only when set past the FAQ's free default)."""
    lines = [
        _per_unit("REST call rate", config.rest_rate_per_second, 100, 100),
        _per_unit("daily net new groups", config.daily_new_groups, 500, 500),
        _per_unit("total groups", config.max_groups, 100_000, 100_000),
        _per_unit("recent contacts", config.recent_contacts, 50, 50),
    ]
    out = [line for line in lines if line is not None]
    if config.login_policy != "single":
        out.append(FeeLine("multi-terminal login", MULTI_TERMINAL_CNY, f"login_policy {config.login_policy}"))
    if config.daily_all_member_pushes > 100:
        out.append(FeeLine("all-member push", ALL_MEMBER_PUSH_CNY, f"{config.daily_all_member_pushes} pushes a day"))
    if config.roaming_days > FREE_ROAMING_DAYS:
        quarters = math.ceil(config.roaming_days / 92)  # FAQ: 12 months of roaming = 4 quarters
        units = max(1, dau_units(peak_dau))
        out.append(
            FeeLine(
                "message roaming",
                ROAMING_UNIT_CNY * units * quarters,
                f"{config.roaming_days} days = {quarters} quarter(s) x {units} x 100k DAU x {ROAMING_UNIT_CNY} CNY",
            )
        )
    return out


def monthly_fees(peak_dau: int, config: AppConfig) -> list[FeeLine]:
    return [dau_fee(peak_dau), *value_added_fees(config, peak_dau)]


# --- AWS estimate --------------------------------------------------------------------------------------------
# us-east-1 list prices (USD) as published by AWS from November 2024 (after DynamoDB on-demand's 1 Nov 2024 price
# cut); re-check them before relying on the estimate:
#   API Gateway WebSocket, messages and connection minutes: https://aws.amazon.com/api-gateway/pricing/
#   DynamoDB on-demand write and read request units:       https://aws.amazon.com/dynamodb/pricing/on-demand/
#   Lambda requests and GB-seconds (x86):                   https://aws.amazon.com/lambda/pricing/
WS_FRAME_USD = 1.00 / 1e6
WS_CONNECTION_MINUTE_USD = 0.25 / 1e6
WRITE_UNIT_USD = 0.625 / 1e6
READ_UNIT_USD = 0.125 / 1e6
LAMBDA_REQUEST_USD = 0.20 / 1e6
LAMBDA_GB_SECOND_USD = 0.0000166667


@dataclass(frozen=True)
class CostModel:
    """What one counted event costs in AWS operations; every figure is an assumption the report prints."""

    online_share_of_peak: float = 0.5  # average concurrent terminals as a share of the day's peak
    heartbeat_minutes: float = 9.0  # one client frame per 9 minutes keeps the 10-minute idle timeout away
    frames_per_login: int = 2  # login frame and its reply
    lambdas_per_login: int = 3  # $connect, the login frame, $disconnect
    writes_per_login: float = 6.0  # two connection rows, DAU mark and counters
    frames_per_up_msg: int = 2  # the send frame and its ack
    writes_per_c2c_msg: float = 5.0  # one stored message, two conversation rows, counters
    writes_per_group_msg: float = 4.0  # seq, message, counters
    reads_per_down_msg: float = 0.5  # one eventually consistent connection lookup per delivery
    lambda_ms: float = 50.0
    lambda_gb: float = 0.25

    def describe(self) -> list[str]:
        return [
            f"average online = {self.online_share_of_peak:.0%} of the day's peak of online terminals, all day",
            f"one heartbeat frame per {self.heartbeat_minutes:g} minutes per terminal",
            f"login: {self.frames_per_login} frames, {self.lambdas_per_login} Lambda calls, "
            f"{self.writes_per_login:g} write units",
            f"sent message: {self.frames_per_up_msg} frames, 1 Lambda call, {self.writes_per_c2c_msg:g} (C2C) / "
            f"{self.writes_per_group_msg:g} (group) write units",
            f"delivered message: 1 frame, {self.reads_per_down_msg:g} read units",
            f"Lambda: {self.lambda_ms:g} ms at {self.lambda_gb:g} GB per call (public list price for duration)",
            "not counted: REST calls, storage, data transfer, SQS, CloudWatch",
        ]


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: float
    usd: float


def aws_estimate(days: Iterable[Mapping[str, int]], model: CostModel | None = None) -> list[CostLine]:
    """USD for a set of finalised days (domain.stats figures) under `model`."""
    m = model or CostModel()
    total: dict[str, float] = {}
    for day in days:
        for name in ("LoginTimes", "C2CUpMsgNum", "GroupUpMsgNum", "DownMsgNum"):
            total[name] = total.get(name, 0) + day.get(name, 0)
        # connection-minutes are per terminal: the day's terminal peak (MaxOnlineNum counts people since issue 19.6)
        peak = day.get("MaxOnlineTerminalNum") or day.get("MaxOnlineNum", 0)
        online_minutes = peak * m.online_share_of_peak * 1440
        total["minutes"] = total.get("minutes", 0) + online_minutes
    logins, c2c, group = total.get("LoginTimes", 0), total.get("C2CUpMsgNum", 0), total.get("GroupUpMsgNum", 0)
    down, minutes = total.get("DownMsgNum", 0), total.get("minutes", 0)
    frames = logins * m.frames_per_login + (c2c + group) * m.frames_per_up_msg + down + minutes / m.heartbeat_minutes
    lambdas = logins * m.lambdas_per_login + c2c + group + minutes / m.heartbeat_minutes
    writes = logins * m.writes_per_login + c2c * m.writes_per_c2c_msg + group * m.writes_per_group_msg
    reads = down * m.reads_per_down_msg
    return [
        CostLine("WebSocket frames", frames, frames * WS_FRAME_USD),
        CostLine("WebSocket connection-minutes", minutes, minutes * WS_CONNECTION_MINUTE_USD),
        CostLine("DynamoDB write units", writes, writes * WRITE_UNIT_USD),
        CostLine("DynamoDB read units", reads, reads * READ_UNIT_USD),
        CostLine("Lambda requests", lambdas, lambdas * LAMBDA_REQUEST_USD),
        CostLine(
            "Lambda GB-seconds",
            lambdas * m.lambda_ms / 1000 * m.lambda_gb,
            lambdas * m.lambda_ms / 1000 * m.lambda_gb * LAMBDA_GB_SECOND_USD,
        ),
    ]
