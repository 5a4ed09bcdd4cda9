"""The operator console in a real browser (Debian's Chromium): app admins (list, add, remove) and the local stack's
recorded offline pushes (GET /dev/pushes, shown only where the stack offers it, refreshing on its own)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_web_app import login, no_console_errors

pytestmark = pytest.mark.e2e


def ok(stack: Any, name: str, body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = stack.rest(name, body).json()
    assert out["ActionStatus"] == "OK", out
    return out


def admins(stack: Any) -> list[str]:
    return list(ok(stack, "openconfigsvr/get_app_admins", {})["AdminList"])


def test_the_operator_adds_and_removes_app_admins(open_page, shots, stack):
    op = open_page("operator")
    login(op, stack.admin)
    chips = op.page.locator("#op-admins-list li")
    expect(chips).to_have_count(len(admins(stack)))
    expect(op.page.locator(f'#op-admins-list li[data-admin="{stack.admin}"]')).to_contain_text("(you)")

    op.page.fill("#op-admins-id", "ops-bot")
    op.page.press("#op-admins-id", "Enter")
    expect(op.page.locator('#op-admins-list li[data-admin="ops-bot"]')).to_be_visible()
    assert "ops-bot" in admins(stack)
    shots.step("ops-bot added")

    # a bad identifier is refused with its code, and nothing changes
    op.page.evaluate("document.getElementById('op-admins-id').value = 'bad id with a very long name over 32 bytes'")
    op.page.press("#op-admins-id", "Enter")
    expect(op.page.locator(".toast.error", has_text="Add admin failed")).to_be_visible()
    assert sorted(admins(stack)) == sorted([stack.admin, "ops-bot"])

    op.page.get_by_role("button", name="Remove admin ops-bot").click()
    expect(op.page.locator('#op-admins-list li[data-admin="ops-bot"]')).to_have_count(0)
    assert admins(stack) == [stack.admin]
    # the last admin cannot be removed: its button is disabled
    expect(op.page.get_by_role("button", name=f"Remove admin {stack.admin}")).to_be_disabled()
    shots.step("ops-bot removed")
    no_console_errors(op)


def test_the_console_shows_the_offline_pushes_the_stack_recorded(open_page, shots, stack):
    user = f"erin-{uuid.uuid4().hex[:6]}"
    token = uuid.uuid4().hex * 2
    ok(stack, "im_open_login_svc/account_import", {"UserID": user})
    ok(stack, "im_open_login_svc/account_import", {"UserID": "alice", "Nick": "Alice"})
    op = open_page("operator")
    login(op, stack.admin)
    expect(op.page.locator("#op-pushes")).to_be_visible()  # the local stack offers /dev/pushes

    # erin has an iPhone registered and no online terminal: alice's message is pushed to it
    ok(stack, "offline_push/set_device", {"UserID": user, "Platform": "APNS", "Token": token})
    body = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "see you at five"}}]
    ok(stack, "openim/sendmsg", {"From_Account": "alice", "To_Account": user, "MsgRandom": 7, "MsgBody": body})
    row = op.page.locator("#op-pushes-list tr", has_text="see you at five")
    expect(row).to_be_visible(timeout=20_000)  # the card refreshes itself (the push went through the queue)
    expect(row).to_contain_text("APNS")
    expect(row).to_contain_text("Sent")
    expect(row.locator("code")).to_have_attribute("title", token)
    shots.step("offline push shown")
    no_console_errors(op)
