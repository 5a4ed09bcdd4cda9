"""Media over the local stack (issue 16's check): an image uploaded with a real form POST to moto's presigned URL,
sent C2C; the same bytes from another account are already stored (nothing sent); the receiver downloads the original
and the thumbnail; another app cannot name the object; oversize and mistyped uploads leave nothing usable."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from PIL import Image
from TLSSigAPIv2 import TLSSigAPIv2

from tests.e2e.harness import ROOT, LocalStack

pytestmark = pytest.mark.e2e


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _call(stack: LocalStack, name: str, body: Any, identifier: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = stack.rest(name, body, identifier).json()
    return doc


def _declare(data: bytes, kind: str = "image", ctype: str = "image/png") -> dict[str, Any]:
    return {"SHA256": hashlib.sha256(data).hexdigest(), "Size": len(data), "Type": kind, "ContentType": ctype}


def test_image_upload_dedup_send_download_and_refusals(stack: LocalStack) -> None:
    data = _png(1200, 800)
    sha = hashlib.sha256(data).hexdigest()
    started = time.monotonic()
    answer = _call(stack, "yuntong_media/upload", {**_declare(data), "Name": "photo.png"}, "alice")
    assert answer["ErrorCode"] == 0 and answer["Stored"] == 0, answer
    post = answer["Upload"]
    assert post["URL"].startswith(f"http://127.0.0.1:{stack.aws_port}/"), post["URL"]
    # a browser form POST (curl -F works the same): the fields, then the file
    sent = requests.post(post["URL"], data=post["Fields"], files={"file": ("photo.png", data, "image/png")}, timeout=15)
    assert sent.status_code in (200, 204), sent.text
    done = _call(stack, "yuntong_media/complete", {"SHA256": sha, "UploadId": answer["UploadId"]}, "alice")
    assert done["ErrorCode"] == 0, done
    assert [(i["Width"], i["Height"]) for i in done["ImageInfoArray"]] == [(1200, 800), (720, 480), (198, 132)]

    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    reply = _call(stack, "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 7, "MsgBody": body}, "alice")
    assert reply["ErrorCode"] == 0, reply

    again = _call(stack, "yuntong_media/upload", _declare(data), "bob")
    assert again["ErrorCode"] == 0 and again["Stored"] == 1 and "Upload" not in again

    # the receiver: the original and, once the derive task ran, the thumbnail (fresh URLs from get_urls)
    while True:
        urls = _call(stack, "yuntong_media/get_urls", {"UUIDList": [sha]}, "bob")
        infos = urls["MediaList"][0]["ImageInfoArray"]
        if infos[2]["Size"] > 0 or time.monotonic() - started > 20:
            break
        time.sleep(0.2)
    print(f"upload to thumbnail: {time.monotonic() - started:.2f} s")
    original = requests.get(infos[0]["URL"], timeout=15)
    assert original.status_code == 200 and original.content == data
    thumb = requests.get(infos[2]["URL"], timeout=15)
    assert thumb.status_code == 200, thumb.text
    assert Image.open(io.BytesIO(thumb.content)).size == (198, 132)

    # another app: the same id names nothing there
    other = 1400009001 + os.getpid() % 1000
    env = {**os.environ, "YUNTONG_AWS_PORT": str(stack.aws_port)}
    argv = ["app", "create", "--sdkappid", str(other), "--name", "m", "--admin", "admin", "--key", "media-key"]
    proc = subprocess.run(
        [sys.executable, "-m", "yuntong_cli.main", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    sig = TLSSigAPIv2(other, "media-key").gen_sig("admin")
    query = urlencode({"sdkappid": other, "identifier": "admin", "usersig": sig, "random": 1, "contenttype": "json"})
    for user in ("carol", "dave"):
        requests.post(
            f"{stack.rest_url}/im_open_login_svc/account_import?{query}", data=json.dumps({"UserID": user}), timeout=15
        )
    msg = {"From_Account": "carol", "To_Account": "dave", "MsgRandom": 1, "MsgBody": body}
    refused = requests.post(f"{stack.rest_url}/openim/sendmsg?{query}", data=json.dumps(msg), timeout=15).json()
    assert refused["ErrorCode"] == 90010, refused

    # oversize and mistyped: refused before anything is written; a lying upload leaves nothing usable
    assert _call(stack, "yuntong_media/upload", {**_declare(data), "Size": 28 * 1024 * 1024 + 1})["ErrorCode"] == 91001
    assert _call(stack, "yuntong_media/upload", _declare(data, ctype="text/plain"))["ErrorCode"] == 70402
    text = b"not an image at all"
    fake = _call(stack, "yuntong_media/upload", _declare(text), "alice")
    requests.post(fake["Upload"]["URL"], data=fake["Upload"]["Fields"], files={"file": ("x.png", text)}, timeout=15)
    declared = {"SHA256": hashlib.sha256(text).hexdigest(), "UploadId": fake["UploadId"]}
    assert _call(stack, "yuntong_media/complete", declared, "alice")["ErrorCode"] == 91005
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": declared["SHA256"], "ImageFormat": 3}}]
    reply = _call(stack, "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 8, "MsgBody": body}, "alice")
    assert reply["ErrorCode"] == 90010


def test_an_object_no_message_references_stops_being_readable(stack: LocalStack) -> None:
    """Issue 16 item 4: once both sides cleared their history (ClearRamble, through the queue), the image nothing
    references any more is deleted: its URLs stop working."""
    data = _png(321, 123)
    a, b = "mref-a", "mref-b"  # their own conversation: other tests' objects stay referenced
    for user in (a, b):
        assert _call(stack, "im_open_login_svc/account_import", {"UserID": user})["ErrorCode"] == 0
    sha = hashlib.sha256(data).hexdigest()
    answer = _call(stack, "yuntong_media/upload", {**_declare(data), "Name": "gone.png"}, a)
    assert answer["ErrorCode"] == 0 and answer["Stored"] == 0, answer
    post = answer["Upload"]
    sent = requests.post(post["URL"], data=post["Fields"], files={"file": ("gone.png", data, "image/png")}, timeout=15)
    assert sent.status_code in (200, 204), sent.text
    done = _call(stack, "yuntong_media/complete", {"SHA256": sha, "UploadId": answer["UploadId"]}, a)
    assert done["ErrorCode"] == 0, done
    url = done["ImageInfoArray"][0]["URL"]
    body = [{"MsgType": "TIMImageElem", "MsgContent": {"UUID": sha, "ImageFormat": 3}}]
    reply = _call(stack, "openim/sendmsg", {"To_Account": b, "MsgRandom": 11, "MsgBody": body}, a)
    assert reply["ErrorCode"] == 0, reply
    assert requests.get(url, timeout=15).status_code == 200
    for owner, peer in ((a, b), (b, a)):
        cleared = _call(
            stack, "recentcontact/delete", {"From_Account": owner, "Type": 1, "To_Account": peer, "ClearRamble": 1}
        )
        assert cleared["ErrorCode"] == 0, cleared
    deadline = time.monotonic() + 30  # the clears run from the queue
    while requests.get(url, timeout=15).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert requests.get(url, timeout=15).status_code in (403, 404)
