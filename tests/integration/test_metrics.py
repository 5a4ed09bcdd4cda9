from chalicelib.domain.stats import day_of


def test_marks_count_each_member_once_per_natural_day(svc, tenant, clock):
    app = svc.apps.get(tenant.sdkappid)
    day = day_of(clock.now(), app.config.timezone)
    assert svc.metrics.mark(app, "ActiveUserNum", "alice") is True
    assert svc.metrics.mark(app, "ActiveUserNum", "alice") is False
    assert svc.metrics.mark(app, "ActiveUserNum", "bob") is True
    svc.metrics.incr(app, "C2CUpMsgNum", 3)
    svc.metrics.peak(app, "MaxOnlineNum", 5)
    svc.metrics.peak(app, "MaxOnlineNum", 2)
    assert svc.metrics.day(tenant.sdkappid, day) == {"ActiveUserNum": 2, "C2CUpMsgNum": 3, "MaxOnlineNum": 5}
    clock.advance(86400)
    assert svc.metrics.mark(app, "ActiveUserNum", "alice") is True


def test_day_follows_the_apps_timezone():
    # 2023-11-14 16:30 UTC is already the 15th in Shanghai
    assert day_of(1_699_979_400, "Asia/Shanghai") == "20231115"
    assert day_of(1_699_979_400, "UTC") == "20231114"
