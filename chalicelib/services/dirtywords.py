"""Dirty-word filtering: the default list plus each app's own words, with a per-container matcher cache."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from chalicelib.domain import errors
from chalicelib.domain.apps import App
from chalicelib.domain.clock import Clock
from chalicelib.domain.dirtywords import DEFAULT_WORDS, WORD_MAX_BYTES, WORDS_PER_CALL, Matcher

CACHE_SECONDS = 60.0  # Tencent: custom words take effect within 5 minutes; we promise one


class DirtyWordRepo(Protocol):
    def list(self, sdkappid: int) -> list[str]: ...
    def add(self, sdkappid: int, words: Iterable[str]) -> None: ...
    def delete(self, sdkappid: int, words: Iterable[str]) -> None: ...


def _check_words(words: Sequence[object]) -> list[str]:
    if not words:
        raise errors.error(10004, "DirtyWordsList must hold at least one word")
    if len(words) > WORDS_PER_CALL:
        raise errors.error(10004, f"DirtyWordsList holds at most {WORDS_PER_CALL} words per call")
    out = []
    for i, w in enumerate(words):
        if not isinstance(w, str) or not w.strip():
            raise errors.error(10004, f"DirtyWordsList[{i}] must be a non-empty string")
        if len(w.encode("utf-8")) > WORD_MAX_BYTES:
            raise errors.error(10004, f"DirtyWordsList[{i}] exceeds {WORD_MAX_BYTES} bytes")
        out.append(w.strip().casefold())
    return list(dict.fromkeys(out))


class DirtyWordService:
    def __init__(self, repo: DirtyWordRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock
        self._cache: dict[int, tuple[float, Matcher]] = {}

    def custom(self, sdkappid: int) -> list[str]:
        return sorted(self._repo.list(sdkappid))

    def add(self, sdkappid: int, words: Sequence[object]) -> None:
        self._repo.add(sdkappid, _check_words(words))
        self._cache.pop(sdkappid, None)

    def delete(self, sdkappid: int, words: Sequence[object]) -> None:
        self._repo.delete(sdkappid, _check_words(words))
        self._cache.pop(sdkappid, None)

    def matcher(self, sdkappid: int) -> Matcher:
        now = self._clock.now()
        hit = self._cache.get(sdkappid)
        if hit is None or now - hit[0] >= CACHE_SECONDS:
            hit = (now, Matcher([*DEFAULT_WORDS, *self._repo.list(sdkappid)]))
            self._cache[sdkappid] = hit
        return hit[1]

    def check(self, app: App, texts: Iterable[str], *, code: int = 80001, what: str = "text") -> None:
        """Raise `code` (80001 for messages; group/profile services pass theirs) when any text holds a dirty word."""
        matcher = self.matcher(app.sdkappid)
        for text in texts:
            if text and matcher.find(text) is not None:
                raise errors.error(code, f"{what} contains a dirty word")
