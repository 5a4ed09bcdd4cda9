"""Multi-terminal policies end to end through `$connect`, kicks (policy, REST, account deletion) and the sweep."""

import pytest

from chalicelib.domain import terminals
from chalicelib.services.ports import Online
from tests.builders import SDKAPPID


@pytest.fixture
def accounts(svc):
    for user in ("alice", "bob"):
        svc.accounts.import_account(SDKAPPID, user)


def _policy(svc, policy):
    svc.apps.configure(SDKAPPID, {"login_policy": policy})


def _online(svc, user="alice"):
    return sorted(c.platform for c in svc.connections.of_user(SDKAPPID, user))


SCENARIOS = [
    # policy, platform online, platform logging in, is the first kicked?
    ("single", "Android", "Android", True),
    ("single", "iPhone", "PC", True),
    ("single", "Web", "iPad", True),
    ("no_kick", "Android", "Android", False),
    ("no_kick", "PC", "Web", False),
    ("mobile_pc", "Android", "iPhone", True),
    ("mobile_pc", "PC", "Mac", True),
    ("mobile_pc", "Android", "PC", False),
    ("mobile_pc", "iPad", "Web", False),
    ("per_platform", "Android", "Android", True),
    ("per_platform", "iPhone", "iPad", True),
    ("per_platform", "Android", "iPhone", False),
    ("per_platform", "Web", "PC", True),
    ("per_platform", "iPhone", "Mac", False),
]


@pytest.mark.parametrize("policy,first,second,kicked", SCENARIOS, ids=[f"{s[0]}-{s[1]}-{s[2]}" for s in SCENARIOS])
def test_the_second_login_kicks_the_first_exactly_when_the_policy_says(
    ws, svc, pusher, accounts, policy, first, second, kicked
):
    _policy(svc, policy)
    one = ws.login("alice", first)
    two = ws.login("alice", second)
    events = pusher.frames(one, "kicked")
    if kicked:
        assert events == [
            {
                "event": "kicked",
                "data": {
                    "code": 6208,
                    "info": f"this account logged in on another terminal ({second})",
                    "platform": second,
                },
            }
        ]
        assert pusher.closed == [one]
        assert [c.connection_id for c in svc.connections.of_user(SDKAPPID, "alice")] == [two]
    else:
        assert events == [] and pusher.closed == []
        assert _online(svc) == sorted([first, second])
    assert pusher.frames(two, "kicked") == []


def test_per_platform_keeps_one_android_one_ios_and_one_pc(ws, svc, accounts):
    _policy(svc, "per_platform")
    for platform in ("Android", "iPhone", "PC", "iPad", "Web", "Android"):
        ws.login("alice", platform)
    assert _online(svc) == ["Android", "Web", "iPad"]
    assert svc.connections.online(SDKAPPID) == Online(3, 1)


def test_a_kicked_terminal_can_no_longer_act(ws, svc, pusher, accounts):
    first = ws.login("alice", "Android")
    ws.login("alice", "iPhone")
    ws.fails(first, "profile/portrait_get", {"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]}, 6014)
    assert pusher.closed.count(first) == 2  # once by the kick, again when it tried to act


def test_the_kicked_event_is_posted_before_the_socket_is_closed(ws, svc, pusher, accounts):
    first = ws.login("alice", "Android")
    ws.login("alice", "Android")
    assert [f["event"] for cid, f in pusher.sent if cid == first] == ["kicked"]
    assert pusher.closed == [first]


def test_kicks_do_not_cross_accounts(ws, svc, pusher, accounts):
    a = ws.login("alice", "PC")
    ws.login("bob", "PC")
    assert pusher.frames(a) == [] and svc.connections.get(a) is not None


def test_rest_kick_logs_out_every_terminal_of_the_account(api, ws, svc, pusher, accounts):
    _policy(svc, "no_kick")
    mine = [ws.login("alice", p) for p in ("iPhone", "PC", "Web")]
    other = ws.login("bob", "PC")
    api.ok("im_open_login_svc/kick", {"UserID": "alice"})
    for cid in mine:
        assert pusher.frames(cid, "kicked") == [
            {"event": "kicked", "data": {"code": terminals.KICKED_BY_ADMIN, "info": "logged out by the app backend"}}
        ]
    assert sorted(pusher.closed) == sorted(mine)
    assert svc.connections.of_user(SDKAPPID, "alice") == []
    assert svc.connections.get(other) is not None
    assert svc.connections.online(SDKAPPID) == Online(1, 1)
    for cid in mine:
        ws.disconnect(cid)  # the $disconnects that follow the closes count nothing twice
    assert svc.connections.online(SDKAPPID) == Online(1, 1)


def test_rest_kick_of_an_offline_account_succeeds_quietly(api, pusher, accounts):
    api.ok("im_open_login_svc/kick", {"UserID": "alice"})
    assert pusher.sent == [] and pusher.closed == []


@pytest.mark.parametrize(
    "body,code",
    [({"UserID": "ghost"}, 70107), ({}, 70402), ({"UserID": 5}, 70402), ({"UserID": "x" * 33}, 70402)],
)
def test_rest_kick_rejects_bad_input_and_kicks_nobody(api, ws, pusher, accounts, body, code):
    ws.login("alice", "PC")
    api.fails("im_open_login_svc/kick", body, code)
    assert pusher.closed == []


def test_only_the_admin_may_kick(api, ws, pusher, accounts):
    ws.login("bob", "PC")
    api.fails("im_open_login_svc/kick", {"UserID": "bob"}, 60010, identifier="alice")
    api.fails("im_open_login_svc/kick", {"UserID": "alice"}, 60010, identifier="alice")
    assert pusher.closed == []


def test_deleting_an_account_kicks_its_terminals(api, ws, svc, pusher, accounts):
    cid = ws.login("alice", "PC")
    api.ok("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]})
    assert pusher.frames(cid, "kicked")[0]["data"]["code"] == terminals.KICKED_ACCOUNT_DELETED
    assert pusher.closed == [cid]
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_a_login_that_loses_a_race_to_a_later_login_is_refused(ws, svc, pusher, accounts, monkeypatch):
    # Between alice's PC login storing itself and listing her terminals, her Web login completes.
    original = svc.connections.of_user
    raced: list[str] = []

    def of_user_with_a_racing_login(sdkappid, user):
        if not raced:
            raced.append("started")  # the racing login lists too: only one race
            raced[:] = [ws.login("alice", "Web")]
        return original(sdkappid, user)

    monkeypatch.setattr(svc.connections, "of_user", of_user_with_a_racing_login)
    shake = ws.connect("alice", "PC")
    assert (shake.status, shake.body["ErrorCode"]) == (409, 6208)
    assert [c.connection_id for c in svc.connections.of_user(SDKAPPID, "alice")] == raced
    assert svc.connections.online(SDKAPPID) == Online(1, 1)


def test_a_terminal_silent_past_the_idle_limit_is_swept_offline(ws, svc, clock, pusher, accounts):
    quiet = ws.login("alice", "PC")
    chatty = ws.login("bob", "PC")
    for _ in range(3):
        clock.advance(terminals.HEARTBEAT_ADVICE_SECONDS)
        ws.ok(chatty, "realtime/heartbeat")
        ws.sweep()
    assert svc.connections.get(quiet) is None
    assert pusher.closed == [quiet]
    assert svc.connections.get(chatty) is not None
    assert svc.connections.online(SDKAPPID) == Online(1, 1)
    ws.disconnect(quiet)  # a late $disconnect after the sweep counts nothing twice
    assert svc.connections.online(SDKAPPID) == Online(1, 1)


def test_frames_write_the_directory_at_most_once_a_minute(ws, svc, clock, accounts):
    cid = ws.login("alice", "PC")
    clock.advance(30)
    ws.ok(cid, "realtime/heartbeat")
    assert svc.connections.get(cid).last_seen == 1_700_000_000  # too soon: not written
    clock.advance(30)
    ws.ok(cid, "realtime/heartbeat")
    assert svc.connections.get(cid).last_seen == 1_700_000_060


def test_the_sweep_covers_every_app(ws, svc, clock, pusher, accounts):
    from tests.builders import make_tenant

    other = make_tenant(svc, clock, sdkappid=1400000002)
    svc.accounts.import_account(other.sdkappid, "zed")
    a = ws.login("alice", "PC")
    z = ws.login("zed", "PC", sdkappid=other.sdkappid, sig=other.sig("zed"))
    clock.advance(terminals.IDLE_SECONDS + 1)
    ws.sweep()
    assert sorted(pusher.closed) == sorted([a, z])
    assert svc.connections.online(other.sdkappid) == Online(0, 0)
