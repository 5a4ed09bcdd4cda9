"""Media references (issue 16 item 4): an object shared by content hash is kept while any message references it;
once ClearRamble or account deletion leaves nothing referencing it, the object and its derived versions are deleted
(their URLs stop working). A text send writes no reference."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.blobs.s3 import create_bucket
from chalicelib.domain import media as m
from tests.api.test_media import png, upload
from tests.builders import RestCaller

APP = 1400000001


@pytest.fixture
def media_api(api: RestCaller, svc: Any) -> Iterator[RestCaller]:
    create_bucket(svc.settings.bucket, svc.settings.region)
    for user in ("alice", "bob", "carol", "dave"):
        api.ok("im_open_login_svc/account_import", {"UserID": user})
    yield api
    boto3.resource("s3", region_name=svc.settings.region).Bucket(svc.settings.bucket).objects.all().delete()


def keys(svc: Any, sha: str) -> list[str]:
    listed = boto3.client("s3", region_name=svc.settings.region).list_objects_v2(
        Bucket=svc.settings.bucket, Prefix=m.object_key(APP, sha)
    )
    return sorted(o["Key"] for o in listed.get("Contents", []))


def image(api: RestCaller, svc: Any, size: int) -> str:
    data = png(size, size)
    upload(api, svc, data, identifier="alice")
    return hashlib.sha256(data).hexdigest()


def send(api: RestCaller, sender: str, to: str, sha: str) -> None:
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    api.ok("openim/sendmsg", {"From_Account": sender, "To_Account": to, "MsgRandom": 1, "MsgBody": body})


def clear(api: RestCaller, owner: str, peer: str) -> None:
    api.ok("recentcontact/delete", {"From_Account": owner, "Type": 1, "To_Account": peer, "ClearRamble": 1})


def test_an_object_goes_when_the_last_side_that_saw_it_clears_its_history(media_api: RestCaller, svc: Any) -> None:
    sha = image(media_api, svc, 300)
    send(media_api, "alice", "bob", sha)
    assert len(keys(svc, sha)) == 3  # the original, large and thumbnail
    clear(media_api, "alice", "bob")
    assert len(keys(svc, sha)) == 3  # bob still sees it
    clear(media_api, "bob", "alice")
    assert keys(svc, sha) == []
    got = media_api.ok("yuntong_media/get_urls", {"UUIDList": [sha]}, identifier="alice")
    assert got["MediaList"] == [] and got["ErrorList"] == [{"UUID": sha, "ErrorCode": m.UNKNOWN}]


def test_an_object_another_conversation_or_a_group_names_is_kept(media_api: RestCaller, svc: Any) -> None:
    sha = image(media_api, svc, 310)
    send(media_api, "alice", "bob", sha)
    send(media_api, "carol", "dave", sha)  # 秒传: the same object, another conversation
    for owner, peer in (("alice", "bob"), ("bob", "alice")):
        clear(media_api, owner, peer)
    assert len(keys(svc, sha)) == 3
    gid = media_api.ok(
        "group_open_http_svc/create_group",
        {"Owner_Account": "carol", "Type": "Public", "Name": "g", "MemberList": [{"Member_Account": "dave"}]},
    )["GroupId"]
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    media_api.ok(
        "group_open_http_svc/send_group_msg", {"GroupId": gid, "From_Account": "carol", "Random": 2, "MsgBody": body}
    )
    for owner, peer in (("carol", "dave"), ("dave", "carol")):
        clear(media_api, owner, peer)
    assert len(keys(svc, sha)) == 3  # the group's history still shows it


def test_account_deletion_releases_what_the_account_saw(media_api: RestCaller, svc: Any) -> None:
    sha = image(media_api, svc, 320)
    send(media_api, "carol", "dave", sha)
    media_api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "carol"}]})
    assert len(keys(svc, sha)) == 3  # dave still sees it
    media_api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "dave"}]})
    assert keys(svc, sha) == []


def test_a_message_sent_after_a_clear_keeps_its_object(media_api: RestCaller, svc: Any, clock: Any) -> None:
    sha = image(media_api, svc, 330)
    send(media_api, "alice", "bob", sha)
    clear(media_api, "bob", "alice")
    clock.advance(5)
    send(media_api, "alice", "bob", sha)  # again, after bob's clear: bob sees this one
    clear(media_api, "alice", "bob")
    assert len(keys(svc, sha)) == 3


def test_a_text_send_writes_no_reference(media_api: RestCaller, svc: Any) -> None:
    text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
    media_api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": text})
    items = boto3.client("dynamodb", region_name=svc.settings.region).scan(
        TableName=svc.settings.table_name("messages")
    )["Items"]
    assert not [i for i in items if "#MREF#" in i["pk"]["S"] or i["sk"]["S"].startswith("REF#")]


def test_an_imported_group_message_keeps_its_object(media_api: RestCaller, svc: Any, clock: Any) -> None:
    sha = image(media_api, svc, 340)
    send(media_api, "alice", "bob", sha)
    gid = media_api.ok(
        "group_open_http_svc/create_group",
        {"Owner_Account": "alice", "Type": "Public", "Name": "g", "MemberList": [{"Member_Account": "bob"}]},
    )["GroupId"]
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    clock.advance(60)  # SendTime lies between the group's CreateTime and now
    item = {"From_Account": "alice", "SendTime": int(clock.now()) - 30, "Random": 5, "MsgBody": body}
    got = media_api.ok("group_open_http_svc/import_group_msg", {"GroupId": gid, "MsgList": [item]})
    assert got["ImportMsgResult"][0]["Result"] == 0, got
    for owner, peer in (("alice", "bob"), ("bob", "alice")):
        clear(media_api, owner, peer)
    assert len(keys(svc, sha)) == 3


def _refs(svc: Any) -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name=svc.settings.region).scan(
        TableName=svc.settings.table_name("messages")
    )["Items"]
    return [i for i in items if "#MREF#" in i["pk"]["S"] or i["sk"]["S"].startswith("REF#")]


def test_a_refused_send_naming_an_object_writes_no_reference(media_api: RestCaller, svc: Any) -> None:
    sha = image(media_api, svc, 350)
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    before = _refs(svc)
    refused = media_api.call(
        "openim/sendmsg", {"From_Account": "alice", "To_Account": "nobody", "MsgRandom": 1, "MsgBody": body}
    )
    assert refused["ErrorCode"] == 90012, refused  # an account that was never imported
    gid = media_api.ok("group_open_http_svc/create_group", {"Owner_Account": "alice", "Type": "Public", "Name": "g"})[
        "GroupId"
    ]
    not_member = media_api.call(
        "group_open_http_svc/send_group_msg", {"GroupId": gid, "From_Account": "carol", "Random": 2, "MsgBody": body}
    )
    assert not_member["ErrorCode"] == 10007, not_member
    assert _refs(svc) == before  # checked before any reference is written
