"""The daily stats job with a fixed clock: natural days in the app's timezone, idempotent runs, running totals."""

from datetime import UTC, datetime, timedelta, timezone

from chalicelib.domain.apps import AppConfig
from chalicelib.domain.stats import billing_dau
from chalicelib.jobs import daily_stats

SHANGHAI = timezone(timedelta(hours=8))


def at(text: str, tz=SHANGHAI) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz).timestamp()


def _login(svc, app, *users):
    # What the websocket login records (realtime): DAU once per account per day, every login counted.
    for user in users:
        svc.metrics.mark(app, "ActiveUserNum", user)
        svc.metrics.incr(app, "LoginTimes")


def test_logins_across_two_days_give_each_days_dau_and_the_months_peak(svc, tenant, clock):
    clock.t = at("2023-11-15 09:00")
    app = svc.apps.get(tenant.sdkappid)
    _login(svc, app, "alice", "bob", "alice")
    clock.t = at("2023-11-15 23:59")
    _login(svc, app, "bob")
    clock.t = at("2023-11-16 00:01")  # Shanghai midnight has passed: a new natural day
    _login(svc, app, "alice", "carol", "dave")
    clock.t = at("2023-11-17 00:30")
    assert daily_stats.run() == {tenant.sdkappid: ["20231115", "20231116"]}
    days = {d.day: d.figures for d in svc.stats.month(tenant.sdkappid, "2023-11")}
    assert days["20231115"]["ActiveUserNum"] == 2 and days["20231115"]["LoginTimes"] == 4
    assert days["20231116"]["ActiveUserNum"] == 3 and days["20231116"]["LoginTimes"] == 3
    assert billing_dau({day: f["ActiveUserNum"] for day, f in days.items()}) == 3


def test_running_the_job_twice_gives_the_same_result(svc, tenant, clock):
    clock.t = at("2023-11-15 09:00")
    app = svc.apps.get(tenant.sdkappid)
    _login(svc, app, "alice", "bob")
    svc.metrics.incr(app, "C2CUpMsgNum", 5)
    svc.metrics.peak(app, "MaxOnlineNum", 2)
    clock.t = at("2023-11-16 01:00")
    first = daily_stats.run()
    snapshot = svc.stats.month(tenant.sdkappid, "2023-11")
    assert daily_stats.run() == {}  # nothing new is due
    assert svc.stats.finalize_day(app, "20231115") == snapshot[0].figures  # forcing the day again changes nothing
    assert svc.stats.month(tenant.sdkappid, "2023-11") == snapshot
    assert first == {tenant.sdkappid: ["20231115"]}
    assert snapshot[0].figures["MaxOnlineNum"] == 2 and snapshot[0].figures["UpMsgNum"] == 5


def test_registered_accounts_count_new_imports_per_day_and_keep_a_running_total(svc, tenant, clock):
    clock.t = at("2023-11-15 09:00")
    svc.accounts.import_account(tenant.sdkappid, "alice")
    svc.accounts.import_many(tenant.sdkappid, ["bob", "alice"])  # alice again: not a new registration
    clock.t = at("2023-11-16 09:00")
    svc.accounts.import_account(tenant.sdkappid, "carol")
    svc.accounts.import_account(tenant.sdkappid, "bob")
    clock.t = at("2023-11-17 09:00")
    daily_stats.run()
    days = {d.day: d.figures for d in svc.stats.month(tenant.sdkappid, "2023-11")}
    assert (days["20231115"]["RegistUserNumOneDay"], days["20231115"]["RegistUserNumTotal"]) == (2, 2)
    assert (days["20231116"]["RegistUserNumOneDay"], days["20231116"]["RegistUserNumTotal"]) == (1, 3)


def test_groups_messages_and_senders_are_summed_across_c2c_and_groups(svc, tenant, clock):
    clock.t = at("2023-11-15 09:00")
    app = svc.apps.get(tenant.sdkappid)
    svc.metrics.incr(app, "GroupNewGroupNum", 3)
    svc.metrics.incr(app, "GroupJoinGroupTimes", 7)
    svc.metrics.incr(app, "C2CUpMsgNum", 4)
    svc.metrics.incr(app, "C2CDownMsgNum", 4)
    svc.metrics.incr(app, "GroupUpMsgNum", 2)
    svc.metrics.incr(app, "GroupDownMsgNum", 10)
    for user in ("alice", "bob"):
        svc.metrics.mark(app, "C2CSendMsgUserNum", user)
    for user in ("bob", "carol"):
        svc.metrics.mark(app, "GroupSendMsgUserNum", user)
    clock.t = at("2023-11-16 09:00")
    svc.metrics.incr(app, "GroupDestroyGroupNum", 1)
    svc.metrics.incr(app, "GroupQuitGroupTimes", 2)
    clock.t = at("2023-11-17 09:00")
    daily_stats.run()
    day1, day2 = (d.figures for d in svc.stats.month(tenant.sdkappid, "2023-11"))
    assert (day1["UpMsgNum"], day1["DownMsgNum"], day1["SendMsgUserNum"]) == (6, 14, 3)
    assert (day1["GroupNewGroupNum"], day1["GroupAllGroupNum"], day1["GroupJoinGroupTimes"]) == (3, 3, 7)
    assert (day2["GroupDestroyGroupNum"], day2["GroupAllGroupNum"], day2["GroupQuitGroupTimes"]) == (1, 2, 2)


def test_each_app_is_finalised_after_its_own_midnight(svc, tenant, clock):
    clock.t = at("2023-11-15 12:00", UTC)
    utc_app = svc.apps.create(1400000002, "utc-app", ["administrator"])
    svc.apps.set_config(utc_app.sdkappid, AppConfig(timezone="UTC"))
    clock.t = at("2023-11-15 23:30", UTC)  # Shanghai is already on the 16th, UTC still on the 15th
    assert daily_stats.run() == {tenant.sdkappid: ["20231115"]}
    clock.t = at("2023-11-16 00:30", UTC)
    assert daily_stats.run() == {utc_app.sdkappid: ["20231115"]}


def test_deleted_apps_are_skipped(svc, tenant, clock):
    clock.t = at("2023-11-15 09:00")
    svc.apps.suspend(tenant.sdkappid)
    svc.apps.delete(tenant.sdkappid)
    clock.t = at("2023-11-16 09:00")
    assert daily_stats.run() == {}


def test_a_day_without_activity_is_finalised_with_zeros_and_keeps_the_totals(svc, tenant, clock):
    clock.t = at("2023-11-15 09:00")
    svc.accounts.import_account(tenant.sdkappid, "alice")
    clock.t = at("2023-11-18 09:00")
    daily_stats.run()
    days = svc.stats.month(tenant.sdkappid, "2023-11")
    assert [d.day for d in days] == ["20231115", "20231116", "20231117"]
    assert [d.figures["RegistUserNumTotal"] for d in days] == [1, 1, 1]
    assert days[-1].figures["ActiveUserNum"] == 0


def test_a_day_is_finalised_only_after_a_settling_delay_past_midnight(svc, tenant, clock):
    clock.t = at("2023-11-15 12:00")
    svc.metrics.mark(svc.apps.get(tenant.sdkappid), "ActiveUserNum", "alice")
    clock.t = at("2023-11-16 00:05")  # late writes of the 15th may still be landing
    assert daily_stats.run() == {}
    clock.t = at("2023-11-16 00:11")
    assert daily_stats.run() == {tenant.sdkappid: ["20231115"]}
