"""``custrecord demo``: the main job on an embedded SQLite file with the bundled sample.

Import with a row-level error report, the codes given, duplicate candidates,
a few credit checks and the summary report. Running it again reuses the file:
the re-import updates nothing that did not change.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from custrecord.book import CustomerBook, open_book
from custrecord.classification.tree import ClassificationTree
from custrecord.cli.exit_codes import EXIT_OK
from custrecord.cli.jobs import dedupe_groups, print_groups, print_report, report_data, run_import
from custrecord.cli.output import Output
from custrecord.codes import CodeRule
from custrecord.credit import CreditPolicy, Grade
from custrecord.data import sample_path
from custrecord.model import Customer, Status
from custrecord.settings import Settings
from custrecord.validation.profiles import DEFAULT

__all__ = ["demo_settings", "run_demo"]


def demo_settings() -> Settings:
    """Settings of the demo: the sample's category and region trees, grades A-D, codes by category."""
    manifest = json.loads(sample_path("sample_manifest.json").read_text(encoding="utf-8"))
    categories = ClassificationTree.from_pairs(manifest["categories"].items(), scheme="2-2")
    regions = ClassificationTree.from_pairs(manifest["regions"].items(), scheme="2-2")
    policy = CreditPolicy(
        grades=[
            Grade("A", limit=Decimal("2000000"), days=60, name="优"),
            Grade("B", limit=Decimal("500000"), days=45, name="良"),
            Grade("C", limit=Decimal("100000"), days=30, name="中"),
            Grade("D", limit=Decimal("0"), days=0, name="差"),
        ],
        tree=categories,
    )
    profile = DEFAULT.evolve(categories=categories, regions=regions, grades=policy.grade_codes)
    return Settings(profile=profile, code_rule=CodeRule("{category}{seq:4}"), credit_policy=policy)


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit code (0: the demo ran, whatever the sample's faults)."""
    out = Output(quiet=args.quiet)
    started = time.perf_counter()
    db = Path(args.db)
    errors = db.with_name(db.stem + "-errors.csv")
    reused = db.exists()
    out.heading("custrecord demo")
    out.line(f"database: {db} ({'reused' if reused else 'new'}); sample: {sample_path().name}")
    with open_book(db, settings=demo_settings()) as book:
        out.heading("1. import with a row-level error report (导入)")
        counts, invalid = run_import(book, str(sample_path()), out=out, errors=str(errors), lang=args.lang)
        out.line(", ".join(f"{n} {action}" for action, n in sorted(counts.items())))
        problems = [(o.row, p) for o in invalid for p in o.problems if p.is_error]
        out.table(
            f"first problems of {counts['invalid']} refused rows (all in {errors.name})",
            ["row", "field", "code", "message"],
            [(row, p.path, p.code, p.message_in(args.lang)) for row, p in problems[:12]],
        )
        by_code = Counter(p.code for _, p in problems)
        out.table("problems by code", ["code", "count"], sorted(by_code.items(), key=lambda kv: -kv[1]))

        out.heading("2. customer codes given by the rule {category}{seq:4} (编码)")
        sample = book.find(limit=8, order_by="-created_at")
        out.table(
            "latest customers",
            ["code", "name", "category", "grade", "limit"],
            [(c.code, c.name, c.category, c.credit.grade, c.credit.limit) for c in sample],
        )

        out.heading("3. duplicate candidates (查重)")
        groups = dedupe_groups(book)
        print_groups(out, groups, limit=8)

        out.heading("4. credit checks before accepting orders (信用检查)")
        _credit_checks(book, out, args.lang)

        out.heading("5. summary report (报表)")
        print_report(out, report_data(book))
    out.line(
        f"done in {time.perf_counter() - started:.1f} s. Try: custrecord report --db {db}; "
        f"custrecord dedupe --db {db}; custrecord export out.xlsx --db {db} --headers zh"
    )
    return EXIT_OK


def _credit_checks(book: CustomerBook, out: Output, lang: str) -> None:
    today = date.today()
    active = [
        c
        for c in book.find(status=Status.ACTIVE, limit=400)
        if c.credit.limit and c.credit.is_valid_on(today)
    ]
    frozen = book.find(status=Status.FROZEN, limit=1)
    cases: list[tuple[Customer, Decimal, str]] = []
    for customer, share in zip(active[:3], (Decimal("0.3"), Decimal("0.95"), Decimal("1.2")), strict=False):
        assert customer.credit.limit is not None
        cases.append(
            (customer, (customer.credit.limit * share).quantize(Decimal("1")), f"SO-{len(cases) + 1}")
        )
    if frozen:
        cases.append((frozen[0], Decimal("1000"), "SO-9"))
    rows = []
    for customer, amount, order in cases:
        decision = book.check_credit(customer.code or "", amount, order_ref=order)
        reason = decision.reason_zh if lang == "zh" else decision.reason
        rows.append(
            (
                customer.code,
                customer.name[:16],
                order,
                amount,
                decision.outcome.value,
                decision.available,
                reason[:60],
            )
        )
    out.table("orders", ["code", "name", "order", "amount", "outcome", "available", "reason"], rows)
