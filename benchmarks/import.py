"""Import throughput: ``custrecord import`` into SQLite against validation alone, same file, same run.

    python benchmarks/import.py                 # 100,000 rows
    python benchmarks/import.py --n 1000000     # the issue's full size (takes minutes)

The generated file has about 3 % invalid rows (a wrong USCC check character). Two comparisons:

- CPU (the target): in this process, reading the CSV and validating its rows
  (``validate_rows``, the core of ``custrecord validate`` without starting a CLI or printing a
  report), against the CPU time (user + system) of a ``custrecord import`` child process into
  a fresh SQLite file (start-up, reading, validation, codes, storage, history and outbox).
  Target: import >= 0.5x the validate-only rate. On a shared machine the speed of a core drifts
  by a fifth within minutes, so validation is measured before the import and again after it,
  and the ratio takes both (all rows over all their seconds).
- Wall clock, what a user waits for: ``custrecord import`` against ``custrecord validate`` on the
  same file, both as CLI child processes, start-up and reading included.

Also prints the import's peak RSS (of its child process; target under 300 MB).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path

from custrecord.identifiers import uscc
from custrecord.io.pipeline import validate_rows
from custrecord.io.reader import open_table

HEADERS = [
    "客户名称",
    "客户简称",
    "客户类型",
    "税号",
    "所属行业",
    "省份",
    "城市",
    "地址",
    "邮编",
    "联系人",
    "手机",
    "电子邮箱",
    "信用等级",
    "信用额度",
    "信用期限",
    "标签",
    "优先级",
    "备注",
]
CITIES = [
    ("江苏省", "苏州市", "215000", "320505"),
    ("广东省", "深圳市", "518000", "440305"),
    ("上海市", "上海市", "200000", "310115"),
    ("浙江省", "杭州市", "310000", "330106"),
]
WORDS = ["华", "鑫", "泰", "源", "达", "盛", "恒", "远", "创", "通", "瑞", "丰", "德", "信", "宏", "博"]
TRADES = ["科技", "贸易", "机械", "电子", "物流", "化工", "材料", "医疗"]
ALPHABET = uscc.ALPHABET
MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188"]


def _uscc(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice(ALPHABET[:10]) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def write_csv(path: Path, n: int, seed: int = 7, repeats: float = 0.0) -> None:
    """``n`` realistic rows (about 3 % invalid), Chinese headers, UTF-8 with BOM.

    With ``repeats``, that share of the rows is followed by one of the last 100 rows again (a
    customer the file holds twice, as exports merged by hand do).
    """
    rng = random.Random(seed)
    recent: deque[list[object]] = deque(maxlen=100)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADERS)
        for i in range(n):
            if repeats and recent and rng.random() < repeats:  # no draw by default: the same file
                out.writerow(rng.choice(recent))
                continue
            province, city, postcode, region = rng.choice(CITIES)
            core = "".join(rng.choices(WORDS, k=3)) + str(i)
            name = f"{city[:-1]}{core}{rng.choice(TRADES)}有限公司"
            # Prefixes in use (phonenumbers knows them), so that only the tax IDs below are invalid.
            mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
            tax = _uscc(rng, region)
            if rng.random() < 0.03:
                tax = tax[:-1] + ("0" if tax[-1] != "0" else "1")  # wrong check character
            row: list[object] = [
                name,
                core[:8],
                "企业",
                tax,
                rng.choice(TRADES),
                province,
                city,
                f"{rng.randrange(1, 999)}号",
                postcode,
                "王经理",
                mobile,
                f"sales{i}@example.com",
                rng.choice("ABCD"),
                rng.randrange(1, 200) * 10_000,
                rng.choice([30, 45, 60]),
                rng.choice(["", "VIP", "重点"]),
                rng.randrange(1, 6),
                "",
            ]
            out.writerow(row)
            recent.append(row)


def validate_only(path: Path) -> tuple[int, float]:
    """Rows and CPU seconds of reading and validating ``path``."""
    start = time.process_time()
    rows = 0
    with open_table(path) as table:
        for _ in validate_rows(table):
            rows += 1
    return rows, time.process_time() - start


def _children(pid: int) -> list[int]:
    """The pids of ``pid``'s whole process tree below it (Linux /proc; empty elsewhere)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            text = Path(f"/proc/{parent}/task/{parent}/children").read_text()
        except OSError:
            continue
        kids = [int(k) for k in text.split()]
        found.extend(kids)
        todo.extend(kids)
    return found


def _memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of ``pid`` in MB (PSS shares the pages forked workers still share with their
    parent among them, where RSS counts them in each; 0 without /proc)."""
    rss = pss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


def import_child(
    path: Path, db: str, jobs: int = 1
) -> tuple[float, float, float, float, tuple[float, float], str]:
    """User and system CPU seconds, wall seconds, peak RSS (MB) of the largest process, peak RSS
    and PSS of the whole process tree (the import and its workers, sampled), and the output of
    ``custrecord import``.

    Run in a child process, so that the figures are the import's own.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "custrecord", "import", str(path), "--db", db, "--quiet",
               "--jobs", str(jobs)]
    tree = shared = 0.0
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        while child.poll() is None:
            sizes = [_memory_mb(pid) for pid in (child.pid, *_children(child.pid))]
            tree = max(tree, sum(rss for rss, _ in sizes))
            shared = max(shared, sum(pss for _, pss in sizes))
            time.sleep(0.05)
        out, err = child.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode not in (0, 1):
        raise SystemExit(f"import failed: {err}")
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    # ru_maxrss of children is the largest one's; the sampled sums are the tree's (0 without /proc).
    return user, system, wall, after.ru_maxrss / 1024, (tree, shared), out.strip().splitlines()[-1]


def _server(url: str) -> tuple[str, Callable[[], None]]:
    """A URL of tables of their own on the server ``url``, and how to drop them."""
    from custrecord.storage.sql import SqlStorage

    prefix = f"bench{uuid.uuid4().hex[:8]}_"
    joined = f"{url}{'&' if '?' in url else '?'}table_prefix={prefix}"
    return joined, lambda: SqlStorage(url, table_prefix=prefix).drop()


def scale(sizes: list[int], jobs: int, tmp: Path) -> None:
    """A line per size: how the import's rate grows (it should stay flat)."""
    for n in sizes:
        path = tmp / f"scale{n}.csv"
        write_csv(path, n)
        rows, seconds = validate_only(path)
        user, system, wall, _, tree, _ = import_child(path, str(tmp / f"scale{n}.db"), jobs)
        rate = rows / (wall if jobs > 1 else user + system)
        how = "wall" if jobs > 1 else "CPU"
        print(f"scale {n:>9,} rows: validate {rows / seconds:>8,.0f} rows/s, import {rate:>8,.0f} rows/s "
              f"({how}), ratio {rate / (rows / seconds):.2f}x, tree RSS {tree[0]:.0f} MB "
              f"(PSS {tree[1]:.0f} MB)")
        path.unlink()


def cli_wall(args: list[str]) -> float:
    """Wall seconds of ``custrecord ARGS`` in a child process (exit status 0 or 1: rows refused)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "custrecord", *args], capture_output=True, text=True,
                            check=False)
    if result.returncode not in (0, 1):
        raise SystemExit(f"custrecord {args[0]} failed: {result.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="rows to generate (default 100000)")
    parser.add_argument("--target", type=float, default=0.5, help="minimum import/validate ratio")
    parser.add_argument(
        "--repeats", type=float, default=0.0, help="share of rows that repeat a recent row (default 0)"
    )
    parser.add_argument("--jobs", type=int, default=1,
                        help="import --jobs: worker processes (default 1); above 1 the rate is wall time")
    parser.add_argument("--db", help="import into this server URL (tables of their own, dropped after) "
                                     "instead of a fresh SQLite file; the rate is then wall time")
    parser.add_argument("--scale", nargs="?", const="10000,100000,1000000", metavar="N,N,...",
                        help="also a line per size (default 10k, 100k and 1M rows)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        started = time.perf_counter()
        write_csv(path, args.n, repeats=args.repeats)
        print(
            f"generated {args.n:,} rows ({path.stat().st_size / 2**20:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        rows, first = validate_only(path)
        print(f"validate only (in process, CPU)   : {rows / first:>10,.0f} rows/s  ({first:.1f} s CPU, "
              "read + validate)")
        db, drop = _server(args.db) if args.db else (str(Path(tmp) / "import.db"), lambda: None)
        try:
            user, system, wall, rss, tree, summary = import_child(path, db, args.jobs)
        finally:
            drop()
        cpu = user + system
        by_wall = args.jobs > 1 or args.db is not None
        import_rate = rows / (wall if by_wall else cpu)
        where = "a server" if args.db else "SQLite"
        print(
            f"custrecord import (CLI, {'wall' if by_wall else 'CPU'}){' ' * (5 if by_wall else 6)}: "
            f"{import_rate:>10,.0f} rows/s  (into {where}, --jobs {args.jobs}; {cpu:.1f} s CPU: "
            f"{user:.1f} user + {system:.1f} system; {wall:.1f} s wall; {summary})"
        )
        _, second = validate_only(path)
        validate_rate = 2 * rows / (first + second)
        print(
            f"validate only, again (in process) : {rows / second:>10,.0f} rows/s  ({second:.1f} s CPU); "
            f"both runs {validate_rate:,.0f} rows/s"
        )
        ratio = import_rate / validate_rate
        print(f"ratio import / validate ({'wall/CPU' if by_wall else 'CPU'}){'' if by_wall else ' ' * 5}: "
              f"{ratio:>10.2f}x  (target >= {args.target}x)")
        validate_wall = cli_wall(["validate", str(path)])
        wall_db, wall_drop = _server(args.db) if args.db else (str(Path(tmp) / "wall.db"), lambda: None)
        try:
            import_wall = cli_wall(["import", str(path), "--db", wall_db, "--quiet",
                                    "--jobs", str(args.jobs)])
        finally:
            wall_drop()
        print(
            f"as a user waits (CLI, wall clock) : custrecord import {import_wall:.1f} s, custrecord validate "
            f"{validate_wall:.1f} s: import takes {import_wall / validate_wall:.2f}x as long"
        )
        print(f"import peak RSS, largest process  : {rss:>10.0f} MB")
        print(f"import peak RSS, process tree     : {tree[0]:>10.0f} MB  "
              f"(PSS {tree[1]:.0f} MB; target < 300 MB)")
        if args.scale:
            scale([int(n) for n in args.scale.split(",")], args.jobs, Path(tmp))
        if ratio < args.target or max(rss, tree[1]) >= 300:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
