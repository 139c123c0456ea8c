"""Backup and restore benchmark: records per second and peak memory, at two sizes.

    python benchmarks/backup.py                  # 10k and 100k customers
    python benchmarks/backup.py --n 2000 --n 20000

Each size builds a SQLite store of ``n`` customers, each with its added-history entry
and its outbox event (3n records), then backs it up and restores the file into a new
SQLite store, each in a fresh child process, so the peak resident memory printed
(``ru_maxrss``) is that of the backup or the restore alone. It includes SQLite's page
cache (up to 64 MiB per connection), which fills with the database up to that bound;
``--heap`` prints the peak of Python's own allocations instead (tracemalloc, slower),
where streaming shows as a figure that stays flat from the small size to the large one.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from custrecord.storage.backup import restore_into, write_backup
from custrecord.storage.sql import SqlStorage
from custrecord.storage.values import OutboxEvent, added_entry
from storage import make_customers  # the storage benchmark's customers (this script's folder is on the path)

_CHUNK = 10_000


def build(path: Path, n: int) -> None:
    """A SQLite store of ``n`` customers with one history entry and one event each."""
    storage = SqlStorage(str(path))
    at = datetime(2026, 1, 2, tzinfo=UTC)
    batch = []
    for customer in make_customers(n):
        batch.append(customer)
        if len(batch) == _CHUNK:
            _store(storage, batch, at)
            batch = []
    if batch:
        _store(storage, batch, at)
    storage.close()


def _store(storage: SqlStorage, batch: list, at: datetime) -> None:  # type: ignore[type-arg]
    with storage.unit_of_work() as uow:
        uow.customers.add_many(batch)
        uow.history.append_many(added_entry(c, at=at, actor="导入") for c in batch)
        uow.outbox.append_many(OutboxEvent(type="CustomerRegistered", code=c.code, payload={"actor": "导入"},
                                           created_at=at) for c in batch)


def child(action: str, db: str, file: str, heap: bool) -> None:
    """Run one backup or restore and print seconds and peak memory (KiB) as JSON."""
    storage = SqlStorage(db)
    if heap:
        tracemalloc.start()
    start = time.perf_counter()
    info = write_backup(storage, file) if action == "backup" else restore_into(file, storage)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] // 1024 if heap else _peak_rss_kib()
    storage.close()
    print(json.dumps({"seconds": seconds, "records": info.total, "peak_kib": peak}))


def _peak_rss_kib() -> int:
    """This process's peak resident memory since exec (Linux VmHWM; ru_maxrss elsewhere).

    Linux's ``ru_maxrss`` keeps the parent's peak across fork and exec, so a child started
    by a parent that built a large store would report the parent's figure.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _run(action: str, db: Path, file: Path, heap: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", action, str(db), str(file)] + (["--heap"] if heap else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append",
                        help="customers (repeatable; default 10000, 100000)")
    parser.add_argument("--heap", action="store_true",
                        help="peak of Python allocations (tracemalloc, slower) instead of peak RSS")
    parser.add_argument("--backup-only", action="store_true", help="skip the restore")
    parser.add_argument("--keep", metavar="DIR",
                        help="build the stores in DIR and keep them, reusing one built before")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, heap=args.heap)
        return
    memory = "Python heap" if args.heap else "peak RSS"
    print(f"{'customers':>10} {'step':>8} {'records':>9} {'seconds':>8} {'records/s':>10} {memory:>11} "
          f"{'file':>9}")
    for n in args.n or [10_000, 100_000]:
        with tempfile.TemporaryDirectory() as folder:
            here = Path(args.keep or folder)
            here.mkdir(parents=True, exist_ok=True)
            source, target, file = here / f"source-{n}.db", here / "target.db", here / "b.jsonl.gz"
            target.unlink(missing_ok=True)
            if not source.exists():
                building = here / f"building-{n}.db"
                for stale in here.glob(f"building-{n}.db*"):
                    stale.unlink()
                build(building, n)
                building.rename(source)
            steps = (("backup", source),) if args.backup_only else (("backup", source), ("restore", target))
            for action, db in steps:
                r = _run(action, db, file, args.heap)
                print(f"{n:>10,} {action:>8} {r['records']:>9,.0f} {r['seconds']:>8.1f} "
                      f"{r['records'] / r['seconds']:>10,.0f} {r['peak_kib'] / 1024:>9.1f} MB "
                      f"{file.stat().st_size / 2**20:>6.1f} MB")


if __name__ == "__main__":
    main()
