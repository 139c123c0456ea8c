"""Candidate generation: several blocking passes, their pairs united, never all pairs.

A pair is compared when any pass brings it together:

* **keys** - records sharing an exact key (``kind:value``): the tax ID and the
  organisation code inside it (``tax:``, ``org:``), every phone, e-mail and
  bank account, the name core, its words sorted and its sound
  (``name:``, ``sound:``, see :func:`name_keys`), and the place with the house
  number and street (``addr:``);
* **MinHash** - records whose names (spelt by sound) or streets share most of
  their character pairs (:mod:`~custrecord.matching.minhash`), which typos,
  missing spaces and swapped words leave mostly intact;
* **sorted neighbourhood** - records sorted by several keys (the name, the name
  reversed so that a typo in its first letters still sorts near, the
  postcode or city then the name, the postcode or city then the street),
  each compared with the next :data:`WINDOW` - 1 that share the key's first
  characters.

A block larger than ``max_block`` (``科技``, a switchboard number) says little
and would cost many comparisons, so it is skipped; a tax-ID block that large
still links its records, as a chain. Blocks live in flat integer arrays, so
a million records fit in little memory; the pairs are united record by
record, each counted once.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from itertools import pairwise, repeat

from custrecord.matching.chinese import has_cjk
from custrecord.matching.chinese import sound as spell
from custrecord.matching.features import Features
from custrecord.matching.minhash import MinHasher
from custrecord.matching.normalize import NameParts

__all__ = [
    "DEFAULT_MAX_BLOCK",
    "IDENTITY_KINDS",
    "WINDOW",
    "BlockIndex",
    "Candidates",
    "block_keys",
    "candidates",
    "name_keys",
]

#: Keys shared by more records than this are skipped.
DEFAULT_MAX_BLOCK = 64
#: Sorted neighbourhood: each record is compared with up to this many records after it, less one.
WINDOW = 3
#: A MinHash band shared by more records than this is skipped: near-alike names are common
#: (10 finds every FEBRL pair that 16 did, with a seventh fewer pairs on a million customers).
MINHASH_MAX_BLOCK = 10
#: Sorted neighbourhood: keys share at least this many characters after their place.
MIN_SHARED = 3
#: Key kinds that identify a customer on their own; large blocks of these are chained.
IDENTITY_KINDS = frozenset({"tax", "org"})


def name_keys(name: NameParts) -> frozenset[str]:
    """The ``name:``, ``sound:`` and ``suf:`` keys of a name (what a store indexes for lookups)."""
    compact = name.compact
    if not compact:
        return frozenset()
    keys = {f"name:{compact}"}
    if " " in name.core:
        keys.add("name:" + "".join(sorted(name.core.split(" "))))
    sound = spell(compact)
    if sound != compact:
        keys.add(f"sound:{sound}")
    if len(compact) > 8:
        keys.add(f"suf:{compact[-8:]}")
    return frozenset(keys)


def _place(features: Features) -> str:
    return features.postcode or features.city or ""


def block_keys(features: Features) -> frozenset[str]:
    """Every exact blocking key of one record."""
    keys = set(name_keys(features.name))
    if features.tax_id is not None:
        keys.add(f"tax:{features.tax_id}")
        org = features.organisation
        if org is not None:
            keys.add(f"org:{org}")
    keys.update(f"phone:{p}" for p in features.phones)
    keys.update(f"email:{e}" for e in features.emails)
    if features.bank_account is not None:
        keys.add(f"bank:{features.bank_account}")
    if features.address and features.numbers:
        keys.add(f"addr:{_place(features)}|{features.numbers[0]}|{features.address.replace(' ', '')}")
    return frozenset(keys)


class BlockIndex:
    """Records by exact blocking key, for checking one new record against an indexed set."""

    __slots__ = ("_postings", "max_block", "size")

    def __init__(self, *, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        self.max_block = max_block
        self.size = 0
        self._postings: dict[str, list[int]] = {}

    def add(self, keys: Iterable[str]) -> int:
        """Index one record's keys; return its position."""
        position = self.size
        self.size += 1
        for key in keys:
            self._postings.setdefault(key, []).append(position)
        return position

    def candidates(self, keys: Iterable[str]) -> set[int]:
        """Positions of indexed records sharing a usable key with ``keys``."""
        found: set[int] = set()
        for key in keys:
            members = self._postings.get(key)
            if members is not None and (len(members) <= self.max_block
                                        or key.split(":", 1)[0] in IDENTITY_KINDS):
                found.update(members)
        return found


class Candidates:
    """The blocks of every pass, and the candidate pairs they make.

    ``passes`` counts the pairs each pass proposed (a pair proposed by two
    passes counts in both); ``len()`` is the number of distinct pairs, known
    once :meth:`pairs` has run.
    """

    def __init__(self, size: int, *, split: int | None = None) -> None:
        self.size = size
        #: Records below ``split`` are one file, the others another; only pairs across are made.
        self.split = split
        self._members = array("i")
        self._starts = array("i", [0])
        self.passes: dict[str, int] = {}
        self.compared = 0

    def _pairs_in(self, members: Sequence[int]) -> int:
        if self.split is None:
            return len(members) * (len(members) - 1) // 2
        left = sum(1 for m in members if m < self.split)
        return left * (len(members) - left)

    def add_block(self, name: str, members: Sequence[int]) -> None:
        """Add one block of a pass (at least two members)."""
        pairs = self._pairs_in(members)
        if not pairs:
            return
        self._members.extend(sorted(members))  # pair_arrays reads a block's pairs off its order
        self._starts.append(len(self._members))
        self.passes[name] = self.passes.get(name, 0) + pairs

    def add_pairs(self, name: str, flat: Sequence[int]) -> None:
        """Add blocks of two at once: ``flat`` is ``i0, j0, i1, j1, ...`` (pairs within one file dropped)."""
        split = self.split
        if split is not None:
            flat = [x for k in range(0, len(flat), 2) if (flat[k] < split) != (flat[k + 1] < split)
                    for x in (flat[k], flat[k + 1])]
        if not flat:
            return
        base = len(self._members)
        self._members.extend(flat)
        self._starts.extend(range(base + 2, base + len(flat) + 1, 2))
        self.passes[name] = self.passes.get(name, 0) + len(flat) // 2

    def add_groups(self, name: str, groups: Iterable[list[int]], max_block: int, *,
                   chain: bool = False) -> None:
        """Add groups of records that share a key: small ones as blocks, large identity ones as chains."""
        for members in groups:
            if len(members) < 2:
                continue
            if len(members) <= max_block:
                self.add_block(name, members)
            elif chain:  # equal tax IDs: a chain is enough for clustering and costs n - 1 comparisons
                for a, b in pairwise(members):
                    self.add_block(name, (a, b))

    def pairs(self) -> Iterator[tuple[int, int]]:
        """Every candidate pair ``(i, j)``, ``i < j``, once, ordered by ``i`` then ``j``."""
        return zip(*self.pair_arrays(), strict=True)

    def _lower_ends(self, s: int, e: int) -> tuple[int, int]:
        """For the block at ``members[s:e]`` (sorted): ``(stop, first)``.

        The members before ``stop`` are the lower ends of its pairs; the one at
        ``p`` pairs with ``members[max(p + 1, first):e]``. Across two files
        only a left record (below ``split``) pairs, and only with right ones.
        """
        if self.split is None:
            return e - 1, s
        cut = bisect_left(self._members, self.split, s, e)
        return cut, cut

    def pair_arrays(self) -> tuple[array[int], array[int]]:
        """Every candidate pair once, as arrays ``left`` and ``right`` (``left[k] < right[k]``).

        Ordered by ``left`` then ``right``. Each block's pairs are filed under
        their lower end (counted first, so that they fit one flat array), then
        each record's partners are united and sorted.
        """
        members, starts, size = self._members, self._starts, self.size
        blocks = range(len(starts) - 1)
        count = array("i", bytes(4 * (size + 1)))
        for b in blocks:
            s, e = starts[b], starts[b + 1]
            if e - s == 2:  # most blocks: one pair from the sorted passes
                count[min(members[s], members[s + 1]) + 1] += 1
                continue
            stop, first = self._lower_ends(s, e)
            for p in range(s, stop):
                count[members[p] + 1] += e - max(p + 1, first)
        for i in range(size):
            count[i + 1] += count[i]
        later = array("i", bytes(4 * count[size]))
        fill = array("i", count)
        for b in blocks:
            s, e = starts[b], starts[b + 1]
            if e - s == 2:
                x, y = members[s], members[s + 1]
                low, high = (x, y) if x < y else (y, x)
                later[fill[low]] = high
                fill[low] += 1
                continue
            stop, first = self._lower_ends(s, e)
            for p in range(s, stop):
                m, q = members[p], max(p + 1, first)
                at = fill[m]
                fill[m] = at + e - q
                later[at:at + e - q] = members[q:e]
        left, right = array("i"), array("i")
        for i in range(size):
            first, last = count[i], count[i + 1]
            if last - first == 1:
                if later[first] != i:  # a record twice in one block is no pair
                    left.append(i)
                    right.append(later[first])
            elif first != last:
                partners = set(later[first:last])
                partners.discard(i)
                ordered = sorted(partners)
                right.extend(ordered)
                left.extend(repeat(i, len(ordered)))
        self.compared = len(left)
        return left, right

    def __len__(self) -> int:
        return self.compared


def _key_groups(keys_of: Callable[[Features], Iterable[Hashable]], features: Sequence[Features]
                ) -> Iterable[list[int]]:
    # Most keys belong to one record: an int until a second record shares it saves a list per key.
    groups: dict[Hashable, int | list[int]] = {}
    for i, f in enumerate(features):
        for key in keys_of(f):
            found = groups.get(key)
            if found is None:
                groups[key] = i
            elif isinstance(found, int):
                if found != i:
                    groups[key] = [found, i]
            elif found[-1] != i:
                found.append(i)
    return (g for g in groups.values() if isinstance(g, list))


def _sorted_neighbours(out: Candidates, name: str, keys: Iterable[tuple[str, int, int]], window: int) -> None:
    """Pairs of records whose keys sort less than ``window`` apart and share their first characters.

    ``keys`` are (key, shared, record): the record pairs with the next ones
    that start with the first ``shared`` characters of its key.
    """
    ordered = sorted((k, shared, i) for k, shared, i in keys if k)
    flat = array("i")  # the pairs, added in one go: a block each would cost more than finding them
    for position, (key, shared, i) in enumerate(ordered):
        head = key[:shared]
        for other, _, j in ordered[position + 1:position + window]:
            if not other.startswith(head):
                break
            flat.extend((i, j) if i < j else (j, i))
    out.add_pairs(name, flat)


def _half(text: str) -> int:
    """Half of ``text``, at least :data:`MIN_SHARED` characters.

    One typo leaves either the first or the second half of a key intact, so a
    pass over the keys and one over the keys reversed together meet it.
    """
    return max(MIN_SHARED, len(text) // 2)


_IDENTITY: tuple[tuple[str, Callable[[Features], Iterable[Hashable]]], ...] = (
    ("tax", lambda f: [k for k in (f.tax_id, f.organisation and "org:" + f.organisation) if k]),
    ("phone", lambda f: f.phones),
    ("email", lambda f: f.emails),
    ("bank", lambda f: [f.bank_account] if f.bank_account else []),
)


def _words(f: Features) -> str:
    """The name's words in order (so that swapped words meet), or its sound."""
    core = f.name.core
    return " ".join(sorted(core.split(" "))) if " " in core else f.sound


def _name(f: Features) -> list[str]:
    return [k for k in name_keys(f.name) if not k.startswith("suf:")]


def candidates(features: Sequence[Features], *, split: int | None = None,
               max_block: int = DEFAULT_MAX_BLOCK, window: int = WINDOW) -> Candidates:
    """Run every blocking pass over ``features``; with ``split``, only pairs across the two files."""
    out = Candidates(len(features), split=split)
    for name, keys_of in _IDENTITY:
        out.add_groups(name, _key_groups(keys_of, features), max_block, chain=name == "tax")
    out.add_groups("name", _key_groups(_name, features), max_block)
    names, streets = MinHasher(), MinHasher(seed=61)
    # Chinese names and streets are short and made of few characters, so their runs say
    # little; the keys (sound included) and the sorted passes find their variants.
    out.add_groups("minhash name", _key_groups(
        lambda f: names.keys(f.sound) if f.sound.isascii() and not has_cjk(f.name.core) else (), features),
        min(max_block, MINHASH_MAX_BLOCK))
    out.add_groups("minhash street", _key_groups(
        lambda f: streets.keys(f.address.replace(" ", "")) if f.address.isascii() else (), features),
        min(max_block, MINHASH_MAX_BLOCK))
    words = [_words(f) for f in features]
    _sorted_neighbours(out, "sorted name", ((w, _half(w), i) for i, w in enumerate(words)), window)
    _sorted_neighbours(out, "sorted name reversed", (
        (f.sound[::-1], _half(f.sound), i) for i, f in enumerate(features)), window)
    for label in ("postcode", "city"):
        places = [(f.postcode if label == "postcode" else f.city) or "" for f in features]
        _sorted_neighbours(out, f"sorted {label}+name", (
            (f"{places[i]}|{f.sound}", len(places[i]) + 1 + _half(f.sound), i)
            for i, f in enumerate(features) if places[i] and f.sound), window)
        _sorted_neighbours(out, f"sorted {label}+street", (
            (f"{places[i]}|{f.address.replace(' ', '')}", len(places[i]) + 1 + _half(f.address), i)
            for i, f in enumerate(features) if places[i] and f.address.isascii()), window)
        _sorted_neighbours(out, f"sorted {label}+number", (
            (f"{places[i]}|{f.numbers[0]}|{f.address}",
             len(places[i]) + len(f.numbers[0]) + 2 + MIN_SHARED, i)
            for i, f in enumerate(features) if places[i] and f.numbers and f.address), window)
    return out
