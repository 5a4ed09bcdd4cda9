"""The per-app REST call budget (FAQ: 100 calls per second by default), enforced across all Lambda instances."""

from __future__ import annotations

from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.services.ports import Limits

# A second's window item lives a little longer than its second, so clock skew between instances cannot reopen it.
WINDOW_TTL = 10


class RequestGuard:
    def __init__(self, limits: Limits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock

    def admit(self, app: App) -> None:
        """Count one call in the app's current second; over `rest_rate_per_second` → 60007 (0 means unlimited)."""
        limit = app.config.rest_rate_per_second
        if limit <= 0:
            return
        second = int(self._clock.now())
        if not self._limits.take(app.sdkappid, f"REST#{second}", limit, second + WINDOW_TTL):
            raise errors.RateLimited(f"more than {limit} REST calls in one second for SDKAppID {app.sdkappid}")
