"""Issue 19 items 6 and 7 through the edges: online people (accounts, not terminals) now and yesterday's peak in
getappinfo, the console and the usage report; DAU counted once per account and day whichever way it acts."""

import argparse
import io
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.stats import day_of
from chalicelib.jobs import daily_stats
from tests.builders import SDKAPPID
from yuntong_cli import usage

SHANGHAI = timezone(timedelta(hours=8))
PORTRAIT_GET = "profile/portrait_get"
PORTRAIT_SET = "profile/portrait_set"


def at(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).timestamp()


@pytest.fixture
def accounts(svc):
    svc.apps.configure(SDKAPPID, {"login_policy": "no_kick"})
    for user in ("alice", "bob", "carol", "dave"):
        svc.accounts.import_account(SDKAPPID, user)


def _today(svc, clock):
    return svc.metrics.day(SDKAPPID, day_of(clock.now(), "Asia/Shanghai"))


def _nick(value):
    return {"ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": value}]}


def test_dau_counts_an_account_once_across_login_websocket_commands_and_its_own_rest_calls(
    api, ws, svc, clock, accounts
):
    cid = ws.login("alice", "PC")
    ws.login("alice", "Web")
    ws.ok(cid, PORTRAIT_SET, _nick("Alice"))
    api.ok(PORTRAIT_GET, {"To_Account": ["bob"], "TagList": ["Tag_Profile_IM_Nick"]}, identifier="alice")
    assert _today(svc, clock)["ActiveUserNum"] == 1
    # bob never logs in: a REST call with his own UserSig is acting as himself (FAQ: using IM is being active)
    api.ok(PORTRAIT_SET, _nick("Bob"), identifier="bob")
    api.ok(PORTRAIT_SET, _nick("Bobby"), identifier="bob")
    # the app's backend acting for carol (the admin's UserSig) is not carol's activity, nor the admin's
    api.ok(PORTRAIT_SET, {"From_Account": "carol", **_nick("Carol")})
    # a call the account may not make is no activity either (and writes nothing)
    api.rejects("openconfigsvr/getappinfo", {}, 60010, identifier="dave")
    figures = _today(svc, clock)
    assert (figures["ActiveUserNum"], figures["LoginTimes"]) == (2, 2)


def test_a_terminal_still_online_after_midnight_counts_on_the_new_day_at_its_first_frame(ws, svc, clock, accounts):
    clock.t = at("2023-11-15 23:59")
    cid = ws.login("alice", "PC")
    clock.t = at("2023-11-16 00:01")
    assert _today(svc, clock).get("ActiveUserNum", 0) == 0
    ws.ok(cid, "realtime/heartbeat")
    ws.ok(cid, "realtime/heartbeat")
    assert _today(svc, clock)["ActiveUserNum"] == 1


def test_getappinfo_serves_online_people_now_and_yesterdays_peak_before_and_after_the_job(
    api, ws, svc, clock, accounts
):
    clock.t = at("2023-11-15 10:00")
    a1 = ws.login("alice", "PC")
    ws.login("alice", "Web")  # a second terminal: still one person
    b1 = ws.login("bob", "iPhone")
    ws.login("carol", "Android")
    ws.disconnect(a1)
    ws.disconnect(b1)  # bob's last terminal: one person fewer
    out = api.ok("openconfigsvr/getappinfo", {})
    assert (out["OnlineAccountNum"], out["OnlineTerminalNum"]) == ("2", "2")
    assert out["PrevDayMaxOnlineNum"] == "0"
    clock.t = at("2023-11-16 00:05")  # the 15th is over, the job has not finalised it yet
    out = api.ok("openconfigsvr/getappinfo", {})
    assert out["Result"] == [] and out["PrevDayMaxOnlineNum"] == "3"
    clock.t = at("2023-11-16 01:00")
    daily_stats.run()
    out = api.ok("openconfigsvr/getappinfo", {"RequestField": ["MaxOnlineNum"]})
    assert out["PrevDayMaxOnlineNum"] == "3"
    assert [(r["Date"], r["MaxOnlineNum"]) for r in out["Result"]] == [("20231115", "3")]  # people, not terminals
    assert "MaxOnlineTerminalNum" not in api.ok("openconfigsvr/getappinfo", {})["Result"][0]  # ours, not Tencent's
    assert svc.stats.recent(svc.apps.get(SDKAPPID))[0].figures["MaxOnlineTerminalNum"] == 4
    api.fails("openconfigsvr/getappinfo", {"RequestField": ["MaxOnlineTerminalNum"]}, 70402)


def test_the_usage_report_shows_online_people_now_yesterday_and_the_months_peak(ws, svc, clock, accounts):
    clock.t = at("2023-11-20 10:00")
    ws.login("alice", "PC")
    ws.login("alice", "Web")
    ws.login("bob", "Web")
    clock.t = at("2023-11-21 09:00")
    daily_stats.run()
    args = argparse.Namespace(month="2023-11", sdkappid=SDKAPPID, usd_cny=7.0)
    buffer = io.StringIO()
    usage.usage(args, svc, buffer)
    out = buffer.getvalue()
    assert "peak online accounts of the month: 2 on 20231120" in out
    assert "peak online accounts yesterday (20231120): 2" in out
    assert "online now: 2 accounts on 3 terminals" in out


def test_a_failing_dau_mark_fails_neither_a_frame_nor_a_rest_call_that_succeeded(
    api, ws, svc, clock, accounts, monkeypatch
):
    cid = ws.login("alice", "PC")

    def broken(*args, **kwargs):
        raise RuntimeError("throttled")

    monkeypatch.setattr(svc.metrics, "active", broken)
    assert ws.ok(cid, "realtime/heartbeat")["ErrorCode"] == 0
    out = api.ok(PORTRAIT_SET, _nick("Bob"), identifier="bob")
    assert out["ErrorCode"] == 0
