"""Dirty-word matching: an Aho-Corasick automaton, case-insensitive, linear in the text whatever the list size;
Latin words match whole words only, Chinese ones anywhere. The default list: wordlists/ (see its NOTICE.md)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from pathlib import Path

WORD_MAX_BYTES = 200
WORDS_PER_CALL = 50

# Yuntong's own few words, kept with the packaged lists below.
OWN_WORDS: tuple[str, ...] = (
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
WORDLISTS = Path(__file__).parent / "wordlists"  # en.txt, zh.txt: sources and licenses in wordlists/NOTICE.md
BOUNDARY = "\x01"  # marks where a run of Latin letters or digits starts and ends (never in a word or text)


def _packaged(name: str) -> tuple[str, ...]:
    lines = (WORDLISTS / name).read_text(encoding="utf-8").splitlines()
    return tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))


# The default list every app starts with (the FAQ: "a batch of default dirty words"); apps add their own.
DEFAULT_WORDS: tuple[str, ...] = tuple(dict.fromkeys((*OWN_WORDS, *_packaged("en.txt"), *_packaged("zh.txt"))))


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def bounded(text: str) -> str:
    """`text` case-folded, with BOUNDARY around every run of Latin letters and digits: a word and a text both put
    through it match only on whole Latin words ("ass" is not found in "class") and anywhere for Chinese."""
    out: list[str] = []
    inside = False
    for ch in text.casefold():
        if ch == BOUNDARY:
            continue
        here = _alnum(ch)
        if here != inside:
            out.append(BOUNDARY)
            inside = here
        out.append(ch)
    if inside:
        out.append(BOUNDARY)
    return "".join(out)


class Matcher:
    def __init__(self, words: Iterable[str]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._out: list[str | None] = [None]
        for word in words:
            self._add(bounded(word))
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
        for ch in bounded(text):
            while node and ch not in self._goto[node]:
                node = self._fail[node]
            node = self._goto[node].get(ch, 0)
            found = self._out[node]
            if found is not None:
                return found.replace(BOUNDARY, "")
        return None
