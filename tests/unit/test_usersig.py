"""UserSig v2: interoperability with PyPI's tls-sig-api-v2 and with an independent implementation, and each error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import json
import time
import zlib
from typing import Any

import pytest
from TLSSigAPIv2 import TLSSigAPIv2

from chalicelib.domain import usersig
from chalicelib.domain.errors import DomainError

APP = 1400000001
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
NOW = 1_700_000_000


# --- an independent implementation, written from the reference §2 (does not import ours) ---------------------------
def ref_content(identifier: str, sdkappid: int, t: int, expire: int) -> str:
    return (
        "TLS.identifier:" + identifier + "\n"
        "TLS.sdkappid:" + str(sdkappid) + "\n"
        "TLS.time:" + str(t) + "\n"
        "TLS.expire:" + str(expire) + "\n"
    )


def ref_hmac(key: str, content: str) -> str:
    return base64.b64encode(hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()).decode()


def ref_b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().replace("+", "*").replace("/", "-").replace("=", "_")


def ref_pack(doc_bytes: bytes, level: int = -1) -> str:
    return ref_b64(zlib.compress(doc_bytes, level))


def ref_unpack(sig: str) -> dict[str, Any]:
    std = sig.replace("*", "+").replace("-", "/").replace("_", "=")
    doc: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(std)).decode("utf-8"))
    return doc


def ref_verify(sig: str, sdkappid: int, identifier: str, key: str, now: int) -> bool:
    doc = ref_unpack(sig)
    expected = ref_hmac(
        key, ref_content(doc["TLS.identifier"], doc["TLS.sdkappid"], doc["TLS.time"], doc["TLS.expire"])
    )
    return (
        doc["TLS.ver"] == "2.0"
        and doc["TLS.sdkappid"] == sdkappid
        and doc["TLS.identifier"] == identifier
        and now <= doc["TLS.time"] + doc["TLS.expire"]
        and hmac.compare_digest(expected, doc["TLS.sig"])
    )


def ref_doc(identifier: str, t: int, expire: int, key: str, sdkappid: int) -> dict[str, Any]:
    return {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": t,
        "TLS.sig": ref_hmac(key, ref_content(identifier, sdkappid, t, expire)),
    }


def python_style(identifier: str, t: int = NOW, expire: int = 86400, key: str = KEY, sdkappid: int = APP) -> str:
    """What TLSSigAPIv2 (Python) emits: json.dumps default separators, insertion order, zlib default level."""
    return ref_pack(json.dumps(ref_doc(identifier, t, expire, key, sdkappid)).encode("utf-8"))


def go_style(identifier: str, t: int = NOW, expire: int = 86400, key: str = KEY, sdkappid: int = APP) -> str:
    """What the Go library emits: json.Marshal of a map (compact, keys sorted), zlib.NoCompression."""
    doc = json.dumps(ref_doc(identifier, t, expire, key, sdkappid), separators=(",", ":"), sort_keys=True)
    return ref_pack(doc.encode("utf-8"), level=0)


def with_doc(doc: Any) -> str:
    return ref_pack(json.dumps(doc).encode("utf-8"))


def code_of(sig: str, *, sdkappid: int = APP, identifier: str = "alice", key: str = KEY, now: int = NOW) -> int:
    with pytest.raises(DomainError) as exc:
        usersig.verify(sig, sdkappid, identifier, key, now)
    return exc.value.error_code


# --- interoperability -------------------------------------------------------------------------------------------
def test_usersig_made_by_pypi_tls_sig_api_v2_verifies_with_ours() -> None:
    sig = TLSSigAPIv2(APP, KEY).gen_sig("alice", 86400)
    ticket = usersig.verify(sig, APP, "alice", KEY, int(time.time()))
    assert (ticket.identifier, ticket.sdkappid, ticket.expire) == ("alice", APP, 86400)


def test_usersig_made_by_pypi_with_its_default_180_day_expiry_verifies() -> None:
    sig = TLSSigAPIv2(APP, KEY).gen_sig("administrator")
    ticket = usersig.verify(sig, APP, "administrator", KEY, int(time.time()) + 179 * 86400)
    assert ticket.expire == usersig.DEFAULT_EXPIRE == 180 * 86400


def test_our_generate_is_byte_identical_to_pypi_for_the_same_second() -> None:
    theirs = TLSSigAPIv2(APP, KEY).gen_sig("alice", 3600)
    t = ref_unpack(theirs)["TLS.time"]
    assert usersig.generate(APP, KEY, "alice", t, 3600) == theirs


@pytest.mark.parametrize("identifier", ["alice", "administrator", "user with space", "a" * 32, "张三"])
def test_our_usersig_verifies_with_the_independent_implementation(identifier: str) -> None:
    sig = usersig.generate(APP, KEY, identifier, NOW, 86400)
    assert ref_verify(sig, APP, identifier, KEY, NOW)
    assert not ref_verify(sig, APP, identifier, "another-key", NOW)


def test_independent_python_style_usersig_verifies_with_ours() -> None:
    assert usersig.verify(python_style("alice"), APP, "alice", KEY, NOW).time == NOW


def test_go_style_compact_sorted_json_with_zlib_level_0_verifies() -> None:
    sig = go_style("alice", expire=600)
    raw = base64.b64decode(sig.replace("*", "+").replace("-", "/").replace("_", "="))
    assert raw[:2] == b"\x78\x01"  # zlib header of a stored (level 0) stream
    assert usersig.verify(sig, APP, "alice", KEY, NOW + 600).expire == 600


def test_usersig_with_unknown_extra_fields_still_verifies() -> None:
    doc = json.loads(json.dumps(ref_unpack(python_style("alice"))))
    doc["TLS.extra"] = "ignored"
    assert usersig.verify(with_doc(doc), APP, "alice", KEY, NOW).identifier == "alice"


# --- expiry ------------------------------------------------------------------------------------------------------
def test_usersig_is_valid_at_exactly_time_plus_expire() -> None:
    assert usersig.verify(python_style("alice", expire=100), APP, "alice", KEY, NOW + 100)


def test_usersig_one_second_after_time_plus_expire_is_expired_70001() -> None:
    assert code_of(python_style("alice", expire=100), now=NOW + 101) == 70001


def test_expired_pypi_usersig_is_70001() -> None:
    sig = TLSSigAPIv2(APP, KEY).gen_sig("alice", 10)
    assert code_of(sig, now=int(time.time()) + 3600) == 70001


def test_a_forged_ticket_is_never_reported_as_merely_expired() -> None:
    assert code_of(python_style("alice", expire=100, key="not-the-key"), now=NOW + 101) == 70009


# --- decoding errors ---------------------------------------------------------------------------------------------
def test_empty_usersig_is_70002() -> None:
    assert code_of("") == 70002


def _truncated() -> str:
    sig = python_style("alice")
    return sig[: len(sig) // 2]


def _stream_cut_before_its_end() -> str:
    whole = zlib.compress(json.dumps(ref_unpack(python_style("alice"))).encode())
    return ref_b64(whole[:-6])


UNDECODABLE = {
    "garbage": "!!!not-a-usersig!!!",
    "non_ascii": "签名签名",
    "not_base64_length": "abc",
    "truncated": _truncated(),
    "stream_cut_before_its_end": _stream_cut_before_its_end(),
    "not_zlib": ref_b64(b"plain bytes, no zlib header"),
    "zlib_of_non_json": ref_pack(b"TLS.ver=2.0"),
    "zlib_of_non_utf8": ref_pack(b"\xff\xfe{}"),
    "json_array": with_doc(["TLS.ver", "2.0"]),
    "json_number": with_doc(42),
    "missing_identifier": with_doc(
        {"TLS.ver": "2.0", "TLS.sdkappid": APP, "TLS.time": NOW, "TLS.expire": 9, "TLS.sig": "x"}
    ),
    "missing_sig": with_doc({"TLS.identifier": "alice", "TLS.sdkappid": APP, "TLS.time": NOW, "TLS.expire": 9}),
    "missing_time": with_doc({"TLS.identifier": "alice", "TLS.sdkappid": APP, "TLS.expire": 9, "TLS.sig": "x"}),
    "missing_expire": with_doc({"TLS.identifier": "alice", "TLS.sdkappid": APP, "TLS.time": NOW, "TLS.sig": "x"}),
    "missing_sdkappid": with_doc({"TLS.identifier": "alice", "TLS.time": NOW, "TLS.expire": 9, "TLS.sig": "x"}),
    "sdkappid_as_string": with_doc(
        {"TLS.identifier": "alice", "TLS.sdkappid": str(APP), "TLS.time": NOW, "TLS.expire": 9, "TLS.sig": "x"}
    ),
    "expire_as_bool": with_doc(
        {"TLS.identifier": "alice", "TLS.sdkappid": APP, "TLS.time": NOW, "TLS.expire": True, "TLS.sig": "x"}
    ),
    "time_as_float": with_doc(
        {"TLS.identifier": "alice", "TLS.sdkappid": APP, "TLS.time": 1.5, "TLS.expire": 9, "TLS.sig": "x"}
    ),
    "identifier_as_number": with_doc(
        {"TLS.identifier": 7, "TLS.sdkappid": APP, "TLS.time": NOW, "TLS.expire": 9, "TLS.sig": "x"}
    ),
    "zlib_bomb": ref_pack(b'{"TLS.pad": "' + b"A" * 1_000_000 + b'"}', level=9),
    "too_long": "A" * (usersig.MAX_SIG_CHARS + 4),
}


@pytest.mark.parametrize("sig", UNDECODABLE.values(), ids=UNDECODABLE.keys())
def test_undecodable_usersig_is_70003(sig: str) -> None:
    assert code_of(sig) == 70003


# --- signature and binding errors --------------------------------------------------------------------------------
def test_usersig_signed_with_another_key_is_70009() -> None:
    assert code_of(TLSSigAPIv2(APP, "wrong-key").gen_sig("alice"), now=int(time.time())) == 70009


@pytest.mark.parametrize(
    "field,value",
    [("TLS.expire", 10**9), ("TLS.time", NOW + 10**6), ("TLS.sig", ref_hmac(KEY, "something else"))],
)
def test_tampered_ticket_fields_fail_the_hmac_70009(field: str, value: Any) -> None:
    doc = ref_unpack(python_style("alice"))
    doc[field] = value
    assert code_of(with_doc(doc)) == 70009


def test_ticket_whose_sig_is_not_base64_is_70009() -> None:
    doc = ref_unpack(python_style("alice"))
    doc["TLS.sig"] = "签名"
    assert code_of(with_doc(doc)) == 70009


def test_identifier_mismatch_is_70013() -> None:
    assert code_of(python_style("bob")) == 70013


def test_identifier_match_is_exact_not_case_insensitive() -> None:
    assert code_of(python_style("Alice")) == 70013


def test_sdkappid_mismatch_is_70014() -> None:
    assert code_of(python_style("alice", sdkappid=1400000002)) == 70014


def test_ticket_claiming_another_app_but_signed_with_this_key_is_still_70014() -> None:
    assert code_of(python_style("alice", sdkappid=1400000002), sdkappid=APP) == 70014


def test_ticket_with_userbuf_is_not_a_login_usersig_70009() -> None:
    sig = TLSSigAPIv2(APP, KEY).gen_sig_with_userbuf("alice", 86400, b"room-42")
    assert code_of(sig, now=int(time.time())) == 70009


def test_hmac_comparison_is_constant_time() -> None:
    source = inspect.getsource(usersig.verify)
    assert "hmac.compare_digest(" in source
    compared = [line for line in source.splitlines() if "sig" in line.lower() and ("==" in line or "!=" in line)]
    assert compared == [], "the signature must not be compared with == / !="
