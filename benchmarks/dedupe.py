"""Duplicate-detection benchmark: synthetic customers with known injected duplicates.

Generates ``--n`` customers (Chinese and Latin companies, some individuals), of
which about a fifth are altered copies of another: a typo in the name, another
legal form, full-width characters, the place moved into brackets, phones in
another format, missing fields. It also adds hard non-duplicates: companies
with the same trade name in another city, and branches. Then it runs the
matcher and prints pairs compared, seconds, precision, recall and F1.

    .venv/bin/python benchmarks/dedupe.py --n 10000
    .venv/bin/python benchmarks/dedupe.py --n 100000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import attrs

from custrecord.identifiers.uscc import calc_check_digit
from custrecord.matching import Matcher
from custrecord.matching.clusters import cluster
from custrecord.model import Address, Contact, Customer, Kind

# (province, city, region code, area code)
CITIES = [
    ("江苏", "苏州", "320500", "0512"), ("江苏", "南京", "320100", "025"), ("江苏", "无锡", "320200", "0510"),
    ("浙江", "杭州", "330100", "0571"), ("浙江", "宁波", "330200", "0574"), ("上海", "上海", "310000", "021"),
    ("北京", "北京", "110000", "010"), ("广东", "深圳", "440300", "0755"), ("广东", "广州", "440100", "020"),
    ("山东", "青岛", "370200", "0532"), ("四川", "成都", "510100", "028"), ("湖北", "武汉", "420100", "027"),
]
TRADE = list("华宏鑫源泰恒丰瑞达盛德昌隆兴嘉博创远航康安晟锦辰新天宇通利佳合信诚明辉金银星光海峰润祥旭彩"
             "凯腾飞扬众联汇亿万美优正品东方南北中云龙凤鹏翔宝永福乐和平志成健益众顺祥云朗晶璟睿智悦启元坤")
INDUSTRY = ["科技", "贸易", "电子", "机械", "实业", "商贸", "信息技术", "网络科技", "建设工程", "食品",
            "医药", "化工", "物流", "纺织", "新材料", "环保科技", "汽车配件", "包装材料", "精密机械", "软件"]
FORMS_ZH = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
_WORDS = ("acme apex north star blue river golden gate pacific summit global united orient silver maple "
         "delta nova prime bright ocean harbor eagle lotus crown royal vista zenith atlas fusion alpine "
         "beacon cedar coastal dragon emerald falcon granite horizon iron jade keystone liberty meridian "
         "neptune oak phoenix quantum redwood sapphire titan urban valley willow evergreen sterling "
         "pioneer heritage frontier cascade summit regal magnolia aurora pinnacle")
WORDS = _WORDS.split()
WORDS_IND = ["trading", "industrial", "electronics", "logistics", "machinery", "textiles", "foods",
             "software"]
FORMS_EN = [("Co., Ltd.", "Company Limited"), ("Ltd", "Limited"), ("LLC", "L.L.C."), ("Inc.", "Incorporated"),
            ("GmbH", "GMBH")]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
                "邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强文斌海燕红梅玉兰")
ROADS = ["星湖街", "人民路", "中山路", "解放路", "建设路", "长江路", "和平路", "新华路", "友谊路", "东环路"]
DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "example.cn", "corp.cn"]


def uscc(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + calc_check_digit(body)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


@attrs.define
class Entity:
    """The truth about one customer, from which records are rendered."""

    latin: bool
    person: bool
    place: tuple[str, str, str, str]
    trade: str
    industry: str
    form: int
    tax: str | None
    mobile: str | None
    landline: str | None
    email: str | None
    contact: str
    street: str
    branch: str | None = None


def new_entity(rng: random.Random, taken: set[tuple[str, str]]) -> Entity:
    """A new customer; company names are unique, as a registry keeps them."""
    place = rng.choice(CITIES)
    latin = rng.random() < 0.15
    person = not latin and rng.random() < 0.05
    while True:
        if latin:
            trade = " ".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3))))
            industry = rng.choice(WORDS_IND)
        else:
            trade = "".join(rng.choice(TRADE) for _ in range(rng.choice((2, 3, 3, 4))))
            industry = rng.choice(INDUSTRY)
        if person or (trade, industry) not in taken:
            taken.add((trade, industry))
            break
    contact = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Entity(
        latin=latin,
        person=person,
        place=place,
        trade=trade if not person else contact,
        industry=industry,
        form=rng.randrange(len(FORMS_EN) if latin else len(FORMS_ZH)),
        tax=uscc(rng, place[2]) if rng.random() < 0.7 and not person else None,
        mobile=f"1{rng.choice('356789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else None,
        landline=f"{place[3]}-{rng.randrange(2 * 10**7, 9 * 10**7)}" if rng.random() < 0.5 else None,
        email=(f"{rng.choice(('sales', 'info', 'cw', 'admin'))}{rng.randrange(10**5)}@{rng.choice(DOMAINS)}"
               if rng.random() < 0.4 else None),
        contact=contact,
        street=f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
    )


def render(e: Entity, rng: random.Random, *, variant: bool) -> Customer:
    """A customer record of ``e``; a variant alters it the way people do."""
    province, city, _, _ = e.place
    trade, form, place_style = e.trade, e.form, rng.randrange(4) if variant else 0
    mobile, landline, email, tax, street = e.mobile, e.landline, e.email, e.tax, e.street
    edits = rng.sample(("typo", "form", "width", "phone", "missing", "missing", "email", "street"),
                       rng.choice((1, 2, 3))) if variant else []
    if "typo" in edits:
        i = rng.randrange(len(trade))
        if e.latin:
            letters = list(trade)
            if letters[i] != " ":
                letters[i] = rng.choice("aeioustr")
            trade = "".join(letters)
        elif not e.person:
            trade = trade[:i] + rng.choice(TRADE) + trade[i + 1:]
    if "form" in edits:
        form = rng.randrange(len(FORMS_EN) if e.latin else len(FORMS_ZH))
    if "missing" in edits:
        drop = rng.choice(("tax", "phones", "email", "place", "street"))
        tax = None if drop == "tax" else tax
        mobile, landline = (None, None) if drop == "phones" and email else (mobile, landline)
        email = None if drop == "email" and (mobile or landline) else email
        place_style = 3 if drop == "place" else place_style
        street = "" if drop == "street" else street
    if e.person:
        name = e.trade
    elif e.latin:
        short, long = FORMS_EN[form]
        name = f"{trade.title()} {e.industry.title()} {rng.choice((short, long)) if variant else short}"
    else:
        core = trade + e.industry
        suffix = FORMS_ZH[form] + (f"{e.branch}分公司" if e.branch else "")
        name = [f"{city}{core}{suffix}", f"{core}({city}){suffix}", f"{province}省{city}市{core}{suffix}",
                f"{core}{suffix}"][place_style]
    if "width" in edits:
        name = fullwidth(name).replace("(", "（").replace(")", "）")
    if "phone" in edits:
        if mobile:
            mobile = rng.choice((f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
                                 f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"+86{mobile}"))
        if landline:
            area, local = landline.split("-")
            landline = rng.choice((f"({area}){local}", f"+86 {area[1:]} {local[:4]} {local[4:]}",
                                   f"{area}{local}"))
    if "email" in edits and email:
        email = email.upper()
    if "street" in edits and street:
        street = " ".join(street)
    contacts = (Contact(name=e.contact, mobile=mobile, phone=landline, email=email),)
    return Customer(
        name=name,
        kind=Kind.INDIVIDUAL if e.person else Kind.ENTERPRISE,
        tax_id=tax,
        address=Address(province=province, city=city, street=street or None),
        contacts=contacts,
        updated_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(600)),
    )


def hard_negative(e: Entity, rng: random.Random, taken: set[tuple[str, str]]) -> Entity:
    """Same trade name in another city, or a branch: a different customer."""
    other = new_entity(rng, taken)
    other.latin, other.person, other.trade, other.industry = e.latin, e.person, e.trade, e.industry
    other.form = rng.randrange(len(FORMS_EN) if e.latin else len(FORMS_ZH))
    if e.person:
        other.tax = None
    if not e.latin and not e.person and rng.random() < 0.3:
        other.place, other.branch = e.place, rng.choice([c[1] for c in CITIES if c[1] != e.place[1]])
        if other.tax is None:
            other.tax = uscc(rng, other.place[2])
    while other.place == e.place and other.branch is None:
        other.place = rng.choice(CITIES)
    return other


def generate(n: int, seed: int) -> tuple[list[Customer], set[tuple[int, int]]]:
    rng = random.Random(seed)
    records: list[Customer] = []
    owners: list[int] = []
    entities: list[Entity] = []
    taken: set[tuple[str, str]] = set()
    while len(records) < n:
        roll = rng.random()
        if entities and roll < 0.2:
            k = rng.randrange(len(entities))
            records.append(render(entities[k], rng, variant=True))
            owners.append(k)
            continue
        if entities and roll < 0.23:
            e = hard_negative(rng.choice(entities), rng, taken)
        else:
            e = new_entity(rng, taken)
        entities.append(e)
        records.append(render(e, rng, variant=False))
        owners.append(len(entities) - 1)
    order = list(range(n))
    rng.shuffle(order)
    records = [records[i] for i in order]
    owners = [owners[i] for i in order]
    by_owner: dict[int, list[int]] = {}
    for i, owner in enumerate(owners):
        by_owner.setdefault(owner, []).append(i)
    truth = {(a, b) for group in by_owner.values() for x, a in enumerate(group) for b in group[x + 1:]}
    return records, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of customers (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--show-errors", type=int, default=0, help="print this many false pairs of each kind")
    args = parser.parse_args(argv)
    records, truth = generate(args.n, args.seed)
    started, cpu = time.perf_counter(), time.process_time()
    matcher = Matcher(threshold=args.threshold)
    matcher.index(records)
    indexed = time.perf_counter()
    matches = matcher.duplicates()
    groups = cluster(matches)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    found = {(m.left, m.right) for m in matches}
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    all_pairs = args.n * (args.n - 1) // 2
    print(f"records            {args.n}")
    print(f"true pairs         {len(truth)}")
    reduction = all_pairs / max(1, matcher.compared)
    print(f"pairs compared     {matcher.compared}  (all pairs {all_pairs}; reduction {reduction:.0f}x)")
    print(f"pairs matched      {len(found)}  in {len(groups)} groups")
    print(f"seconds            {seconds:.2f} wall, {cpu:.2f} CPU  "
          f"(index {indexed - started:.2f}, score+cluster {seconds - (indexed - started):.2f})")
    print(f"precision          {precision:.4f}")
    print(f"recall             {recall:.4f}")
    print(f"F1                 {f1:.4f}")
    if args.show_errors:
        by_pair = {(m.left, m.right): m for m in matches}
        errors = (("false positive", sorted(found - truth)), ("false negative", sorted(truth - found)))
        for label, pairs in errors:
            for i, j in pairs[: args.show_errors]:
                m = by_pair.get((i, j))
                print(f"\n{label}: {records[i].name} | {records[j].name}",
                      f"score={m.score:.3f} {[str(r) for r in m.reasons]}" if m else "")
                for k in (i, j):
                    c = records[k]
                    phones = [(x.mobile, x.phone, x.email) for x in c.contacts]
                    print("   ", c.tax_id, phones, c.address.street)
    return 0 if f1 >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
