"""The web app sends and shows media in a real browser: Alice picks a picture and a file, Bob sees the picture (the
thumbnail once made, the large version behind a click) and a link to the file; nothing logs a console error."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_web_app import conv_item, login

pytestmark = pytest.mark.e2e


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1000, 600), (30, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_picture_and_a_file_are_sent_and_shown(open_page: Any, shots: Any, stack: Any) -> None:
    alice, bob = open_page("alice"), open_page("bob")
    login(alice, "alice")
    login(bob, "bob")
    alice.page.fill("#new-chat-user", "bob")
    alice.page.press("#new-chat-user", "Enter")
    alice.page.set_input_files("#attach-file", {"name": "field.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    expect(alice.page.locator("#message-list .msg.out img.image")).to_have_count(1)
    alice.page.set_input_files("#attach-file", {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"})
    expect(alice.page.locator("#message-list .msg.out a", has_text="notes.txt")).to_be_visible()
    shots.step("alice sent a picture and a file")

    conv_item(bob, "C2Calice").click()
    picture = bob.page.locator("#message-list img.image")
    expect(picture).to_have_count(1)
    bob.page.wait_for_function("() => document.querySelector('#message-list img.image').naturalWidth > 0")
    width = bob.page.evaluate("() => document.querySelector('#message-list img.image').naturalWidth")
    assert width in (198, 1000)  # the thumbnail, or the original when it was sent before the thumbnail existed
    large = bob.page.locator("#message-list a.image-link").get_attribute("href")
    assert large and requests.get(large, timeout=10).status_code == 200
    link = bob.page.locator("#message-list a", has_text="notes.txt").get_attribute("href")
    assert link and requests.get(link, timeout=10).text == "notes"
    shots.step("bob sees them")
    assert alice.errors == [] and bob.errors == []
