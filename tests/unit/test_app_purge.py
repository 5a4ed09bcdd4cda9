"""The purge job on fakes: only deleted apps past their restore period, objects first, then table pages, then the
record; bounded pages per run with the cursor kept in the app record; one app's failure does not stop the others."""

from __future__ import annotations

import dataclasses

from chalicelib.domain.apps import DELETED, SUSPENDED, App
from chalicelib.domain.clock import FixedClock
from chalicelib.services.apps import AppPurge, AppService
from tests.unit.test_app_cache import CountingRepo

DAY = 86400


class FakeData:
    """Each app has `pages` Scan pages of items; the cursor is the next page's number."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.deleted: list[tuple[int, str]] = []

    def purge_page(self, sdkappid: int, cursor: str) -> str | None:
        self.deleted.append((sdkappid, cursor))
        page = int(cursor or 0) + 1
        return None if page >= self.pages else str(page)


class FakeBlobs:
    def __init__(self, objects: dict[str, int], failing: str = "") -> None:
        self.objects = objects  # prefix -> listings needed
        self.failing = failing

    def delete_prefix(self, prefix: str, max_pages: int) -> tuple[int, bool]:
        if self.failing and prefix.startswith(self.failing):
            raise RuntimeError("S3 is down for this one")
        left = self.objects.get(prefix, 1)
        used = min(left, max_pages)
        self.objects[prefix] = left - used
        return used, self.objects[prefix] > 0


def _deleted(sdkappid: int, at: int, status: str = DELETED) -> App:
    return App(sdkappid=sdkappid, name="a", secret_key="k", admins=("admin",), status=status, deleted_at=at)


def _purge(repo: CountingRepo, clock: FixedClock, data: FakeData, blobs: FakeBlobs, pages: int) -> AppPurge:
    return AppPurge(AppService(repo, clock, restore_days=7), repo, data, blobs, clock, pages)


def test_only_apps_past_their_restore_period_are_purged_resuming_from_the_cursor() -> None:
    repo, clock = CountingRepo(), FixedClock(100 * DAY)
    repo.create(_deleted(1, int(clock.now()) - 8 * DAY))  # past the period
    repo.create(_deleted(2, int(clock.now()) - 6 * DAY))  # still restorable
    repo.create(dataclasses.replace(_deleted(3, 0, SUSPENDED), deleted_at=None))
    data = FakeData(pages=4)
    job = _purge(repo, clock, data, FakeBlobs({}), pages=3)
    assert job.run() == {1: False}  # 3 listings (objects/, uploads/, export chunks)
    assert repo.apps[1].purge_cursor == "B3"  # the next run goes on with the export files
    assert job.run() == {1: False}  # 1 listing and 2 table pages
    assert repo.apps[1].purge_cursor == "T2"
    assert job.run() == {1: True}  # the two pages left
    assert [c for _, c in data.deleted] == ["", "1", "2", "3"]  # each page once, in order
    assert sorted(repo.apps) == [2, 3]
    assert job.run() == {}


def test_one_apps_failure_does_not_stop_the_others() -> None:
    repo, clock = CountingRepo(), FixedClock(100 * DAY)
    for sdkappid in (1, 2):
        repo.create(_deleted(sdkappid, int(clock.now()) - 8 * DAY))
    job = _purge(repo, clock, FakeData(pages=1), FakeBlobs({}, failing="objects/1/"), pages=100)
    assert job.run() == {2: True}
    assert sorted(repo.apps) == [1]  # kept, retried by the next run


def test_a_prefix_longer_than_a_run_resumes_where_it_stopped() -> None:
    repo, clock = CountingRepo(), FixedClock(100 * DAY)
    repo.create(_deleted(1, int(clock.now()) - 8 * DAY))
    blobs = FakeBlobs({"uploads/1/": 5})  # 5 listings of 1000 keys
    job = _purge(repo, clock, FakeData(pages=1), blobs, pages=3)
    assert job.run() == {1: False} and repo.apps[1].purge_cursor == "B1"
    assert job.run() == {1: False} and repo.apps[1].purge_cursor == "B2"  # uploads/ done, export chunks next
    assert job.run() == {1: True}
