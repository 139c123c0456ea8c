"""An in-memory n-gram index for name-fragment search.

Every name is indexed by its characters and its character pairs (unigrams and
bigrams), which suits Chinese (a two-character fragment is a word) as well as
Latin text. A search takes the shortest posting list among the fragment's
grams and confirms each candidate with a real substring test, so the result is
exact; posting lists are append-only arrays of int ids, and stale entries
(renamed or removed names) are filtered out by that confirmation.
"""

from __future__ import annotations

from array import array

__all__ = ["NgramIndex"]


def _grams(text: str) -> set[str]:
    return set(text) | {text[i : i + 2] for i in range(len(text) - 1)}


class NgramIndex:
    """Maps keys (customer codes) to texts and finds the keys whose text contains a fragment.

    Not thread-safe on its own: the owner serialises access.
    """

    __slots__ = ("_ids", "_keys", "_postings", "_texts")

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._keys: list[str] = []
        self._texts: list[str | None] = []
        self._postings: dict[str, array[int]] = {}

    def __len__(self) -> int:
        return sum(text is not None for text in self._texts)

    def put(self, key: str, text: str) -> None:
        """Index ``text`` (already in search form) under ``key``, replacing its previous text."""
        ident = self._ids.get(key)
        if ident is None:
            ident = self._ids[key] = len(self._keys)
            self._keys.append(key)
            self._texts.append(None)
        old = self._texts[ident]
        if old == text:
            return
        self._texts[ident] = text
        grams = _grams(text) - (_grams(old) if old else set())
        postings = self._postings
        for gram in grams:
            posting = postings.get(gram)
            if posting is None:
                postings[gram] = array("i", (ident,))
            else:
                posting.append(ident)

    def discard(self, key: str) -> None:
        """Forget ``key``'s text; searches no longer find it."""
        ident = self._ids.get(key)
        if ident is not None:
            self._texts[ident] = None

    def text(self, key: str) -> str | None:
        """The text indexed under ``key``, or None."""
        ident = self._ids.get(key)
        return None if ident is None else self._texts[ident]

    def estimate(self, fragment: str) -> int:
        """An upper bound on the hits of ``fragment``: its shortest posting list (cheap)."""
        grams = [fragment] if len(fragment) == 1 else [fragment[i : i + 2] for i in range(len(fragment) - 1)]
        return min(len(self._postings.get(gram, ())) for gram in grams)

    def search(self, fragment: str) -> set[str]:
        """The keys whose text contains ``fragment`` (in search form, non-empty)."""
        grams = [fragment] if len(fragment) == 1 else [fragment[i : i + 2] for i in range(len(fragment) - 1)]
        postings = []
        for gram in grams:
            posting = self._postings.get(gram)
            if posting is None:
                return set()
            postings.append(posting)
        shortest = min(postings, key=len)
        texts, keys = self._texts, self._keys
        found = set()
        for ident in shortest:
            text = texts[ident]
            if text is not None and fragment in text:
                found.add(keys[ident])
        return found
