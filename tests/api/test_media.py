"""Media through the API (chalice.test, moto S3): upload → complete → send, 秒传, derived images, refusals."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from PIL import Image

from chalicelib.blobs.s3 import create_bucket
from chalicelib.domain import media as m
from tests.builders import RestCaller, make_tenant, table_items


@pytest.fixture
def media_api(api: RestCaller, svc: Any) -> Iterator[RestCaller]:
    create_bucket(svc.settings.bucket, svc.settings.region)
    for user in ("alice", "bob"):
        assert api.call("im_open_login_svc/account_import", {"UserID": user})["ErrorCode"] == 0
    yield api
    s3 = boto3.resource("s3", region_name=svc.settings.region)
    s3.Bucket(svc.settings.bucket).objects.all().delete()


def png(width: int = 1000, height: int = 500) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def put_upload(svc: Any, answer: dict[str, Any], data: bytes) -> None:
    """What the client's form POST does (moto in-process has no HTTP server: the e2e test POSTs for real)."""
    key = answer["Upload"]["Fields"]["key"]
    boto3.client("s3", region_name=svc.settings.region).put_object(Bucket=svc.settings.bucket, Key=key, Body=data)


def upload(api: RestCaller, svc: Any, data: bytes, kind: str = "image", ctype: str = "image/png", **kw: Any) -> Any:
    sha = hashlib.sha256(data).hexdigest()
    body = {"SHA256": sha, "Size": len(data), "Type": kind, "ContentType": ctype, "Name": "a.png"}
    answer = api.call("yuntong_media/upload", body, **kw)
    assert answer["ErrorCode"] == 0, answer
    if answer["Stored"]:
        return answer
    assert answer["Upload"]["Fields"]["Content-Type"] == ctype
    put_upload(svc, answer, data)
    done = api.call("yuntong_media/complete", {"SHA256": sha, "UploadId": answer["UploadId"]}, **kw)
    assert done["ErrorCode"] == 0, done
    return done


def s3_get(svc: Any, key: str) -> bytes:
    got = boto3.client("s3", region_name=svc.settings.region).get_object(Bucket=svc.settings.bucket, Key=key)
    data: bytes = got["Body"].read()
    return data


def test_image_upload_is_checked_derived_and_sent_with_its_stored_sizes(media_api: RestCaller, svc: Any) -> None:
    data = png()
    done = upload(media_api, svc, data, identifier="alice")
    sha = hashlib.sha256(data).hexdigest()
    assert done["UUID"] == sha and done["ImageFormat"] == 3
    original, large, thumb = done["ImageInfoArray"]
    assert (original["Width"], original["Height"], original["Size"]) == (1000, 500, len(data))
    assert (large["Width"], large["Height"]) == (720, 360)
    assert (thumb["Width"], thumb["Height"]) == (198, 99)
    # the derive task ran (inline queue): both versions exist, once, as JPEGs of those sizes
    for variant, size in (("large", (720, 360)), ("thumb", (198, 99))):
        assert Image.open(io.BytesIO(s3_get(svc, m.object_key(1400000001, sha, variant)))).size == size
    # a message names it; its ImageInfoArray is the stored one, whatever the client claimed
    sent = media_api.call(
        "openim/sendmsg",
        {
            "To_Account": "bob",
            "MsgRandom": 1,
            "MsgBody": [
                {
                    "MsgType": "TIMImageElem",
                    "MsgContent": {"UUID": sha, "ImageFormat": 1, "ImageInfoArray": [{"Type": 1, "Width": 9}]},
                }
            ],
        },
        identifier="alice",
    )
    assert sent["ErrorCode"] == 0, sent
    roam = media_api.call(
        "openim/admin_getroammsg",
        {"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10, "MinTime": 0, "MaxTime": 2**32 - 1},
    )
    content = roam["MsgList"][0]["MsgBody"][0]["MsgContent"]
    assert content["ImageFormat"] == 3
    assert [(i["Type"], i["Width"], i["Height"]) for i in content["ImageInfoArray"]] == [
        (1, 1000, 500),
        (2, 720, 360),
        (3, 198, 99),
    ]
    assert content["ImageInfoArray"][2]["Size"] > 0


def test_same_bytes_from_another_account_are_already_stored(media_api: RestCaller, svc: Any, clock: Any) -> None:
    data = png(300, 300)
    upload(media_api, svc, data, identifier="alice")
    sha = hashlib.sha256(data).hexdigest()
    again = media_api.call(
        "yuntong_media/upload",
        {"SHA256": sha, "Size": len(data), "Type": "image", "ContentType": "image/png"},
        identifier="bob",
    )
    assert again["ErrorCode"] == 0 and again["Stored"] == 1 and "Upload" not in again
    assert again["ImageInfoArray"][0]["Width"] == 300
    # days later it is reused again: copied onto itself in S3 (its lifecycle restarts), still the same object
    clock.advance(3 * 86400)
    later = media_api.call(
        "yuntong_media/upload",
        {"SHA256": sha, "Size": len(data), "Type": "image", "ContentType": "image/png"},
        identifier="bob",
    )
    assert later["Stored"] == 1 and later["ImageInfoArray"][0]["Width"] == 300
    assert s3_get(svc, m.object_key(1400000001, sha)) == data


def test_another_apps_object_is_unknown_there(media_api: RestCaller, svc: Any, clock: Any) -> None:
    data = png(50, 50)
    upload(media_api, svc, data, identifier="alice")
    sha = hashlib.sha256(data).hexdigest()
    other = make_tenant(svc, clock, sdkappid=1400000002)
    caller = RestCaller(media_api.client, other)
    for user in ("carol", "dave"):
        caller.call("im_open_login_svc/account_import", {"UserID": user})
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    sent = caller.call("openim/sendmsg", {"To_Account": "dave", "MsgRandom": 1, "MsgBody": body}, identifier="carol")
    assert sent["ErrorCode"] == 90010
    # and there it is not stored: the other app must upload the bytes itself
    fresh = caller.call(
        "yuntong_media/upload", {"SHA256": sha, "Size": len(data), "Type": "image", "ContentType": "image/png"}
    )
    assert fresh["Stored"] == 0


def test_a_message_naming_an_unknown_or_incomplete_object_is_refused_and_writes_nothing(
    media_api: RestCaller, svc: Any
) -> None:
    data = png(10, 10)
    sha = hashlib.sha256(data).hexdigest()
    media_api.call(
        "yuntong_media/upload", {"SHA256": sha, "Size": len(data), "Type": "image", "ContentType": "image/png"}
    )
    before = table_items()
    for oid in (sha, "f" * 64, "not-a-hash"):
        body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": oid, "ImageFormat": 3}}]
        sent = media_api.call(
            "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 1, "MsgBody": body}, identifier="alice"
        )
        assert sent["ErrorCode"] == 90010, (oid, sent)
    assert table_items() == before


def test_group_message_with_a_file(media_api: RestCaller, svc: Any) -> None:
    data = b"%PDF-1.4 hello"
    done = upload(media_api, svc, data, kind="file", ctype="application/pdf")
    assert done["Type"] == "file" and "ImageInfoArray" not in done
    # a file is always downloaded, under its name (UTF-8 safe), never rendered by the browser
    assert "response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27a.png" in done["URL"]
    made = media_api.call("group_open_http_svc/create_group", {"Type": "Public", "Name": "g", "Owner_Account": "alice"})
    gid = made["GroupId"]
    body = [{"MsgType": "TIMFileElem", "MsgContent": {"UUID": done["UUID"], "FileName": "x.pdf", "FileSize": 1}}]
    sent = media_api.call("group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": 1, "MsgBody": body})
    assert sent["ErrorCode"] == 0, sent
    bad = [{"MsgType": "TIMFileElem", "MsgContent": {"UUID": "e" * 64, "FileName": "x.pdf", "FileSize": 1}}]
    refused = media_api.call("group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": 2, "MsgBody": bad})
    assert refused["ErrorCode"] == 10004


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"SHA256": "0" * 64, "Size": 28 * m.MB + 1, "Type": "image", "ContentType": "image/png"}, m.TOO_LARGE),
        ({"SHA256": "0" * 64, "Size": 100 * m.MB + 1, "Type": "file", "ContentType": "application/zip"}, m.TOO_LARGE),
        ({"SHA256": "0" * 64, "Size": 10, "Type": "image", "ContentType": "text/plain"}, m.INVALID),
        ({"SHA256": "ABC", "Size": 10, "Type": "image", "ContentType": "image/png"}, m.INVALID),
        ({"SHA256": "0" * 64, "Size": 10, "Type": "gif", "ContentType": "image/png"}, m.INVALID),
    ],
)
def test_bad_uploads_are_refused_and_write_nothing(media_api: RestCaller, body: dict[str, Any], code: int) -> None:
    before = table_items()
    assert media_api.call("yuntong_media/upload", body)["ErrorCode"] == code
    assert table_items() == before


@pytest.mark.parametrize("what", ["other bytes", "not an image", "nothing"])
def test_completion_refuses_what_was_not_declared_and_leaves_nothing_usable(
    media_api: RestCaller, svc: Any, what: str
) -> None:
    declared = png(20, 20) if what != "not an image" else b"plain text, not an image"
    sha = hashlib.sha256(declared).hexdigest()
    answer = media_api.call(
        "yuntong_media/upload", {"SHA256": sha, "Size": len(declared), "Type": "image", "ContentType": "image/png"}
    )
    if what == "other bytes":
        put_upload(svc, answer, b"x" * len(declared))
    elif what == "not an image":
        put_upload(svc, answer, declared)
    done = media_api.call("yuntong_media/complete", {"SHA256": sha, "UploadId": answer["UploadId"]})
    expected = {"other bytes": m.MISMATCH, "not an image": m.NOT_AN_IMAGE, "nothing": m.INCOMPLETE}[what]
    assert done["ErrorCode"] == expected
    listed = boto3.client("s3", region_name=svc.settings.region).list_objects_v2(Bucket=svc.settings.bucket)
    assert listed.get("KeyCount", 0) == 0
    urls = media_api.call("yuntong_media/get_urls", {"UUIDList": [sha]})
    assert urls["MediaList"] == [] and urls["ErrorList"][0]["ErrorCode"] == m.INCOMPLETE


def test_get_urls_renews_download_urls(media_api: RestCaller, svc: Any) -> None:
    data = b"RIFF sound bytes"
    done = upload(media_api, svc, data, kind="sound", ctype="audio/wav", identifier="bob")
    urls = media_api.call("yuntong_media/get_urls", {"UUIDList": [done["UUID"], "a" * 64]}, identifier="alice")
    assert [i["UUID"] for i in urls["MediaList"]] == [done["UUID"]]
    assert urls["MediaList"][0]["URL"].startswith("https://")
    assert urls["ErrorList"] == [{"UUID": "a" * 64, "ErrorCode": m.UNKNOWN}]


def test_over_the_websocket_an_account_uploads_completes_and_sends_an_image(
    media_api: RestCaller, svc: Any, ws: Any
) -> None:
    data = png(64, 32)
    sha = hashlib.sha256(data).hexdigest()
    alice = ws.login("alice", "Android")
    declared = {"SHA256": sha, "Size": len(data), "Type": "image", "ContentType": "image/png"}
    answer = ws.ok(alice, "yuntong_media/upload", declared)
    put_upload(svc, answer, data)
    done = ws.ok(alice, "yuntong_media/complete", {"SHA256": sha, "UploadId": answer["UploadId"]})
    assert done["ImageInfoArray"][0]["Width"] == 64
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    ws.ok(alice, "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 3, "MsgBody": body})
    ws.fails(alice, "yuntong_media/get_urls", {"UUIDList": ["nope"]}, m.INVALID)
