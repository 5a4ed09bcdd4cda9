"""The local stack's web app server (devstack/site.py): files, config, the dev-only UserSig endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.domain import errors
from devstack.site import CONFIG_PATH, SDK_PATH, USERSIG_PATH, Site


@pytest.fixture
def site(tmp_path: Path) -> Site:
    web = tmp_path / "web"
    (web / "sub").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>t</title>")
    (web / "app.js").write_text("export {};")
    (web / "sub" / "x.css").write_text("a{}")
    (web / ".secret").write_text("no")
    (tmp_path / "outside.txt").write_text("no")
    bundle = tmp_path / "yuntong-chat.mjs"
    bundle.write_text("export default class {}")
    imported: list[str] = []

    def import_account(user: str) -> None:
        if user == "refused":
            raise errors.InvalidParam("refused")
        imported.append(user)

    s = Site({"SDKAppID": 1400000001, "serverURL": "ws://h:1"}, lambda u: f"sig-{u}", import_account, web, bundle)
    s.imported = imported  # type: ignore[attr-defined]
    return s


def test_the_site_takes_its_own_paths_and_leaves_the_rest_to_the_app(site: Site) -> None:
    assert site.handles("GET", "/") and site.handles("HEAD", "/app.js?v=1") and site.handles("GET", CONFIG_PATH)
    assert site.handles("GET", SDK_PATH) and site.handles("POST", USERSIG_PATH) and site.handles("GET", USERSIG_PATH)
    for method, path in [("POST", "/v4/openim/sendmsg?sdkappid=1"), ("GET", "/v4"), ("POST", "/"), ("GET", "/v5/x")]:
        assert not site.handles(method, path), (method, path)  # API Gateway's 403 for unknown paths stays


def test_index_scripts_and_the_sdk_bundle_are_served_with_their_types(site: Site) -> None:
    index = site.answer("GET", "/?x=1", None)
    assert index.status == 200 and index.content_type.startswith("text/html") and b"<title>" in index.body
    assert "Content-Security-Policy" in index.headers
    assert site.answer("GET", "/app.js", None).content_type.startswith("text/javascript")
    assert site.answer("GET", "/sub/x.css", None).content_type.startswith("text/css")
    sdk = site.answer("GET", SDK_PATH, None)
    assert sdk.status == 200 and sdk.content_type.startswith("text/javascript")


@pytest.mark.parametrize("path", ["/../outside.txt", "/%2e%2e/outside.txt", "/.secret", "/missing.js", "/sub/../../x"])
def test_nothing_outside_web_and_no_hidden_file_is_served(site: Site, path: str) -> None:
    assert not site.handles("GET", path)
    assert site.answer("GET", path, None).status == 404


def test_config_tells_the_page_its_app_and_websocket(site: Site) -> None:
    reply = site.answer("GET", CONFIG_PATH, None)
    assert json.loads(reply.body) == {"SDKAppID": 1400000001, "serverURL": "ws://h:1"}


def test_dev_usersig_signs_and_imports_only_when_asked(site: Site) -> None:
    reply = site.answer("POST", USERSIG_PATH, b'{"UserID": "alice"}')
    assert reply.status == 200 and json.loads(reply.body)["UserSig"] == "sig-alice"
    assert site.imported == []  # type: ignore[attr-defined]
    site.answer("POST", USERSIG_PATH, b'{"UserID": "dave", "Import": true}')
    assert site.imported == ["dave"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body, status",
    [
        (b"not json", 400),
        (b'["alice"]', 400),
        (b'{"UserID": 5}', 400),
        (b'{"UserID": ""}', 400),
        (b'{"UserID": "' + b"x" * 33 + b'"}', 400),
        (b'{"UserID": "refused", "Import": true}', 400),
        (b"x" * 5000, 413),
    ],
)
def test_dev_usersig_refuses_bad_requests(site: Site, body: bytes, status: int) -> None:
    reply = site.answer("POST", USERSIG_PATH, body)
    assert reply.status == status and b"UserSig" not in reply.body


def test_dev_usersig_is_post_only_and_the_site_is_read_only(site: Site) -> None:
    assert site.answer("GET", USERSIG_PATH, None).status == 405
    assert site.answer("POST", "/index.html", b"{}").status == 405
