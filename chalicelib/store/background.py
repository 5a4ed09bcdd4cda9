"""A send's independent writes, overlapped: `later(write)` runs `write` on a small per-container thread pool while
an operation that waits for it is running (`waiting()`: the read-ahead's `with` block of a send), else at once.

A write handed to `later` must not be needed by anything the operation does afterwards (the group seq watermark's
update: the next sender corrects a lagging one) and handles its own failures; the operation's reply still waits for
it, so a Lambda never freezes with a write in flight.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger("yuntong.store")

THREADS = 8

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_later: ContextVar[list[Future[None]] | None] = ContextVar("later", default=None)


def pool() -> ThreadPoolExecutor:
    """The container's threads for a send's concurrent requests (made on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="store")
        return _pool


def later(write: Callable[[], None]) -> None:
    """Run `write` in the background inside `waiting()`, else now."""
    pending = _later.get()
    if pending is None:
        write()
        return
    pending.append(pool().submit(write))


@contextmanager
def waiting() -> Iterator[None]:
    """Writes handed to `later` inside the block run beside it; the block ends when they have."""
    pending: list[Future[None]] = []
    token = _later.set(pending)
    try:
        yield
    finally:
        _later.reset(token)
        for done in pending:
            try:
                done.result()
            except Exception:
                log.exception("a background write failed")
