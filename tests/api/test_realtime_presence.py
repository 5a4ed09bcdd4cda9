"""openim/query_online_status and the legacy openim/querystate."""

import pytest

from chalicelib.domain import terminals
from tests.builders import SDKAPPID


@pytest.fixture
def online(svc, ws):
    for user in ("alice", "bob", "carol"):
        svc.accounts.import_account(SDKAPPID, user)
    svc.apps.configure(SDKAPPID, {"login_policy": "no_kick"})
    ws.login("alice", "iPhone")
    ws.login("alice", "PC")
    ws.login("bob", "Web")


def test_status_without_detail(api, online):
    out = api.ok("openim/query_online_status", {"To_Account": ["alice", "carol", "ghost", "bob"]})
    assert out["QueryResult"] == [
        {"To_Account": "alice", "Status": "Online"},
        {"To_Account": "carol", "Status": "Offline"},
        {"To_Account": "bob", "Status": "Online"},
    ]
    assert out["ErrorList"] == [{"To_Account": "ghost", "ErrorCode": 70107}]


def test_detail_lists_every_online_terminal_by_platform(api, online):
    out = api.ok("openim/query_online_status", {"To_Account": ["alice", "carol"], "IsNeedDetail": 1})
    alice, carol = out["QueryResult"]
    assert alice["Status"] == "Online"
    assert sorted(alice["Detail"], key=lambda d: d["Platform"]) == [
        {"Platform": "PC", "Status": "Online"},
        {"Platform": "iPhone", "Status": "Online"},
    ]
    assert carol == {"To_Account": "carol", "Status": "Offline", "Detail": []}


def test_a_terminal_that_went_silent_is_offline_even_before_the_sweep(api, ws, clock, online):
    clock.advance(terminals.IDLE_SECONDS)
    out = api.ok("openim/query_online_status", {"To_Account": ["alice"]})
    assert out["QueryResult"] == [{"To_Account": "alice", "Status": "Offline"}]


def test_a_logged_out_account_is_offline(api, ws, svc, online):
    for conn in svc.connections.of_user(SDKAPPID, "bob"):
        ws.disconnect(conn.connection_id)
    out = api.ok("openim/query_online_status", {"To_Account": ["bob"]})
    assert out["QueryResult"] == [{"To_Account": "bob", "Status": "Offline"}]


def test_a_repeated_account_is_answered_once(api, online):
    out = api.ok("openim/query_online_status", {"To_Account": ["alice", "alice"]})
    assert out["QueryResult"] == [{"To_Account": "alice", "Status": "Online"}]


def test_up_to_500_accounts_per_query(api, online):
    users = ["alice"] + [f"nobody{i}" for i in range(499)]
    out = api.ok("openim/query_online_status", {"To_Account": users})
    assert len(out["QueryResult"]) == 1 and len(out["ErrorList"]) == 499
    api.fails("openim/query_online_status", {"To_Account": [*users, "one-more"]}, 70206)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"To_Account": []},
        {"To_Account": "alice"},
        {"To_Account": [5]},
        {"To_Account": ["x" * 33]},
        {"To_Account": ["alice"], "IsNeedDetail": "1"},
        {"To_Account": ["alice"], "IsNeedDetail": 2},
    ],
)
def test_bad_queries_are_invalid_parameters(api, online, body):
    api.fails("openim/query_online_status", body, 70402)


def test_only_the_admin_may_read_presence(api, ws, online):
    api.fails("openim/query_online_status", {"To_Account": ["bob"]}, 60010, identifier="alice")
    api.fails("openim/querystate", {"To_Account": ["bob"]}, 60010, identifier="alice")


def test_the_admin_may_query_over_its_own_websocket(ws, tenant, online):
    admin = ws.login(tenant.admin, "PC")
    out = ws.ok(admin, "openim/query_online_status", {"To_Account": ["alice"]})
    assert out["QueryResult"] == [{"To_Account": "alice", "Status": "Online"}]


def test_the_legacy_querystate_names_the_status_state(api, online):
    out = api.ok("openim/querystate", {"To_Account": ["alice", "carol", "ghost"]})
    assert out["QueryResult"] == [
        {"To_Account": "alice", "State": "Online"},
        {"To_Account": "carol", "State": "Offline"},
    ]
    assert out["ErrorList"] == [{"To_Account": "ghost", "ErrorCode": 70107}]
    api.fails("openim/querystate", {}, 70402)


def test_presence_is_per_app(api, ws, svc, clock, online):
    from tests.builders import make_tenant

    other = make_tenant(svc, clock, sdkappid=1400000002)
    svc.accounts.import_account(other.sdkappid, "alice")
    out = api.ok(
        "openim/query_online_status", {"To_Account": ["alice"]}, sdkappid=other.sdkappid, sig=other.sig(other.admin)
    )
    assert out["QueryResult"] == [{"To_Account": "alice", "Status": "Offline"}]
