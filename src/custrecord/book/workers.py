"""An import's records parsed and validated in worker processes (``jobs``), in file order.

The main process reads the records and sorts their columns (so the first record with an
unknown column still carries its warning), sends them in pieces to a process pool, and
takes the answers back in the order it sent them; matching, codes and writing stay with
it. The workers are new interpreters that import only what admitting needs. A piece
travels compactly, pickled here: each record's values as a tuple, each distinct key set
once per piece; a candidate comes back as tuples of its field values, rebuilt here. The
pool starts only for more than one chunk of records, and is shut down whatever happens:
Ctrl-C reaches only the main process (the workers ignore it), and a worker that dies is a
:class:`~custrecord.errors.WorkerError` after the chunks committed so far.
"""

from __future__ import annotations

import gc
import operator
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any

import attrs

from custrecord.book.admitting import Admitted, Sorted, admit_records, admitted_here
from custrecord.book.register import Admission, Candidate
from custrecord.book.results import ImportOutcome
from custrecord.book.revisions import BookContext
from custrecord.errors import WorkerError
from custrecord.model import Address, Contact, CreditProfile, Customer
from custrecord.permissions import SYSTEM, Actor, Policy
from custrecord.problems import Problem
from custrecord.validation.profiles import Profile

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

__all__ = ["PIECE", "admit_in_workers", "decode_customer", "encode_customer"]

#: Records per task sent to a worker: small enough to keep every worker busy, large enough
#: that a task's own cost is nothing beside its rows'.
PIECE = 500

# -- the wire form of a customer ------------------------------------------------------------


class _Shape:
    """A model class as a tuple of its attributes, in the order its ``__init__`` takes them."""

    def __init__(self, cls: type[Any]) -> None:
        self.cls = cls
        self.names = tuple(a.name for a in attrs.fields(cls) if a.init)
        # A class whose __init__ does not take every attribute by position cannot be rebuilt so.
        assert len(self.names) == len(attrs.fields(cls))
        assert not any(a.kw_only for a in attrs.fields(cls))
        getter = operator.attrgetter(*self.names)
        self.get: Callable[[Any], tuple[Any, ...]] = getter


_CUSTOMER, _ADDRESS, _CONTACT, _CREDIT = (_Shape(c) for c in (Customer, Address, Contact, CreditProfile))
_AT_ADDRESS = _CUSTOMER.names.index("address")
_AT_CONTACTS = _CUSTOMER.names.index("contacts")
_AT_CREDIT = _CUSTOMER.names.index("credit")


def encode_customer(customer: Customer) -> tuple[Any, ...]:
    """``customer`` as nested tuples of plain values, which pickle several times faster than it."""
    values = list(_CUSTOMER.get(customer))
    address, contacts, credit = values[_AT_ADDRESS], values[_AT_CONTACTS], values[_AT_CREDIT]
    if type(address) is Address:
        values[_AT_ADDRESS] = _ADDRESS.get(address)
    if type(credit) is CreditProfile:
        values[_AT_CREDIT] = _CREDIT.get(credit)
    values[_AT_CONTACTS] = tuple(_CONTACT.get(c) if type(c) is Contact else c for c in contacts)
    return tuple(values)


def decode_customer(values: tuple[Any, ...]) -> Customer:
    """The customer :func:`encode_customer` made ``values`` of."""
    fields = list(values)
    address, contacts, credit = fields[_AT_ADDRESS], fields[_AT_CONTACTS], fields[_AT_CREDIT]
    if type(address) is tuple:
        fields[_AT_ADDRESS] = Address(*address)
    if type(credit) is tuple:
        fields[_AT_CREDIT] = CreditProfile(*credit)
    fields[_AT_CONTACTS] = tuple(Contact(*c) if type(c) is tuple else c for c in contacts)
    customer: Customer = Customer(*fields)
    return customer


# -- the worker's side ----------------------------------------------------------------------

#: A piece on the wire: the key sets of its records, and each record as (row, key set or -1
#: for data that is no dict, values or the data, unknown columns first met in it).
Piece = tuple[list[tuple[Any, ...]], list[tuple[int, int, Any, tuple[Problem, ...]]]]
#: An answer on the wire: a refused record's outcome, or a candidate's (customer, problems).
Answer = ImportOutcome | tuple[tuple[Any, ...], tuple[Problem, ...]]

_state: tuple[Profile, Policy, Actor] | None = None


#: What a worker is started with: the profile, the policy, and the actor, None for
#: :data:`~custrecord.permissions.SYSTEM` (known by identity: a pickled copy would be a
#: stranger whose every field is checked against the policy, at nearly twice the cost of a row).
State = tuple[Profile, Policy, Actor | None]


def _sent(profile: Profile, policy: Policy, who: Actor) -> State:
    """What a worker is started with for ``who`` (see :data:`State`)."""
    return profile, policy, None if who is SYSTEM else who


def _start(state: State) -> None:
    """Run in each worker as it starts: remember what admitting needs; leave Ctrl-C to the main process."""
    global _state
    profile, policy, who = state
    _state = (profile, policy, SYSTEM if who is None else who)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The collector never walks what is loaded by now (in a forked worker, the pages it
    # shares with the main process stay shared), and collects the worker's own rows (the
    # main process may have switched collection off for itself).
    gc.freeze()
    gc.enable()


def _admit_piece(piece: bytes, today: date) -> bytes:
    """The answers to a pickled piece, pickled: the main process keeps them as compact bytes
    until it takes them."""
    assert _state is not None, "the worker was not started by admit_in_workers"
    profile, policy, who = _state
    answers: list[Answer] = []
    for decided in admit_records(Admission(profile, policy, who, today), _records(piece)):
        if isinstance(decided, ImportOutcome):
            answers.append(decided)
        else:
            answers.append((encode_customer(decided.customer), decided.problems))
    return pickle.dumps(answers, pickle.HIGHEST_PROTOCOL)


def _records(piece: bytes) -> list[Sorted]:
    """The records :func:`_pack` made ``piece`` of (each record's data an equal copy)."""
    keysets, rows = pickle.loads(piece)
    return [
        (row, dict(zip(keysets[keys], values, strict=True)) if keys >= 0 else values, found)
        for row, keys, values, found in rows
    ]


# -- the main process's side ----------------------------------------------------------------


def _pack(records: Sequence[Sorted]) -> bytes:
    """``records`` pickled compactly, as a :data:`Piece`."""
    keysets: list[tuple[Any, ...]] = []
    index: dict[tuple[Any, ...], int] = {}
    rows: list[tuple[int, int, Any, tuple[Problem, ...]]] = []
    for row, data, found in records:
        if type(data) is dict:
            keys = tuple(data)
            at = index.get(keys)
            if at is None:
                at = index[keys] = len(keysets)
                keysets.append(keys)
            rows.append((row, at, tuple(data.values()), found))
        else:
            rows.append((row, -1, data, found))
    piece: Piece = (keysets, rows)
    return pickle.dumps(piece, pickle.HIGHEST_PROTOCOL)


def _unpack(piece: bytes, answered: bytes) -> Iterator[Admitted]:
    answers: list[Answer] = pickle.loads(answered)
    for (row, data, _), answer in zip(_records(piece), answers, strict=True):
        if isinstance(answer, ImportOutcome):
            yield row, data, answer
        else:
            values, problems = answer
            yield row, data, Candidate(row, decode_customer(values), problems)


#: How workers start where the profile pickles, on every system (the default of macOS and
#: Windows). A started interpreter holds only what admitting needs, in pages of its own: a
#: forked worker would count the main process's heap, grown by then, in its RSS, and copy
#: each page the collector or a reference count touches.
START_METHOD = "spawn"


def _context(state: State) -> BaseContext | None:
    """How to start the workers, or None when they cannot have what admitting needs.

    Workers are started fresh (:data:`START_METHOD`) when the profile pickles; a profile that
    does not (its rules may be closures) reaches only a forked worker, on Linux.
    """
    import multiprocessing  # loaded when a pool starts: ``import custrecord.book`` stays light

    try:
        pickle.dumps(state)
    except (pickle.PicklingError, AttributeError, TypeError):
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            return multiprocessing.get_context("fork")
        return None
    return multiprocessing.get_context(START_METHOD)


def _lost(exc: BaseException) -> WorkerError:
    return WorkerError(
        "a worker process stopped before it answered (killed, or out of memory); the chunks committed "
        "before it are kept: run the import again to resume, with fewer --jobs if memory is short",
        message_zh="某个工作进程意外终止（被结束或内存不足）；此前已提交的批次会保留，重新运行导入即可继续"
        "（内存不足时可减少 --jobs）",
    )


@contextmanager
def admit_in_workers(
    ctx: BookContext, who: Actor, records: Iterable[Sorted], chunk_size: int, jobs: int
) -> Iterator[Iterator[Admitted]]:
    """The records admitted by ``jobs`` worker processes, in order, as :func:`admit_records` would.

    No process starts for records that fit in one chunk, nor when the profile cannot reach a
    worker (a closure where processes are spawned): those are admitted here, as is the first
    chunk while the workers start.
    """
    source = iter(records)
    head = list(islice(source, chunk_size + 1))
    settings = ctx.settings
    state = _sent(settings.profile, settings.policy, who)
    start = _context(state) if len(head) > chunk_size else None
    if start is None:
        yield admitted_here(ctx, who, _then(head, source), chunk_size)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    piece = min(PIECE, chunk_size)
    # Enough in flight to keep the workers busy while a whole chunk is written here.
    ahead = -(-chunk_size // piece) + 2 * jobs
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=start, initializer=_start, initargs=(state,))
    try:
        yield _pooled(ctx, who, pool, (head, source), piece, ahead)
    except BrokenProcessPool as exc:
        raise _lost(exc) from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _then(first: list[Sorted], rest: Iterator[Sorted]) -> Iterator[Sorted]:
    """The records of ``first``, then of ``rest``; each of ``first`` let go as it is taken.

    ``first`` is emptied: held to the end (as by ``chain``), the first chunk's records would
    stay in memory for the whole import.
    """
    first.reverse()
    while first:
        yield first.pop()
    yield from rest


def _pooled(
    ctx: BookContext,
    who: Actor,
    pool: ProcessPoolExecutor,
    records: tuple[list[Sorted], Iterator[Sorted]],
    piece: int,
    ahead: int,
) -> Iterator[Admitted]:
    """The first records (``records[0]``) admitted here, the rest by the workers, in order."""
    from concurrent.futures.process import BrokenProcessPool

    # In flight, a piece is held here only as the bytes sent and, once answered, received:
    # as records and candidates it would take several times the memory.
    pending: deque[tuple[bytes, Future[bytes]]] = deque()

    def answers(sent: bytes, future: Future[bytes]) -> Iterator[Admitted]:
        try:
            return _unpack(sent, future.result())
        except BrokenProcessPool as exc:
            raise _lost(exc) from exc

    head, rest = records

    def send() -> bool:
        batch = list(islice(rest, piece))
        if batch:
            sent = _pack(batch)
            pending.append((sent, pool.submit(_admit_piece, sent, ctx.today())))
        return bool(batch)

    # A new worker takes a while to start (its interpreter imports the package): this
    # process, which would wait for it, admits the first records meanwhile, behind the
    # pieces of the next ones.
    while len(pending) < ahead and send():
        pass
    yield from admitted_here(ctx, who, _then(head, iter(())), len(head))
    while send():
        if len(pending) > ahead:
            yield from answers(*pending.popleft())
    while pending:
        yield from answers(*pending.popleft())
