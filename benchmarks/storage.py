"""Storage benchmark: bulk add and get, and name-fragment search at scale.

    python benchmarks/storage.py                     # 100k bulk, 1M search
    python benchmarks/storage.py --n 10000 --search-n 100000   # a quick run
    python benchmarks/storage.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Bulk: ``add_many`` then ``get`` of every customer on the in-memory and SQLite
adapters, against raw ``sqlite3`` doing the same work by hand: ``executemany``
of the same rows (serialised with the same ``unstructure`` + JSON, since a raw
program must serialise too) and ``SELECT`` + ``load``; the ratio is adapter
rows/s divided by raw rows/s. Raw figures without serialisation are printed
too, and the adapter's rate without its name indexes. Search: ``find(name_contains=...,
limit=20)`` (a first page in code order) over ``--search-n`` customers, per fragment kind,
milliseconds per query, on SQL stores next to the same query without the gram table.

All times are wall clock (``time.perf_counter``) in this process, one run each: on a busy
machine they move with its load. Generating the customers is not timed for bulk (they are made
first); the search section's "loaded in" includes generating them. Both sides of the bulk ratio
serialise the same way, so the ratio compares storage work.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path

from custrecord import Contact, CreditProfile, Customer, load, unstructure
from custrecord.storage import MemoryStorage, Storage
from custrecord.storage.sql import SqlStorage

_PLACES = ("苏州", "上海", "北京", "深圳", "杭州", "南京", "成都", "武汉", "无锡", "宁波")
_CHARS = "华信恒通宏达天成瑞丰金桥新元东方博远众合中科联创永盛鑫隆嘉禾佳美海纳百川长兴泰安德昌万福祥云龙凤"
_TRADES = ("科技", "贸易", "电子", "机械", "化工", "物流", "软件", "食品", "建材", "医疗器械")
_FORMS = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "商行")
_LATIN = ("Acme", "Global", "Pacific", "Orient", "Nordic", "Silver", "Blue", "River", "Summit", "Delta")
_LATIN_TRADES = ("Trading", "Technology", "Logistics", "Industries", "Electronics", "Foods", "Systems")


def make_customers(n: int, seed: int = 7) -> Iterator[Customer]:
    """``n`` plausible customers with unique codes and tax IDs (deterministic)."""
    rnd = random.Random(seed)
    for i in range(n):
        if rnd.random() < 0.8:
            core = rnd.choice(_CHARS) + rnd.choice(_CHARS)
            name = f"{rnd.choice(_PLACES)}{core}{rnd.choice(_TRADES)}{rnd.choice(_FORMS)}"
        else:
            name = f"{rnd.choice(_LATIN)} {rnd.choice(_LATIN)} {rnd.choice(_LATIN_TRADES)} Co., Ltd."
        yield Customer(
            name=name,
            code=f"C{i:08d}",
            tax_id=f"9132{i:013d}X",
            category=f"0{rnd.randint(1, 4)}0{rnd.randint(1, 9)}",
            region=rnd.choice(("320500", "310000", "110000", "440300")),
            contacts=(Contact(name="张伟", mobile="+8613812345678", email="buyer@example.cn"),),
            credit=CreditProfile(grade="A", limit=Decimal(rnd.randint(0, 10**6)) / 100, days=30),
            tags=frozenset({"VIP"}) if i % 10 == 0 else frozenset(),
            priority=rnd.randint(1, 5),
        )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} rows/s"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def raw_sqlite(path: Path, customers: list[Customer]) -> tuple[float, float, float, float]:
    """(add with serialisation, add of ready rows, get with load, select only) seconds."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE c (code TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)")
    conn.execute("CREATE TABLE d (code TEXT PRIMARY KEY, name TEXT NOT NULL, doc TEXT NOT NULL)")

    def add() -> None:
        rows = [(c.code, c.name, json.dumps(unstructure(c), ensure_ascii=False)) for c in customers]
        with conn:
            conn.executemany("INSERT INTO c VALUES (?, ?, ?)", rows)

    ready = [(c.code, c.name, json.dumps(unstructure(c), ensure_ascii=False)) for c in customers]

    def add_ready() -> None:
        with conn:
            conn.executemany("INSERT INTO d VALUES (?, ?, ?)", ready)

    codes = [c.code for c in customers]

    def get() -> None:
        for code in codes:
            (doc,) = conn.execute("SELECT doc FROM c WHERE code = ?", (code,)).fetchone()
            load(json.loads(doc))

    def select_only() -> None:
        for code in codes:
            conn.execute("SELECT doc FROM c WHERE code = ?", (code,)).fetchone()

    result = (timed(add), timed(add_ready), timed(get), timed(select_only))
    conn.close()
    return result


def _get_each(storage: Storage, codes: list[str]) -> None:
    for code in codes:
        storage.customers.get(code)


def _best(times: list[float]) -> float:
    return min(times)


def bulk(n: int, workdir: Path, repeat: int) -> None:
    print(f"== bulk add and get, {n:,} customers (best of {repeat} runs)")
    customers = list(make_customers(n))
    codes = [c.code or "" for c in customers]
    raw: list[tuple[float, float, float, float]] = []
    adapter_add: list[float] = []
    adapter_get: list[float] = []
    adapter_get_each: list[float] = []
    adapter_bare: list[float] = []
    adapter_no_grams: list[float] = []
    sample = codes[: min(n, 10_000)]
    for run in range(repeat):
        # Interleaved, so that a busy machine slows both sides alike.
        gc.collect()
        raw.append(raw_sqlite(workdir / f"raw{run}.db", customers))
        gc.collect()
        sql = SqlStorage(str(workdir / f"adapter{run}.db"))
        adapter_add.append(timed(partial(sql.customers.add_many, customers)))

        def get_in_one_unit(sql: SqlStorage = sql) -> None:
            with sql.unit_of_work() as uow:
                for code in codes:
                    uow.customers.get(code)

        adapter_get.append(timed(get_in_one_unit))
        adapter_get_each.append(timed(partial(_get_each, sql, sample)))
        sql.close()
        # The same load without the FTS5 name index, then without the gram table too,
        # to show what each index costs.
        bare = SqlStorage(str(workdir / f"bare{run}.db"))
        bare.search.method = "like"  # new names are not indexed
        adapter_bare.append(timed(partial(bare.customers.add_many, customers)))
        bare.close()
        no_grams = SqlStorage(str(workdir / f"nograms{run}.db"))
        no_grams.search.method = "like"
        no_grams.search.index_new = lambda conn, after: None  # type: ignore[method-assign]
        adapter_no_grams.append(timed(partial(no_grams.customers.add_many, customers)))
        no_grams.close()
    raw_add, raw_ready, raw_get, raw_select = (min(column) for column in zip(*raw, strict=True))
    print(f"raw sqlite3    add {rate(n, raw_add)}  (ready rows: {rate(n, raw_ready)})")
    print(f"raw sqlite3    get {rate(n, raw_get)}  (SELECT only: {rate(n, raw_select)})")
    seconds = _best(adapter_add)
    print(
        f"SQLite adapter add {rate(n, seconds)}  = {raw_add / seconds:5.2f}x raw sqlite3 "
        f"({raw_ready / seconds:4.2f}x ready rows)"
    )
    seconds = _best(adapter_bare)
    print(f"  without the FTS5 name index {rate(n, seconds)}  = {raw_add / seconds:5.2f}x raw sqlite3")
    seconds = _best(adapter_no_grams)
    print(f"  and without the gram table  {rate(n, seconds)}  = {raw_add / seconds:5.2f}x raw sqlite3")
    seconds = _best(adapter_get)
    print(
        f"SQLite adapter get {rate(n, seconds)}  = {raw_get / seconds:5.2f}x raw sqlite3 (one unit of work)"
    )
    seconds = _best(adapter_get_each)
    print(f"SQLite adapter get {rate(len(sample), seconds)}  (a transaction per get, {len(sample):,} gets)")

    memory = MemoryStorage()
    seconds = timed(lambda: memory.customers.add_many(customers))
    print(f"memory         add {rate(n, seconds)}  = {raw_add / seconds:5.2f}x raw sqlite3")
    seconds = timed(lambda: [memory.customers.get(code) for code in codes])
    print(f"memory         get {rate(n, seconds)}  = {raw_get / seconds:5.2f}x raw sqlite3")


_FRAGMENTS = {
    "1 char, common (公)": ["公", "技", "华", "o"],
    "1 char, absent": ["霸", "q", "ж"],
    "2 chars, common (科技)": ["科技", "贸易", "公司"],
    "2 chars, rare (core pair)": ["华信", "瑞丰", "嘉禾", "龙凤"],
    "3 chars (core + trade)": ["华信科", "恒通贸", "嘉禾食", "金桥物"],
    "4+ chars (core + trade)": ["华信科技", "恒通贸易", "嘉禾食品", "金桥物流"],
    "5 chars (core + trade + form)": ["华信科技有", "恒通贸易股", "嘉禾食品有", "金桥物流集"],
    "Latin, any case": ["acme", "Nordic Trading", "FOODS"],
    "no match": ["不存在的", "zzz"],
}


def _load(storage: Storage, n: int) -> int:
    loaded = 0
    batch: list[Customer] = []
    for customer in make_customers(n, seed=11):
        batch.append(customer)
        if len(batch) == 50_000:
            loaded += storage.customers.add_many(batch)
            batch = []
    return loaded + storage.customers.add_many(batch)


def _on_server(storage: Storage) -> bool:
    return isinstance(storage, SqlStorage) and storage.dialect != "sqlite"


def search(n: int, storages: dict[str, Callable[[], Storage]], queries: int, keep: bool = False) -> None:
    print(f"\n== name-fragment search, {n:,} customers; find(name_contains=..., limit=20), ms per query")
    for label, make in storages.items():
        storage = make()
        start = time.perf_counter()
        method = getattr(getattr(storage, "search", None), "method", "n-gram index")
        kept = storage.customers.count() if keep and _on_server(storage) else 0
        if kept == n:
            print(f"{label}: {kept:,} customers kept from an earlier run ({method})")
        else:
            if kept:
                storage.drop()
                storage = make()
            loaded = _load(storage, n)
            print(f"{label}: loaded {loaded:,} in {time.perf_counter() - start:.1f} s ({method})")
        search_state = getattr(storage, "search", None)
        for kind, fragments in _FRAGMENTS.items():
            times, hits = [], 0
            bare: list[float] = []
            for i in range(queries):
                fragment = fragments[i % len(fragments)]
                start = time.perf_counter()
                found = storage.customers.find(name_contains=fragment, limit=20)
                times.append((time.perf_counter() - start) * 1000)
                hits += len(found)
                if search_state is not None:
                    # Interleaved: the same query as before the gram table (a busy machine
                    # slows both alike). Only 1-2 character fragments (and MariaDB) use it.
                    search_state._gram_rows = lambda *args: None
                    start = time.perf_counter()
                    storage.customers.find(name_contains=fragment, limit=20)
                    bare.append((time.perf_counter() - start) * 1000)
                    del search_state._gram_rows
            start = time.perf_counter()
            total = storage.customers.count(name_contains=fragments[0])
            count_ms = (time.perf_counter() - start) * 1000
            without = f"  without grams {statistics.median(bare):7.2f} ms" if bare else ""
            print(
                f"  {kind:<30} fastest {min(times):7.2f} median {statistics.median(times):7.2f} ms  p95 "
                f"{sorted(times)[int(len(times) * 0.95) - 1]:7.2f} ms{without}   "
                f"(count of {fragments[0]!r}: {total:,} in {count_ms:.0f} ms)"
            )
        if _on_server(storage) and not keep:
            storage.drop()
        else:
            storage.close()
        del storage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="customers for bulk add/get (default 100000)")
    parser.add_argument(
        "--search-n", type=int, default=1_000_000, help="customers for search (default 1000000)"
    )
    parser.add_argument("--queries", type=int, default=40, help="queries per fragment kind (default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="bulk runs; the best is shown (default 3)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("CUSTRECORD_TEST_POSTGRES_URL"),
        help="also search on this PostgreSQL URL (default: $CUSTRECORD_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--mariadb", default=None, help="also search on this MariaDB URL")
    parser.add_argument(
        "--search-on", default="memory,sqlite,postgresql,mariadb", help="backends to search on (comma list)"
    )
    parser.add_argument(
        "--keep-tables",
        action="store_true",
        help="leave the server stores' bench_ tables after searching, and search tables left by an"
        " earlier run with the same --search-n instead of loading them again (drop them with a last"
        " run without this option)",
    )
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="custrecord-bench-") as tmp:
        workdir = Path(tmp)
        if not args.skip_bulk:
            bulk(args.n, workdir, args.repeat)
        if not args.skip_search:
            wanted = set(args.search_on.split(","))
            storages: dict[str, Callable[[], Storage]] = {}
            if "memory" in wanted:
                storages["memory"] = MemoryStorage
            if "sqlite" in wanted:
                storages["SQLite"] = lambda: SqlStorage(str(workdir / "search.db"))
            if args.postgres and "postgresql" in wanted:
                storages["PostgreSQL"] = lambda: SqlStorage(args.postgres, table_prefix="bench_")
            if args.mariadb and "mariadb" in wanted:
                storages["MariaDB"] = lambda: SqlStorage(args.mariadb, table_prefix="bench_")
            search(args.search_n, storages, args.queries, keep=args.keep_tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
