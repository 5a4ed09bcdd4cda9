"""Group attributes: get/modify/set/clear_group_attr under both service names, Tencent's limits, the version, and
`GroupAttrChanged` to online members."""

import pytest

from tests.group_builders import accounts, connect, create

SVC = ("group_open_http_svc", "group_open_attr_http_svc")


def attr(key: str, value: str) -> dict[str, str]:
    return {"key": key, "value": value}


@pytest.fixture
def gid(api):
    accounts(api, "alice", "bob", "carol", "dave")
    return create(api, "Public", members=("bob", "carol"))


@pytest.mark.parametrize("svc_name", SVC)
def test_attributes_are_modified_set_and_cleared_under_both_service_names(api, gid, svc_name):
    def call(cmd, **body):
        return api.ok(f"{svc_name}/{cmd}", {"GroupId": gid, **body})

    assert call("get_group_attr")["GroupAttrAry"] == []
    call("modify_group_attr", GroupAttr=[attr("topic", "news"), attr("lang", "en")])
    call("modify_group_attr", GroupAttr=[attr("lang", "zh"), attr("mood", "")])
    got = call("get_group_attr")
    assert got["GroupAttrAry"] == [attr("lang", "zh"), attr("mood", ""), attr("topic", "news")]
    assert got["AttrVersion"] == 2
    call("set_group_attr", GroupAttr=[attr("only", "1")])
    assert call("get_group_attr")["GroupAttrAry"] == [attr("only", "1")]
    call("clear_group_attr")
    got = call("get_group_attr")
    assert got["GroupAttrAry"] == [] and got["AttrVersion"] == 4


def test_members_read_and_write_them_and_online_members_get_the_whole_set(svc, api, gid, pusher):
    connect(svc, "carol", "c1")
    api.ok("group_open_http_svc/modify_group_attr", {"GroupId": gid, "GroupAttr": [attr("k", "v")]}, identifier="bob")
    got = api.ok("group_open_attr_http_svc/get_group_attr", {"GroupId": gid}, identifier="carol")
    assert got["GroupAttrAry"] == [attr("k", "v")]
    (data,) = [f["data"] for f in pusher.frames("c1", "GroupAttrChanged")]
    assert data == {"GroupId": gid, "GroupAttrAry": [attr("k", "v")], "AttrVersion": 1}


def test_a_non_member_neither_reads_nor_writes_them(api, gid):
    api.rejects("group_open_http_svc/get_group_attr", {"GroupId": gid}, 10007, identifier="dave")
    body = {"GroupId": gid, "GroupAttr": [attr("k", "v")]}
    api.rejects("group_open_http_svc/modify_group_attr", body, 10007, identifier="dave")
    api.rejects("group_open_http_svc/clear_group_attr", {"GroupId": gid}, 10007, identifier="dave")


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([attr("k" * 33, "v")], 10004),  # key over 32 bytes
        ([attr("k", "v" * 4097)], 10004),  # value over 4 KB
        ([attr("", "v")], 10004),
        ([{"key": 1, "value": "v"}], 10004),
        ([{"key": "k", "value": 1}], 10004),
        ([attr(f"k{i}", "v") for i in range(17)], 10004),  # more than 16 keys
        ([attr(f"k{i}", "v" * 4000) for i in range(5)], 10004),  # over 16 KB together
        ("k", 10004),
    ],
)
def test_limits_are_tencents_and_a_refused_write_writes_nothing(api, gid, items, code):
    for cmd in ("modify_group_attr", "set_group_attr"):
        api.rejects(f"group_open_http_svc/{cmd}", {"GroupId": gid, "GroupAttr": items}, code)


def test_a_modify_that_would_pass_16_keys_is_refused_with_the_set_unchanged(api, gid):
    first = [attr(f"k{i}", "v") for i in range(16)]
    api.ok("group_open_http_svc/set_group_attr", {"GroupId": gid, "GroupAttr": first})
    api.rejects("group_open_http_svc/modify_group_attr", {"GroupId": gid, "GroupAttr": [attr("extra", "v")]}, 10004)
    body = {"GroupId": gid, "GroupAttr": [attr("k0", "changed")]}  # replacing a key keeps 16
    api.ok("group_open_http_svc/modify_group_attr", body)


def test_a_write_that_lost_a_race_three_times_answers_10056_and_writes_nothing(svc, api, gid, monkeypatch):
    repo = svc.group_attrs._repo
    real_get = repo.get

    def stale_get(*args, **kw):  # another writer moves the version between every read and write
        got = real_get(*args, **kw)
        repo.put(args[0], args[1], args[2], {"other": "x"}, got.version)
        return got

    api.ok("group_open_http_svc/modify_group_attr", {"GroupId": gid, "GroupAttr": [attr("k", "v")]})
    monkeypatch.setattr(repo, "get", stale_get)
    api.fails("group_open_http_svc/modify_group_attr", {"GroupId": gid, "GroupAttr": [attr("k", "w")]}, 10056)
    monkeypatch.undo()
    got = api.ok("group_open_http_svc/get_group_attr", {"GroupId": gid})
    assert got["GroupAttrAry"] == [attr("other", "x")]  # the other writer's set, not a mix


def test_a_dissolved_groups_attributes_never_reach_a_new_group_with_its_id(api):
    accounts(api, "alice")
    gid = create(api, "Public", GroupId="attrgroup")
    api.ok("group_open_http_svc/set_group_attr", {"GroupId": gid, "GroupAttr": [attr("k", "v")]})
    api.ok("group_open_http_svc/destroy_group", {"GroupId": gid})
    create(api, "Public", GroupId="attrgroup")
    assert api.ok("group_open_http_svc/get_group_attr", {"GroupId": gid})["GroupAttrAry"] == []
