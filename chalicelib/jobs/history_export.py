"""The hourly history export job: every app's finished hours become one gzipped file each (get_history)."""

from __future__ import annotations

from chalicelib.wiring import services


def run(*, unfinished: bool = False) -> int:
    """Returns how many files were (re)assembled. `unfinished`: the current hour too (local stack, tests)."""
    return len(services().history_export.run(unfinished=unfinished))
