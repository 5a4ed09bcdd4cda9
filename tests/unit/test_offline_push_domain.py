"""Offline push rules: platforms and tokens, OfflinePushInfo, defaults, payload limits and truncation, quiet hours."""

import json
from typing import Any

import pytest

from chalicelib.domain import errors
from chalicelib.domain import offline_push as rules
from chalicelib.domain.offline_push import PushInfo, notice, payload

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello bob"}}]


def _apns(body: str) -> dict[str, Any]:
    return json.loads(body)


def test_platform_and_token_checks_answer_yuntong_codes():
    assert rules.check_platform("apns") == "APNS"
    for bad in ("MIPUSH", "", None, 3):
        with pytest.raises(errors.UnknownPlatform) as e:
            rules.check_platform(bad)
        assert e.value.error_code == 91101
    for bad in ("", "   ", None, "a\nb", "x" * (rules.MAX_TOKEN_BYTES + 1)):
        with pytest.raises(errors.BadToken) as e:
            rules.check_token(bad)
        assert e.value.error_code == 91102
    assert all(code in errors.CODES for code in (91101, 91102, 91103, 91104, 91105))


def test_default_notice_is_the_sender_nick_and_a_preview_of_the_text():
    n = notice(PushInfo(), sender="alice", nick="爱丽丝", body=TEXT, badge=3, kind="C2C")
    doc = _apns(payload(rules.APNS, n))
    assert doc["aps"]["alert"] == {"title": "爱丽丝", "body": "hello bob"}
    assert doc["aps"]["badge"] == 3 and doc["aps"]["sound"] == "default"
    group = notice(PushInfo(), sender="alice", nick="", body=TEXT, badge=1, kind="Group", group_id="g1")
    assert _apns(payload(rules.APNS, group))["aps"]["alert"]["title"] == "alice (g1)"


def test_offline_push_info_overrides_title_text_ext_sound_and_badge_mode():
    info = PushInfo.parse(
        {
            "PushFlag": 0,
            "Title": "T",
            "Desc": "D",
            "Ext": '{"k": 1}',
            "AndroidInfo": {"Sound": "a.mp3"},
            "ApnsInfo": {"BadgeMode": 1, "Sound": "b.caf", "SubTitle": "S"},
        }
    )
    n = notice(info, sender="alice", nick="A", body=TEXT, badge=9, kind="C2C")
    apns = _apns(payload(rules.APNS, n))
    assert apns["aps"]["alert"] == {"title": "T", "body": "D", "subtitle": "S"}
    assert "badge" not in apns["aps"] and apns["aps"]["sound"] == "b.caf" and apns["ext"] == {"k": 1}
    fcm = json.loads(payload(rules.FCM, n))
    assert fcm["notification"]["sound"] == "a.mp3" and fcm["data"]["ext"] == '{"k": 1}'
    assert PushInfo.parse({"Title": 5, "ApnsInfo": "x"}) == PushInfo()  # wrong types are ignored


def test_custom_element_desc_ext_and_sound_are_the_default():
    body = [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "x", "Desc": "你有新订单", "Ext": "e", "Sound": "s"}}]
    n = notice(PushInfo(), sender="shop", nick="", body=body, badge=0, kind="C2C")
    assert (n.text, n.ext, n.sound) == ("你有新订单", "e", "s")
    image = notice(PushInfo(), sender="a", nick="", body=[{"MsgType": "TIMImageElem", "MsgContent": {}}], badge=0,
                   kind="C2C")  # fmt: skip
    assert image.text == "[Image]"


@pytest.mark.parametrize("platform", rules.PLATFORMS)
def test_a_long_desc_is_cut_on_a_character_boundary_to_fit_the_platform_limit(platform):
    desc = "推" * (1024 if platform.startswith("APNS") else 1800)  # 3 KB (APNs) or 5.4 KB of 3-byte characters
    n = notice(PushInfo(desc=desc), sender="alice", nick="A", body=TEXT, badge=1, kind="C2C")
    body = payload(platform, n)
    assert body is not None
    size = len(body.encode("utf-8"))
    assert size <= rules.PAYLOAD_LIMITS[platform]
    doc = json.loads(body)  # still valid JSON: no character was split
    text = doc["aps"]["alert"]["body"] if platform.startswith("APNS") else (
        doc["notification"]["body"] if platform == rules.FCM else doc["text"]
    )  # fmt: skip
    assert text.endswith(rules.ELLIPSIS) and set(text[:-1]) == {"推"}
    # as long as fits: one more character would not
    longer = text[:-1] + "推" + rules.ELLIPSIS
    assert len(body.replace(text, longer).encode("utf-8")) > rules.PAYLOAD_LIMITS[platform]


def test_apns_limit_is_the_faq_1kb_and_fcm_4kb():
    assert rules.PAYLOAD_LIMITS[rules.APNS] == 1024 and rules.PAYLOAD_LIMITS[rules.FCM] == 4096
    short = notice(PushInfo(desc="hi"), sender="a", nick="A", body=TEXT, badge=0, kind="C2C")
    assert json.loads(payload(rules.APNS, short))["aps"]["alert"]["body"] == "hi"


def test_an_ext_too_large_for_the_platform_gives_no_payload():
    n = notice(PushInfo(ext="x" * 2000), sender="a", nick="A", body=TEXT, badge=0, kind="C2C")
    assert payload(rules.APNS, n) is None
    assert payload(rules.FCM, n) is not None


def test_quiet_time_windows_may_wrap_midnight():
    assert rules.in_quiet_time(22 * 60, 7 * 60, 23 * 60) and rules.in_quiet_time(22 * 60, 7 * 60, 6 * 60)
    assert not rules.in_quiet_time(22 * 60, 7 * 60, 12 * 60)
    assert rules.in_quiet_time(60, 120, 90) and not rules.in_quiet_time(60, 120, 120)
    assert not rules.in_quiet_time(0, 0, 0)  # equal: off
    with pytest.raises(errors.BadQuietTime):
        rules.check_quiet_time(0, 1440)


def test_sns_message_names_the_platform_key():
    assert set(json.loads(rules.sns_message(rules.FCM, "{}"))) == {"default", "GCM"}
    assert set(json.loads(rules.sns_message(rules.APNS_SANDBOX, "{}"))) == {"default", "APNS_SANDBOX"}


def test_credentials_and_tokens_are_never_written_to_logs():
    from chalicelib.logs import REDACTED, scrub

    fields = {"Platform": "APNS", "Credential": "key", "PlatformPrincipal": "cert", "Token": "abc"}
    assert scrub(fields) == {"Platform": "APNS", "Credential": REDACTED, "PlatformPrincipal": REDACTED,
                             "Token": REDACTED}  # fmt: skip
