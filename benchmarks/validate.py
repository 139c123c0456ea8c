"""Validation throughput: custrecord.validate against the bare python-stdnum + phonenumbers calls.

Generates ``--n`` import rows (flat form, as a CSV gives them), about a quarter
of them with mistakes (wrong USCC check character, bad phone, negative limit,
bad postcode, unknown kind), and times, in the same run and on the same values:

- ``custrecord.validate(row)`` with the default profile;
- the bare calls a hand-written importer would make: ``stdnum.cn.uscc.validate``
  on the tax ID, and ``phonenumbers.parse`` / ``is_valid_number`` /
  ``format_number(E164)`` on the mobile.

It reports records/s for both and their ratio, for the mixed rows and for the
typical CN enterprise record (name, USCC, one mobile, address, category). Time
is this process's CPU time, with no file read (the rows are dicts in memory, as a reader
yields them), the two sides alternating in chunks of 250 rows
(best of ``--repeat`` per chunk), so that other load on the machine does not
tilt the ratio. Best of several runs of the same rows flatters anything that
caches by cell value (from the second run on, every value of the chunk is in
it): ``--repeat 1`` times each row once. The exit status is 1 when the
typical-record ratio misses ``--target`` (0.7).
``--profile`` prints a cProfile of custrecord.validate on the typical record.

    .venv/bin/python benchmarks/validate.py
    .venv/bin/python benchmarks/validate.py --n 50000 --repeat 5
    .venv/bin/python benchmarks/validate.py --profile
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import phonenumbers
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

import custrecord
from custrecord.identifiers.uscc import ALPHABET, calc_check_digit

PLACES = [
    ("江苏省", "苏州市", "32", "215000"),
    ("浙江省", "杭州市", "33", "310000"),
    ("上海市", "上海市", "31", "200000"),
    ("北京市", "北京市", "11", "100000"),
    ("广东省", "深圳市", "44", "518000"),
]
TRADES = ["华信", "恒通", "宏达", "天成", "瑞丰", "金桥", "新元", "博远", "众合", "联创"]
INDUSTRIES = ["科技", "贸易", "电子", "机械", "物流", "软件"]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静磊洋艳勇军"
PREFIXES = ["138", "139", "136", "186", "189", "152", "177", "199"]


def make_uscc(rng: random.Random, province: str) -> str:
    head = "91" + province + f"{rng.randrange(10000):04d}" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return head + calc_check_digit(head)


def typical_record(rng: random.Random) -> dict[str, Any]:
    """A clean CN enterprise import row: name, USCC, one mobile, address, category."""
    province, city, code, postcode = rng.choice(PLACES)
    mobile = rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}"
    return {
        "name": f"{city[:2]}{rng.choice(TRADES)}{rng.choice(INDUSTRIES)}有限公司",
        "kind": "企业",
        "tax_id": make_uscc(rng, code),
        "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "contact_mobile": mobile,
        "province": province,
        "city": city,
        "street": f"人民路{rng.randrange(1, 999)}号",
        "postcode": postcode,
        "category": "0101",
    }


def spoil(rng: random.Random, row: dict[str, Any]) -> dict[str, Any]:
    """One of the mistakes people make in import sheets."""
    row = dict(row)
    mistake = rng.randrange(6)
    if mistake == 0:
        tax = row["tax_id"]
        row["tax_id"] = tax[:17] + ("0" if tax[17] != "0" else "1")
    elif mistake == 1:
        row["contact_mobile"] = row["contact_mobile"][:-1]
    elif mistake == 2:
        row["credit_limit"] = "-5000"
    elif mistake == 3:
        row["postcode"] = "2150"
    elif mistake == 4:
        row["kind"] = "合作伙伴"
    else:
        row["tax_id"] = row["tax_id"][:15]
    return row


def mixed_records(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Typical rows in several spellings (spaces, +86, full-width), a quarter of them spoiled."""
    rows = []
    for _ in range(n):
        row = typical_record(rng)
        style = rng.randrange(4)
        if style == 1:
            m = row["contact_mobile"]
            row["contact_mobile"] = f"{m[:3]} {m[3:7]} {m[7:]}"
        elif style == 2:
            row["contact_mobile"] = "+86" + row["contact_mobile"]
            row["credit_limit"] = "500,000.00"
            row["credit_days"] = "30天"
        elif style == 3:
            row["tax_id"] = row["tax_id"].translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
        if rng.random() < 0.25:
            row = spoil(rng, row)
        rows.append(row)
    return rows


def bare(row: dict[str, Any]) -> bool:
    """What a hand-written importer would call: stdnum USCC and phonenumbers, nothing else."""
    ok = True
    try:
        stdnum_uscc.validate(row["tax_id"])
    except StdnumError:
        ok = False
    try:
        number = phonenumbers.parse(row["contact_mobile"], "CN")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ok


def ours(row: dict[str, Any]) -> bool:
    return custrecord.validate(row).ok


def rates(
    first: Callable[[dict[str, Any]], bool],
    second: Callable[[dict[str, Any]], bool],
    rows: Sequence[dict[str, Any]],
    repeat: int,
    chunk: int = 250,
) -> tuple[float, float]:
    """Records/s of each function over ``rows``.

    The rows are timed in chunks, the two functions alternating on each chunk,
    and each chunk counts with its best of ``repeat`` runs: a machine busy with
    other work slows both alike, so the ratio stays meaningful.
    """
    totals = [0.0, 0.0]
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        best = [float("inf"), float("inf")]
        for _ in range(repeat):
            for i, function in enumerate((first, second)):
                began = time.process_time()
                for row in part:
                    function(row)
                best[i] = min(best[i], time.process_time() - began)
        totals[0] += best[0]
        totals[1] += best[1]
    return len(rows) / totals[0], len(rows) / totals[1]


def compare(label: str, rows: Sequence[dict[str, Any]], repeat: int) -> float:
    # Warm caches (imports, phonenumbers metadata, lru caches) outside the timing.
    for row in rows[:200]:
        ours(row)
        bare(row)
    bare_rate, our_rate = rates(bare, ours, rows, repeat)
    ratio = our_rate / bare_rate
    valid = sum(ours(row) for row in rows)
    print(f"{label}: {len(rows)} records, {valid} valid")
    print(f"  bare stdnum + phonenumbers : {bare_rate:12,.0f} records/s")
    print(f"  custrecord.validate        : {our_rate:12,.0f} records/s")
    print(f"  ratio                      : {ratio:12.2f}x")
    return ratio


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="records to validate (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best counts (default 5)")
    parser.add_argument("--seed", type=int, default=20251124)
    parser.add_argument("--target", type=float, default=0.7, help="minimum ratio on the typical record")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the typical case")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be positive")

    rng = random.Random(args.seed)
    mixed = mixed_records(rng, args.n)
    typical = [typical_record(rng) for _ in range(args.n)]
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [ours(row) for row in typical])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return 0
    compare("mixed (valid and invalid, several spellings)", mixed, args.repeat)
    label = "typical CN enterprise record (name, USCC, one mobile, address, category)"
    ratio = compare(label, typical, args.repeat)
    verdict = "meets" if ratio >= args.target else "MISSES"
    print(f"typical-record ratio {ratio:.2f}x {verdict} the target {args.target:.2f}x")
    return 0 if ratio >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
