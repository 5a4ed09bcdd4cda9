"""all_member_push over REST: tags, attributes, pushes by condition, quotas; delivery through the task queue."""

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.stats import day_of
from chalicelib.services.ports import Connection
from chalicelib.services.push import AllMemberPushService
from chalicelib.store.push import DynamoPushStore

TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "sale starts now"}}]
SHANGHAI = timezone(timedelta(hours=8))


def _online(svc, tenant, clock, user: str, cid: str) -> None:
    now = int(clock.now())
    svc.connections.add(Connection(cid, tenant.sdkappid, user, "Web", now, now), now + 600)


@pytest.fixture
def people(api, svc, tenant, clock):
    """alice (2 terminals), bob, carol online; dave imported but offline."""
    api.ok("im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob", "carol", "dave"]})
    for user, cid in (("alice", "a1"), ("alice", "a2"), ("bob", "b1"), ("carol", "c1")):
        _online(svc, tenant, clock, user, cid)
    return api


def _push(api, clock, body=None, **kw):
    clock.advance(1.5)  # pushes must be at least a second apart
    return api.ok("all_member_push/im_push", {"MsgRandom": 7, "MsgBody": TEXT, **(body or {})}, **kw)


def _reached(pusher, task_id) -> list[str]:
    return sorted(cid for cid, f in pusher.events("all_member_push") if f["data"]["TaskId"] == task_id)


def test_a_push_without_condition_reaches_every_online_terminal(people, pusher, clock, tenant):
    out = _push(people, clock)
    assert sorted(_reached(pusher, out["TaskId"])) == ["a1", "a2", "b1", "c1"]
    _, frame = pusher.events("all_member_push")[0]
    assert frame["data"]["MsgBody"] == TEXT and frame["data"]["From_Account"] == tenant.admin
    assert frame["data"]["MsgRandom"] == 7 and frame["data"]["MsgTime"] == int(clock.now())


def test_tags_or_reaches_each_holder_once_and_tags_and_needs_all(people, pusher, clock):
    people.ok(
        "all_member_push/im_add_tag",
        {"UserTags": [{"To_Account": "alice", "Tags": ["a", "b"]}, {"To_Account": "bob", "Tags": ["b"]}]},
    )
    people.ok("all_member_push/im_add_tag", {"UserTags": [{"To_Account": "carol", "Tags": ["c"]}]})
    either = _push(people, clock, {"Condition": {"TagsOr": ["a", "b"]}})
    assert _reached(pusher, either["TaskId"]) == ["a1", "a2", "b1"]
    both = _push(people, clock, {"Condition": {"TagsAnd": ["a", "b"]}})
    assert _reached(pusher, both["TaskId"]) == ["a1", "a2"]


def test_attributes_select_users_by_value(people, pusher, clock):
    people.ok("all_member_push/im_set_attr_name", {"AttrNames": {"0": "sex", "1": "city"}})
    people.ok(
        "all_member_push/im_set_attr",
        {
            "UserAttrs": [
                {"To_Account": "alice", "Attrs": {"sex": "f", "city": "sz"}},
                {"To_Account": "bob", "Attrs": {"sex": "m", "city": "sz"}},
                {"To_Account": "carol", "Attrs": {"sex": "f", "city": "bj"}},
            ]
        },
    )
    sz_women = _push(people, clock, {"Condition": {"AttrsAnd": {"sex": "f", "city": "sz"}}})
    assert _reached(pusher, sz_women["TaskId"]) == ["a1", "a2"]
    women_or_bj = _push(people, clock, {"Condition": {"AttrsOr": {"sex": "f", "city": "bj"}}})
    assert _reached(pusher, women_or_bj["TaskId"]) == ["a1", "a2", "c1"]
    people.ok("all_member_push/im_set_attr", {"UserAttrs": [{"To_Account": "alice", "Attrs": {"city": "bj"}}]})
    assert _reached(pusher, _push(people, clock, {"Condition": {"AttrsAnd": {"city": "sz"}}})["TaskId"]) == ["b1"]


def test_attribute_and_tag_reads_and_removals(people):
    people.ok("all_member_push/im_set_attr_name", {"AttrNames": {"0": "sex"}})
    people.ok("all_member_push/im_set_attr_name", {"AttrNames": {"1": "city"}})
    assert people.ok("all_member_push/im_get_attr_name", {})["AttrNames"] == {"0": "sex", "1": "city"}
    people.ok(
        "all_member_push/im_set_attr", {"UserAttrs": [{"To_Account": "alice", "Attrs": {"sex": "f", "city": "sz"}}]}
    )
    people.ok("all_member_push/im_remove_attr", {"UserAttrs": [{"To_Account": "alice", "Attrs": ["city"]}]})
    out = people.ok("all_member_push/im_get_attr", {"To_Account": ["alice", "bob"]})
    assert out["UserAttrs"] == [{"To_Account": "alice", "Attrs": {"sex": "f"}}, {"To_Account": "bob", "Attrs": {}}]
    people.ok("all_member_push/im_add_tag", {"UserTags": [{"To_Account": "alice", "Tags": ["a", "b", "c"]}]})
    people.ok("all_member_push/im_remove_tag", {"UserTags": [{"To_Account": "alice", "Tags": ["b"]}]})
    assert people.ok("all_member_push/im_get_tag", {"To_Account": ["alice"]})["UserTags"] == [
        {"To_Account": "alice", "Tags": ["a", "c"]}
    ]
    people.ok("all_member_push/im_remove_all_tags", {"To_Account": ["alice"]})
    assert people.ok("all_member_push/im_get_tag", {"To_Account": ["alice"]})["UserTags"][0]["Tags"] == []


def test_deleting_an_account_deletes_its_tags_and_attributes(people, pusher, clock):
    people.ok("all_member_push/im_set_attr_name", {"AttrNames": {"0": "sex"}})
    people.ok("all_member_push/im_set_attr", {"UserAttrs": [{"To_Account": "bob", "Attrs": {"sex": "m"}}]})
    people.ok("all_member_push/im_add_tag", {"UserTags": [{"To_Account": "bob", "Tags": ["vip"]}]})
    people.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "bob"}]})
    people.ok("im_open_login_svc/account_import", {"UserID": "bob"})
    assert people.ok("all_member_push/im_get_tag", {"To_Account": ["bob"]})["UserTags"][0]["Tags"] == []
    assert people.ok("all_member_push/im_get_attr", {"To_Account": ["bob"]})["UserAttrs"][0]["Attrs"] == {}
    assert _reached(pusher, _push(people, clock, {"Condition": {"TagsOr": ["vip"]}})["TaskId"]) == []


def test_tag_requests_are_checked_before_anything_is_written(people):
    add = "all_member_push/im_add_tag"
    people.fails(add, {"UserTags": [{"To_Account": "alice", "Tags": ["ok", "t" * 51]}]}, 90020)
    people.fails(add, {"UserTags": [{"To_Account": "alice", "Tags": [str(i) for i in range(11)]}]}, 90032)
    people.fails(
        add, {"UserTags": [{"To_Account": "alice", "Tags": ["ok"]}, {"To_Account": "ghost", "Tags": ["x"]}]}, 70107
    )
    many = [{"To_Account": f"u{i}", "Tags": ["x"]} for i in range(101)]
    people.fails(add, {"UserTags": many}, 90018)
    people.fails(add, {"UserTags": [{"To_Account": "alice"}]}, 90001)
    assert people.ok("all_member_push/im_get_tag", {"To_Account": ["alice"]})["UserTags"][0]["Tags"] == []
    for start in range(0, 100, 10):
        people.ok(add, {"UserTags": [{"To_Account": "alice", "Tags": [f"t{i}" for i in range(start, start + 10)]}]})
    people.fails(add, {"UserTags": [{"To_Account": "alice", "Tags": ["one-too-many"]}]}, 90032)


def test_attribute_requests_are_checked(people):
    people.fails("all_member_push/im_set_attr_name", {"AttrNames": {"12": "x"}}, 90033)
    people.ok("all_member_push/im_set_attr_name", {"AttrNames": {"0": "sex"}})
    people.fails("all_member_push/im_set_attr_name", {"AttrNames": {"1": "sex"}}, 90033)
    people.fails("all_member_push/im_set_attr", {"UserAttrs": [{"To_Account": "alice", "Attrs": {"age": "3"}}]}, 90033)
    people.fails(
        "all_member_push/im_set_attr", {"UserAttrs": [{"To_Account": "alice", "Attrs": {"sex": "x" * 51}}]}, 90033
    )
    people.fails("all_member_push/im_set_attr", {"UserAttrs": [{"To_Account": "ghost", "Attrs": {"sex": "f"}}]}, 70107)
    people.fails("all_member_push/im_remove_attr", {"UserAttrs": [{"To_Account": "alice", "Attrs": "sex"}]}, 90001)
    assert people.ok("all_member_push/im_get_attr", {"To_Account": ["alice"]})["UserAttrs"][0]["Attrs"] == {}


def test_push_requests_are_checked_and_refusals_use_no_quota(people, svc, tenant, clock):
    push = "all_member_push/im_push"
    people.fails(push, {"MsgBody": TEXT}, 90005)
    people.fails(push, {"MsgRandom": 1, "MsgBody": "hi"}, 90007)
    people.fails(push, {"MsgRandom": 1, "MsgBody": TEXT, "MsgLifeTime": 604801}, 90026)
    people.fails(push, {"MsgRandom": 1, "MsgBody": TEXT, "MsgLifeTime": "1"}, 90044)
    people.fails(push, {"MsgRandom": 1, "MsgBody": TEXT, "From_Account": "ghost"}, 70107)
    people.fails(push, {"MsgRandom": 1, "MsgBody": TEXT, "Condition": {"TagsOr": ["a"], "AttrsOr": {"x": "y"}}}, 90039)
    people.fails(push, {"MsgRandom": 1, "MsgBody": TEXT}, 60010, identifier="alice")
    app = svc.apps.get(tenant.sdkappid)
    assert svc.metrics.day(tenant.sdkappid, day_of(clock.now(), app.config.timezone)).get("AllMemberPushNum", 0) == 0
    assert svc.limits.take(tenant.sdkappid, f"PUSHDAY#{day_of(clock.now(), 'Asia/Shanghai')}", 1, 0) is True


def test_a_push_within_a_second_of_the_last_is_refused_with_90024(people, clock):
    _push(people, clock)
    people.fails("all_member_push/im_push", {"MsgRandom": 1, "MsgBody": TEXT}, 90024)
    clock.advance(1)
    people.ok("all_member_push/im_push", {"MsgRandom": 1, "MsgBody": TEXT})


def test_the_101st_push_of_a_day_is_refused_with_90047_and_the_next_day_starts_afresh(svc, tenant, clock, task_queue):
    from chalicelib.domain.errors import DomainError
    from chalicelib.services.push import PushRequest

    task_queue.run_inline = False  # only acceptance matters here; deliveries stay queued

    clock.t = datetime(2023, 11, 15, 8, 0, tzinfo=SHANGHAI).timestamp()
    app = svc.apps.get(tenant.sdkappid)
    request = PushRequest(tenant.admin, 1, TEXT, None)
    for _ in range(100):
        clock.advance(1)
        svc.all_member_push.push(app, request, admin=tenant.admin)
    clock.advance(1)
    with pytest.raises(DomainError) as refused:
        svc.all_member_push.push(app, request, admin=tenant.admin)
    assert refused.value.error_code == 90047
    assert svc.metrics.day(tenant.sdkappid, "20231115")["AllMemberPushNum"] == 100
    clock.t = datetime(2023, 11, 16, 0, 0, 1, tzinfo=SHANGHAI).timestamp()
    assert svc.all_member_push.push(app, request, admin=tenant.admin)
    assert len(task_queue.pending) == 101


def test_delivery_walks_pages_through_queued_tasks(people, svc, tenant, clock, pusher, task_queue):
    svc.all_member_push = AllMemberPushService(
        DynamoPushStore(),
        svc.accounts.repo,
        svc.notifier,
        svc.limits,
        svc.metrics,
        svc.tasks,
        clock,
        user_page=1,
        connection_page=2,
    )
    everyone = _push(people, clock)
    assert _reached(pusher, everyone["TaskId"]) == ["a1", "a2", "b1", "c1"]
    people.ok(
        "all_member_push/im_add_tag", {"UserTags": [{"To_Account": u, "Tags": ["t"]} for u in ("alice", "bob", "dave")]}
    )
    tagged = _push(people, clock, {"Condition": {"TagsOr": ["t"]}})
    assert _reached(pusher, tagged["TaskId"]) == ["a1", "a2", "b1"]
    kinds = [kind for kind, _ in task_queue.enqueued]
    assert kinds.count("all_member_push") == 3 + 4  # 4 terminals in pages of 2, 3 tagged users in pages of 1


def test_push_logs_name_the_task_but_never_the_message_or_usersig(people, tenant, clock):
    import io

    from chalicelib import logs

    stream = io.StringIO()
    logs.configure("DEBUG", stream)
    out = _push(people, clock)
    raw = stream.getvalue()
    assert out["TaskId"] in raw and '"cmd": "all_member_push/im_push"' in raw
    assert "sale starts now" not in raw and tenant.sig(tenant.admin) not in raw
