import io
import json

from chalicelib import logs
from chalicelib.domain.apps import AppConfig


def test_a_call_over_the_rate_is_refused_with_60007_and_changes_nothing(api, svc, tenant):
    svc.apps.set_config(tenant.sdkappid, AppConfig(rest_rate_per_second=2))
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.ok("im_open_login_svc/account_import", {"UserID": "bob"})
    api.fails("im_open_login_svc/account_import", {"UserID": "carol"}, 60007)
    assert svc.accounts.existing(tenant.sdkappid, ["alice", "bob", "carol"]) == {"alice", "bob"}


def test_the_rate_window_is_per_second(api, svc, tenant, clock):
    svc.apps.set_config(tenant.sdkappid, AppConfig(rest_rate_per_second=1))
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.fails("im_open_login_svc/account_import", {"UserID": "bob"}, 60007)
    clock.advance(1)
    api.ok("im_open_login_svc/account_import", {"UserID": "bob"})


def test_each_call_logs_one_line_without_body_or_usersig(api, tenant):
    stream = io.StringIO()
    logs.configure("INFO", stream)
    api.ok("im_open_login_svc/account_import", {"UserID": "alice", "Nick": "TopSecretNick"})
    api.fails("im_open_login_svc/account_import", {"UserID": 5, "Nick": "OtherSecret"}, 70402)
    raw = stream.getvalue()
    assert "TopSecretNick" not in raw and "OtherSecret" not in raw
    assert tenant.sig(tenant.admin) not in raw
    lines = [json.loads(line) for line in raw.splitlines() if '"rest call"' in line]
    assert [(line["cmd"], line["code"]) for line in lines] == [
        ("im_open_login_svc/account_import", 0),
        ("im_open_login_svc/account_import", 70402),
    ]
    assert all(line["sdkappid"] == tenant.sdkappid and line["identifier"] == tenant.admin for line in lines)
    assert all(isinstance(line["ms"], float | int) for line in lines)


def test_an_unauthenticated_call_is_logged_with_what_the_url_claimed(api, tenant):
    stream = io.StringIO()
    logs.configure("INFO", stream)
    api.fails("im_open_login_svc/account_import", {"UserID": "alice"}, 70003, sig="not-a-sig")
    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["sdkappid"] == str(tenant.sdkappid) and line["code"] == 70003
    assert "not-a-sig" not in stream.getvalue()


def test_an_apps_log_level_silences_its_call_lines(api, svc, tenant):
    svc.apps.set_config(tenant.sdkappid, AppConfig(log_level="WARNING"))
    stream = io.StringIO()
    logs.configure("INFO", stream)
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    assert stream.getvalue() == ""
