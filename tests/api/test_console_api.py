"""The operator console's extensions: openconfigsvr/get_app_config, set_app_config, get_online_list, get_today_info."""

import pytest

from chalicelib.domain import terminals
from tests.builders import SDKAPPID


def test_get_app_config_returns_every_setting_with_its_default(api):
    config = api.ok("openconfigsvr/get_app_config")["AppConfig"]
    assert config["roaming_days"] == 7 and config["login_policy"] == "single"
    assert config["c2c_friend_check"] is False and config["rest_rate_per_second"] == 100


def test_set_app_config_changes_only_the_named_settings_and_the_app_uses_them(api, svc):
    out = api.ok(
        "openconfigsvr/set_app_config",
        {"AppConfig": {"roaming_days": 30, "login_policy": "no_kick", "c2c_friend_check": True}},
    )
    assert out["AppConfig"]["roaming_days"] == 30 and out["AppConfig"]["max_friends"] == 1000
    stored = svc.apps.get(SDKAPPID).config
    assert (stored.roaming_days, stored.login_policy, stored.c2c_friend_check) == (30, "no_kick", True)
    assert api.ok("openconfigsvr/get_app_config")["AppConfig"] == out["AppConfig"]


def test_string_settings_take_their_own_rules(api, svc):
    tags = ",".join(f"Key{chr(97 + i)}" for i in range(20))  # 20 keys: longer than any one-word setting
    out = api.ok("openconfigsvr/set_app_config", {"AppConfig": {"custom_profile_tags": tags, "timezone": "UTC"}})
    assert out["AppConfig"]["custom_profile_tags"] == tags and svc.apps.get(SDKAPPID).config.timezone == "UTC"


def test_a_friend_check_set_from_the_console_refuses_strangers(api):
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
    api.ok("openconfigsvr/set_app_config", {"AppConfig": {"c2c_friend_check": True}})
    body = {
        "From_Account": "alice",
        "To_Account": "bob",
        "MsgRandom": 1,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
    }
    api.fails("openim/sendmsg", body, 20009, identifier="alice")


@pytest.mark.parametrize(
    "config",
    [
        {"no_such_key": 1},
        {"roaming_days": "30"},
        {"roaming_days": -1},
        {"roaming_days": 1.5},
        {"roaming_days": True},
        {"roaming_days": 2**32},
        {"c2c_friend_check": 1},
        {"c2c_friend_check": "true"},
        {"login_policy": "everyone"},
        {"login_policy": 3},
        {"log_level": "LOUD"},
        {"timezone": "Mars/Olympus"},
        {"timezone": "x" * 1025},
        {"push_apns_arn": "arn:aws:sns:us-east-1:123456789012:app/APNS/x"},  # written with the credentials only
        {"custom_profile_tags": "Hobby,not-a-key"},
        {"roaming_days": 30, "rest_rate_per_second": "fast"},  # one bad value: the good one is not written either
        {},
    ],
)
def test_set_app_config_refuses_bad_settings_and_writes_nothing(api, config):
    api.rejects("openconfigsvr/set_app_config", {"AppConfig": config}, 70402)


@pytest.mark.parametrize("body", [{}, {"AppConfig": None}, {"AppConfig": [1]}, {"AppConfig": "roaming_days=3"}])
def test_set_app_config_needs_an_object(api, body):
    api.rejects("openconfigsvr/set_app_config", body, 70402)


@pytest.mark.parametrize(
    "name, body",
    [
        ("openconfigsvr/get_app_config", {}),
        ("openconfigsvr/set_app_config", {"AppConfig": {"roaming_days": 1}}),
        ("openconfigsvr/get_online_list", {}),
        ("openconfigsvr/get_today_info", {}),
    ],
)
def test_console_commands_are_for_the_app_admin_only(api, name, body):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.rejects(name, body, 60010, identifier="alice")


@pytest.fixture
def online(svc, ws):
    for user in ("alice", "bob", "carol"):
        svc.accounts.import_account(SDKAPPID, user)
    svc.apps.configure(SDKAPPID, {"login_policy": "no_kick"})
    ws.login("alice", "iPhone")
    ws.login("alice", "PC")
    ws.login("bob", "Web")


def test_online_list_names_every_live_terminal_and_the_counts(api, online):
    out = api.ok("openconfigsvr/get_online_list", {})
    assert (out["OnlineAccountNum"], out["OnlineTerminalNum"], out["Complete"], out["Cursor"]) == (2, 3, 1, "")
    seen = sorted((t["UserID"], t["Platform"]) for t in out["TerminalList"])
    assert seen == [("alice", "PC"), ("alice", "iPhone"), ("bob", "Web")]
    assert all(t["LoginTime"] > 0 and t["LastActiveTime"] >= t["LoginTime"] for t in out["TerminalList"])


def test_online_list_pages_with_the_cursor(api, online):
    first = api.ok("openconfigsvr/get_online_list", {"Limit": 2})
    assert len(first["TerminalList"]) == 2 and first["Complete"] == 0 and first["Cursor"]
    second = api.ok("openconfigsvr/get_online_list", {"Limit": 2, "Cursor": first["Cursor"]})
    assert len(second["TerminalList"]) == 1 and second["Complete"] == 1
    users = [t["UserID"] for t in first["TerminalList"] + second["TerminalList"]]
    assert sorted(users) == ["alice", "alice", "bob"]


def test_online_list_leaves_out_silent_and_logged_out_terminals(api, ws, svc, clock, online):
    for conn in svc.connections.of_user(SDKAPPID, "bob"):
        ws.disconnect(conn.connection_id)
    assert {t["UserID"] for t in api.ok("openconfigsvr/get_online_list", {})["TerminalList"]} == {"alice"}
    clock.advance(terminals.IDLE_SECONDS)
    assert api.ok("openconfigsvr/get_online_list", {})["TerminalList"] == []


def test_online_list_is_per_app(api, svc, clock, online):
    from tests.builders import make_tenant

    other = make_tenant(svc, clock, sdkappid=1400000002)
    out = api.ok("openconfigsvr/get_online_list", {}, sdkappid=other.sdkappid, sig=other.sig(other.admin))
    assert out["TerminalList"] == [] and out["OnlineTerminalNum"] == 0


@pytest.mark.parametrize(
    "body",
    [{"Limit": 0}, {"Limit": 101}, {"Limit": "10"}, {"Cursor": 5}, {"Cursor": "x" * 201}],
)
def test_online_list_refuses_bad_paging(api, body):
    api.rejects("openconfigsvr/get_online_list", body, 70402)


def test_today_info_counts_todays_logins_before_the_day_is_finalised(api, ws, online):
    out = api.ok("openconfigsvr/get_today_info", {})
    assert len(out["Date"]) == 8 and out["Date"].isdigit()
    assert out["Result"]["ActiveUserNum"] == "2" and out["Result"]["LoginTimes"] == "3"
    assert out["Result"]["MaxOnlineNum"] == "2" and out["Result"]["MaxOnlineTerminalNum"] == "3"  # people, terminals
    assert (out["Result"]["OnlineAccountNum"], out["Result"]["OnlineTerminalNum"]) == ("2", "3")
    assert "RegistUserNumTotal" not in out["Result"]
    # getappinfo serves finalised days only: today is not there yet
    assert api.ok("openconfigsvr/getappinfo", {})["Result"] == []
