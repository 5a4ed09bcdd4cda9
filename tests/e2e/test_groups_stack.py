"""Groups over real HTTP on `python -m devstack` (app.py as deployed: REST edge, moto, queue consumer). Websocket
delivery of group events waits for the realtime edge, which calls the groups' presence hooks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import LocalStack

pytestmark = pytest.mark.e2e

SVC = "group_open_http_svc"


def ok(stack: LocalStack, name: str, body: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    reply = stack.rest(f"{SVC}/{name}" if "/" not in name else name, body, identifier=identifier)
    out = reply.json()
    assert reply.status_code == 200 and out["ErrorCode"] == 0, reply.text
    return dict(out)


def text(value: str) -> list[dict[str, Any]]:
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": value}}]


def test_a_public_group_over_http_seqs_visibility_and_a_recreated_id(stack: LocalStack) -> None:
    people = ["e2e_g_owner", "e2e_g_bob", "e2e_g_carol", "e2e_g_dave"]
    ok(stack, "im_open_login_svc/multiaccount_import", {"Accounts": people})
    gid = ok(stack, "create_group", {"Type": "Public", "Name": "e2e", "GroupId": "e2e-club",
                                     "Owner_Account": "e2e_g_owner", "MemberList": [{"Member_Account": "e2e_g_bob"}]})[
        "GroupId"
    ]  # fmt: skip
    first = ok(stack, "send_group_msg", {"GroupId": gid, "Random": 1, "MsgBody": text("before carol")}, "e2e_g_bob")
    ok(stack, "add_group_member", {"GroupId": gid, "MemberList": [{"Member_Account": "e2e_g_carol"}]})
    last = ok(stack, "send_group_msg", {"GroupId": gid, "Random": 2, "MsgBody": text("after")}, "e2e_g_carol")
    assert (first["MsgSeq"], last["MsgSeq"]) == (1, 3)  # the join tip took seq 2

    seen = ok(stack, "group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20}, "e2e_g_carol")["RspMsgList"]
    assert [m["MsgSeq"] for m in seen] == [3, 2]  # a Public group's member reads from its join on

    outsider = stack.rest(f"{SVC}/send_group_msg", {"GroupId": gid, "Random": 3, "MsgBody": text("x")}, "e2e_g_dave")
    assert outsider.json()["ErrorCode"] == 10007, outsider.text  # not a member
    refused = stack.rest(f"{SVC}/destroy_group", {"GroupId": gid}, identifier="e2e_g_bob").json()
    assert refused["ErrorCode"] == 10007, refused

    ok(stack, "destroy_group", {"GroupId": gid}, "e2e_g_owner")
    ok(
        stack,
        "create_group",
        {"Type": "Public", "Name": "again", "GroupId": "e2e-club", "Owner_Account": "e2e_g_owner"},
    )
    again = ok(stack, "send_group_msg", {"GroupId": gid, "Random": 1, "MsgBody": text("new life")}, "e2e_g_owner")
    assert again["MsgSeq"] == 1  # a new incarnation: its own seqs, no de-duplication against the old group
    rows = ok(stack, "group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 20})["RspMsgList"]
    assert [m["MsgBody"] for m in rows] == [text("new life")]


def test_a_live_room_message_goes_through_the_stacks_queue_consumer(stack: LocalStack) -> None:
    ok(stack, "im_open_login_svc/multiaccount_import", {"Accounts": ["e2e_live_host", "e2e_live_fan"]})
    gid = ok(stack, "create_group", {"Type": "AVChatRoom", "Name": "live", "Owner_Account": "e2e_live_host"})["GroupId"]
    assert ok(stack, "apply_join_group", {"GroupId": gid}, "e2e_live_fan")["JoinStatus"] == "Joined"
    sent = ok(stack, "send_group_msg", {"GroupId": gid, "Random": 7, "MsgBody": text("hi all")}, "e2e_live_fan")
    assert sent["MsgSeq"] == 2
    assert "task failed" not in stack.output()
