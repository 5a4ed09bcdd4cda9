"""The /v4 REST edge: URL shape, what clients send (tolerated), authentication and authorization, the envelope.

Cases of one behaviour run as subtests over one stack (each stack costs a fresh moto), failing one by one.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from TLSSigAPIv2 import TLSSigAPIv2

from chalicelib.domain import usersig
from chalicelib.wiring import Services
from tests.builders import RestCaller, Tenant, make_tenant, table_items

CHECK = "im_open_login_svc/account_check"
IMPORT = "im_open_login_svc/account_import"
SET = "profile/portrait_set"
GET = "profile/portrait_get"


def raw_request(api: RestCaller, query: str, body: bytes | str = b"{}", path: str = IMPORT) -> dict[str, Any]:
    resp = api.client.http.request("POST", f"/v4/{path}?{query}", headers={}, body=body)
    assert resp.status_code == 200, resp.body
    out: dict[str, Any] = json.loads(resp.body)
    return out


def query(api: RestCaller, **params: str | None) -> str:
    base: dict[str, str | None] = {
        "sdkappid": str(api.tenant.sdkappid),
        "identifier": api.tenant.admin,
        "usersig": api.tenant.sig(api.tenant.admin),
        "random": "99",
        "contenttype": "json",
    }
    base.update(params)
    return urlencode({k: v for k, v in base.items() if v is not None})


def rejected_url(api: RestCaller, code: int, **params: str | None) -> None:
    """A call whose URL is wrong fails with `code` and writes nothing."""
    before = table_items()
    out = raw_request(api, query(api, **params), json.dumps({"UserID": "mallory"}))
    assert (out["ActionStatus"], out["ErrorCode"]) == ("FAIL", code), out
    assert out["ErrorInfo"]
    assert table_items() == before


# --- methods, content types and bodies ------------------------------------------------------------------------------
def test_post_imports_and_get_with_a_json_body_reads(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "alice"})
    out = api.ok(CHECK, {"CheckItem": [{"UserID": "alice"}]}, method="GET")
    assert out["ResultItem"][0]["AccountStatus"] == "Imported"


CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "text/html",
    "multipart/form-data",
]


def test_the_body_is_json_whatever_the_content_type_header_says(api: RestCaller, subtests: pytest.Subtests) -> None:
    for i, content_type in enumerate(CONTENT_TYPES):
        with subtests.test(content_type=content_type):
            headers = {} if content_type is None else {"Content-Type": content_type}
            api.ok(IMPORT, {"UserID": f"user{i}"}, headers=headers)
            out = api.ok(CHECK, {"CheckItem": [{"UserID": f"user{i}"}]}, headers=headers)
            assert out["ResultItem"][0]["AccountStatus"] == "Imported"


def test_an_empty_body_means_an_empty_object(api: RestCaller, subtests: pytest.Subtests) -> None:
    for body in [b"", b"   ", b"\r\n", b"{}"]:
        with subtests.test(body=body):
            out = api.rejects(CHECK, None, 70402, raw=body)
            assert "CheckItem is required" in out["ErrorInfo"]


def test_repeated_random_and_unknown_query_parameters_are_ignored(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "alice"})
    q = query(api) + "&random=1&random=4294967295&apn=0&apn=1&whatever=x"
    out = raw_request(api, q, json.dumps({"CheckItem": [{"UserID": "alice"}]}), path=CHECK)
    assert out["ResultItem"][0]["AccountStatus"] == "Imported"


def test_a_usersig_pasted_into_the_url_without_percent_encoding_works(api: RestCaller) -> None:
    sig = api.tenant.sig(api.tenant.admin)
    assert set(sig) & set("*-_")  # characters an encoder would touch
    q = f"sdkappid={api.tenant.sdkappid}&identifier={api.tenant.admin}&usersig={sig}&random=1&contenttype=json"
    assert raw_request(api, q, json.dumps({"UserID": "alice"}))["ErrorCode"] == 0


def test_a_pypi_generated_admin_usersig_is_accepted(api: RestCaller, tenant: Tenant) -> None:
    assert tenant.clock.now() < time.time()  # a fresh PyPI ticket is not "from the future" expired-wise
    sig = TLSSigAPIv2(tenant.sdkappid, tenant.key).gen_sig(tenant.admin)
    api.ok(IMPORT, {"UserID": "alice"}, sig=sig)


def test_raw_utf8_chinese_nick_round_trips(api: RestCaller) -> None:
    body = json.dumps({"UserID": "zhang", "Nick": "张三"}, ensure_ascii=False).encode("utf-8")
    api.ok(IMPORT, raw=body)
    out = api.ok(GET, raw=json.dumps({"To_Account": ["zhang"], "TagList": ["Tag_Profile_IM_Nick"]}))
    assert out["UserProfileItem"][0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "张三"}]


def test_a_byte_order_mark_before_the_json_is_tolerated(api: RestCaller) -> None:
    api.ok(IMPORT, raw="\ufeff" + json.dumps({"UserID": "alice"}))


NOT_AN_OBJECT = {
    "unclosed": b'{"UserID": "alice"',
    "trailing": b'{"UserID": "alice"} trailing',
    "single_quotes": b"{'UserID': 'alice'}",
    "bad_utf8": b'{"UserID": "\xff\xfe"}',
    "nan": b'{"UserID": NaN}',
    "too_deep": b"[" * 100_000,
    "empty_array": b"[]",
    "array": b'[{"UserID": "alice"}]',
    "number": b"42",
    "string": b'"alice"',
    "null": b"null",
    "true": b"true",
}


def test_a_body_that_is_not_a_json_object_is_90001(api: RestCaller, subtests: pytest.Subtests) -> None:
    for label, body in NOT_AN_OBJECT.items():
        with subtests.test(label):
            out = api.rejects(IMPORT, None, 90001, raw=body)
            assert set(out) == {"ActionStatus", "ErrorInfo", "ErrorCode"}


# --- routing ----------------------------------------------------------------------------------------------------
def test_unknown_service_or_command_is_60009(api: RestCaller, subtests: pytest.Subtests) -> None:
    for name in [
        "im_open_login_svc/no_such_command",
        "no_such_service/account_import",
        "IM_OPEN_LOGIN_SVC/account_import",
        "im_open_login_svc/Account_Import",
    ]:
        with subtests.test(name):
            api.rejects(name, {"UserID": "alice"}, 60009)


# --- authentication ---------------------------------------------------------------------------------------------
def test_missing_sdkappid_is_60012(api: RestCaller, subtests: pytest.Subtests) -> None:
    for value in [None, ""]:
        with subtests.test(sdkappid=value):
            rejected_url(api, 60012, sdkappid=value)


def test_non_numeric_sdkappid_is_60002(api: RestCaller, subtests: pytest.Subtests) -> None:
    for value in ["abc", "14000000o1", "-1400000001", " 1400000001", "1_400_000_001", "\uff11\uff14\uff10\uff10"]:
        with subtests.test(sdkappid=value):
            rejected_url(api, 60002, sdkappid=value)


def test_unknown_sdkappid_is_70020(api: RestCaller, subtests: pytest.Subtests) -> None:
    for value in ["1400009999", "0", "9" * 5000]:
        with subtests.test(sdkappid=value[:12]):
            rejected_url(api, 70020, sdkappid=value)


def test_missing_identifier_is_60004(api: RestCaller, subtests: pytest.Subtests) -> None:
    for value in [None, ""]:
        with subtests.test(identifier=value):
            rejected_url(api, 60004, identifier=value)


def test_missing_usersig_is_70002(api: RestCaller, subtests: pytest.Subtests) -> None:
    for value in [None, ""]:
        with subtests.test(usersig=value):
            rejected_url(api, 70002, usersig=value)


def test_garbage_usersig_is_70003(api: RestCaller) -> None:
    api.rejects(IMPORT, {"UserID": "alice"}, 70003, sig="garbage")


def test_expired_usersig_is_70001(api: RestCaller, tenant: Tenant) -> None:
    old = usersig.generate(tenant.sdkappid, tenant.key, tenant.admin, int(tenant.clock.now()) - 100, 99)
    api.rejects(IMPORT, {"UserID": "alice"}, 70001, sig=old)


def test_usersig_of_another_identifier_is_70013(api: RestCaller, tenant: Tenant) -> None:
    api.ok(IMPORT, {"UserID": "alice"})
    api.rejects(IMPORT, {"UserID": "bob"}, 70013, sig=tenant.sig("alice"))


def test_usersig_signed_with_a_rotated_out_key_is_70009(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    old_sig = tenant.sig(tenant.admin)
    svc.apps.rotate_key(tenant.sdkappid)
    api.rejects(IMPORT, {"UserID": "alice"}, 70009, sig=old_sig)


def test_usersig_of_app_a_used_on_app_b_is_70014_and_b_is_untouched(
    api: RestCaller, svc: Services, tenant: Tenant
) -> None:
    other = make_tenant(svc, tenant.clock, sdkappid=1400000002)
    b = {"sdkappid": other.sdkappid, "sig": other.sig(other.admin)}
    a_on_b = {"sdkappid": other.sdkappid, "sig": tenant.sig(tenant.admin)}
    api.ok(IMPORT, {"UserID": "bob", "Nick": "Bob of B"}, **b)
    api.rejects(IMPORT, {"UserID": "mallory"}, 70014, **a_on_b)
    body = {"From_Account": "bob", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "pwned"}]}
    api.rejects(SET, body, 70014, **a_on_b)
    out = api.ok(GET, {"To_Account": ["bob"], "TagList": ["Tag_Profile_IM_Nick"]}, **b)
    assert out["UserProfileItem"][0]["ProfileItem"][0]["Value"] == "Bob of B"


def test_ticket_naming_app_b_but_signed_with_app_a_key_is_70009(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    other = make_tenant(svc, tenant.clock, sdkappid=1400000002)
    forged = usersig.generate(other.sdkappid, tenant.key, other.admin, int(tenant.clock.now()))
    api.rejects(IMPORT, {"UserID": "mallory"}, 70009, sdkappid=other.sdkappid, sig=forged)


def test_suspended_app_is_60006_until_restored(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    svc.apps.suspend(tenant.sdkappid)
    api.rejects(IMPORT, {"UserID": "alice"}, 60006)
    svc.apps.restore(tenant.sdkappid)
    api.ok(IMPORT, {"UserID": "alice"})


def test_deleted_app_is_60016_until_restored(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    svc.apps.suspend(tenant.sdkappid)
    svc.apps.delete(tenant.sdkappid)
    api.rejects(IMPORT, {"UserID": "alice"}, 60016)
    api.rejects(GET, {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]}, 60016)
    svc.apps.restore(tenant.sdkappid)
    api.ok(IMPORT, {"UserID": "alice"})


# --- authorization ----------------------------------------------------------------------------------------------
def test_an_ordinary_account_on_an_admin_only_command_is_60010(api: RestCaller, subtests: pytest.Subtests) -> None:
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
    for name, body in [
        (IMPORT, {"UserID": "carol"}),
        ("im_open_login_svc/multiaccount_import", {"Accounts": ["carol"]}),
        (CHECK, {"CheckItem": [{"UserID": "alice"}]}),
        ("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]}),
    ]:
        with subtests.test(name):
            api.rejects(name, body, 60010, identifier="alice")


def test_an_ordinary_account_setting_another_accounts_profile_is_90009(api: RestCaller) -> None:
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
    body = {"From_Account": "bob", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "not bob"}]}
    api.rejects(SET, body, 90009, identifier="alice")


def test_an_account_that_was_never_imported_is_70107_even_with_a_valid_usersig(api: RestCaller) -> None:
    api.rejects(GET, {"To_Account": ["ghost"], "TagList": ["Tag_Profile_IM_Nick"]}, 70107, identifier="ghost")


def test_an_app_admin_need_not_be_an_imported_account(api: RestCaller) -> None:
    out = api.ok(CHECK, {"CheckItem": [{"UserID": "administrator"}]})
    assert out["ResultItem"][0]["AccountStatus"] == "NotImported"


# --- the envelope -----------------------------------------------------------------------------------------------
def test_success_envelope_has_exactly_the_tencent_fields(api: RestCaller) -> None:
    assert api.ok(IMPORT, {"UserID": "alice"}) == {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0}


def test_failure_envelope_has_exactly_the_tencent_fields(api: RestCaller) -> None:
    out = api.rejects(IMPORT, {"UserID": 5}, 70402)
    assert set(out) == {"ActionStatus", "ErrorInfo", "ErrorCode"}
    assert out["ActionStatus"] == "FAIL" and isinstance(out["ErrorInfo"], str)


def test_profile_responses_also_carry_error_display(api: RestCaller) -> None:
    api.ok(IMPORT, {"UserID": "alice"})
    ok = api.ok(SET, {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]})
    assert ok == {"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "ErrorDisplay": ""}
    fail = api.rejects(SET, {"From_Account": "alice", "ProfileItem": [{"Tag": "Nope", "Value": "A"}]}, 40009)
    assert set(fail) == {"ActionStatus", "ErrorInfo", "ErrorCode", "ErrorDisplay"}


def test_error_display_appears_only_for_sns_profile_and_recentcontact(
    api: RestCaller, subtests: pytest.Subtests
) -> None:
    for service, display in [
        ("sns", True),
        ("recentcontact", True),
        ("profile", True),
        ("openim", False),
        ("im_open_login_svc", False),
        ("group_open_http_svc", False),
    ]:
        with subtests.test(service):
            out = api.rejects(f"{service}/no_such_command", {}, 60009)
            assert ("ErrorDisplay" in out) is display


def test_responses_are_json_with_http_200_even_for_errors(api: RestCaller) -> None:
    resp = api.client.http.request("POST", api.url(IMPORT), headers={}, body=b"{not json")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert json.loads(resp.body)["ErrorCode"] == 90001
