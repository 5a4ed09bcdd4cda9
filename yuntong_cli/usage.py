"""`yuntong usage --month YYYY-MM [--sdkappid N]`: peak DAU, a daily DAU chart, the FAQ fee beside the AWS estimate,
online people (the month's peak, yesterday's peak and now).

Reads the finalised daily figures the stats job writes (one Query per app per month), yesterday's figures and the
app's online totals (a GetItem and a BatchGetItem). Runs through the main CLI
(`yuntong usage ...`, local stack or `--stage`) or on its own against the environment's stage (Settings.from_env):
`python -m yuntong_cli.usage --month 2024-05`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from chalicelib.domain.apps import App
    from chalicelib.wiring import Services

BAR_WIDTH = 40
DEFAULT_USD_CNY = 7.1  # an assumption for showing both bills in one currency; pass --usd-cny to change it


def month_arg(text: str) -> str:
    """argparse type for `--month`: a natural month YYYY-MM (a bad one is a command-line error, exit 2)."""
    from chalicelib.domain.stats import month_days

    try:
        month_days(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", required=True, type=month_arg, help="natural month, YYYY-MM")
    parser.add_argument("--sdkappid", type=int, help="one app (default: every app)")
    parser.add_argument("--usd-cny", type=float, default=DEFAULT_USD_CNY, help="exchange rate for the comparison")


def register(groups: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """Hook for the main CLI: `yuntong usage ...` (`groups` is its subparsers object)."""
    help_text = "peak DAU, daily DAU chart, the month's fee and an AWS estimate"
    parser: argparse.ArgumentParser = groups.add_parser("usage", help=help_text, description=help_text, parents=parents)
    add_arguments(parser)
    parser.set_defaults(func=usage)
    return parser


def chart(daily: Sequence[tuple[str, int]], width: int = BAR_WIDTH) -> list[str]:
    """One bar per day, scaled to the month's peak: `05-14 ██████████▌          1,234`."""
    top = max((v for _, v in daily), default=0)
    lines = []
    for day, value in daily:
        eighths = round(value / top * width * 8) if top else 0
        bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
        lines.append(f"{day[4:6]}-{day[6:]} {bar:<{width}} {value:>9,}")
    return lines


def online_lines(days: Sequence[Any], yesterday: Any | None = None, now: Any | None = None) -> list[str]:
    """Online people (accounts, not terminals): the month's highest daily peak, yesterday's peak (a DayFigures, the
    FAQ's 前一天最高在线人数) and the live count (a ports.Online)."""
    peaks = {d.day: d.figures.get("MaxOnlineNum", 0) for d in days}
    top_day = max(peaks, key=lambda d: peaks[d]) if peaks else "-"
    out = [f"peak online accounts of the month: {peaks.get(top_day, 0):,} on {top_day}"]
    if yesterday is not None:
        out.append(f"peak online accounts yesterday ({yesterday.day}): {yesterday.figures.get('MaxOnlineNum', 0):,}")
    if now is not None:
        out.append(f"online now: {now.accounts:,} accounts on {now.connections:,} terminals")
    return out


def report(
    app: App, days: Sequence[Any], month: str, usd_cny: float, yesterday: Any | None = None, now: Any | None = None
) -> str:
    """The text report for one app; `days` are services.stats.DayFigures of the month, `yesterday` the previous
    day's (StatsService.previous_day), `now` the app's online totals (ConnectionDirectory.online)."""
    from chalicelib.domain import billing
    from chalicelib.domain.stats import billing_dau, month_days

    dau = {d.day: d.figures.get("ActiveUserNum", 0) for d in days}
    peak = billing_dau(dau)
    peak_day = max(dau, key=lambda d: dau[d]) if dau else "-"
    all_days = month_days(month)
    out = [f"SDKAppID {app.sdkappid} ({app.name}), {month}: {len(days)} of {len(all_days)} days finalised"]
    out.append(f"billing DAU (highest daily DAU of the month): {peak:,} on {peak_day}")
    out += online_lines(days, yesterday, now)
    out.append("")
    out += chart([(d, dau.get(d, 0)) for d in all_days if d in dau])
    fees = billing.monthly_fees(peak, app.config)
    out += ["", "Tencent IM price (FAQ table), CNY per month:"]
    out += [f"  {f.item:<26} {f.cny:>10,}  {f.note}" for f in fees]
    fee_total = sum(f.cny for f in fees)
    out.append(f"  {'total':<26} {fee_total:>10,}")
    model = billing.CostModel()
    costs = billing.aws_estimate([d.figures for d in days], model)
    usd = sum(c.usd for c in costs)
    out += ["", "AWS estimate for the same month (us-east-1 list prices of Nov 2024, cited in domain/billing.py), USD:"]
    out += [f"  {c.item:<30} {c.quantity:>16,.0f}  {c.usd:>10,.2f}" for c in costs]
    out.append(f"  {'total':<30} {'':>16}  {usd:>10,.2f}  (≈ {usd * usd_cny:,.0f} CNY at {usd_cny} CNY/USD)")
    out += ["", "assumptions:"] + [f"  - {line}" for line in model.describe()]
    return "\n".join(out)


def usage(args: argparse.Namespace, svc: Services, out: TextIO) -> None:
    """The command: one report per app (DomainError if `--sdkappid` names no app)."""
    apps = [svc.apps.get(args.sdkappid)] if args.sdkappid else svc.apps.all()
    reports = [
        report(
            a,
            svc.stats.month(a.sdkappid, args.month),
            args.month,
            args.usd_cny,
            svc.stats.previous_day(a),
            svc.connections.online(a.sdkappid),
        )
        for a in apps
    ]
    out.write("\n\n".join(reports))
    out.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone: the stage's tables from the environment (Settings.from_env)."""
    from chalicelib.domain.errors import DomainError
    from chalicelib.wiring import services

    parser = argparse.ArgumentParser(prog="yuntong usage", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        usage(args, services(), sys.stdout)
    except DomainError as err:
        print(f"error: {err.info} ({err.error_code})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
