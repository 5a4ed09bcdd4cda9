"""domain/callbacks.py: Sign, the query, answers, URL and address checks, the configuration's rules."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qsl

import pytest

from chalicelib.domain import callbacks as cb
from chalicelib.domain import errors


def test_sign_is_the_hex_sha256_of_the_token_then_the_request_time():
    assert cb.sign("tok", 1_700_000_000) == hashlib.sha256(b"tok1700000000").hexdigest()
    assert cb.sign("tok", 1_700_000_001) != cb.sign("tok", 1_700_000_000)


def test_query_is_tencents_with_request_time_and_sign_only_with_a_token():
    plain = dict(parse_qsl(cb.query(1400000001, cb.C2C_AFTER_SEND, "1.2.3.4", "RESTAPI", "", 1_700_000_000)))
    assert plain == {
        "SdkAppid": "1400000001",
        "CallbackCommand": "C2C.CallbackAfterSendMsg",
        "contenttype": "json",
        "ClientIP": "1.2.3.4",
        "OptPlatform": "RESTAPI",
    }
    signed = dict(parse_qsl(cb.query(1400000001, cb.STATE_CHANGE, "", "Web", "secret", 1_700_000_000)))
    assert signed["RequestTime"] == "1700000000" and signed["Sign"] == cb.sign("secret", 1_700_000_000)
    assert "secret" not in cb.query(1400000001, cb.STATE_CHANGE, "", "Web", "secret", 1_700_000_000)


def _answer(doc: object) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("doc", "allow", "code", "drop"),
    [
        ({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}, True, 0, False),
        ({"ActionStatus": "OK", "ErrorCode": 1, "ErrorInfo": "no"}, False, cb.REFUSED_C2C, False),
        ({"ActionStatus": "OK", "ErrorCode": 2}, False, 0, True),
        ({"ActionStatus": "FAIL", "ErrorCode": 120005, "ErrorInfo": "bad words"}, False, 120005, False),
        ({"ActionStatus": "FAIL", "ErrorCode": 130000, "ErrorInfo": "x"}, False, 130000, False),
    ],
)
def test_before_send_answers(doc, allow, code, drop):
    verdict = cb.interpret(cb.C2C_BEFORE_SEND, 200, _answer(doc), cb.ALLOW)
    assert (verdict.allow, verdict.code, verdict.drop, verdict.failed) == (allow, code, drop, False)


def test_an_app_code_carries_the_apps_error_info_and_group_refusals_are_10016():
    verdict = cb.interpret(cb.GROUP_BEFORE_SEND, 200, _answer({"ErrorCode": 120005, "ErrorInfo": "moderated"}), "allow")
    assert (verdict.code, verdict.info) == (120005, "moderated")
    assert cb.interpret(cb.GROUP_BEFORE_SEND, 200, _answer({"ErrorCode": 1}), "allow").code == 10016
    # ErrorCode 2 drops only messages: elsewhere it is no known answer (the failure policy)
    assert cb.interpret(cb.GROUP_BEFORE_CREATE, 200, _answer({"ErrorCode": 2}), "allow").failed


def test_a_before_send_answer_may_replace_the_body_and_cloud_data_others_may_not():
    doc = {
        "ErrorCode": 0,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "***"}}],
        "CloudCustomData": "c",
    }
    assert cb.interpret(cb.C2C_BEFORE_SEND, 200, _answer(doc), "allow").replace == {
        "MsgBody": doc["MsgBody"],
        "CloudCustomData": "c",
    }
    assert cb.interpret(cb.GROUP_BEFORE_CREATE, 200, _answer(doc), "allow").replace == {}


@pytest.mark.parametrize(
    ("status", "raw"),
    [
        (500, b"{}"),
        (302, b""),
        (200, b"not json"),
        (200, b"[1]"),
        (200, b'{"ErrorCode": "0"}'),
        (200, b'{"ErrorCode": 7}'),
    ],
)
def test_unusable_answers_follow_the_failure_policy(status, raw):
    allowed = cb.interpret(cb.C2C_BEFORE_SEND, status, raw, cb.ALLOW)
    assert allowed.allow and allowed.failed
    refused = cb.interpret(cb.C2C_BEFORE_SEND, status, raw, cb.REFUSE)
    assert not refused.allow and refused.failed and refused.code == cb.REFUSED_C2C


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the metadata service
        "100.64.0.1",  # shared (CGNAT)
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "not an ip",
    ],
)
def test_internal_addresses_are_refused(address):
    assert cb.address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert cb.address_refusal(address) is None


def test_urls_need_https_outside_the_local_stage():
    target = cb.check_url("https://hooks.example.com:8443/im?x=1", local=False)
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 8443, "/im?x=1")
    assert target.with_query("a=b") == "/im?x=1&a=b"
    assert cb.check_url("http://127.0.0.1:9000", local=True).path == "/"
    for bad in (
        "http://hooks.example.com/",
        "ftp://x/",
        "https://user:pw@x.com/",
        "https:///nohost",
        "https://x.com/#f",
    ):
        with pytest.raises(errors.InvalidParam):
            cb.check_url(bad, local=False)


def test_configuration_rules():
    config = cb.CallbackConfig().updated(
        url="https://hooks.example.com/im",
        commands=["all"],
        timeout_ms=5000,
        on_failure="refuse",
        token="s3cr3t",
        local=False,
    )
    assert config.commands == frozenset(cb.COMMANDS) and config.timeout == 5.0 and config.enabled(cb.STATE_CHANGE)
    assert config.public()["TokenSet"] == 1 and "s3cr3t" not in json.dumps(config.public())
    assert cb.CallbackConfig.from_dict(config.to_dict()) == config
    assert cb.CallbackConfig().timeout_ms == 2000 and cb.CallbackConfig().on_failure == "allow"
    assert not config.updated(url="", local=False).enabled(cb.STATE_CHANGE)
    for bad in (
        {"timeout_ms": 5001},
        {"timeout_ms": 50},
        {"commands": ["C2C.NoSuch"]},
        {"on_failure": "maybe"},
        {"token": "x" * 129},
        {"url": "http://hooks.example.com"},
    ):
        with pytest.raises(errors.InvalidParam):
            config.updated(local=False, **bad)


def test_disconnects_and_platforms():
    assert cb.disconnect_reason(1000) == ("Logout", "Unregister")
    assert cb.disconnect_reason(1006) == cb.disconnect_reason(None) == ("Disconnect", "LinkClose")
    assert [cb.opt_platform(p) for p in ("RESTAPI", "Web", "iPhone", "PC", None)] == [
        "RESTAPI",
        "Web",
        "iOS",
        "Windows",
        "Unknown",
    ]


def test_prev_friend_add_result_items():
    doc = {"ErrorCode": 0, "ResultItem": [{"To_Account": "a", "ResultCode": 120003}, {"To_Account": "b"},
                                          {"To_Account": "c", "ResultCode": 7}, "junk"]}  # fmt: skip
    verdict = cb.interpret(cb.SNS_BEFORE_FRIEND_ADD, 200, _answer(doc), cb.ALLOW)
    assert cb.refused_peers(verdict) == {"a": 120003, "c": cb.REFUSED}
    assert cb.refused_peers(cb.ALLOWED) == {}
