"""Callbacks to the app backend through the API, with a fake HTTP port (services/callbacks.CallbackHttp): the
configuration commands, before-callbacks deciding sends, creates, joins and friend adds, after-callbacks queued
with their documented fields, retries, Sign, ForbidCallbackControl and OptPlatform."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from bench.counting import count_dynamodb
from chalicelib.domain import callbacks as cb
from chalicelib.domain.stats import day_of
from chalicelib.services.callbacks import CallbackFailed, Reply
from tests import group_builders as gb
from tests.chat import accounts, history, send, stored, text

URL = "https://hooks.example.com/im"
OK = {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}

Answer = Callable[[str, dict[str, Any]], "tuple[int, dict[str, Any]] | Exception"]


class FakeHttp:
    """Records each callback (query, body, timeout) and answers with `answer(command, body)`."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], dict[str, Any], float]] = []
        self.addresses = ["93.184.216.34"]
        self.answer: Answer = lambda command, body: (200, OK)

    def resolve(self, host: str) -> list[str]:
        return list(self.addresses)

    def post(self, target: Any, path: str, body: bytes, headers: Any, timeout: float, *, allow_private: bool) -> Reply:
        query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        doc = json.loads(body)
        self.calls.append((query, doc, timeout))
        result = self.answer(query["CallbackCommand"], doc)
        if isinstance(result, Exception):
            raise result
        status, answer = result
        return Reply(status, json.dumps(answer).encode())

    def commands(self) -> list[str]:
        return [q["CallbackCommand"] for q, _, _ in self.calls]

    def bodies(self, command: str) -> list[dict[str, Any]]:
        return [doc for q, doc, _ in self.calls if q["CallbackCommand"] == command]


@pytest.fixture
def hooks(svc: Any) -> FakeHttp:
    fake = FakeHttp()
    svc.callbacks.http = fake
    return fake


def configure(api: Any, **settings: Any) -> dict[str, Any]:
    body = {"URL": URL, "Commands": ["all"], **settings}
    shown: dict[str, Any] = api.ok("openconfigsvr/set_callback_config", body)["CallbackConfig"]
    return shown


def test_the_admin_configures_callbacks_and_the_token_is_never_shown(api, hooks, tenant):
    shown = configure(api, Token="s3cr3t", TimeoutMs=1500, OnFailure="refuse")
    assert shown == {
        "URL": URL,
        "Commands": sorted(cb.COMMANDS),
        "TimeoutMs": 1500,
        "OnFailure": "refuse",
        "TokenSet": 1,
    }
    assert api.ok("openconfigsvr/get_callback_config", {})["CallbackConfig"] == shown
    changed = api.ok("openconfigsvr/set_callback_config", {"Commands": [cb.STATE_CHANGE]})["CallbackConfig"]
    assert changed["Commands"] == [cb.STATE_CHANGE] and changed["URL"] == URL and changed["TimeoutMs"] == 1500
    api.ok("openconfigsvr/delete_callback_config", {})
    cleared = api.ok("openconfigsvr/get_callback_config", {})["CallbackConfig"]
    assert cleared == {"URL": "", "Commands": [], "TimeoutMs": 2000, "OnFailure": "allow", "TokenSet": 0}


def test_bad_configurations_are_refused_and_write_nothing(api, hooks, tenant):
    configure(api)
    cases: list[dict[str, Any]] = [
        {"URL": "http://hooks.example.com/im"},  # HTTPS outside the local stage
        {"URL": "https://user:pw@hooks.example.com/"},
        {"URL": 5},
        {"TimeoutMs": 5001},
        {"TimeoutMs": 99},
        {"OnFailure": "later"},
        {"Commands": ["C2C.CallbackNoSuch"]},
        {"Commands": "all"},
        {"Token": "x" * 129},
        {},
    ]
    for body in cases:
        api.fails("openconfigsvr/set_callback_config", body, 70402)
    hooks.addresses = ["10.0.0.5"]  # the host resolves into the VPC
    api.fails("openconfigsvr/set_callback_config", {"URL": "https://internal.example.com/"}, 70402)
    hooks.addresses = ["93.184.216.34", "169.254.169.254"]
    api.fails("openconfigsvr/set_callback_config", {"URL": "https://mixed.example.com/"}, 70402)
    for literal in ("https://127.0.0.1/", "https://[::1]/", "https://169.254.169.254/latest/meta-data"):
        hooks.addresses = [urlsplit(literal).hostname or ""]
        api.fails("openconfigsvr/set_callback_config", {"URL": literal}, 70402)
    assert api.ok("openconfigsvr/get_callback_config", {})["CallbackConfig"]["URL"] == URL
    api.ok("im_open_login_svc/account_import", {"UserID": "alice"})
    api.fails("openconfigsvr/set_callback_config", {"URL": URL}, 60010, identifier="alice")
    api.fails("openconfigsvr/get_callback_config", {}, 60010, identifier="alice")


def test_a_refusal_with_an_app_code_fails_the_send_and_stores_nothing(api, svc, hooks, tenant):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_BEFORE_SEND, cb.C2C_AFTER_SEND])
    hooks.answer = lambda command, body: (200, {"ActionStatus": "FAIL", "ErrorCode": 120005, "ErrorInfo": "no spam"})
    svc.callbacks.config(tenant.sdkappid)  # the configuration is cached: a send reads nothing for it
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 7, "MsgBody": text("buy now")}
    with count_dynamodb() as usage:
        out = api.call("openim/sendmsg", body)
    assert (out["ErrorCode"], out["ErrorInfo"]) == (120005, "no spam")
    assert usage.wcu == 0 or all(t.endswith("-counters") for c in usage.calls if c.wcu for t in c.tables)
    assert history(api, "alice", "bob")["MsgCnt"] == 0 and not stored("messages")
    assert hooks.commands() == [cb.C2C_BEFORE_SEND]  # no after-callback for a refused message
    sent = hooks.bodies(cb.C2C_BEFORE_SEND)[0]
    assert (sent["From_Account"], sent["To_Account"], sent["MsgRandom"], sent["MsgBody"]) == (
        "alice",
        "bob",
        7,
        text("buy now"),
    )
    assert {"MsgSeq", "MsgTime", "MsgKey", "OnlineOnlyFlag", "EventTime", "CallbackId"} <= set(sent)


def test_error_code_1_refuses_with_20006_and_2_drops_silently(api, hooks, tenant):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_BEFORE_SEND])
    hooks.answer = lambda command, body: (200, {"ErrorCode": 1})
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": text()}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 20006
    hooks.answer = lambda command, body: (200, {"ErrorCode": 2})
    assert api.ok("openim/sendmsg", {**body, "MsgRandom": 2})["MsgKey"]
    assert history(api, "alice", "bob")["MsgCnt"] == 0


def test_a_rewrite_replaces_the_text_and_cloud_data(api, hooks, tenant):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_BEFORE_SEND])
    hooks.answer = lambda command, body: (200, {**OK, "MsgBody": text("***"), "CloudCustomData": "checked"})
    send(api, "alice", "bob", "darn")
    (msg,) = history(api, "bob", "alice")["MsgList"]
    assert (msg["MsgBody"], msg["CloudCustomData"]) == (text("***"), "checked")
    hooks.answer = lambda command, body: (200, {**OK, "MsgBody": [{"MsgType": "Nope"}]})
    out = api.call("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 9, "MsgBody": text()})
    assert out["ErrorCode"] == 20006  # an invalid rewrite is refused, never stored


def test_a_failed_callback_follows_the_apps_policy(api, hooks, tenant):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_BEFORE_SEND], TimeoutMs=300)
    hooks.answer = lambda command, body: CallbackFailed("no answer within 0.3 s")
    send(api, "alice", "bob", "through")  # allow, the default
    assert hooks.calls[-1][2] == 0.3  # bounded by the app's timeout
    configure(api, Commands=[cb.C2C_BEFORE_SEND], OnFailure="refuse")
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 99, "MsgBody": text()}
    assert api.call("openim/sendmsg", body)["ErrorCode"] == 20006
    assert history(api, "alice", "bob")["MsgCnt"] == 1


def test_after_send_is_queued_signed_and_sent_once_per_message(api, hooks, tenant, task_queue, clock):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_AFTER_SEND], Token="tok")
    out = send(api, "alice", "bob", "hello")
    assert [k for k, _ in task_queue.enqueued].count("callback") == 1
    ((query, body, _),) = hooks.calls
    assert query["SdkAppid"] == str(tenant.sdkappid) and query["OptPlatform"] == "RESTAPI"
    assert query["contenttype"] == "json" and query["ClientIP"] == "127.0.0.1"  # the REST caller's address
    assert query["Sign"] == cb.sign("tok", int(query["RequestTime"])) and query["RequestTime"] == str(int(clock.now()))
    assert body["MsgKey"] == out["MsgKey"] and body["MsgTime"] == out["MsgTime"] and body["MsgBody"] == text("hello")
    assert body["SendMsgResult"] == 0 and body["CallbackId"]
    retry = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": body["MsgRandom"], "MsgBody": text("hello")}
    retry["MsgSeq"] = body["MsgSeq"]
    api.ok("openim/sendmsg", retry)  # a client's retry of the stored message: answered, not called back again
    assert len(hooks.calls) == 1


def test_forbid_callback_control_switches_callbacks_off_per_request(api, hooks, tenant):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_BEFORE_SEND, cb.C2C_AFTER_SEND])
    send(api, "alice", "bob", "a", ForbidCallbackControl=["ForbidBeforeSendMsgCallback"])
    assert hooks.commands() == [cb.C2C_AFTER_SEND]
    send(api, "alice", "bob", "b", ForbidCallbackControl=["ForbidAfterSendMsgCallback"])
    assert hooks.commands() == [cb.C2C_AFTER_SEND, cb.C2C_BEFORE_SEND]
    send(api, "alice", "bob", "c", ForbidCallbackControl=["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"])
    assert len(hooks.calls) == 2


def test_a_failing_after_callback_is_retried_with_the_same_id_then_left_to_the_queue(api, hooks, tenant, task_queue):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_AFTER_SEND])
    answers = iter([CallbackFailed("refused"), (503, {}), (200, OK)])
    hooks.answer = lambda command, body: next(answers)
    send(api, "alice", "bob")
    ids = {body["CallbackId"] for _, body, _ in hooks.calls}
    assert len(hooks.calls) == 3 and len(ids) == 1  # the app de-duplicates by CallbackId
    attempts = [p["attempt"] for k, p in task_queue.enqueued if k == "callback"]
    assert attempts == [1, 2, 3]
    hooks.calls.clear()
    hooks.answer = lambda command, body: CallbackFailed("down")
    task_queue.run_inline = False  # the send only queues it
    send(api, "alice", "bob")
    with pytest.raises(CallbackFailed):  # the last attempt raises: SQS redelivers it, then the dead-letter queue
        task_queue.drain()
    assert len(hooks.calls) == 6


def test_group_callbacks(api, svc, hooks, tenant):
    gb.accounts(api, "alice", "bob", "carol")
    configure(api)
    gid = gb.create(api, "Public", "alice", ("bob",))
    assert hooks.commands()[:2] == [cb.GROUP_BEFORE_CREATE, cb.GROUP_AFTER_CREATE]
    created = hooks.bodies(cb.GROUP_AFTER_CREATE)[0]
    assert created["GroupId"] == gid and created["Owner_Account"] == "alice" and created["Type"] == "Public"
    assert created["MemberList"] == [{"Member_Account": "alice"}, {"Member_Account": "bob"}]
    hooks.calls.clear()
    gb.send(api, gid, "hi all", sender="alice")
    assert hooks.commands() == [cb.GROUP_BEFORE_SEND, cb.GROUP_AFTER_SEND]
    after = hooks.bodies(cb.GROUP_AFTER_SEND)[0]
    assert after["GroupId"] == gid and after["From_Account"] == "alice" and after["MsgBody"] == gb.text("hi all")
    assert after["MsgSeq"] >= 1 and "MsgTime" in after
    hooks.answer = lambda command, body: (200, {"ErrorCode": 120010, "ErrorInfo": "not now"})
    out = api.call("group_open_http_svc/send_group_msg", {"GroupId": gid, "Random": 5, "MsgBody": gb.text("x")})
    assert (out["ErrorCode"], out["ErrorInfo"]) == (120010, "not now")
    out = api.call("group_open_http_svc/create_group", {"Type": "Public", "Name": "g2", "Owner_Account": "alice"})
    assert out["ErrorCode"] == 120010
    hooks.answer = lambda command, body: (200, {**OK, "MsgBody": gb.text("rewritten")})
    gb.send(api, gid, "original", sender="bob")
    bodies = [m["MsgBody"] for m in gb.history(api, gid)]
    assert gb.text("rewritten") in bodies and gb.text("original") not in bodies
    hooks.answer = lambda command, body: (200, OK)
    hooks.calls.clear()
    api.ok("group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    joined = hooks.bodies(cb.GROUP_AFTER_JOIN)[0]
    assert joined["JoinType"] == "Invited" and joined["NewMemberList"] == [{"Member_Account": "carol"}]
    api.ok("group_open_http_svc/delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["carol"]})
    assert hooks.bodies(cb.GROUP_AFTER_EXIT)[0]["ExitType"] == "Kicked"
    api.ok("group_open_http_svc/modify_group_base_info", {"GroupId": gid, "Name": "renamed"})
    assert hooks.bodies(cb.GROUP_AFTER_INFO)[0]["Name"] == "renamed"
    api.ok("group_open_http_svc/destroy_group", {"GroupId": gid})
    destroyed = hooks.bodies(cb.GROUP_AFTER_DESTROY)[0]
    assert destroyed["GroupId"] == gid
    assert destroyed["MemberList"] == [{"Member_Account": "alice"}, {"Member_Account": "bob"}]  # carol was kicked


def test_sns_and_profile_callbacks(api, hooks, tenant):
    accounts(api, "alice", "bob")
    configure(api)
    item = {"To_Account": "bob", "AddSource": "AddSource_Type_Test"}
    added = api.ok("sns/friend_add", {"From_Account": "alice", "AddFriendItem": [item], "AddType": "Add_Type_Both",
                                      "ForceAddFlags": 1})  # fmt: skip
    assert added["ResultItem"][0]["ResultCode"] == 0
    assert hooks.commands()[:2] == [cb.SNS_BEFORE_FRIEND_ADD, cb.SNS_FRIEND_ADD]
    assert hooks.bodies(cb.SNS_FRIEND_ADD)[0]["PairList"] == [{"From_Account": "alice", "To_Account": "bob"}]
    api.ok("sns/friend_delete", {"From_Account": "alice", "To_Account": ["bob"], "DeleteType": "Delete_Type_Both"})
    api.ok("sns/black_list_add", {"From_Account": "alice", "To_Account": ["bob"]})
    api.ok("sns/black_list_delete", {"From_Account": "alice", "To_Account": ["bob"]})
    api.ok(
        "profile/portrait_set", {"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]}
    )
    assert hooks.commands()[2:] == [
        cb.SNS_FRIEND_DELETE,
        cb.SNS_BLACKLIST_ADD,
        cb.SNS_BLACKLIST_DELETE,
        cb.PROFILE_PORTRAIT_SET,
    ]
    assert hooks.bodies(cb.PROFILE_PORTRAIT_SET)[0]["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]
    hooks.answer = lambda command, body: (200, {"ErrorCode": 120001, "ErrorInfo": "no friends"})
    out = api.call("sns/friend_add", {"From_Account": "alice", "AddFriendItem": [item], "ForceAddFlags": 1})
    assert (out["ErrorCode"], out["ErrorInfo"]) == (120001, "no friends")


def test_state_change_for_login_and_logout(api, svc, hooks, tenant, clock):
    configure(api, Commands=[cb.STATE_CHANGE])
    gb.connect(svc, "alice", "a1")
    gb.disconnect(svc, "a1")
    infos = [b["Info"] for b in hooks.bodies(cb.STATE_CHANGE)]
    assert infos[0] == {"Action": "Login", "To_Account": "alice", "Reason": "Register"}
    assert infos[1]["Action"] == "Disconnect" and infos[1]["To_Account"] == "alice"
    assert hooks.calls[0][0]["OptPlatform"] == "Android"


def test_callbacks_are_counted_in_getappinfos_figures(api, svc, hooks, tenant, clock, task_queue):
    accounts(api, "alice", "bob")
    configure(api, Commands=[cb.C2C_BEFORE_SEND, cb.C2C_AFTER_SEND])
    send(api, "alice", "bob")
    hooks.answer = lambda command, body: CallbackFailed("down")
    task_queue.run_inline = False
    send(api, "alice", "bob")  # the before-callback fails (allowed), the after one is retried
    with pytest.raises(CallbackFailed):
        task_queue.drain()
    app = svc.apps.get(tenant.sdkappid)
    svc.metrics.flush()
    figures = svc.metrics.day(tenant.sdkappid, day_of(clock.now(), app.config.timezone))
    assert figures["CallBackReq"] == len(hooks.calls) and figures["CallBackRsp"] == 2


def test_nothing_is_called_back_without_a_configuration(api, hooks, tenant):
    accounts(api, "alice", "bob")
    send(api, "alice", "bob")
    assert hooks.calls == []


def test_the_console_configures_callbacks_over_the_admins_socket(api, svc, hooks, tenant):
    """The web console's Callbacks card sends these commands over the admin's websocket (chat.callServer)."""
    from chalicelib.domain import errors
    from tests.chat import ws

    body = {"URL": URL, "Commands": [cb.STATE_CHANGE], "TimeoutMs": 3000, "OnFailure": "refuse", "Token": "t"}
    shown = ws(svc, tenant.admin, "console", "openconfigsvr/set_callback_config", body)["CallbackConfig"]
    assert shown == {"URL": URL, "Commands": [cb.STATE_CHANGE], "TimeoutMs": 3000, "OnFailure": "refuse", "TokenSet": 1}
    assert ws(svc, tenant.admin, "console", "openconfigsvr/get_callback_config", {})["CallbackConfig"] == shown
    accounts(api, "alice")
    with pytest.raises(errors.AdminRequired):
        ws(svc, "alice", "a1", "openconfigsvr/get_callback_config", {})
    ws(svc, tenant.admin, "console", "openconfigsvr/delete_callback_config", {})
    assert api.ok("openconfigsvr/get_callback_config", {})["CallbackConfig"]["URL"] == ""


def test_prev_friend_add_may_refuse_some_peers_only(api, hooks, tenant):
    accounts(api, "alice", "bob", "carol")
    configure(api, Commands=[cb.SNS_BEFORE_FRIEND_ADD])
    refusal = {
        **OK,
        "ResultItem": [{"To_Account": "carol", "ResultCode": 120002}, {"To_Account": "bob", "ResultCode": 0}],
    }
    hooks.answer = lambda command, body: (200, refusal)
    items = [{"To_Account": p, "AddSource": "AddSource_Type_Test"} for p in ("bob", "carol")]
    out = api.ok("sns/friend_add", {"From_Account": "alice", "AddFriendItem": items, "AddType": "Add_Type_Both",
                                    "ForceAddFlags": 1})  # fmt: skip
    assert [(r["To_Account"], r["ResultCode"]) for r in out["ResultItem"]] == [("bob", 0), ("carol", 120002)]
    asked = hooks.bodies(cb.SNS_BEFORE_FRIEND_ADD)[0]
    assert [i["To_Account"] for i in asked["FriendItem"]] == ["bob", "carol"] and asked["ForceAddFlags"] == 1
    check = api.ok("sns/friend_check", {"From_Account": "alice", "To_Account": ["bob", "carol"],
                                        "CheckType": "CheckResult_Type_Both"})  # fmt: skip
    relation = {i["To_Account"]: i["Relation"] for i in check["InfoItem"]}
    assert relation["bob"] == "CheckResult_Type_BothWay" and relation["carol"] == "CheckResult_Type_NoRelation"
