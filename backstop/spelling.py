"""Safe typo tolerance: a misspelt word is corrected onto a small set of target words, and nothing else.

Only a word that is neither English (pyspellchecker's dictionary) nor a known word is corrected, to
the nearest target (rapidfuzz's Damerau-Levenshtein distance, at most 1, or 2 for words of 8 letters
or more, same first letter): "bladdr" -> "bladder", while "tempo" and "heroic" stay as they are. A
dropped g ("doin", "nothin") is put back when that makes an English word.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def english() -> Any:
    """pyspellchecker's English word list (loaded once, on first use)."""
    from spellchecker import SpellChecker

    return SpellChecker(distance=1).word_frequency


class Speller:
    """Corrects words onto ``targets``; words in ``known`` or in English are left alone."""

    def __init__(self, targets: Iterable[str], known: Iterable[str] = ()) -> None:
        self.english = english()
        self.targets = sorted(w for w in set(targets) if len(w) >= 4)
        self.known = set(known) | set(self.targets)
        self._cache: dict[str, str] = {}

    def correct(self, word: str) -> str:
        if len(word) < 4 or not word.isalpha() or word in self.known or word in self.english:
            return word
        if word not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[word] = self._nearest(word)
        return self._cache[word]

    def _nearest(self, word: str) -> str:
        from rapidfuzz.distance import DamerauLevenshtein

        if word.endswith("in") and word + "g" in self.english:
            return word + "g"  # "doin", "walkin", "nothin"
        limit = 2 if len(word) >= 8 else 1
        best, best_distance = word, limit + 1
        for cand in self.targets:
            if abs(len(cand) - len(word)) > limit or cand[0] != word[0]:
                continue
            distance = DamerauLevenshtein.distance(word, cand, score_cutoff=limit)
            if distance < best_distance:
                best, best_distance = cand, distance
        return best
