"""`$connect`: login with the query string, refusals with a non-200 status that write nothing, stats of a login."""

import pytest

from chalicelib.domain.stats import day_of
from chalicelib.services.ports import Online
from tests.builders import SDKAPPID, table_items


@pytest.fixture
def accounts(svc):
    for user in ("alice", "bob"):
        svc.accounts.import_account(SDKAPPID, user)


def _today(svc, clock):
    return svc.metrics.day(SDKAPPID, day_of(clock.now(), "Asia/Shanghai"))


def test_a_valid_usersig_logs_the_terminal_in(ws, svc, accounts):
    shake = ws.connect("alice", "iPhone")
    assert shake.status == 200
    conn = svc.connections.get(shake.connection_id)
    assert (conn.user, conn.platform, conn.sdkappid) == ("alice", "iPhone", SDKAPPID)
    assert svc.connections.online(SDKAPPID) == Online(1, 1)


def test_the_platform_name_is_taken_case_insensitively(ws, svc, accounts):
    cid = ws.login("alice", "web")
    assert svc.connections.get(cid).platform == "Web"


def test_a_login_counts_toward_dau_once_a_day_and_every_login_counts_as_login_times(ws, svc, clock, accounts):
    svc.apps.configure(SDKAPPID, {"login_policy": "no_kick"})
    ws.login("alice", "iPhone")
    ws.login("alice", "PC")
    ws.login("bob", "Web")
    stats = _today(svc, clock)
    assert stats["ActiveUserNum"] == 2
    assert stats["LoginTimes"] == 3
    assert stats["MaxOnlineNum"] == 2  # people: alice's two terminals are one account online
    assert stats["MaxOnlineTerminalNum"] == 3
    clock.advance(86400)
    ws.login("alice", "Mac")
    assert _today(svc, clock)["ActiveUserNum"] == 1


def test_the_days_peak_of_online_terminals_survives_logouts(ws, svc, clock, accounts):
    svc.apps.configure(SDKAPPID, {"login_policy": "no_kick"})
    first = ws.login("alice", "iPhone")
    ws.login("bob", "PC")
    ws.disconnect(first)
    ws.login("alice", "Android")
    assert svc.connections.online(SDKAPPID) == Online(2, 2)
    assert _today(svc, clock)["MaxOnlineNum"] == 2


def test_an_app_admin_may_log_in_without_being_an_imported_account(ws, svc, tenant):
    cid = ws.login(tenant.admin, "PC")
    assert svc.connections.get(cid).user == tenant.admin


REFUSALS = [
    # (what is wrong, query override or sig, expected status, expected code)
    ("bad signature", {"usersig": "garbage!!"}, 401, 70003),
    ("empty usersig", {"usersig": ""}, 401, 70002),
    ("unknown account", {"identifier": "mallory"}, 403, 70107),
    ("unknown app", {"sdkappid": "1400999999"}, 403, 70020),
    ("sdkappid missing", {"sdkappid": ""}, 400, 60012),
    ("sdkappid not a number", {"sdkappid": "abc"}, 400, 60002),
    ("identifier missing", {"identifier": ""}, 401, 60004),
    ("platform missing", {"platform": None}, 400, 70402),
    ("platform unknown", {"platform": "Symbian"}, 400, 70402),
]


@pytest.mark.parametrize("case,override,status,code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_login_fails_the_handshake_and_writes_nothing(
    ws, svc, tenant, clock, accounts, case, override, status, code
):
    query = {"sdkappid": str(SDKAPPID), "identifier": "alice", "usersig": tenant.sig("alice"), "platform": "PC"}
    for key, value in override.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = value
    if override.get("identifier"):
        query["usersig"] = tenant.sig(override["identifier"])
    before = table_items()
    shake = ws.connect("alice", query=query)
    assert (shake.status, shake.body["ErrorCode"], shake.body["ActionStatus"]) == (status, code, "FAIL")
    assert shake.body["ErrorInfo"]
    assert table_items() == before


def test_an_expired_usersig_is_refused(ws, tenant, clock, accounts):
    sig = tenant.sig("alice", expire=60)
    clock.advance(61)
    shake = ws.connect("alice", "PC", sig=sig)
    assert (shake.status, shake.body["ErrorCode"]) == (401, 70001)


def test_another_accounts_usersig_is_refused(ws, tenant, accounts):
    shake = ws.connect("alice", "PC", sig=tenant.sig("bob"))
    assert (shake.status, shake.body["ErrorCode"]) == (401, 70013)


@pytest.mark.parametrize("action,code", [("suspend", 60006), ("delete", 60016)])
def test_a_suspended_or_deleted_app_refuses_logins(ws, svc, accounts, action, code):
    svc.apps.suspend(SDKAPPID)  # an app is suspended before it can be deleted
    if action == "delete":
        svc.apps.delete(SDKAPPID)
    shake = ws.connect("alice", "PC")
    assert (shake.status, shake.body["ErrorCode"]) == (403, code)
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_no_query_string_at_all_is_refused(ws, svc):
    shake = ws.connect("alice", query={})
    assert shake.status == 400 and shake.body["ErrorCode"] == 60012


def test_logout_takes_the_terminal_offline(ws, svc, accounts):
    cid = ws.login("alice", "PC")
    ws.disconnect(cid)
    assert svc.connections.get(cid) is None
    assert svc.connections.online(SDKAPPID) == Online(0, 0)
    ws.disconnect(cid)  # API Gateway may deliver $disconnect for a connection already gone
    assert svc.connections.online(SDKAPPID) == Online(0, 0)


def test_the_same_usersig_reconnects_after_a_network_drop(ws, svc, tenant, pusher, accounts):
    sig = tenant.sig("alice")
    old = ws.login("alice", "iPhone", sig=sig)
    pusher.gone.add(old)  # the socket died without $disconnect
    new = ws.login("alice", "iPhone", sig=sig)
    assert svc.connections.get(old) is None  # the dead terminal lost to the new one (single policy)
    assert [c.connection_id for c in svc.connections.of_user(SDKAPPID, "alice")] == [new]
    assert svc.connections.online(SDKAPPID) == Online(1, 1)
    ws.ok(new, "realtime/heartbeat")


def test_a_login_that_fails_midway_leaves_no_terminal_behind(ws, svc, accounts, monkeypatch):
    def broken(*args):
        raise RuntimeError("storage down")

    monkeypatch.setattr(svc.metrics, "later", broken)  # the login's statistics (buffered, see _count_login)
    shake = ws.connect("alice", "PC")
    assert (shake.status, shake.body["ErrorCode"]) == (500, 70500)
    assert svc.connections.get(shake.connection_id) is None
    assert svc.connections.online(SDKAPPID) == Online(0, 0)
