import argparse
import io
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.config import Settings
from chalicelib.jobs import daily_stats
from yuntong_cli import usage
from yuntong_cli.main import main

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
    buffer = io.StringIO()
    usage.usage(args, svc, buffer)
    out = buffer.getvalue()
    assert "billing DAU (highest daily DAU of the month): 3 on 20231116" in out
    assert "11-16 " + "█" * usage.BAR_WIDTH in out  # the peak day's bar is full width
    assert "DAU" in out and "free" in out and "WebSocket frames" in out and "assumptions:" in out


def test_usage_rejects_a_malformed_month_as_a_command_line_error(capsys):
    parser = argparse.ArgumentParser()
    usage.register(parser.add_subparsers())
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["usage", "--month", "2023-13"])
    assert exited.value.code == 2 and "not a YYYY-MM month" in capsys.readouterr().err


def test_usage_standalone_reports_an_unknown_app(svc, capsys):
    assert usage.main(["--month", "2023-11", "--sdkappid", "42"]) == 1
    assert "not found" in capsys.readouterr().err


def test_chart_scales_bars_to_the_peak():
    lines = usage.chart([("20231101", 50), ("20231102", 100), ("20231103", 0)], width=10)
    assert lines[0].startswith("11-01 █████ ") and lines[1].startswith("11-02 ██████████ ")
    assert lines[2].split() == ["11-03", "0"]


@pytest.fixture
def prod_settings():
    return Settings(stage="prod", region="us-east-1", table_prefix="yuntong-prod")


class TestThroughTheYuntongCommand:
    @pytest.fixture
    def settings(self, prod_settings):
        return prod_settings  # the tables `yuntong --stage prod` reads

    def test_yuntong_usage_reads_the_deployed_stages_stats(self, svc, tenant, clock, capsys):
        app = svc.apps.get(tenant.sdkappid)
        clock.t = datetime(2023, 11, 20, 12, tzinfo=SHANGHAI).timestamp()
        svc.metrics.mark(app, "ActiveUserNum", "alice")
        clock.t = datetime(2023, 12, 2, 12, tzinfo=SHANGHAI).timestamp()
        daily_stats.run()
        assert main(["usage", "--month", "2023-11", "--sdkappid", str(tenant.sdkappid), "--stage", "prod"]) == 0
        assert "billing DAU (highest daily DAU of the month): 1 on 20231120" in capsys.readouterr().out
        assert main(["usage", "--month", "2023-11", "--sdkappid", "42", "--stage", "prod"]) == 1
        assert "not found" in capsys.readouterr().err
