"""The @connections push adapter against a fake management client: Gone, failures, parallel bounded fan-out."""

import json
import threading
import time

import pytest

from chalicelib.push.gateway import ApiGatewayPusher
from tests.fakes import FakeManagementClient


def _pusher(client, workers=4):
    return ApiGatewayPusher("https://example.invalid/test", "us-east-1", workers, client=client)


def test_send_posts_the_frame_as_compact_utf8_json():
    client = FakeManagementClient()
    assert _pusher(client).send("c1", {"event": "hello", "data": {"Text": "你好"}}) is True
    cid, data = client.posts[0]
    assert cid == "c1" and json.loads(data.decode("utf-8")) == {"event": "hello", "data": {"Text": "你好"}}
    assert "你好".encode() in data  # raw UTF-8, not \\u escapes


def test_a_gone_connection_reports_false_so_the_caller_prunes_it():
    assert _pusher(FakeManagementClient(gone={"c1"})).send("c1", {"event": "x", "data": {}}) is False


def test_send_many_returns_only_the_gone_connections():
    client = FakeManagementClient(gone={"g1", "g2"})
    gone = _pusher(client).send_many(["a", "g1", "b", "g2", "c"], {"event": "x", "data": {}})
    assert sorted(gone) == ["g1", "g2"]
    assert sorted(cid for cid, _ in client.posts) == ["a", "b", "c"]


def test_one_failing_connection_never_fails_the_rest_and_is_not_reported_gone():
    client = FakeManagementClient(failing={"bad"})
    gone = _pusher(client).send_many(["a", "bad", "b"], {"event": "x", "data": {}})
    assert gone == []  # an error that is not Gone may be transient: the connection is kept
    assert sorted(cid for cid, _ in client.posts) == ["a", "b"]


def test_send_many_posts_each_terminal_once():
    client = FakeManagementClient()
    _pusher(client).send_many(["a", "b", "a", "a"], {"event": "x", "data": {}})
    assert sorted(cid for cid, _ in client.posts) == ["a", "b"]


class SlowClient(FakeManagementClient):
    """Records how many posts are in flight at once."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def post_to_connection(self, ConnectionId, Data):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.02)
        with self.lock:
            self.in_flight -= 1
        super().post_to_connection(ConnectionId, Data)


def test_send_many_runs_in_parallel_but_never_beyond_its_pool():
    client = SlowClient()
    _pusher(client, workers=4).send_many([f"c{i}" for i in range(20)], {"event": "x", "data": {}})
    assert len(client.posts) == 20
    assert 1 < client.peak <= 4


def test_close_deletes_the_connection_and_ignores_one_already_gone():
    client = FakeManagementClient(gone={"g"})
    pusher = _pusher(client)
    pusher.close("c1")
    pusher.close("g")
    assert client.deleted == ["c1"]


def test_without_an_endpoint_the_adapter_refuses_to_guess():
    with pytest.raises(RuntimeError, match="YUNTONG_WS_ENDPOINT"):
        ApiGatewayPusher(None, "us-east-1").send("c1", {"event": "x", "data": {}})
