"""The web app in a real browser (Debian's Chromium): two people chat, a group, the operator console, a kick.

Bob uses a 360 px wide phone viewport, Alice and the operator a desktop one; only the keyboard sends and closes
(Enter, Esc). Every page must finish without a console error.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.e2e


def login(p: Any, user: str) -> None:
    p.page.fill("#login-user", user)
    p.page.press("#login-user", "Enter")  # the form submits on Enter
    expect(p.page.locator("#net")).to_have_attribute("data-state", "connected")
    expect(p.page.locator("#whoami")).to_contain_text(user)


def conv_item(p: Any, conversation_id: str) -> Any:
    return p.page.locator(f'.conv-item[data-conversation-id="{conversation_id}"]')


def message(p: Any, text: str) -> Any:
    return p.page.locator("#message-list .msg", has_text=text)


def send(p: Any, text: str) -> None:
    box = p.page.locator("#composer-text")
    box.fill(text)
    box.press("Enter")
    expect(message(p, text)).to_be_visible()


def no_console_errors(*pages: Any) -> None:
    assert {p.name: p.errors for p in pages} == {p.name: [] for p in pages}


def test_two_people_chat_read_recall_and_talk_in_a_group(open_page, shots, stack):
    alice, bob = open_page("alice"), open_page("bob", PHONE)
    login(alice, "alice")
    login(bob, "bob")
    shots.step("logged in")

    # Alice opens a conversation with bob by typing his ID, and writes twice.
    alice.page.fill("#new-chat-user", "bob")
    alice.page.press("#new-chat-user", "Enter")
    send(alice, "Hello Bob <b>not bold</b>")
    send(alice, "second line")
    shots.step("alice sent two messages")

    # Bob, on the conversation list, sees an unread badge of 2 and the last message.
    bob_row = conv_item(bob, "C2Calice")
    expect(bob_row.locator(".badge.unread")).to_have_text("2")
    expect(bob_row.locator(".conv-last")).to_have_text("second line")
    expect(bob.page.locator("#total-unread")).to_have_text("2")
    shots.step("bob sees the unread badge")

    # Bob opens it: the text is shown as text, never as markup; Alice sees "Read" under her last message.
    bob_row.click()
    expect(message(bob, "Hello Bob <b>not bold</b>")).to_be_visible()
    assert bob.page.locator("#message-list b").count() == 0
    expect(alice.page.locator("#message-list .msg.out .receipt.read")).to_have_text(re.compile("Read"))
    expect(bob_row.locator(".badge.unread")).to_have_count(0)
    shots.step("read receipt")

    # Bob starts typing: Alice sees the indicator (an online-only custom message), then his reply replaces it.
    bob.page.locator("#composer-text").press_sequentially("Hi Al")
    expect(alice.page.locator("#typing")).to_contain_text("is typing")
    bob.page.locator("#composer-text").fill("")
    send(bob, "Hi Alice")
    expect(message(alice, "Hi Alice")).to_be_visible()
    expect(alice.page.locator("#typing")).to_have_text("")
    expect(alice.page.locator("#message-list .custom")).to_have_count(0)  # typing never shows as a message

    # Alice edits her second message; Bob sees the new text marked as edited.
    message(alice, "second line").get_by_role("button", name="Edit").click()
    edit = alice.page.locator("#message-list input.edit")
    edit.fill("second line, edited")
    edit.press("Enter")
    expect(message(bob, "second line, edited")).to_contain_text("edited")
    shots.step("typing and edit")

    # A face and a custom message (shown as JSON text).
    alice.page.click("#face-toggle")
    alice.page.keyboard.press("Enter")  # the first face has the focus
    expect(bob.page.locator("#message-list .face")).to_have_count(1)
    alice.page.locator("#composer-text").fill('/custom {"order": 42}')
    alice.page.locator("#composer-text").press("Enter")
    expect(bob.page.locator("#message-list .custom")).to_contain_text('"order": 42')

    # Alice recalls her first message: both sides show a recalled placeholder instead of the text.
    first = message(alice, "Hello Bob")
    first.hover()
    first.get_by_role("button", name="Recall").click()
    expect(alice.page.locator("#message-list .msg.revoked")).to_have_count(1)
    expect(bob.page.locator("#message-list .msg.revoked")).to_contain_text("recalled a message")
    expect(message(bob, "Hello Bob")).to_have_count(0)
    shots.step("recalled")

    # Esc closes Bob's conversation (phone: back to the list).
    bob.page.keyboard.press("Escape")
    expect(bob.page.locator("#conv")).to_be_hidden()
    expect(conv_item(bob, "C2Calice")).to_be_visible()

    # Alice creates a group with bob and talks in it; Bob gets the group and the message.
    alice.page.click('[data-view="groups"]')
    alice.page.fill("#group-name", "Hikers")
    alice.page.select_option("#group-type", "Public")
    alice.page.fill("#group-members", "bob")
    alice.page.press("#group-members", "Enter")
    group_row = alice.page.locator("#group-list li", has_text="Hikers")
    expect(group_row).to_be_visible()
    shots.step("group created")
    group_row.get_by_role("button", name="Chat").click()
    expect(alice.page.locator("#conv")).to_be_visible()
    send(alice, "Welcome to the group")
    group_conv = bob.page.locator(".conv-item", has_text="Hikers")
    expect(group_conv).to_be_visible()
    group_conv.click()
    expect(message(bob, "Welcome to the group")).to_be_visible()
    send(bob, "Thanks!")
    expect(message(alice, "Thanks!")).to_be_visible()
    shots.step("group chat")

    # The owner makes bob an admin and mutes him for 10 minutes from the group's member list.
    alice.page.click('[data-view="groups"]')
    alice.page.locator("#group-list li", has_text="Hikers").get_by_role("button", name="Details").click()
    member = alice.page.locator("#member-list li", has_text="bob")
    member.get_by_label("Role of bob").select_option("Admin")
    member.get_by_role("button", name="Mute 10 min").click()
    expect(member.get_by_role("button", name="Unmute")).to_be_visible()
    expect(member).to_contain_text("muted until")
    shots.step("group members")
    group_id = alice.page.locator("#group-detail-sub").inner_text().split(" ")[0]
    info = stack.rest("group_open_http_svc/get_group_member_info", {"GroupId": group_id}).json()
    bob_info = next(m for m in info["MemberList"] if m["Member_Account"] == "bob")
    assert bob_info["Role"] == "Admin" and bob_info["ShutUpUntil"] > 0, bob_info

    no_console_errors(alice, bob)


def test_the_operator_sees_todays_dau_and_imports_an_account(open_page, shots, stack):
    carol = open_page("carol", PHONE)
    login(carol, "carol")  # at least one account besides the admin logged in today
    op = open_page("operator")
    login(op, stack.admin)
    expect(op.page.locator("#operator-view")).to_be_visible()
    today = stack.rest("openconfigsvr/get_today_info", {}).json()["Result"]
    dau = op.page.locator('#op-today-body [data-metric="ActiveUserNum"] .value')
    expect(dau).to_have_text(re.compile(r"^\d+$"))
    assert int(dau.inner_text()) >= 2 and int(dau.inner_text()) <= int(today["ActiveUserNum"])
    online = op.page.locator('#op-today-body [data-metric="OnlineAccountNum"] .value')
    expect(online).to_have_text(re.compile(r"^\d+$"))
    assert int(online.inner_text()) >= 2  # carol and the operator, in people (not terminals)
    expect(op.page.locator("#op-chart-body svg")).to_have_count(4)
    expect(op.page.locator("#op-billing")).to_contain_text("Billing DAU")
    expect(op.page.locator("#op-online-list tr", has_text="carol")).to_be_visible()
    shots.step("operator view")

    op.page.fill("#op-import-id", "dave")
    op.page.fill("#op-import-nick", "Dave")
    op.page.press("#op-import-nick", "Enter")
    expect(op.page.locator("#op-account")).to_contain_text("Dave")
    checked = stack.rest("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "dave"}]}).json()
    assert checked["ResultItem"][0]["AccountStatus"] == "Imported"
    shots.step("imported dave")

    # A setting saved in the console is the app's setting.
    op.page.fill('#op-settings-form [name="roaming_days"]', "30")
    op.page.press('#op-settings-form [name="roaming_days"]', "Enter")
    expect(op.page.locator(".toast", has_text="Settings saved")).to_be_visible()
    config = stack.rest("openconfigsvr/get_app_config", {}).json()["AppConfig"]
    assert config["roaming_days"] == 30

    # Dirty words, global mute and an all-member push, each through its form.
    op.page.fill("#op-dirty-word", "badword")
    op.page.press("#op-dirty-word", "Enter")
    expect(op.page.locator("#op-dirty-list li", has_text="badword")).to_be_visible()
    op.page.fill("#op-mute-id", "dave")
    op.page.press("#op-mute-id", "Enter")
    expect(op.page.locator("#op-mute-state")).to_contain_text("dave: one-to-one")
    muted = stack.rest("openconfigsvr/getnospeaking", {"Get_Account": "dave"}).json()
    assert 0 < muted["C2CmsgNospeakingTime"] <= 600
    op.page.fill("#op-push-text", "maintenance at 5")
    op.page.locator("#op-push-form button").click()
    expect(op.page.locator(".toast", has_text="Push queued")).to_be_visible()
    shots.step("dirty words, mute, push")

    # Kicking carol from "online now" logs her page out with a notice saying who did it.
    op.page.locator("#op-online-list tr", has_text="carol").get_by_role("button", name="Kick").click()
    expect(carol.page.locator("#notice-text")).to_contain_text("app backend logged this account out")
    expect(op.page.locator("#op-online-list tr", has_text="carol")).to_have_count(0)
    shots.step("kicked carol")
    no_console_errors(carol, op)


def test_a_second_login_shows_the_kicked_offline_notice(open_page, shots, stack):
    first = open_page("first")
    login(first, "carol")
    second = open_page("second", PHONE)
    login(second, "carol")  # the demo app's policy is one terminal per account: the first is kicked
    expect(first.page.locator("#notice")).to_be_visible()
    expect(first.page.locator("#notice-text")).to_contain_text("logged out")
    expect(first.page.locator("#login-view")).to_be_visible()
    expect(first.page.locator("#net")).to_have_attribute("data-state", "disconnected")
    shots.step("kicked")
    first.page.keyboard.press("Escape")
    expect(first.page.locator("#notice")).to_be_hidden()
    no_console_errors(first, second)


def test_the_stack_serves_the_page_its_config_and_the_sdk(stack):
    import requests

    base = f"http://127.0.0.1:{stack.http_port}"
    page = requests.get(f"{base}/", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    config = requests.get(f"{base}/config.json", timeout=10).json()
    assert config["SDKAppID"] == stack.sdkappid and config["serverURL"] == stack.ws_url
    sdk = requests.get(f"{base}/sdk/yuntong-chat.mjs", timeout=10)
    assert sdk.status_code == 200 and "javascript" in sdk.headers["Content-Type"]
    sig = requests.post(f"{base}/dev/usersig", json={"UserID": "alice"}, timeout=10).json()["UserSig"]
    assert stack.rest("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "alice"}]}).status_code == 200
    assert sig  # a UserSig the stack accepts: the browser tests log in with these
    assert stack.output().index(f"{base}/") < stack.output().index("REST API")  # the banner's first URL


def test_friends_requests_blacklist_and_profile(open_page, shots, stack):
    alice, carol = open_page("alice"), open_page("carol", PHONE)
    login(alice, "alice")
    login(carol, "carol")
    alice.page.click('[data-view="contacts"]')
    alice.page.fill("#add-friend-user", "carol")
    alice.page.fill("#add-friend-wording", "hi carol")
    alice.page.press("#add-friend-wording", "Enter")
    expect(alice.page.locator("#request-list li", has_text="To carol")).to_be_visible()

    carol.page.click('[data-view="contacts"]')
    request = carol.page.locator("#request-list li", has_text="From")
    expect(request).to_contain_text("hi carol")
    shots.step("friend request")
    request.get_by_role("button", name="Accept").click()
    expect(carol.page.locator("#friend-list li", has_text="alice")).to_be_visible()
    alice.page.click('[data-view="contacts"]')  # reopening the section reloads it
    expect(alice.page.locator("#friend-list li", has_text="carol")).to_be_visible()

    alice.page.fill("#block-user", "bob")
    alice.page.press("#block-user", "Enter")
    blocked = alice.page.locator("#black-list li", has_text="bob")
    expect(blocked).to_be_visible()
    shots.step("friends and blacklist")
    blocked.get_by_role("button", name="Unblock").click()
    expect(blocked).to_have_count(0)

    alice.page.click('[data-view="profile"]')
    alice.page.fill("#profile-nick", "Alice Liddell")
    alice.page.press("#profile-nick", "Enter")
    expect(alice.page.locator("#whoami")).to_contain_text("Alice Liddell")
    out = stack.rest("profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]}).json()
    assert out["UserProfileItem"][0]["ProfileItem"][0]["Value"] == "Alice Liddell"
    shots.step("profile")
    no_console_errors(alice, carol)


def test_history_pages_upwards_and_a_pinned_conversation_comes_first(open_page, shots, stack):
    stack.rest("im_open_login_svc/multiaccount_import", {"Accounts": ["erin", "frank"]})
    for i in range(20):
        text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": f"old message {i:02d}"}}]
        body = {"From_Account": "erin", "To_Account": "frank", "MsgRandom": 100 + i, "MsgBody": text}
        assert stack.rest("openim/sendmsg", body).json()["ErrorCode"] == 0
    text = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "newest from alice"}}]
    body = {"From_Account": "alice", "To_Account": "frank", "MsgRandom": 7, "MsgBody": text}
    assert stack.rest("openim/sendmsg", body).json()["ErrorCode"] == 0

    frank = open_page("frank", PHONE)
    login(frank, "frank")
    rows = frank.page.locator(".conv-item")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-conversation-id", "C2Calice")

    conv_item(frank, "C2Cerin").click()
    expect(message(frank, "old message 19")).to_be_visible()
    expect(message(frank, "old message 00")).to_have_count(0)
    older = frank.page.locator("#load-older")
    expect(older).to_be_visible()
    shots.step("first page")
    frank.page.locator("#messages").evaluate("box => { box.scrollTop = 0; }")  # scrolling up loads the next page
    expect(message(frank, "old message 00")).to_be_visible()
    expect(older).to_be_hidden()
    expect(frank.page.locator("#message-list .msg")).to_have_count(20)

    frank.page.click("#conv-pin")
    expect(frank.page.locator("#conv-pin")).to_have_text("Unpin")
    frank.page.keyboard.press("Escape")
    expect(rows.first).to_have_attribute("data-conversation-id", "C2Cerin")
    expect(rows.first.locator(".pin")).to_be_visible()
    shots.step("pinned")
    no_console_errors(frank)
