"""The per-container app cache: an app created elsewhere answers within a second where its absence was cached,
at once where it was never looked up; a found app is kept the full ttl."""

from __future__ import annotations

from chalicelib.domain.apps import App
from chalicelib.domain.clock import FixedClock
from chalicelib.services.apps import CachedAppRepo


class CountingRepo:
    def __init__(self) -> None:
        self.apps: dict[int, App] = {}
        self.reads = 0

    def get(self, sdkappid: int) -> App | None:
        self.reads += 1
        return self.apps.get(sdkappid)

    def create(self, app: App) -> None:
        self.apps[app.sdkappid] = app

    def save(self, app: App) -> None:
        self.apps[app.sdkappid] = app

    def list(self) -> list[App]:
        return list(self.apps.values())

    def purge(self, sdkappid: int) -> None:
        self.apps.pop(sdkappid, None)


def _app(sdkappid: int) -> App:
    return App(sdkappid=sdkappid, name="a", secret_key="k", admins=("admin",), created_at=0)


def test_an_app_created_by_another_process_is_seen_within_a_second_where_a_miss_was_cached() -> None:
    inner, clock = CountingRepo(), FixedClock()
    other_container = CachedAppRepo(inner, clock)
    never_looked = CachedAppRepo(inner, clock)
    assert other_container.get(7) is None
    inner.create(_app(7))  # the CLI or the console, through another process
    assert never_looked.get(7) is not None  # at once where nothing was cached
    assert other_container.get(7) is None  # the miss is kept...
    clock.advance(1.0)
    assert other_container.get(7) is not None  # ...one second, not ten


def test_a_found_app_is_kept_the_full_ttl_and_misses_cost_one_read_per_second() -> None:
    inner, clock = CountingRepo(), FixedClock()
    inner.create(_app(1))
    cache = CachedAppRepo(inner, clock, ttl=10.0)
    for _ in range(5):
        cache.get(1)
        cache.get(2)
    assert inner.reads == 2
    clock.advance(1.0)
    cache.get(1)
    cache.get(2)
    assert inner.reads == 3  # only the miss was read again
    clock.advance(9.0)
    cache.get(1)
    assert inner.reads == 4
