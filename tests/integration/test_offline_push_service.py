"""OfflinePushService with the in-memory SNS fake (tests/fakes.FakeSns): what the send enqueues (and what it does
not), the task's decisions per recipient, platform scope, webhooks, group pages, disabled devices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.domain import offline_push as rules
from chalicelib.services import offline_push as service
from chalicelib.services.ports import Connection
from chalicelib.store.schema import create_tables
from tests.builders import make_tenant
from tests.fakes import FakeSns

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]


@pytest.fixture
def sns() -> FakeSns:
    return FakeSns()


@pytest.fixture
def built(aws, clock, pusher, settings, task_queue, sns) -> Iterator[wiring.Services]:
    create_tables(settings)
    svc = wiring.build(settings, clock=clock, pusher=pusher, tasks=task_queue, push_gateway=sns)
    wiring.install(svc)
    yield svc
    wiring.install(None)


@pytest.fixture
def app(built, clock) -> Any:
    tenant = make_tenant(built, clock)
    for user in ("alice", "bob", "carol"):
        built.accounts.import_account(tenant.sdkappid, user)
    for platform in ("APNS", "FCM"):
        built.offline_push.configure(tenant.sdkappid, platform, "key")
    built.offline_push.configure(tenant.sdkappid, "WEBHOOK", "https://gateway.example/push")
    return built.apps.get(tenant.sdkappid)


def _online(svc, app, user: str, platform: str, clock) -> None:
    now = int(clock.now())
    svc.connections.add(Connection(f"{user}-{platform}", app.sdkappid, user, platform, now, now), now + 600)


def _send(svc, app, text: str = "hi", sender: str = "bob", to: str = "alice", random: int = 1) -> None:
    from chalicelib.domain.c2c import Outgoing, SyncMode

    body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]
    out = Outgoing((to,), 1, random, body, 86400, SyncMode.ECHO)
    svc.c2c.send(app, sender, out, by_admin=True, exclude=None, batch=False)


def test_an_app_without_credentials_enqueues_nothing(built, clock, task_queue):
    tenant = make_tenant(built, clock, sdkappid=1400000002)
    app = built.apps.get(tenant.sdkappid)
    for user in ("alice", "bob"):
        built.accounts.import_account(app.sdkappid, user)
    _send(built, app)
    assert rules.TASK not in [k for k, _ in task_queue.enqueued]


def test_one_task_per_offline_recipient_reaches_every_device_of_the_account(built, app, sns, task_queue):
    built.offline_push.register(app, "alice", "APNS", "ios-token")
    built.offline_push.register(app, "alice", "FCM", "android-token")
    built.offline_push.register(app, "alice", "WEBHOOK", "huawei-token")
    _send(built, app)
    assert [k for k, _ in task_queue.enqueued] == [rules.TASK]
    assert sns.to("ios-token")[0]["aps"]["alert"] == {"title": "bob", "body": "hi"}
    assert sns.to("android-token")[0]["notification"]["body"] == "hi"
    (webhook,) = [doc for _, t, doc in sns.published if t == "huawei-token"]
    assert webhook["user"] == "alice" and webhook["notification"]["text"] == "hi"


def test_platform_scope_pushes_the_phone_while_only_the_pc_is_online(built, app, sns, clock):
    built.offline_push.register(app, "alice", "APNS", "ios-token")
    _online(built, app, "alice", "PC", clock)
    _send(built, app)
    assert sns.to("ios-token") == []  # default scope: an online terminal means no push
    built.apps.configure(app.sdkappid, {"offline_push_scope": "platform"})
    app = built.apps.get(app.sdkappid)
    _send(built, app, random=2)
    assert len(sns.to("ios-token")) == 1
    _online(built, app, "alice", "iPhone", clock)
    _send(built, app, random=3)
    assert len(sns.to("ios-token")) == 1  # the iPhone itself is online now


def test_a_disabled_token_is_removed_and_its_endpoint_deleted(built, app, sns):
    built.offline_push.register(app, "alice", "APNS", "dead-token")
    sns.disabled.add("dead-token")
    _send(built, app)
    assert built.offline_push.devices(app, "alice") == [] and len(sns.deleted) == 1


def test_group_offline_members_are_pushed_in_pages_of_recipients(built, app, sns, task_queue, monkeypatch):
    monkeypatch.setattr(service, "GROUP_PAGE", 1)
    from chalicelib.services.groups import NewGroup, NewMember

    spec = NewGroup("Public", "g", owner="bob")
    group = built.groups.create(app, "bob", True, spec, [NewMember("alice"), NewMember("carol")], imported=False)
    for user in ("alice", "carol", "bob"):
        built.offline_push.register(app, user, "FCM", f"{user}-token")
    from chalicelib.services.group_messages import Outgoing

    built.group_messages.send(app, "bob", group.group_id, Outgoing(None, 1, TEXT))
    kinds = [(k, p.get("users")) for k, p in task_queue.enqueued if k == rules.TASK]
    assert kinds == [(rules.TASK, None), (rules.TASK, ["alice"]), (rules.TASK, ["carol"])]
    assert len(sns.to("alice-token")) == len(sns.to("carol-token")) == 1 and sns.to("bob-token") == []


def test_the_badge_counts_c2c_and_group_unread(built, app, sns):
    built.offline_push.register(app, "alice", "APNS", "ios-token")
    _send(built, app, "one", random=1)
    _send(built, app, "two", sender="carol", random=2)
    assert [p["aps"]["badge"] for p in sns.to("ios-token")] == [1, 2]


def test_an_all_member_push_to_everybody_walks_the_apps_devices_page_by_page(built, app, sns, clock, monkeypatch):
    monkeypatch.setattr(service, "DEVICE_PAGE", 1)
    for user in ("alice", "bob", "carol"):
        built.offline_push.register(app, user, "APNS", f"{user}-token")
    _online(built, app, "bob", "Android", clock)
    from chalicelib.services.push import PushRequest

    built.all_member_push.push(app, PushRequest("alice", 1, TEXT, None), admin="administrator")
    assert [len(sns.to(f"{u}-token")) for u in ("alice", "bob", "carol")] == [1, 0, 1]


def test_a_failed_publish_is_retried_for_that_device_only_then_given_up(built, app, sns, task_queue):
    from tests.fakes import FlakySns

    flaky = FlakySns()
    built.offline_push._gateway = flaky  # same adapter contract, failing on demand
    built.offline_push.register(app, "alice", "APNS", "ok-token")
    built.offline_push.register(app, "alice", "FCM", "flaky-token")
    flaky.failing["flaky-token"] = 1
    _send(built, app)
    assert len(flaky.to("ok-token")) == 1 and len(flaky.to("flaky-token")) == 1  # retried once, no duplicate
    retries = [p for k, p in task_queue.enqueued if k == rules.TASK and p.get("attempt")]
    assert [(p["attempt"], p["retry"]) for p in retries] == [(1, [["alice", "FCM", "flaky-token"]])]
    flaky.failing["flaky-token"] = 10
    with pytest.raises(service.PushFailed):  # the last attempt fails its task: SQS redelivers it, then dead-letters
        _send(built, app, random=2)
    assert len(flaky.to("flaky-token")) == 1 and flaky.failing["flaky-token"] == 10 - service.MAX_ATTEMPTS
    assert len(flaky.to("ok-token")) == 2  # the other device got its push once


def test_a_recipient_whose_devices_cannot_be_read_is_retried_without_costing_the_others(built, app, sns, task_queue):
    from chalicelib.domain.offline_push import PushInfo

    for user in ("alice", "carol"):
        built.offline_push.register(app, user, "APNS", f"{user}-token")
    repo = built.offline_push._devices
    real, calls = repo.of_user, {"alice": 0}

    def flaky(sdkappid, user):
        if user == "alice" and calls["alice"] == 0:
            calls["alice"] += 1
            raise RuntimeError("ProvisionedThroughputExceeded")
        return real(sdkappid, user)

    repo.of_user = flaky
    payload = built.offline_push._payload(app, "AllMember", "bob", "", TEXT, PushInfo(), users=["alice", "carol"])
    built.offline_push.run(payload)
    assert len(sns.to("carol-token")) == 1 and len(sns.to("alice-token")) == 1  # alice through the retry
    assert [p.get("attempt") for k, p in task_queue.enqueued if k == rules.TASK] == [1]
