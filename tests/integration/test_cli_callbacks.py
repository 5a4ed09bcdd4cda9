"""`yuntong app callbacks`, in-process on moto (a deployed stage's rules: https and public addresses only)."""

from __future__ import annotations

import json

import pytest

from chalicelib.config import Settings
from chalicelib.domain import callbacks as cb
from chalicelib.store.schema import create_tables
from yuntong_cli.main import main

PROD = Settings(stage="prod", region="us-east-1", table_prefix="yuntong-prod")
URL = "https://93.184.216.34/im-callback"  # an address literal: resolving it needs no DNS


@pytest.fixture
def settings(aws):
    create_tables(PROD)  # idempotent
    return PROD  # the tables `--stage prod` manages, so the server's services see what the CLI wrote


@pytest.fixture
def cli(svc, clock, capsys):
    def run(*argv, code=0):
        status = main([*argv, "--stage", "prod"], clock=clock)
        captured = capsys.readouterr()
        assert status == code, captured
        return captured.out if code == 0 else captured.err

    return run


def test_the_cli_configures_callbacks_and_never_prints_the_token(cli, svc, tenant, tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cr3t-token\n")
    app = str(tenant.sdkappid)
    out = cli("app", "callbacks", app, "--url", URL, "--command", "all", "--timeout-ms", "1500",
              "--token-file", str(token))  # fmt: skip
    shown = json.loads(out)
    assert shown == {
        "URL": URL,
        "Commands": sorted(cb.COMMANDS),
        "TimeoutMs": 1500,
        "OnFailure": "allow",
        "TokenSet": 1,
    }
    assert "s3cr3t" not in out
    stored = svc.callbacks.config(tenant.sdkappid)
    assert stored.token == "s3cr3t-token" and stored.enabled(cb.C2C_BEFORE_SEND)
    assert json.loads(cli("app", "callbacks", app)) == shown  # no option: shows it
    cli("app", "callbacks", app, "--command", cb.STATE_CHANGE, "--on-failure", "refuse", "--no-token")
    svc.callbacks = type(svc.callbacks)(  # a fresh container's cache
        svc.callbacks._repo, svc.callbacks.http, svc.tasks, svc.metrics, svc.clock, local=False
    )
    again = svc.callbacks.config(tenant.sdkappid)
    assert again.commands == {cb.STATE_CHANGE} and again.on_failure == "refuse" and again.token == ""
    assert json.loads(cli("app", "callbacks", app, "--clear"))["URL"] == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/",
        "https://10.0.0.1/",
        "https://127.0.0.1:8443/",
        "https://169.254.169.254/",
        "https://[::1]/",
    ],
)
def test_the_cli_refuses_private_and_plain_http_urls(cli, svc, tenant, url):
    err = cli("app", "callbacks", str(tenant.sdkappid), "--url", url, code=1)
    assert "(70402)" in err
    assert svc.callbacks.config(tenant.sdkappid).url == ""


def test_the_cli_refuses_bad_settings(cli, tenant):
    app = str(tenant.sdkappid)
    assert "(70402)" in cli("app", "callbacks", app, "--url", URL, "--timeout-ms", "6000", code=1)
    assert "(70402)" in cli("app", "callbacks", app, "--url", URL, "--command", "Nope.Callback", code=1)
    assert "cannot read" in cli("app", "callbacks", app, "--token-file", "/nonexistent/token", code=1)
