"""Dirty-word matching: an Aho-Corasick automaton, case-insensitive, linear in the text whatever the list size."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

WORD_MAX_BYTES = 200
WORDS_PER_CALL = 50

# A small built-in default list (FAQ: "a batch of default dirty words"); apps add their own.
DEFAULT_WORDS: tuple[str, ...] = (
    "fuck",
    "shit",
    "cunt",
    "motherfucker",
    "bitch",
    "asshole",
    "法轮功",
    "六四事件",
    "操你妈",
    "傻逼",
    "婊子",
    "强奸",
)


class Matcher:
    def __init__(self, words: Iterable[str]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._out: list[str | None] = [None]
        for word in words:
            self._add(word.casefold())
        self._build()

    def _add(self, word: str) -> None:
        if not word:
            return
        node = 0
        for ch in word:
            nxt = self._goto[node].get(ch)
            if nxt is None:
                nxt = len(self._goto)
                self._goto[node][ch] = nxt
                self._goto.append({})
                self._fail.append(0)
                self._out.append(None)
            node = nxt
        self._out[node] = word

    def _build(self) -> None:
        queue: deque[int] = deque(self._goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, child in self._goto[node].items():
                queue.append(child)
                f = self._fail[node]
                while f and ch not in self._goto[f]:
                    f = self._fail[f]
                target = self._goto[f].get(ch, 0)
                self._fail[child] = target if target != child else 0
                if self._out[child] is None:
                    self._out[child] = self._out[self._fail[child]]

    def find(self, text: str) -> str | None:
        """The first dirty word found in `text`, or None."""
        node = 0
        for ch in text.casefold():
            while node and ch not in self._goto[node]:
                node = self._fail[node]
            node = self._goto[node].get(ch, 0)
            if self._out[node] is not None:
                return self._out[node]
        return None
