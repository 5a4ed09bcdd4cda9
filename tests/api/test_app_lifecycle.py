"""Tenants (issue 19 item 5): suspend, then delete, restore within the period, and the purge job after it, which
leaves nothing of the app in any table or in the bucket while another app keeps everything."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.blobs.s3 import create_bucket
from chalicelib.config import Settings
from chalicelib.domain import errors
from chalicelib.jobs import purge
from chalicelib.store.tables import TABLES
from chalicelib.wiring import Services
from tests.api.test_media import png, upload
from tests.builders import RestCaller, Tenant, WsCaller, make_tenant, table_items
from tests.conftest import TEST_SETTINGS

DAY = 86400
OTHER = 1400000002
IMPORT = "im_open_login_svc/account_import"


@pytest.fixture
def settings() -> Settings:
    # three pages of work per run: the purge of one small app takes several runs, each resuming the last
    return dataclasses.replace(TEST_SETTINGS, purge_pages=3)


@pytest.fixture
def bucket(svc: Services) -> Iterator[str]:
    create_bucket(svc.settings.bucket, svc.settings.region)
    yield svc.settings.bucket
    boto3.resource("s3", region_name=svc.settings.region).Bucket(svc.settings.bucket).objects.all().delete()


def raw_items(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, nothing left out (table_items leaves out the REST rate windows)."""
    client = boto3.client("dynamodb", region_name=settings.region)
    out = {}
    for spec in TABLES:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=settings.table_name(spec.key)):
            items.extend(page["Items"])
        out[spec.key] = items
    return out


def mentioning(items: dict[str, list[dict[str, Any]]], sdkappid: int) -> list[dict[str, Any]]:
    """Items that name the app anywhere (a key, an index key, an attribute)."""
    return [i for table in items.values() for i in table if str(sdkappid) in json.dumps(i, default=repr)]


def objects(bucket: str, sdkappid: int) -> list[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listed.get("Contents", []) if f"/{sdkappid}/" in o["Key"]]


def seed(api: RestCaller, svc: Services, tenant: Tenant, sdkappid: int) -> None:
    """Accounts, profiles, a friend, C2C and group messages, a media message with its thumbnails, statistics."""
    kw: dict[str, Any] = {"sdkappid": sdkappid, "sig": tenant.sig(tenant.admin)}
    for user in ("alice", "bob", "carol"):
        api.ok(IMPORT, {"UserID": user}, **kw)
    api.ok(
        "profile/portrait_set",
        {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]},
        **kw,
    )
    api.ok(
        "sns/friend_add",
        {"From_Account": "alice", "AddFriendItem": [{"To_Account": "bob", "AddSource": "AddSource_Type_Web"}]},
        **kw,
    )
    text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
    api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": text}, **kw)
    group = api.ok(
        "group_open_http_svc/create_group",
        {"Owner_Account": "alice", "Type": "Public", "Name": "g", "MemberList": [{"Member_Account": "bob"}]},
        **kw,
    )["GroupId"]
    api.ok(
        "group_open_http_svc/send_group_msg",
        {"GroupId": group, "From_Account": "alice", "Random": 2, "MsgBody": text},
        **kw,
    )
    done = upload(api, svc, png(), identifier="alice", sdkappid=sdkappid, sig=tenant.sig("alice"))
    image = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": done["UUID"], "ImageFormat": 3}}]
    api.ok("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 3, "MsgBody": image}, **kw)
    svc.metrics.flush()
    # an hour of the history export (blobs/exports.py's keys), as the export job leaves it
    s3 = boto3.client("s3", region_name=svc.settings.region)
    for key in (f"exports/chunks/{sdkappid}/C2C/2023111422/e1.jsonl", f"exports/files/{sdkappid}/C2C/2023111422.gz"):
        s3.put_object(Bucket=svc.settings.bucket, Key=key, Body=b"{}")


def test_suspend_delete_restore_then_purge_leaves_nothing_of_the_app(
    api: RestCaller, ws: WsCaller, svc: Services, tenant: Tenant, clock: Any, bucket: str
) -> None:
    other = make_tenant(svc, clock, OTHER)
    seed(api, svc, tenant, tenant.sdkappid)
    seed(api, svc, other, OTHER)
    ws.login("carol")  # a terminal: connection rows, one keyed by the (global) connection id
    assert len(objects(bucket, tenant.sdkappid)) == 5 and mentioning(raw_items(svc.settings), tenant.sdkappid)

    # an active app is not deleted: 60006 (suspend it first), nothing written, still answering
    before = table_items()
    with pytest.raises(errors.AppNotSuspended) as refused:
        svc.apps.delete(tenant.sdkappid)
    assert refused.value.error_code == 60006 and "suspend it first" in refused.value.info
    assert table_items() == before
    api.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "alice"}]})

    svc.apps.suspend(tenant.sdkappid)
    api.fails(IMPORT, {"UserID": "dave"}, 60006)
    deleted = svc.apps.delete(tenant.sdkappid)
    assert deleted.status == "deleted" and deleted.deleted_at == int(clock.now())
    api.fails(IMPORT, {"UserID": "dave"}, 60016)
    assert svc.apps.delete(tenant.sdkappid).deleted_at == deleted.deleted_at  # again: the first date stays

    # within the period: restorable, with everything it had; the purge job leaves it alone
    clock.advance(6 * DAY)
    assert purge.run() == {}
    svc.apps.restore(tenant.sdkappid)
    api.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "alice"}]})
    svc.apps.suspend(tenant.sdkappid)
    svc.apps.delete(tenant.sdkappid)

    # past it: no command restores, suspends or deletes it (70020); calls stay 60016 until the purge removed it
    clock.advance(7 * DAY + 1)
    kept_other = [
        i for i in mentioning(raw_items(svc.settings), OTHER) if "#LIMIT#REST#" not in json.dumps(i, default=repr)
    ]
    other_objects = objects(bucket, OTHER)
    for action in (svc.apps.restore, svc.apps.suspend, svc.apps.delete):
        with pytest.raises(errors.AppNotFound):
            action(tenant.sdkappid)
    api.fails(IMPORT, {"UserID": "dave"}, 60016)
    runs = []
    while not (result := purge.run()).get(tenant.sdkappid):
        runs.append(result)
        assert len(runs) < 20, "the purge makes no progress"
    assert runs and all(r == {tenant.sdkappid: False} for r in runs)  # bounded: 3 pages a run

    items = raw_items(svc.settings)
    assert mentioning(items, tenant.sdkappid) == []
    assert objects(bucket, tenant.sdkappid) == []
    assert [a.sdkappid for a in svc.apps.all()] == [OTHER]
    # the other app lost nothing
    now_other = [i for i in mentioning(items, OTHER) if "#LIMIT#REST#" not in repr(i)]
    assert sorted(map(repr, now_other)) == sorted(map(repr, kept_other))
    assert objects(bucket, OTHER) == other_objects
    api.ok(
        "im_open_login_svc/account_check",
        {"CheckItem": [{"UserID": "alice"}]},
        sdkappid=OTHER,
        sig=other.sig(other.admin),
    )
    assert purge.run() == {}  # nothing left to do
    clock.advance(11)  # past the app cache
    api.fails(IMPORT, {"UserID": "dave"}, 70020)
    # the SDKAppID can be created again, empty
    svc.apps.create(tenant.sdkappid, "again", ["administrator"], tenant.key)
    got = api.ok("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "alice"}]})
    assert got["ResultItem"][0]["AccountStatus"] == "NotImported"


def test_bad_lifecycle_requests_are_refused_by_code_and_write_nothing(
    svc: Services, tenant: Tenant, clock: Any
) -> None:
    before = table_items()
    for action in (svc.apps.suspend, svc.apps.restore, svc.apps.delete):
        with pytest.raises(errors.AppNotFound):  # 70020: an unknown app
            action(1499999999)
    with pytest.raises(errors.AppNotSuspended):  # 60006: an active app
        svc.apps.delete(tenant.sdkappid)
    assert table_items() == before
    svc.apps.suspend(tenant.sdkappid)
    svc.apps.delete(tenant.sdkappid)
    with pytest.raises(errors.AppDeleted):  # 60016: suspending a deleted app
        svc.apps.suspend(tenant.sdkappid)
    clock.advance(7 * DAY + 1)
    deleted = table_items()
    with pytest.raises(errors.AppNotFound) as late:  # restoring after the period
        svc.apps.restore(tenant.sdkappid)
    assert "more than 7 days ago" in late.value.info
    assert table_items() == deleted


def test_the_app_admins_modification_is_the_admins_alone(api: RestCaller, svc: Services, tenant: Tenant) -> None:
    api.ok(IMPORT, {"UserID": "alice"})
    body = {"AddAdmin_Account": ["ops"]}
    api.rejects("openconfigsvr/modify_app_admins", body, 60010, identifier="alice")  # wrong role
    api.rejects("openconfigsvr/modify_app_admins", {"AddAdmin_Account": "ops"}, 70402)  # wrong type
    api.rejects("openconfigsvr/modify_app_admins", {"DeleteAdmin_Account": ["administrator"]}, 70402)  # none left
    assert api.ok("openconfigsvr/modify_app_admins", body)["AdminList"] == ["administrator", "ops"]
    assert svc.apps.get(tenant.sdkappid).admins == ("administrator", "ops")
    assert api.ok("openconfigsvr/get_app_admins", {})["AdminList"] == ["administrator", "ops"]
    api.rejects("openconfigsvr/get_app_admins", {}, 60010, identifier="alice")


def test_the_purge_job_is_scheduled_and_the_local_stack_runs_it() -> None:
    from app import app
    from devstack.lambdas import ScheduledFunction, scheduled_functions

    assert ScheduledFunction("app_purge_job", "rate(10 minutes)") in scheduled_functions(app)
