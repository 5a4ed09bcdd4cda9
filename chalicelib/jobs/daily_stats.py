"""The daily stats job: finalise every app's finished natural days (run hourly; a run with nothing due is cheap)."""

from __future__ import annotations

from chalicelib.wiring import services


def run() -> dict[int, list[str]]:
    """Returns the days finalised per SDKAppID."""
    return services().stats.run()
