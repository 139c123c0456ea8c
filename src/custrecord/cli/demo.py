"""``custrecord demo``: the main job on an embedded SQLite file with the bundled sample.

Import with a row-level error report, the codes given, duplicate candidates,
a few credit checks and the summary report. Running it again reuses the file:
the re-import updates nothing and adds no history (the sample's rows that name
another company under a stored tax ID are name conflicts, kept as they are).
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
from custrecord.cli.jobs import (
    counts_line,
    dedupe_groups,
    print_conflicts,
    print_groups,
    print_report,
    reason_text,
    report_data,
    run_import,
)
from custrecord.cli.messages import column_name, field_name, say, value_name
from custrecord.cli.output import Output, clip
from custrecord.codes import CodeRule
from custrecord.credit import CreditPolicy, Grade
from custrecord.data import sample_path
from custrecord.io.reader import read_rows
from custrecord.matching.clusters import cluster
from custrecord.matching.features import valid_tax_id
from custrecord.matching.matcher import find_duplicates
from custrecord.model import Customer, Status
from custrecord.money import format_amount
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
    lang = args.lang
    started = time.perf_counter()
    db = Path(args.db)
    errors = db.with_name(db.stem + "-errors.csv")
    reused = db.exists()
    out.heading(say(lang, "demo"))
    out.line(say(lang, "demo_database", db=db, state=say(lang, "demo_reused" if reused else "demo_new"),
                 sample=sample_path().name))
    with open_book(db, settings=demo_settings()) as book:
        out.heading(say(lang, "demo_import"))
        counts, invalid, conflicts = run_import(book, str(sample_path()), out=out, errors=str(errors),
                                                lang=lang)
        print_conflicts(out, conflicts, "keep", lang)
        out.line(counts_line(counts, lang))
        problems = [(o.row, p) for o in invalid for p in o.problems if p.is_error]
        out.table(
            say(lang, "demo_first_problems", count=counts["invalid"], path=errors.name),
            [say(lang, c) for c in ("col_row", "col_field", "col_code", "col_message")],
            [(row, field_name(p.path, lang), p.code, clip(p.message_in(lang), 70))
             for row, p in problems[:12]],
        )
        by_code = Counter(p.code for _, p in problems)
        out.table(say(lang, "problems_by_code"), [say(lang, "col_code"), say(lang, "col_count")],
                  sorted(by_code.items(), key=lambda kv: -kv[1]))

        out.heading(say(lang, "demo_codes", rule="{category}{seq:4}"))
        sample = book.find(limit=8, order_by="-created_at")
        out.table(
            say(lang, "latest_customers"),
            [column_name(c, lang) for c in ("code", "name", "category", "credit_grade", "credit_limit")],
            [(c.code, clip(c.name, 24), c.category, c.credit.grade,
              None if c.credit.limit is None else format_amount(c.credit.limit)) for c in sample],
        )

        out.heading(say(lang, "demo_duplicates"))
        _sample_groups(out, lang)
        out.line(say(lang, "demo_stored_groups"))
        print_groups(out, dedupe_groups(book, lang=lang), limit=8, lang=lang)

        out.heading(say(lang, "demo_credit"))
        group = json.loads(sample_path("sample_manifest.json").read_text(encoding="utf-8"))["group"]["code"]
        _credit_checks(book, out, lang, group)
        _group_checks(book, out, lang, group)

        out.heading(say(lang, "demo_report"))
        print_report(out, report_data(book), lang)
    out.line(say(lang, "demo_done", seconds=time.perf_counter() - started, db=db))
    return EXIT_OK


def _sample_groups(out: Output, lang: str) -> None:
    """Duplicates among all the sample's rows, against the groups its manifest planted.

    Most planted twins never both reach the book (one of a pair is refused, or
    names another company under a stored tax ID), so the rows are matched as read.
    """
    manifest = json.loads(sample_path("sample_manifest.json").read_text(encoding="utf-8"))
    planted = {tuple(group) for group in manifest["duplicate_groups"]}
    numbers, records = zip(*read_rows(sample_path()), strict=True)
    matches = find_duplicates(records)
    best = {(m.left, m.right): m for m in matches}
    groups = cluster(matches, exclusive=[valid_tax_id(r) for r in records])
    found = [tuple(numbers[i] for i in group) for group in groups]
    out.line(say(lang, "demo_sample_groups", found=len(planted.intersection(found)), planted=len(planted),
                 extra=len(set(found) - planted)))
    rows = []
    for group, rows_of in zip(groups, found, strict=True):
        pair = max((best[(a, b)] for a in group for b in group if (a, b) in best), key=lambda m: m.score)
        names = " / ".join(clip(str(records[i].get("客户名称") or ""), 18) for i in group)
        reasons = "; ".join(reason_text(r.to_dict(), lang) for r in pair.reasons[:3])
        rows.append((", ".join(map(str, rows_of)), names, f"{pair.score:.2f}",
                     "✓" if rows_of in planted else "", clip(reasons, 60)))
    columns = [say(lang, c) for c in ("col_rows", "col_names", "col_score", "col_planted", "col_reasons")]
    out.table(say(lang, "duplicate_groups", count=len(groups)), columns, rows)


def _credit_checks(book: CustomerBook, out: Output, lang: str, group: str) -> None:
    """Orders of three active customers outside the sample's group, and one of a frozen customer."""
    today = date.today()
    active = [
        c
        for c in book.find(status=Status.ACTIVE, limit=400)
        if c.credit.limit and c.credit.is_valid_on(today) and group not in (c.code, c.parent)
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
                clip(customer.name, 16),
                order,
                format_amount(amount),
                value_name(decision.outcome.value, lang),
                format_amount(decision.available),
                clip(reason, 60),
            )
        )
    columns = [say(lang, f"col_{c}") for c in ("code", "order", "amount", "outcome", "available", "reason")]
    columns.insert(1, column_name("name", lang))
    out.table(say(lang, "orders"), columns, rows)


def _group_checks(book: CustomerBook, out: Output, lang: str, group: str) -> None:
    """One order per member of the sample's group, each 45% of the group limit (under the member's
    own limit): the first two pass and reserve, the third passes the group limit and is blocked."""
    head, *members = book.group(group)
    limit = head.credit.group_limit
    if limit is None or not members:
        return
    amount = (limit * Decimal("0.45")).quantize(Decimal("1"))
    rows = []
    for number, member in enumerate(members, start=1):
        order = f"SO-G{number}"
        decision = book.check_credit(member.code or "", amount, order_ref=order)
        reason = decision.reason_zh if lang == "zh" else decision.reason
        rows.append((member.code, clip(member.name, 16), order, format_amount(amount),
                     value_name(decision.outcome.value, lang), decision.group or "",
                     format_amount(decision.available), clip(reason, 60)))
    columns = [say(lang, f"col_{c}") for c in ("code", "order", "amount", "outcome", "group", "available",
                                                "reason")]
    columns.insert(1, column_name("name", lang))
    out.table(say(lang, "demo_group", code=group, limit=format_amount(limit), members=len(members)), columns,
              rows)
