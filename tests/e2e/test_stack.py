"""`python -m devstack` as a developer runs it: the real app.py over real HTTP, and Ctrl-C."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import requests

from tests.e2e.harness import HOST, ROOT, LocalStack, free_port, port_is_free

pytestmark = pytest.mark.e2e


def test_an_app_backend_imports_accounts_and_sets_and_reads_profiles_over_http(stack: LocalStack) -> None:
    imported = stack.rest("im_open_login_svc/account_import", {"UserID": "e2e_alice", "Nick": "爱丽丝"})
    assert "Content-Type" not in imported.request.headers
    assert imported.status_code == 200 and imported.json()["ErrorCode"] == 0, imported.text

    nick = {"Tag": "Tag_Profile_IM_Nick", "Value": "云通 Alice"}
    set_reply = stack.rest("profile/portrait_set", {"From_Account": "e2e_alice", "ProfileItem": [nick]})
    assert set_reply.json()["ErrorCode"] == 0, set_reply.text

    got = stack.rest("profile/portrait_get", {"To_Account": ["e2e_alice"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert got.json()["ErrorCode"] == 0, got.text
    assert got.json()["UserProfileItem"][0]["ProfileItem"] == [nick]


def test_a_user_reads_its_own_profile_with_its_own_usersig(stack: LocalStack) -> None:
    stack.rest("im_open_login_svc/account_import", {"UserID": "e2e_bob"})
    got = stack.rest(
        "profile/portrait_get", {"To_Account": ["e2e_bob"], "TagList": ["Tag_Profile_IM_Nick"]}, identifier="e2e_bob"
    )
    assert got.json()["ErrorCode"] == 0, got.text


def test_get_with_a_body_is_served_like_post(stack: LocalStack) -> None:
    stack.rest("im_open_login_svc/account_import", {"UserID": "e2e_carol"})
    got = stack.rest("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "e2e_carol"}]}, method="GET")
    assert got.request.method == "GET" and got.request.body
    result = got.json()["ResultItem"][0]
    assert result["UserID"] == "e2e_carol" and result["AccountStatus"] == "Imported", got.text


def test_a_forged_usersig_gets_tencents_error_code(stack: LocalStack) -> None:
    url = stack.url("im_open_login_svc/account_check").replace("usersig=", "usersig=x")
    reply = requests.post(url, data=b"{}", timeout=10)
    assert reply.status_code == 200 and reply.json()["ErrorCode"] in (70003, 70009), reply.text


def test_ctrl_c_stops_the_stack_and_frees_every_port() -> None:
    running = LocalStack.launch()
    session = requests.Session()  # a keep-alive connection left open must not hold the stack up
    assert session.post(running.url("im_open_login_svc/account_check"), data=b"{}", timeout=10).status_code == 200
    code = running.interrupt(timeout=30)
    output = running.output()
    assert code == 0, output[-3000:]
    assert "devstack: stopped" in output
    assert all(port_is_free(port) for port in running.ports), running.ports
    with pytest.raises(ProcessLookupError):
        os.killpg(running.process.pid, 0)  # nothing of the process group is left
    session.close()


def test_unknown_paths_get_api_gateways_403(stack: LocalStack) -> None:
    reply = requests.post(f"http://127.0.0.1:{stack.http_port}/v5/nothing", data=b"{}", timeout=10)
    assert reply.status_code == 403 and reply.json()["message"] == "Missing Authentication Token"


def test_a_taken_port_is_reported_by_its_variable_and_nothing_is_left_running() -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        others = {"YUNTONG_WS_PORT": str(free_port()), "YUNTONG_AWS_PORT": str(free_port())}
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        result = subprocess.run(
            [sys.executable, "-m", "devstack"],
            cwd=ROOT,
            env={**env, **others, "YUNTONG_HTTP_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1, result.stderr[-2000:]
    assert f"{HOST}:{port} is already in use" in result.stderr and "YUNTONG_HTTP_PORT" in result.stderr
    assert all(port_is_free(int(p)) for p in others.values())
