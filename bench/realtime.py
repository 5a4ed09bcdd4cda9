"""DynamoDB work per websocket login, frame, logout, presence query and sweep, through the ws edge on moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.counting import Usage, count_dynamodb, print_table
from bench.sandbox import Sandbox, sandbox
from chalicelib.domain import terminals
from tests.builders import WsCaller

HEARTBEAT = "realtime/heartbeat"
PRESENCE = "openim/query_online_status"
LOGINS = 50  # a run of logins of accounts new today, with the statistics flush that writes their counts
LOGINS_ROW = f"{LOGINS} logins of accounts new today (all of them)"
FLUSH_ROW = f"statistics flush after them (DAU counter, LoginTimes, online peaks of {LOGINS} logins)"


def _presence(sb: Sandbox, users: list[str]) -> Callable[[], Any]:
    return lambda: sb.api.ok(PRESENCE, {"To_Account": users, "IsNeedDetail": 1})


def measure(sb: Sandbox, accounts: int = 500) -> list[tuple[str, Usage]]:
    ws = WsCaller(sb.api.client, sb.tenant, sb.services.pusher)
    app = sb.tenant.sdkappid
    rows: list[tuple[str, Usage]] = []

    def row(label: str, call: Callable[[], Any]) -> Any:
        with count_dynamodb() as usage:
            out = call()
        rows.append((label, usage))
        return out

    users = [f"u{i:03d}" for i in range(accounts)]
    for user in users:
        sb.services.accounts.import_account(app, user)
    ws.login(users[-1], "PC")  # warm-up: the app registry and the day's DAU item exist from here on
    first = row("login, first terminal of the day", lambda: ws.login("u000", "Android"))
    row("login, same account again (kicks the first)", lambda: ws.login("u000", "Android"))
    current = ws.login("u001", "iPhone")
    row("frame (heartbeat), within a minute of the last write", lambda: ws.ok(current, HEARTBEAT))
    sb.services.metrics.flush()  # the logins' buffered statistics: written here, not inside the next row
    sb.clock.advance(terminals.HEARTBEAT_ADVICE_SECONDS)
    row("frame (heartbeat), moves the idle deadline", lambda: ws.ok(current, HEARTBEAT))
    row("frame from a connection that is not logged in", lambda: ws.send_raw(first, '{"reqId":1,"cmd":"a/b"}'))
    row("logout ($disconnect)", lambda: ws.disconnect(current))
    for user in users[2:12]:
        ws.login(user, "Web")
    online = len(sb.services.connections.of_users(app, users))
    for n in (1, 100, accounts):
        row(f"{PRESENCE}, {n} accounts ({online} online in all)", _presence(sb, users[:n]))
    row("sweep of one app, nothing stale", lambda: sb.services.realtime.sweep(app))
    sb.clock.advance(terminals.IDLE_SECONDS + 1)
    row("sweep of one app, 12 stale terminals", lambda: sb.services.realtime.sweep(app))
    sb.services.metrics.flush()
    fresh = users[-LOGINS - 1 : -1]  # never logged in (the last one was the warm-up)
    row(LOGINS_ROW, lambda: [ws.login(user, "Web") for user in fresh])
    row(FLUSH_ROW, sb.services.metrics.flush)
    return rows


def per_login(rows: list[tuple[str, Usage]]) -> tuple[float, float]:
    """Requests and write units per login of an account new today, its share of the statistics flush included."""
    found = dict(rows)
    logins, flush = found[LOGINS_ROW], found[FLUSH_ROW]
    return (logins.requests + flush.requests) / LOGINS, (logins.wcu + flush.wcu) / LOGINS


def main() -> None:
    with sandbox() as sb:
        rows = measure(sb)
    print("DynamoDB work per websocket operation (single-terminal policy, moto, app registry cached)")
    print_table(rows, "operation")
    requests, wcu = per_login(rows)
    print(f"  requests per login of an account new today, flush included: {requests:.2f} ({wcu:.2f} WCU)")
    print("  (a login writes its DAU mark at once, one conditional PutItem per account new today in the container;")
    print("  LoginTimes, the DAU counter and the online peaks wait in the statistics buffer: the flush writes one")
    print("  UpdateItem per app and day and one conditional UpdateItem per raised peak; the app's online totals are")
    print("  one UpdateItem on one of 16 shards)")


if __name__ == "__main__":
    main()
