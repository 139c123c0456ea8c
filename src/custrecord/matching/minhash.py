"""MinHash locality-sensitive hashing: texts that share most of their character pairs share a key.

A text is cut into overlapping runs of three characters (``harrington`` ->
``har``, ``arr``, ``rri`` ...). For each of ``bands * rows`` hash functions
the smallest hash over its runs is kept; two texts agree on one of them with
a chance equal to the Jaccard similarity J of their runs. A band key joins
``rows`` of them, so two texts meet in a band with a chance of ``J ** rows``,
and in some band with ``1 - (1 - J ** rows) ** bands``: with 12 bands of 4
rows, 99.8 % for J = 0.8, 81 % for J = 0.6 (a typo in a short name) and 9 %
for J = 0.3. The hashes are deterministic (CRC-32 of the run, then universal
hashing), so the keys are the same in every run.
"""

from __future__ import annotations

import random
import zlib

__all__ = ["MinHasher", "shingles"]

_PRIME = (1 << 61) - 1


def shingles(text: str, size: int = 3) -> set[str]:
    """The overlapping character runs of ``size`` in ``text`` (the text itself when shorter)."""
    if len(text) <= size:
        return {text} if text else set()
    return {text[i:i + size] for i in range(len(text) - size + 1)}


class MinHasher:
    """Band keys of texts: equal keys mean similar texts (see the module docstring)."""

    __slots__ = ("_cache", "_coefficients", "bands", "rows", "size")

    def __init__(self, *, bands: int = 12, rows: int = 4, size: int = 3, seed: int = 16) -> None:
        self.bands = bands
        self.rows = rows
        self.size = size
        rng = random.Random(seed)
        self._coefficients = [(rng.randrange(1, _PRIME), rng.randrange(_PRIME)) for _ in range(bands * rows)]
        self._cache: dict[str, tuple[int, ...]] = {}

    def _hashes(self, shingle: str) -> tuple[int, ...]:
        found = self._cache.get(shingle)
        if found is None:
            x = zlib.crc32(shingle.encode())
            found = tuple((a * x + b) % _PRIME for a, b in self._coefficients)
            self._cache[shingle] = found
        return found

    def keys(self, text: str) -> list[int]:
        """One key per band (an int: band number and that band's minimal hashes); [] for a blank text."""
        parts = shingles(text, self.size)
        if not parts:
            return []
        hashes = [self._hashes(s) for s in parts]
        signature = hashes[0] if len(hashes) == 1 else tuple(map(min, zip(*hashes, strict=True)))
        rows = self.rows
        return [hash((band, *signature[band * rows:(band + 1) * rows])) for band in range(self.bands)]
