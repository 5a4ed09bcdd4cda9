"""App registry use cases: create, configure, suspend, restore, delete (restorable 30 days), rotate key, admins."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence

from chalicelib.domain import apps as rules
from chalicelib.domain import errors
from chalicelib.domain.apps import App, AppConfig
from chalicelib.domain.clock import Clock
from chalicelib.domain.ids import check_user_id
from chalicelib.services.ports import AppRepo

MAX_ADMINS = 20


def new_secret_key() -> str:
    return secrets.token_hex(32)


class AppService:
    def __init__(self, repo: AppRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

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
        if app.status == rules.DELETED and app.deleted_at is not None:
            if self._clock.now() > app.deleted_at + rules.RESTORE_WINDOW_SECONDS:
                raise errors.AppNotFound(f"SDKAppID {sdkappid} was deleted more than 30 days ago")
        return app

    def all(self) -> list[App]:
        return sorted(self._repo.list(), key=lambda a: a.sdkappid)

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
        deletion date, out of the 30-day purge; `restore` is the one way back."""
        if self.get(sdkappid).status == rules.DELETED:
            raise errors.AppDeleted(f"SDKAppID {sdkappid} is deleted: `restore` it first to suspend it")
        return self._set_status(sdkappid, rules.SUSPENDED)

    def restore(self, sdkappid: int) -> App:
        return self._set_status(sdkappid, rules.ACTIVE)

    def delete(self, sdkappid: int) -> App:
        """Soft delete: calls fail with 60016; `restore` brings it back within 30 days (FAQ)."""
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
