from datetime import datetime, timedelta, timezone

from chalicelib.api.commands.operations import APPINFO_FIELDS
from chalicelib.jobs import daily_stats

SHANGHAI = timezone(timedelta(hours=8))


def at(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).timestamp()


def _two_days(svc, tenant, clock):
    clock.t = at("2023-11-15 10:00")
    app = svc.apps.get(tenant.sdkappid)
    svc.metrics.mark(app, "ActiveUserNum", "alice")
    svc.metrics.incr(app, "C2CUpMsgNum", 3)
    clock.t = at("2023-11-16 10:00")
    svc.metrics.mark(app, "ActiveUserNum", "alice")
    svc.metrics.mark(app, "ActiveUserNum", "bob")
    clock.t = at("2023-11-17 01:00")
    daily_stats.run()


def test_getappinfo_serves_the_finalised_days_as_strings(api, svc, tenant, clock):
    _two_days(svc, tenant, clock)
    out = api.ok("openconfigsvr/getappinfo", {})
    assert [r["Date"] for r in out["Result"]] == ["20231115", "20231116"]
    first = out["Result"][0]
    assert first["AppId"] == str(tenant.sdkappid) and first["AppName"] == f"app-{tenant.sdkappid}"
    assert set(APPINFO_FIELDS) <= set(first) and "AllMemberPushNum" not in first
    assert all(isinstance(v, str) for r in out["Result"] for v in r.values())
    stats = {d.day: d.figures for d in svc.stats.recent(svc.apps.get(tenant.sdkappid))}
    for row in out["Result"]:  # matches the stats job's figures exactly
        assert {f: int(row[f]) for f in APPINFO_FIELDS} == {f: stats[row["Date"]].get(f, 0) for f in APPINFO_FIELDS}
    assert (first["ActiveUserNum"], first["C2CUpMsgNum"], out["Result"][1]["ActiveUserNum"]) == ("1", "3", "2")


def test_request_field_selects_the_figures(api, svc, tenant, clock):
    _two_days(svc, tenant, clock)
    out = api.ok("openconfigsvr/getappinfo", {"RequestField": ["ActiveUserNum", "ChainIncrease"]})
    assert set(out["Result"][0]) == {"AppName", "AppId", "Company", "Date", "ActiveUserNum", "ChainIncrease"}


def test_only_the_last_30_days_are_served(api, svc, tenant, clock):
    _two_days(svc, tenant, clock)
    clock.t = at("2023-12-16 10:00")  # the 15th of November is now 31 days ago
    daily_stats.run()
    dates = [r["Date"] for r in api.ok("openconfigsvr/getappinfo", {"RequestField": ["ActiveUserNum"]})["Result"]]
    assert dates[0] == "20231116" and dates[-1] == "20231215" and len(dates) == 30


def test_getappinfo_rejects_bad_input(api, tenant):
    api.fails("openconfigsvr/getappinfo", {"RequestField": ["NoSuchField"]}, 70402)
    api.fails("openconfigsvr/getappinfo", {"RequestField": "ActiveUserNum"}, 70402)
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.fails("openconfigsvr/getappinfo", {}, 60010, identifier="alice")
    api.fails("openconfigsvr/getappinfo", None, 90001, raw=b"{not json")
