"""App admins added and removed after creation (issue 19): `yuntong app admins`, and openconfigsvr/modify_app_admins
for the app's own admin; an app always keeps one, and a refused change changes nothing."""

from __future__ import annotations

import pytest

from chalicelib.config import Settings
from yuntong_cli.main import main

PROD = Settings(stage="prod", region="us-east-1", table_prefix="yuntong-prod")
MODIFY = "openconfigsvr/modify_app_admins"


@pytest.fixture
def settings():
    return PROD  # the tables `yuntong app --stage prod` manages, so the server sees the CLI's changes


@pytest.fixture
def cli(svc, clock, capsys):
    def run(*argv, code=0):
        status = main([*argv, "--stage", "prod"], clock=clock)
        captured = capsys.readouterr()
        assert status == code, captured
        return captured.out if code == 0 else captured.err

    return run


def test_the_cli_adds_and_removes_admins_and_the_new_one_may_call_admin_commands(cli, svc, tenant, api, clock):
    sdk = str(tenant.sdkappid)
    assert cli("app", "admins", sdk, "--add", "ops", "--add", "bot").strip().endswith("admins: administrator, ops, bot")
    clock.advance(11)  # the app cache's 10 s
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"}, identifier="ops", sig=tenant.sig("ops"))
    assert cli("app", "admins", sdk, "--remove", "bot").strip().endswith("admins: administrator, ops")
    assert "at least one admin" in cli("app", "admins", sdk, "--remove", "administrator", "--remove", "ops", code=1)
    clock.advance(11)
    assert svc.apps.get(tenant.sdkappid).admins == ("administrator", "ops")


def test_the_apps_admin_changes_admins_over_rest_and_an_account_may_not(api, svc, tenant, clock):
    out = api.ok(MODIFY, {"AddAdmin_Account": ["ops"], "DeleteAdmin_Account": []})
    assert out["AdminList"] == ["administrator", "ops"]
    clock.advance(11)
    assert api.ok(MODIFY, {"DeleteAdmin_Account": ["administrator"]}, identifier="ops", sig=tenant.sig("ops"))[
        "AdminList"
    ] == ["ops"]
    api.ok("im_open_login_svc/account_import", {"UserID": "carol"}, identifier="ops", sig=tenant.sig("ops"))
    api.rejects(MODIFY, {"DeleteAdmin_Account": ["ops"]}, 70402, identifier="ops", sig=tenant.sig("ops"))
    api.rejects(MODIFY, {"AddAdmin_Account": ["x" * 33]}, 70402, identifier="ops", sig=tenant.sig("ops"))
    assert svc.apps.get(tenant.sdkappid).admins == ("ops",)
