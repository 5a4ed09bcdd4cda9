"""`yuntong app push`: offline push credentials from files to SNS, never printed; the server then registers devices."""

from __future__ import annotations

import pytest

from chalicelib.config import Settings
from yuntong_cli.main import main

PROD = Settings(stage="prod", region="us-east-1", table_prefix="yuntong-prod")
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQ-very-secret\n-----END PRIVATE KEY-----"


@pytest.fixture
def settings():
    return PROD


@pytest.fixture
def cli(svc, clock, capsys):
    def run(*argv, code=0):
        status = main([*argv, "--stage", "prod"], clock=clock)
        captured = capsys.readouterr()
        assert status == code, captured
        return captured.out + captured.err

    return run


def test_push_sends_the_credential_file_to_sns_and_prints_only_the_arn(cli, svc, tenant, tmp_path, api):
    key = tmp_path / "apns.p8"
    key.write_text(KEY)
    out = cli("app", "push", str(tenant.sdkappid), "--platform", "apns", "--credential-file", str(key))
    assert "arn:aws:sns:us-east-1:" in out and ":app/APNS/yuntong-prod-1400000001-apns" in out
    assert "very-secret" not in out
    config = svc.apps.get(tenant.sdkappid).config
    assert config.push_apns_arn in out and "very-secret" not in str(config.to_dict())
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.ok("offline_push/set_device", {"UserID": "alice", "Platform": "APNS", "Token": "ab" * 32})


def test_push_refuses_a_missing_file_and_a_webhook_without_an_url(cli, tenant, tmp_path):
    assert "cannot read" in cli("app", "push", str(tenant.sdkappid), "--platform", "FCM", "--credential-file",
                                str(tmp_path / "nope"), code=1)  # fmt: skip
    assert "Credential is required" in cli("app", "push", str(tenant.sdkappid), "--platform", "WEBHOOK", code=1)
    assert "gateway" in cli("app", "push", str(tenant.sdkappid), "--platform", "WEBHOOK", "--url", "ftp://x", code=1)
