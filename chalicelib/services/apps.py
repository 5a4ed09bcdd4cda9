"""App registry use cases: create, configure, suspend, restore, delete (suspended first; restorable for a period),
rotate key, admins; and the purge of a deleted app's data once that period is over."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Sequence
from typing import Protocol

from chalicelib import logs
from chalicelib.domain import apps as rules
from chalicelib.domain import errors
from chalicelib.domain.apps import App, AppConfig
from chalicelib.domain.clock import Clock
from chalicelib.domain.ids import check_user_id
from chalicelib.services.ports import AppRepo

MAX_ADMINS = 20
DAY = 86400
log = logging.getLogger("yuntong.apps")


def new_secret_key() -> str:
    return secrets.token_hex(32)


class AppService:
    def __init__(self, repo: AppRepo, clock: Clock, restore_days: int = rules.RESTORE_DAYS) -> None:
        self._repo = repo
        self._clock = clock
        self.restore_seconds = restore_days * DAY  # Settings.app_restore_days

    def create(self, sdkappid: int, name: str, admins: list[str], secret_key: str | None = None) -> App:
        if not 1 <= sdkappid <= 4_294_967_295:
            raise errors.InvalidParam("SDKAppID must be a positive 32-bit integer")
        for admin in admins:
            check_user_id(admin, field="admin identifier")
        app = App(
            sdkappid=sdkappid,
            name=name,
            secret_key=secret_key or new_secret_key(),
            admins=tuple(admins),
            created_at=int(self._clock.now()),
        )
        self._repo.create(app)
        return app

    def get(self, sdkappid: int) -> App:
        app = self._repo.get(sdkappid)
        if app is None:
            raise errors.AppNotFound(f"SDKAppID {sdkappid} not found")
        if self.expired(app):
            days = self.restore_seconds // DAY
            raise errors.AppNotFound(f"SDKAppID {sdkappid} was deleted more than {days} days ago (purged)")
        return app

    def all(self) -> list[App]:
        return sorted(self._repo.list(), key=lambda a: a.sdkappid)

    def expired(self, app: App) -> bool:
        """Deleted and past its restore period: gone for every caller, its data the purge job's."""
        until = app.restorable_until(self.restore_seconds)
        return until is not None and self._clock.now() > until

    def configure(self, sdkappid: int, changes: dict[str, str]) -> App:
        app = self.get(sdkappid)
        updated = dataclasses.replace(app, config=app.config.updated(changes))
        self._repo.save(updated)
        return updated

    def set_config(self, sdkappid: int, config: AppConfig) -> App:
        app = dataclasses.replace(self.get(sdkappid), config=config)
        self._repo.save(app)
        return app

    def suspend(self, sdkappid: int) -> App:
        """A deleted app stays deleted (60016): suspending it would bring it back as a suspended app with no
        deletion date, out of the purge; `restore` is the one way back."""
        if self.get(sdkappid).status == rules.DELETED:
            raise errors.AppDeleted(f"SDKAppID {sdkappid} is deleted: `restore` it first to suspend it")
        return self._set_status(sdkappid, rules.SUSPENDED)

    def restore(self, sdkappid: int) -> App:
        """A suspended app, or a deleted one within the restore period, is active again (after it: 70020)."""
        if self.get(sdkappid).purge_cursor:  # the period was made longer while its purge was under way
            raise errors.AppNotFound(f"SDKAppID {sdkappid} is being purged")
        return self._set_status(sdkappid, rules.ACTIVE)

    def delete(self, sdkappid: int) -> App:
        """Soft delete of a suspended app (an active one: 60006, suspend it first; deleting again keeps the first
        deletion date): calls fail with 60016; `restore` brings it back within the restore period, after which the
        purge job removes its data."""
        app = self.get(sdkappid)
        if app.status == rules.DELETED:
            return app
        if app.status != rules.SUSPENDED:
            raise errors.AppNotSuspended(
                f"SDKAppID {sdkappid} is active: suspend it first (`yuntong app suspend {sdkappid}`), then delete it"
            )
        return self._set_status(sdkappid, rules.DELETED)

    def rotate_key(self, sdkappid: int) -> App:
        app = dataclasses.replace(self.get(sdkappid), secret_key=new_secret_key())
        self._repo.save(app)
        return app

    def set_admins(self, sdkappid: int, admins: list[str]) -> App:
        for admin in admins:
            check_user_id(admin, field="admin identifier")
        app = dataclasses.replace(self.get(sdkappid), admins=tuple(admins))
        self._repo.save(app)
        return app

    def modify_admins(self, sdkappid: int, add: Sequence[str], remove: Sequence[str]) -> App:
        """Add and remove App admin identifiers (removal first wins for a name in both); an app keeps at least one
        (70402, nothing changed) and at most MAX_ADMINS. Other Lambda containers see it within the app cache's 10 s."""
        for admin in (*add, *remove):
            check_user_id(admin, field="admin identifier")
        app = self.get(sdkappid)
        gone = set(remove)
        admins = tuple(a for a in dict.fromkeys((*app.admins, *add)) if a not in gone)
        if not admins:
            raise errors.error(70402, "an app keeps at least one admin identifier")
        if len(admins) > MAX_ADMINS:
            raise errors.error(70402, f"an app has at most {MAX_ADMINS} admin identifiers")
        updated = dataclasses.replace(app, admins=admins)
        self._repo.save(updated)
        return updated

    def _set_status(self, sdkappid: int, status: str) -> App:
        app = self.get(sdkappid)
        deleted_at = int(self._clock.now()) if status == rules.DELETED else None
        updated = dataclasses.replace(app, status=status, deleted_at=deleted_at)
        self._repo.save(updated)
        return updated


class TenantData(Protocol):
    """An app's items in the tables (store/apps.py: DynamoTenantData)."""

    def purge_page(self, sdkappid: int, cursor: str) -> str | None:
        """Delete the app's items found in one page from `cursor` ("" = the start); the cursor of the next page,
        None when every table was gone through."""
        ...


class TenantBlobs(Protocol):
    """An app's media objects (blobs/s3.py: S3Blobs)."""

    def delete_prefix(self, prefix: str, max_pages: int) -> tuple[int, bool]:
        """Delete the objects under `prefix`, at most `max_pages` listings; (listings made, anything left)."""
        ...


# A purge cursor: "" (not started) or "B" + the index of the bucket prefix to go on with, then "T" + the tables' cursor.
BLOBS_PHASE = "B"
TABLES_PHASE = "T"


def blob_prefixes(sdkappid: int) -> tuple[str, ...]:
    """Where an app's objects live in the bucket: media (domain/media.object_key, upload_key) and the hourly
    history export's chunks and files (blobs/exports.py)."""
    return (
        f"objects/{sdkappid}/",
        f"uploads/{sdkappid}/",
        f"exports/chunks/{sdkappid}/",
        f"exports/files/{sdkappid}/",
    )


class AppPurge:
    """The purge job: a deleted app past its restore period loses its objects, then its items in every table,
    then its record; each run does at most `max_pages` pages of work (S3 listings, DynamoDB Scan pages) in all and
    records where it stopped in the app record, so the next run resumes there."""

    def __init__(
        self, apps: AppService, repo: AppRepo, data: TenantData, blobs: TenantBlobs, clock: Clock, max_pages: int
    ) -> None:
        self._apps = apps
        self._repo = repo
        self._data = data
        self._blobs = blobs
        self._clock = clock
        self._max_pages = max_pages

    def due(self) -> list[App]:
        return [a for a in self._repo.list() if self._apps.expired(a)]

    def run(self) -> dict[int, bool]:
        """SDKAppID -> purged completely (False: the next run resumes it)."""
        budget, done = self._max_pages, {}
        for app in self.due():
            if budget <= 0:
                break
            try:
                finished, used = self._purge(app, budget)
            except Exception:  # one app's failure (a throttled Scan, S3) must not stop the others; it resumes
                log.exception("app purge failed for %s", app.sdkappid)
                continue
            budget -= used
            done[app.sdkappid] = finished
            logs.event(log, logging.INFO, "app purge", sdkappid=app.sdkappid, finished=finished, pages=used)
        return done

    def _purge(self, app: App, budget: int) -> tuple[bool, int]:
        used, cursor = 0, app.purge_cursor
        if not cursor.startswith(TABLES_PHASE):  # objects first: the rows are what find nothing else
            prefixes = blob_prefixes(app.sdkappid)
            index = int(cursor[len(BLOBS_PHASE) :] or 0) if cursor.startswith(BLOBS_PHASE) else 0
            while index < len(prefixes):
                left = True
                if used < budget:
                    pages, left = self._blobs.delete_prefix(prefixes[index], budget - used)
                    used += pages
                if left:  # the next run starts at this prefix
                    self._repo.save(dataclasses.replace(app, purge_cursor=f"{BLOBS_PHASE}{index}"))
                    return False, used
                index += 1
            cursor = TABLES_PHASE
        while used < budget:
            following = self._data.purge_page(app.sdkappid, cursor[len(TABLES_PHASE) :])
            used += 1
            if following is None:
                self._repo.purge(app.sdkappid)  # the record last: until then the SDKAppID cannot be created again
                return True, used
            cursor = TABLES_PHASE + following
        self._repo.save(dataclasses.replace(app, purge_cursor=cursor))
        return False, used


class CachedAppRepo:
    """Per-container read cache in front of the app registry (every request reads its app).

    Writes made through this container invalidate at once; other containers see a change within `ttl` seconds.
    A lookup that found nothing is kept only `miss_ttl` seconds: an app created meanwhile (CLI, console, another
    container) answers within that, while a flood of calls for an unknown SDKAppID still costs one read per second.
    """

    def __init__(self, inner: AppRepo, clock: Clock, ttl: float = 10.0, miss_ttl: float = 1.0) -> None:
        self._inner = inner
        self._clock = clock
        self._ttl = ttl
        self._miss_ttl = miss_ttl
        self._cache: dict[int, tuple[float, App | None]] = {}

    def get(self, sdkappid: int) -> App | None:
        hit = self._cache.get(sdkappid)
        now = self._clock.now()
        if hit is not None and now - hit[0] < (self._ttl if hit[1] is not None else self._miss_ttl):
            return hit[1]
        app = self._inner.get(sdkappid)
        self._cache[sdkappid] = (now, app)
        return app

    def create(self, app: App) -> None:
        self._cache.pop(app.sdkappid, None)
        self._inner.create(app)

    def save(self, app: App) -> None:
        self._cache.pop(app.sdkappid, None)
        self._inner.save(app)

    def list(self) -> list[App]:
        return self._inner.list()

    def purge(self, sdkappid: int) -> None:
        self._cache.pop(sdkappid, None)
        self._inner.purge(sdkappid)
