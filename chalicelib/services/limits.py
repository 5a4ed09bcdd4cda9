"""The per-app REST call budget (FAQ: 100 calls per second by default), enforced across all Lambda instances.

Each container leases a slice of the second's budget with one conditional ADD on the app's window item (a tenth of
the limit), then admits calls from its slice without writing: about 0.1 writes per call at load. When a whole slice
is no longer free it leases one call at a time, so the app's calls never exceed its limit; what other containers
leased and did not use in that second is the only slack below it (at most one slice, a tenth, per busy container).
"""

from __future__ import annotations

import math
import threading

from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.services.ports import Limits

# A second's window item lives a little longer than its second, so clock skew between instances cannot reopen it.
WINDOW_TTL = 10
SLICE_SHARE = 10  # a lease takes 1/10 of the second's budget


def slice_of(limit: int) -> int:
    return max(1, math.ceil(limit / SLICE_SHARE))


class RequestGuard:
    def __init__(self, limits: Limits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._leased: dict[int, tuple[int, int]] = {}  # sdkappid → (second, calls left in this container's slice)

    def admit(self, app: App) -> None:
        """Count one call in the app's current second; over `rest_rate_per_second` → 60007 (0 means unlimited)."""
        limit = app.config.rest_rate_per_second
        if limit <= 0:
            return
        second = int(self._clock.now())
        with self._lock:
            held_second, left = self._leased.get(app.sdkappid, (second, 0))
            if held_second != second:
                left = 0
            if left <= 0:
                left = self._lease(app.sdkappid, second, limit)
            if left <= 0:
                self._leased[app.sdkappid] = (second, 0)
                raise errors.RateLimited(f"more than {limit} REST calls in one second for SDKAppID {app.sdkappid}")
            self._leased[app.sdkappid] = (second, left - 1)

    def _lease(self, sdkappid: int, second: int, limit: int) -> int:
        """Calls granted to this container for `second`: a slice, or one when a slice is no longer free."""
        bucket, expires = f"REST#{second}", second + WINDOW_TTL
        share = slice_of(limit)
        if self._limits.take(sdkappid, bucket, limit, expires, amount=share):
            return share
        if share > 1 and self._limits.take(sdkappid, bucket, limit, expires):
            return 1
        return 0
