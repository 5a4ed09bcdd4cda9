import argparse
from datetime import datetime, timedelta, timezone

from chalicelib.jobs import daily_stats
from yuntong_cli import usage

SHANGHAI = timezone(timedelta(hours=8))


def test_usage_report_shows_peak_dau_chart_and_both_bills(svc, tenant, clock, capsys):
    app = svc.apps.get(tenant.sdkappid)
    for day, users in ((15, ["alice", "bob"]), (16, ["alice", "bob", "carol"]), (17, ["dave"])):
        clock.t = datetime(2023, 11, day, 12, 0, tzinfo=SHANGHAI).timestamp()
        for user in users:
            svc.metrics.mark(app, "ActiveUserNum", user)
            svc.metrics.incr(app, "LoginTimes")
    clock.t = datetime(2023, 12, 1, 1, 0, tzinfo=SHANGHAI).timestamp()
    daily_stats.run()
    args = argparse.Namespace(month="2023-11", sdkappid=tenant.sdkappid, usd_cny=7.0)
    assert usage.run(args, svc) == 0
    out = capsys.readouterr().out
    assert "billing DAU (highest daily DAU of the month): 3 on 20231116" in out
    assert "11-16 " + "█" * usage.BAR_WIDTH in out  # the peak day's bar is full width
    assert "DAU" in out and "free" in out and "WebSocket frames" in out and "assumptions:" in out


def test_usage_rejects_a_malformed_month(svc, capsys):
    assert usage.run(argparse.Namespace(month="2023-13", sdkappid=None, usd_cny=7.0), svc) == 2
    assert "not a YYYY-MM month" in capsys.readouterr().err


def test_usage_for_an_unknown_app_fails_cleanly(svc, capsys):
    assert usage.run(argparse.Namespace(month="2023-11", sdkappid=42, usd_cny=7.0), svc) == 1
    assert "not found" in capsys.readouterr().err


def test_chart_scales_bars_to_the_peak():
    lines = usage.chart([("20231101", 50), ("20231102", 100), ("20231103", 0)], width=10)
    assert lines[0].startswith("11-01 █████ ") and lines[1].startswith("11-02 ██████████ ")
    assert lines[2].split() == ["11-03", "0"]
