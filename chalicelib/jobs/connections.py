"""The stale-connection sweep: terminals that dropped without `$disconnect` go offline after the idle limit."""

from __future__ import annotations

from chalicelib.wiring import Services, services


def sweep(svc: Services | None = None) -> int:
    """Remove every app's expired connections (one gsi1 Query per app, never a Scan) and close the `refusal=frame`
    sockets whose refusal expired unread (one more Query); returns how many."""
    svc = svc or services()
    # an app past its restore period is being purged: a sweep would write its online counters again
    swept = sum(svc.realtime.sweep(app.sdkappid) for app in svc.apps.all() if not svc.apps.expired(app))
    return swept + svc.realtime.sweep_refusals()
