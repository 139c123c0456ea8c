"""Admitting an import's records (受理): each parsed and validated, with no I/O, in any process.

The first half of an import: what each record is (a candidate, or the outcome that refuses
it) depends on the record, the profile, the policy, the actor and the day only, so it can be
decided in worker processes (:mod:`custrecord.book.workers`) while the main process writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from custrecord.book.register import Admission, Candidate
from custrecord.book.results import ImportOutcome
from custrecord.book.revisions import BookContext
from custrecord.permissions import Actor, PermissionDenied
from custrecord.problems import Problem, ProblemCode, make_problem
from custrecord.storage.batch import chunks

__all__ = ["Admitted", "Sorted", "admit_records", "admitted_here", "denied_outcome"]

#: A record with its columns sorted: its row, its data, and the unknown columns first met in it.
Sorted = tuple[int, Any, tuple[Problem, ...]]
#: A sorted record admitted: its row, its data, and its candidate or the outcome that refused it.
Admitted = tuple[int, Any, "Candidate | ImportOutcome"]


def admitted_here(
    ctx: BookContext, who: Actor, records: Iterable[Sorted], chunk_size: int
) -> Iterator[Admitted]:
    """The records admitted in this process, a chunk at a time (as the chunk is about to be written)."""
    for chunk in chunks(records, chunk_size):
        decided = admit_records(Admission.of(ctx, who), chunk)
        for (row, data, _), outcome in zip(chunk, decided, strict=True):
            yield row, data, outcome


def admit_records(admission: Admission, records: Sequence[Sorted]) -> list[Candidate | ImportOutcome]:
    """Parse and validate each sorted record: its candidate, or the outcome that refuses it. No I/O."""
    lenient = admission.profile.lenient
    out: list[Candidate | ImportOutcome] = []
    for row, data, found in records:
        try:
            candidate = admission.admit(data, row)
        except PermissionDenied as exc:
            out.append(denied_outcome(row, None, exc))
            continue
        if found:
            candidate = attrs.evolve(candidate, problems=(*found, *candidate.problems))
        if not lenient and any(p.is_error for p in candidate.problems):
            out.append(ImportOutcome(row, "invalid", candidate.customer.code, candidate.problems))
        else:
            out.append(candidate)
    return out


def denied_outcome(row: int, code: str | None, exc: PermissionDenied) -> ImportOutcome:
    """The outcome of a row refused because its actor may not do what it asks."""
    problem = make_problem(exc.what or "", ProblemCode.PERMISSION_DENIED, hint=str(exc), hint_zh=str(exc))
    return ImportOutcome(row, "invalid", code, (problem,))
