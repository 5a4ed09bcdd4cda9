"""devstack/pushes.py: the local stack's record of offline pushes and its dev-only endpoint."""

from __future__ import annotations

import json
from types import SimpleNamespace

from devstack.pushes import PUSHES_PATH, PushLog, with_pushes
from devstack.site import demo_site


def test_the_log_keeps_the_last_100_pushes_with_platform_token_and_payload():
    log = PushLog(clock=lambda: 1700000000.0)
    endpoint = SimpleNamespace(application=SimpleNamespace(platform="APNS"), token="t", custom_user_data="1:alice")
    backend = SimpleNamespace(platform_endpoints={"arn:e": endpoint})
    for i in range(120):
        log.record(backend, "arn:e", json.dumps({"default": "", "APNS": json.dumps({"n": i})}), "json", "Sent")
    items = log.last()
    assert len(items) == 100 and items[0]["Payload"] == {"n": 20} and items[-1]["Payload"] == {"n": 119}
    last = items[-1]
    assert (last["Time"], last["Target"], last["Result"]) == (1700000000, "arn:e", "Sent")
    assert (last["Platform"], last["Token"], last["UserData"]) == ("APNS", "t", "1:alice")


def test_the_site_serves_the_pushes_and_leaves_every_other_path_to_the_site_or_the_app():
    log = PushLog()
    log.record(SimpleNamespace(platform_endpoints={}), "arn:topic", '{"token": "x"}', None, "Sent")
    site = with_pushes(demo_site(1400000001, "k", "administrator", "ws://127.0.0.1:1"), log)
    assert site.handles("GET", PUSHES_PATH) and site.handles("GET", "/config.json")
    assert not site.handles("POST", "/v4/openim/sendmsg")
    reply = site.answer("GET", PUSHES_PATH + "?x=1", None)
    assert reply.status == 200 and json.loads(reply.body)["Pushes"][0]["Payload"] == {"token": "x"}
    assert site.answer("POST", PUSHES_PATH, b"").status == 405


def test_a_deployed_app_has_no_dev_pushes_route():
    from app import app

    assert not any(path.startswith("/dev") for path in app.routes)
