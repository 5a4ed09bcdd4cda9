"""The `yuntong` command, run in-process on moto: every subcommand, its errors, and what the server then does."""

from __future__ import annotations

import json
import socket

import pytest

from chalicelib.config import Settings
from chalicelib.store.schema import create_tables
from yuntong_cli.main import LOCAL_DYNAMODB, main, target_settings

PROD = Settings(stage="prod", region="us-east-1", table_prefix="yuntong-prod")
NEW_APP = 1400000099


@pytest.fixture
def settings():
    # The api/svc fixtures use the tables `yuntong app --stage prod` manages, so effects are visible to the server.
    return PROD


@pytest.fixture
def cli(svc, clock, capsys):
    def run(*argv, code=0):
        status = main([*argv, "--stage", "prod"], clock=clock)
        captured = capsys.readouterr()
        assert status == code, captured
        return captured.out if code == 0 else captured.err

    return run


def test_create_prints_the_key_once_and_the_server_accepts_sigs_made_with_it(cli, api):
    out = cli("app", "create", "--sdkappid", str(NEW_APP), "--name", "shop", "--admin", "ops", "--admin", "bot")
    assert "created app 1400000099 'shop' (admins: ops, bot)" in out
    key = out.split("secret key: ")[1].strip()
    assert len(key) == 64
    sig = cli("sig", "ops", "--sdkappid", str(NEW_APP)).strip()
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"}, identifier="ops", sdkappid=NEW_APP, sig=sig)
    assert key not in cli("app", "show", str(NEW_APP))


def test_create_uses_the_given_key(cli, svc):
    cli("app", "create", "--sdkappid", str(NEW_APP), "--name", "n", "--admin", "ops", "--key", "s3cret")
    assert svc.apps.get(NEW_APP).secret_key == "s3cret"


def test_create_refuses_bad_or_taken_ids_and_writes_nothing(cli, svc, tenant):
    cases = [
        (["--sdkappid", "1400000001", "--name", "again", "--admin", "a"], "already exists"),
        (["--sdkappid", "0", "--name", "zero", "--admin", "a"], "positive 32-bit"),
        (["--sdkappid", "4294967296", "--name", "big", "--admin", "a"], "positive 32-bit"),
        (["--sdkappid", str(NEW_APP), "--name", "n", "--admin", "x" * 33], "admin identifier exceeds 32 bytes"),
    ]
    before = svc.apps.all()
    for argv, message in cases:
        assert message in cli("app", "create", *argv, code=1), argv
    assert svc.apps.all() == before


def test_create_without_an_admin_is_a_usage_error(svc, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["app", "create", "--sdkappid", str(NEW_APP), "--name", "n", "--stage", "prod"])
    assert exit_info.value.code == 2
    assert "--admin" in capsys.readouterr().err


def test_list_shows_every_app_with_status_and_admins(cli, tenant):
    assert cli("app", "list") == (
        "SDKAPPID    STATUS     NAME            ADMINS\n1400000001  active     app-1400000001  administrator\n"
    )


def test_list_of_no_apps_says_so(cli):
    assert cli("app", "list") == "no apps\n"


def test_show_hides_the_key_unless_asked(cli, tenant):
    shown = json.loads(cli("app", "show", str(tenant.sdkappid)))
    assert shown["SDKAppID"] == tenant.sdkappid and shown["status"] == "active"
    assert "secret_key" not in shown and tenant.key not in json.dumps(shown)
    assert json.loads(cli("app", "show", str(tenant.sdkappid), "--show-key"))["secret_key"] == tenant.key


def test_commands_on_an_unknown_app_fail_clearly(cli, tenant):
    for command in ["show", "config", "suspend", "restore", "delete", "rotate-key"]:
        assert cli("app", command, "1499999999", code=1) == "error: SDKAppID 1499999999 not found (70020)\n", command


def test_config_sets_typed_values(cli, svc, tenant):
    out = json.loads(cli("app", "config", str(tenant.sdkappid), "max_msg_bytes=4096", "c2c_friend_check=true"))
    assert out["max_msg_bytes"] == 4096 and out["c2c_friend_check"] is True
    config = svc.apps.get(tenant.sdkappid).config
    assert (config.max_msg_bytes, config.c2c_friend_check, config.roaming_days) == (4096, True, 7)


def test_config_without_changes_prints_the_current_settings(cli, tenant):
    assert json.loads(cli("app", "config", str(tenant.sdkappid)))["max_friends"] == 1000


def test_config_refuses_bad_settings_and_changes_nothing(cli, svc, tenant):
    cases = [
        ("colour=blue", "unknown config key 'colour'"),
        ("max_msg_bytes=big", "max_msg_bytes takes an integer"),
        ("max_msg_bytes=-1", "must not be negative"),
        ("c2c_friend_check=maybe", "takes true or false"),
        ("login_policy=anything", "login_policy must be one of"),
        ("max_msg_bytes", "expected key=value"),
    ]
    for pair, message in cases:
        assert message in cli("app", "config", str(tenant.sdkappid), "roaming_days=3", pair, code=1), pair
    assert svc.apps.get(tenant.sdkappid).config.roaming_days == 7


# A running server caches each app for up to 10 s (CachedAppRepo): the clock moves past that after each change.
CACHE_TTL = 11


def test_custom_profile_tags_are_declared_per_app_and_only_those_are_written(cli, api, tenant, clock):
    """Issue 11: Tag_Profile_Custom_* must be declared (custom_profile_tags), ≤20 keys of 1-8 letters; others 40009."""
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    item = {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_Custom_Hobby", "Value": "chess"}]}
    api.rejects("profile/portrait_set", item, 40009)
    out = json.loads(cli("app", "config", str(tenant.sdkappid), "custom_profile_tags=Hobby, Tag_Profile_Custom_City"))
    assert out["custom_profile_tags"] == "Hobby,City"
    clock.advance(CACHE_TTL)
    api.ok("profile/portrait_set", item)
    other = {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_Custom_Pet", "Value": "cat"}]}
    api.rejects("profile/portrait_set", other, 40009)
    api.rejects(
        "profile/portrait_set", {**item, "ProfileItem": [{"Tag": "Tag_Profile_Custom_City", "Value": "x" * 501}]}, 40601
    )
    got = api.ok("profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_Custom_Hobby"]})
    assert got["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_Custom_Hobby", "Value": "chess"}]
    api.fails("profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_Custom_Pet"]}, 40009)
    too_many = ",".join("K" + chr(ord("a") + i) for i in range(21))
    for bad in ("Hobby1", "Toolongkey", too_many, "Hobby,Hobby"):
        assert "custom_profile_tags takes" in cli(
            "app", "config", str(tenant.sdkappid), f"custom_profile_tags={bad}", code=1
        )


def test_a_deleted_app_cannot_be_suspended_only_restored(cli, api, tenant, clock, svc):
    """Issue 11: suspend used to bring a deleted app back (as suspended, with no deletion date)."""
    cli("app", "suspend", str(tenant.sdkappid))
    cli("app", "delete", str(tenant.sdkappid))
    assert "60016" in cli("app", "suspend", str(tenant.sdkappid), code=1)
    app = svc.apps.get(tenant.sdkappid)
    assert app.status == "deleted" and app.deleted_at is not None
    clock.advance(CACHE_TTL)
    api.fails("im_open_login_svc/account_import", {"UserID": "alice"}, 60016)
    cli("app", "restore", str(tenant.sdkappid))
    assert "suspended" in cli("app", "suspend", str(tenant.sdkappid))  # its own flows still work
    assert cli("app", "restore", str(tenant.sdkappid)) == f"app {tenant.sdkappid} is active\n"


def test_suspend_makes_calls_fail_with_60006_and_restore_brings_them_back(cli, api, tenant, clock):
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    assert "suspended" in cli("app", "suspend", str(tenant.sdkappid))
    clock.advance(CACHE_TTL)
    api.fails("im_open_login_svc/account_import", {"UserID": "alice"}, 60006)
    assert cli("app", "restore", str(tenant.sdkappid)) == f"app {tenant.sdkappid} is active\n"
    clock.advance(CACHE_TTL)
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})


def test_delete_makes_calls_fail_with_60016_and_says_until_when_it_can_be_restored(cli, api, tenant, clock):
    cli("app", "suspend", str(tenant.sdkappid))
    out = cli("app", "delete", str(tenant.sdkappid))
    assert "60016" in out and "2023-11-21 22:13 UTC" in out  # FixedClock 2023-11-14 22:13 + 7 days
    api.fails("im_open_login_svc/account_import", {"UserID": "alice"}, 60016)
    assert json.loads(cli("app", "show", str(tenant.sdkappid)))["status"] == "deleted"
    cli("app", "restore", str(tenant.sdkappid))
    clock.advance(CACHE_TTL)
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})


def test_deleted_app_cannot_be_restored_after_7_days(cli, tenant, clock):
    cli("app", "suspend", str(tenant.sdkappid))
    cli("app", "delete", str(tenant.sdkappid))
    clock.advance(7 * 86400 + 1)
    assert "deleted more than 7 days ago" in cli("app", "restore", str(tenant.sdkappid), code=1)


def test_an_active_app_is_not_deleted_it_is_suspended_first(cli, api, tenant, svc):
    err = cli("app", "delete", str(tenant.sdkappid), code=1)
    assert "suspend it first" in err and "(60006)" in err
    assert svc.apps.get(tenant.sdkappid).status == "active"
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})


def test_the_restore_period_is_the_stages_setting(cli, tenant, clock, monkeypatch):
    monkeypatch.setenv("YUNTONG_APP_RESTORE_DAYS", "2")
    cli("app", "suspend", str(tenant.sdkappid))
    assert "2023-11-16 22:13 UTC" in cli("app", "delete", str(tenant.sdkappid))
    clock.advance(2 * 86400 + 1)
    assert "deleted more than 2 days ago" in cli("app", "restore", str(tenant.sdkappid), code=1)


def test_rotate_key_prints_a_new_key_and_sigs_of_the_old_key_stop_verifying(cli, api, tenant, svc):
    old_sig = tenant.sig(tenant.admin)
    out = cli("app", "rotate-key", str(tenant.sdkappid))
    new_key = svc.apps.get(tenant.sdkappid).secret_key
    assert new_key != tenant.key and new_key in out
    api.fails("im_open_login_svc/account_import", {"UserID": "alice"}, 70009, sig=old_sig)


def test_sig_prints_a_usersig_the_server_accepts_until_it_expires(cli, api, tenant, clock):
    sig = cli("sig", tenant.admin, "--sdkappid", str(tenant.sdkappid), "--expire", "60").strip()
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"}, sig=sig)
    clock.advance(61)
    api.fails("im_open_login_svc/account_import", {"UserID": "alice"}, 70001, sig=sig)


def test_sig_uses_the_local_demo_app_by_default(cli, api, tenant):
    sig = cli("sig", "administrator").strip()
    api.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "x"}]}, sig=sig)


def test_sig_refuses_unknown_apps_bad_expiry_and_bad_identifiers(cli, tenant):
    cases = [
        (["sig", "administrator", "--sdkappid", "1499999999"], "SDKAppID 1499999999 not found"),
        (["sig", "administrator", "--expire", "0"], "--expire must be a positive"),
        (["sig", "x" * 33], "identifier exceeds 32 bytes"),
    ]
    for argv, message in cases:
        assert message in cli(*argv, code=1), argv


def test_target_options_may_come_before_the_subcommand(tenant, clock, capsys):
    assert main(["--stage", "prod", "app", "list"], clock=clock) == 0
    assert "1400000001" in capsys.readouterr().out


def test_missing_tables_of_a_stage_point_at_deploying_it(aws, capsys):
    assert main(["app", "list", "--stage", "staging"]) == 1
    err = capsys.readouterr().err
    assert "table yuntong-staging-apps does not exist" in err and "deploy the stack first" in err


def test_unreachable_local_stack_says_to_start_it(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        assert main(["app", "list", "--endpoint", f"http://127.0.0.1:{port}"]) == 1
    assert "is the local stack running? (`make run`)" in capsys.readouterr().err


def test_target_is_the_local_stack_by_default_and_aws_for_a_stage():
    local = target_settings(None, None, None, env={"AWS_REGION": "ap-east-1"})
    assert (local.stage, local.table_prefix, local.dynamodb_endpoint) == ("local", "yuntong-local", LOCAL_DYNAMODB)
    assert local.region == "us-east-1"  # the local stack's region, not the shell's
    env_local = target_settings(None, None, None, env={"YUNTONG_DYNAMODB_ENDPOINT": "http://127.0.0.1:9"})
    assert env_local.dynamodb_endpoint == "http://127.0.0.1:9"
    prod = target_settings("prod", None, None, env={"AWS_REGION": "ap-east-1", "YUNTONG_DYNAMODB_ENDPOINT": "x"})
    assert (prod.table_prefix, prod.region, prod.dynamodb_endpoint) == ("yuntong-prod", "ap-east-1", None)
    assert target_settings("prod", "eu-west-1", None, env={}).region == "eu-west-1"


def test_local_stack_commands_reach_the_moto_server_named_by_the_environment(monkeypatch, capsys):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        monkeypatch.setenv("YUNTONG_DYNAMODB_ENDPOINT", endpoint)
        create_tables(
            Settings(stage="local", region="us-east-1", table_prefix="yuntong-local", dynamodb_endpoint=endpoint)
        )
        assert main(["app", "create", "--sdkappid", "1400000001", "--name", "demo", "--admin", "administrator"]) == 0
        assert main(["sig", "administrator"]) == 0
        assert main(["app", "list"]) == 0
    finally:
        server.stop()
    out = capsys.readouterr().out
    assert "created app 1400000001 'demo'" in out and "1400000001  active" in out
