"""The app purge job: a deleted app past its restore period loses its objects, its items in every table, its record."""

from __future__ import annotations

from chalicelib.wiring import services


def run() -> dict[int, bool]:
    """SDKAppID -> purged completely in this run (False: the next run resumes it; see services/apps.AppPurge)."""
    return services().app_purge.run()
