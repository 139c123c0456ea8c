"""Candidate generation by blocking: only records that share a key are compared.

Keys are ``kind:value`` strings:

* ``tax:``, ``org:`` - the tax ID, and the organisation code inside a Chinese one;
* ``phone:``, ``email:`` - every normalised phone and e-mail of every contact;
* ``name:`` - the whole name core (without spaces), and its words sorted for
  Latin names, so that word order does not matter;
* ``pre:`` and ``suf:`` - for cores of :data:`TYPO_MIN` characters or more,
  the first :data:`PREFIX` characters and every way of deleting one of them,
  and the last :data:`PREFIX` characters: two such names one typo apart
  (substitution, insertion or deletion) share a key. Shorter names one typo
  apart are too different to match on the name alone, so they are compared
  only when another key (phone, tax ID, e-mail) brings them together.

A key shared by more than ``max_block`` records (``科技``, a switchboard
number) says little and would cost many comparisons, so it is skipped; a
tax-ID key that large still links its records, as a chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

from custrecord.matching.features import Features
from custrecord.matching.normalize import NameParts

__all__ = [
    "DEFAULT_MAX_BLOCK",
    "IDENTITY_KINDS",
    "PREFIX",
    "TYPO_MIN",
    "BlockIndex",
    "block_keys",
    "name_keys",
]

#: How many leading (and trailing) characters of a name core the typo keys cover.
PREFIX = 8
#: Names shorter than this get no typo keys.
TYPO_MIN = 6
#: Keys shared by more records than this are skipped.
DEFAULT_MAX_BLOCK = 64
#: Key kinds that identify a customer on their own; large blocks of these are chained.
IDENTITY_KINDS = frozenset({"tax", "org"})

def name_keys(name: NameParts) -> frozenset[str]:
    """The ``name:``, ``pre:`` and ``suf:`` keys of a name (what a store indexes for lookups)."""
    compact = name.compact
    if not compact:
        return frozenset()
    keys = {f"name:{compact}"}
    if " " in name.core:
        keys.add("name:" + "".join(sorted(name.core.split(" "))))
    if len(compact) >= TYPO_MIN:
        head = compact[:PREFIX]
        keys.add(f"pre:{head}")
        keys.update(f"pre:{head[:i]}{head[i + 1:]}" for i in range(len(head)))
        if len(compact) > PREFIX:
            keys.add(f"suf:{compact[-PREFIX:]}")
    return frozenset(keys)


def block_keys(features: Features) -> frozenset[str]:
    """Every blocking key of one record."""
    keys = set(name_keys(features.name))
    if features.tax_id is not None:
        keys.add(f"tax:{features.tax_id}")
        org = features.organisation
        if org is not None:
            keys.add(f"org:{org}")
    keys.update(f"phone:{p}" for p in features.phones)
    keys.update(f"email:{e}" for e in features.emails)
    return frozenset(keys)


class BlockIndex:
    """Records by blocking key; yields candidate pairs without comparing all of them."""

    __slots__ = ("_postings", "max_block", "size")

    def __init__(self, *, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.max_block = max_block
        self.size = 0
        self._postings: dict[str, list[int]] = {}

    def add(self, keys: Iterable[str]) -> int:
        """Index one record's keys; return its position."""
        position = self.size
        self.size += 1
        postings = self._postings
        for key in keys:
            found = postings.get(key)
            if found is None:
                postings[key] = [position]
            else:
                found.append(position)
        return position

    def _usable(self, key: str, members: list[int]) -> bool:
        return len(members) <= self.max_block or key.split(":", 1)[0] in IDENTITY_KINDS

    def candidates(self, keys: Iterable[str]) -> set[int]:
        """Positions of indexed records sharing a usable key with ``keys``."""
        found: set[int] = set()
        for key in keys:
            members = self._postings.get(key)
            if members is not None and self._usable(key, members):
                found.update(members)
        return found

    def pairs(self) -> Iterator[tuple[int, int]]:
        """Every candidate pair ``(i, j)`` with ``i < j``, each once."""
        seen: set[int] = set()
        n = self.size
        for key, members in self._postings.items():
            size = len(members)
            if size < 2:
                continue
            if size > self.max_block:
                if key.split(":", 1)[0] not in IDENTITY_KINDS:
                    continue
                # Equal tax IDs: a chain is enough for clustering and costs n - 1 comparisons.
                links: Iterable[tuple[int, int]] = pairwise(members)
            else:
                links = ((members[a], members[b]) for a in range(size) for b in range(a + 1, size))
            for i, j in links:
                code = i * n + j
                if code not in seen:
                    seen.add(code)
                    yield i, j

    def block_sizes(self) -> dict[str, int]:
        """How many keys have blocks of each size class (for tuning and reports)."""
        sizes: dict[str, int] = {}
        for members in self._postings.values():
            n = len(members)
            if n > self.max_block:
                label = "skipped"
            else:
                label = "1" if n == 1 else "2-8" if n <= 8 else f"9-{self.max_block}"
            sizes[label] = sizes.get(label, 0) + 1
        return sizes
