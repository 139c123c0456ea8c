"""Generate custrecord's bundled sample data (客户档案样例).

Writes into ``src/custrecord/data/`` (or ``--out DIR``):

- ``customers.csv``: about 400 customers in the flat form of SPEC 1, Chinese
  headers, UTF-8 with BOM (as Excel in China saves it);
- ``customers_en.csv``: the same records in the same order, English headers,
  UTF-8 without BOM (``kind`` and ``status`` written in English);
- ``sample_manifest.json``: for each spreadsheet row (header = row 1) the
  injected faults, the errors they must produce, values that normalisation
  must yield, and which rows duplicate which; plus the category and region
  trees the sample uses.

The output is deterministic (``random.Random(2026)``), uses only the standard
library and custrecord, and is checked against ``custrecord.validate`` before
anything is written: every clean row must validate without any problem and
every faulty row must give exactly its expected errors.

Run: ``python scripts/make_sample.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custrecord import validate
from custrecord.fields import FIELDS, OTHER_BANK_ACCOUNTS
from custrecord.identifiers import orgcode, uscc
from custrecord.validation.contact import normalize_phone

SEED = 2026
BASE_ROWS = 380
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "custrecord" / "data"
#: The flat columns, and the JSON list column of further bank accounts.
COLUMNS = (*(f.column for f in FIELDS), OTHER_BANK_ACCOUNTS["en"])
ZH_HEADERS = (*(f.zh for f in FIELDS), OTHER_BANK_ACCOUNTS["zh"])

# -- trees ----------------------------------------------------------------

#: Customer categories on a 2-2 code scheme; customers sit on leaves.
CATEGORIES = {
    "01": "经销商", "0101": "一级经销商", "0102": "二级经销商",
    "02": "直销客户", "0201": "大客户", "0202": "中小企业客户",
    "03": "零售客户", "0301": "个人客户", "0302": "电商客户",
    "04": "海外客户", "0401": "欧洲客户", "0402": "北美客户", "0403": "亚太客户",
}

#: Sales regions on a 2-2 code scheme.
REGIONS = {
    "01": "华北", "0101": "北京", "0102": "天津",
    "02": "华东", "0201": "上海", "0202": "江苏", "0203": "浙江", "0204": "山东", "0205": "安徽",
    "0206": "福建",
    "03": "华南", "0301": "广东",
    "04": "华中", "0401": "湖北", "0402": "湖南", "0403": "河南",
    "05": "西南", "0501": "四川", "0502": "重庆", "0503": "云南",
    "06": "东北", "0601": "辽宁",
    "07": "西北", "0701": "陕西",
    "08": "港澳台", "0801": "香港",
    "09": "海外", "0901": "欧洲", "0902": "北美", "0903": "日本",
}

#: The sales representatives (专管业务员) of each area (the first two digits of a region code).
#: Assigned in turn, without drawing from the random stream, so the rest of the sample stays as it was.
SALES_REPS = {
    "01": ("赵强", "孙丽"), "02": ("王磊", "李静", "周杰"), "03": ("陈明", "黄婷"),
    "04": ("刘洋",), "05": ("杨帆",), "06": ("吴刚",), "07": ("郑爽",),
}

# -- Chinese places -------------------------------------------------------


@dataclass(frozen=True)
class District:
    name: str
    code: str  # GB/T 2260 region code
    since: int  # first year the code existed (python-stdnum's cn/loc data)
    postcode: str


@dataclass(frozen=True)
class City:
    province: str
    city: str
    short: str  # as used in company names
    pinyin: str
    area: str  # telephone area code
    local_digits: int
    region: str  # code in REGIONS
    districts: tuple[District, ...]
    roads: tuple[str, ...]
    weight: int


def _d(name: str, code: str, since: int, postcode: str) -> District:
    return District(name, code, since, postcode)


CITIES: tuple[City, ...] = (
    City("北京市", "北京市", "北京", "beijing", "010", 8, "0101",
         (_d("东城区", "110101", 1950, "100010"), _d("朝阳区", "110105", 1950, "100020"),
          _d("海淀区", "110108", 1950, "100080")),
         ("建国门内大街", "中关村大街", "朝阳北路", "学院路", "东三环中路"), 30),
    City("上海市", "上海市", "上海", "shanghai", "021", 8, "0201",
         (_d("黄浦区", "310101", 1950, "200001"), _d("浦东新区", "310115", 1993, "200120"),
          _d("闵行区", "310112", 1982, "201100")),
         ("南京东路", "张江路", "世纪大道", "虹梅路", "金科路"), 32),
    City("天津市", "天津市", "天津", "tianjin", "022", 8, "0102",
         (_d("和平区", "120101", 1950, "300041"), _d("滨海新区", "120116", 2010, "300450")),
         ("南京路", "第三大街", "黄海路"), 8),
    City("重庆市", "重庆市", "重庆", "chongqing", "023", 8, "0502",
         (_d("渝中区", "500103", 1998, "400010"),),
         ("解放碑民族路", "中山三路", "大坪正街"), 6),
    City("江苏省", "苏州市", "苏州", "suzhou", "0512", 8, "0202",
         (_d("虎丘区", "320505", 2001, "215011"), _d("吴中区", "320506", 2001, "215104"),
          _d("相城区", "320507", 2001, "215131"), _d("姑苏区", "320508", 2013, "215008"),
          _d("昆山市", "320583", 1990, "215300")),
         ("星湖街", "长江路", "东环路", "苏州大道西", "金鸡湖大道", "前进西路"), 34),
    City("江苏省", "南京市", "南京", "nanjing", "025", 8, "0202",
         (_d("玄武区", "320102", 1984, "210018"), _d("鼓楼区", "320106", 1984, "210009")),
         ("中山路", "珠江路", "北京西路", "龙蟠路"), 14),
    City("江苏省", "无锡市", "无锡", "wuxi", "0510", 8, "0202",
         (_d("滨湖区", "320211", 2001, "214072"), _d("梁溪区", "320213", 2016, "214001")),
         ("蠡湖大道", "中山路", "太湖大道"), 10),
    City("浙江省", "杭州市", "杭州", "hangzhou", "0571", 8, "0203",
         (_d("上城区", "330102", 1984, "310002"), _d("西湖区", "330106", 1984, "310013"),
          _d("滨江区", "330108", 1997, "310051")),
         ("文三路", "江南大道", "庆春路", "天目山路", "网商路"), 24),
    City("浙江省", "宁波市", "宁波", "ningbo", "0574", 8, "0203",
         (_d("海曙区", "330203", 1984, "315000"), _d("鄞州区", "330212", 2003, "315100")),
         ("中山西路", "天童南路", "鄞州大道"), 10),
    City("广东省", "深圳市", "深圳", "shenzhen", "0755", 8, "0301",
         (_d("福田区", "440304", 1990, "518048"), _d("南山区", "440305", 1990, "518057"),
          _d("宝安区", "440306", 1993, "518101")),
         ("深南大道", "科技园南路", "福华路", "新安六路", "高新南一道"), 30),
    City("广东省", "广州市", "广州", "guangzhou", "020", 8, "0301",
         (_d("越秀区", "440104", 1984, "510030"), _d("天河区", "440106", 1986, "510620")),
         ("天河路", "环市东路", "中山五路", "体育西路"), 18),
    City("广东省", "佛山市", "佛山", "foshan", "0757", 8, "0301",
         (_d("南海区", "440605", 2003, "528200"), _d("顺德区", "440606", 2003, "528300")),
         ("桂澜路", "大良新城路", "南海大道"), 8),
    City("湖北省", "武汉市", "武汉", "wuhan", "027", 8, "0401",
         (_d("江汉区", "420103", 1984, "430015"), _d("洪山区", "420111", 1984, "430070")),
         ("解放大道", "珞喻路", "光谷大道"), 10),
    City("湖南省", "长沙市", "长沙", "changsha", "0731", 8, "0402",
         (_d("芙蓉区", "430102", 1997, "410011"), _d("岳麓区", "430104", 1997, "410006")),
         ("五一大道", "麓谷大道", "芙蓉中路"), 8),
    City("河南省", "郑州市", "郑州", "zhengzhou", "0371", 8, "0403",
         (_d("中原区", "410102", 1984, "450007"), _d("金水区", "410105", 1984, "450003")),
         ("金水路", "中原中路", "花园路"), 8),
    City("四川省", "成都市", "成都", "chengdu", "028", 8, "0501",
         (_d("锦江区", "510104", 1991, "610021"), _d("武侯区", "510107", 1991, "610041")),
         ("天府大道", "人民南路", "红星路"), 12),
    City("山东省", "青岛市", "青岛", "qingdao", "0532", 8, "0204",
         (_d("市南区", "370202", 1984, "266001"), _d("黄岛区", "370211", 1984, "266400")),
         ("香港中路", "长江中路", "东海西路"), 10),
    City("山东省", "济南市", "济南", "jinan", "0531", 8, "0204",
         (_d("历下区", "370102", 1984, "250011"),),
         ("经十路", "泉城路", "解放路"), 6),
    City("福建省", "厦门市", "厦门", "xiamen", "0592", 7, "0206",
         (_d("思明区", "350203", 1984, "361001"), _d("湖里区", "350206", 1988, "361006")),
         ("湖滨南路", "嘉禾路", "鹭江道"), 8),
    City("安徽省", "合肥市", "合肥", "hefei", "0551", 8, "0205",
         (_d("蜀山区", "340104", 2003, "230031"), _d("包河区", "340111", 2003, "230041")),
         ("长江西路", "黄山路", "徽州大道"), 8),
    City("陕西省", "西安市", "西安", "xian", "029", 8, "0701",
         (_d("碑林区", "610103", 1984, "710001"), _d("雁塔区", "610113", 1984, "710061")),
         ("长安北路", "高新路", "科技路"), 8),
    City("辽宁省", "大连市", "大连", "dalian", "0411", 8, "0601",
         (_d("中山区", "210202", 1984, "116001"),),
         ("人民路", "中山路", "港湾街"), 6),
    City("云南省", "昆明市", "昆明", "kunming", "0871", 8, "0503",
         (_d("五华区", "530102", 1984, "650021"),),
         ("人民中路", "东风西路", "滇池路"), 4),
)

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("邓", "deng"), ("冯", "feng"), ("韩", "han"), ("曹", "cao"), ("沈", "shen"),
    ("顾", "gu"), ("陆", "lu"), ("蒋", "jiang"), ("钱", "qian"),
)
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
    ("建国", "jianguo"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("晓东", "xiaodong"),
    ("文博", "wenbo"), ("子涵", "zihan"), ("雨萱", "yuxuan"), ("浩然", "haoran"), ("佳怡", "jiayi"),
    ("俊杰", "junjie"), ("丽华", "lihua"), ("国平", "guoping"), ("春梅", "chunmei"),
    ("建华", "jianhua"), ("立新", "lixin"), ("思远", "siyuan"), ("欣怡", "xinyi"), ("宇航", "yuhang"),
    ("梓轩", "zixuan"), ("红霞", "hongxia"), ("永刚", "yonggang"), ("亚楠", "yanan"), ("凯", "kai"),
)
CORES = (
    ("恒达", "hengda"), ("华盛", "huasheng"), ("金鼎", "jinding"), ("鑫源", "xinyuan"),
    ("瑞祥", "ruixiang"), ("博远", "boyuan"), ("天成", "tiancheng"), ("宏图", "hongtu"),
    ("永信", "yongxin"), ("联创", "lianchuang"), ("海纳", "haina"), ("信诚", "xincheng"),
    ("新锐", "xinrui"), ("佳禾", "jiahe"), ("东方", "dongfang"), ("明阳", "mingyang"),
    ("盛世", "shengshi"), ("德润", "derun"), ("凯达", "kaida"), ("同创", "tongchuang"),
    ("立信", "lixin"), ("远航", "yuanhang"), ("安泰", "antai"), ("星辰", "xingchen"),
    ("卓越", "zhuoyue"), ("锦程", "jincheng"), ("华康", "huakang"), ("晨光", "chenguang"),
    ("众合", "zhonghe"), ("嘉诚", "jiacheng"), ("汇通", "huitong"), ("宝丰", "baofeng"),
    ("中科", "zhongke"), ("广源", "guangyuan"), ("润泽", "runze"), ("华辰", "huachen"),
    ("金桥", "jinqiao"), ("恒通", "hengtong"), ("利华", "lihua"), ("鼎盛", "dingsheng"),
    ("瀚海", "hanhai"), ("正和", "zhenghe"), ("康达", "kangda"), ("永盛", "yongsheng"),
    ("博瑞", "borui"), ("泰和", "taihe"), ("精诚", "jingcheng"), ("三友", "sanyou"),
    ("顺达", "shunda"), ("启明", "qiming"), ("云帆", "yunfan"), ("天润", "tianrun"),
    ("裕隆", "yulong"), ("金盛", "jinsheng"), ("华信", "huaxin"), ("伟业", "weiye"),
    ("鸿运", "hongyun"), ("创远", "chuangyuan"), ("蓝天", "lantian"), ("绿源", "lvyuan"),
    ("银河", "yinhe"), ("长城", "changcheng"), ("新纪元", "xinjiyuan"), ("和信", "hexin"),
)
INDUSTRIES = (
    ("科技", "tech", "科学研究和技术服务业"),
    ("机械", "jixie", "制造业"),
    ("电子", "dianzi", "制造业"),
    ("贸易", "trading", "批发和零售业"),
    ("实业", "shiye", "制造业"),
    ("精密制造", "jingmi", "制造业"),
    ("物流", "wuliu", "交通运输、仓储和邮政业"),
    ("医疗器械", "yiliao", "制造业"),
    ("新材料", "xincai", "制造业"),
    ("信息技术", "it", "信息传输、软件和信息技术服务业"),
    ("食品", "shipin", "制造业"),
    ("纺织", "fangzhi", "制造业"),
    ("化工", "huagong", "制造业"),
    ("建设工程", "jianshe", "建筑业"),
    ("供应链管理", "scm", "租赁和商务服务业"),
    ("环保科技", "huanbao", "水利、环境和公共设施管理业"),
    ("汽车零部件", "auto", "制造业"),
    ("包装材料", "baozhuang", "制造业"),
    ("电气", "dianqi", "制造业"),
    ("软件", "soft", "信息传输、软件和信息技术服务业"),
    ("商贸", "shangmao", "批发和零售业"),
    ("餐饮管理", "canyin", "住宿和餐饮业"),
    ("建材", "jiancai", "批发和零售业"),
    ("光电", "guangdian", "制造业"),
)
SUFFIXES = (("有限公司", 75), ("股份有限公司", 10), ("有限责任公司", 10), ("集团有限公司", 5))
TITLES = ("总经理", "采购经理", "财务主管", "销售总监", "行政主管", "采购专员", "副总经理", "仓储主管",
          "董事长助理")
BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "浦发银行",
         "中信银行", "兴业银行", "平安银行")
SETTLEMENTS = (("银行转账", 40), ("电汇", 20), ("银行承兑汇票", 15), ("商业承兑汇票", 5), ("支票", 5),
               ("现金", 3), ("", 12))
TERMS = (("月结30天", 30), ("月结60天", 15), ("款到发货", 15), ("货到付款", 10), ("票到60天付款", 5),
         ("预付30%，发货前付清余款", 5), ("", 20))
REMARKS = ("", "", "", "", "", "老客户，2018年开始合作", "需开增值税专用发票", "年度框架协议客户",
           "由华东销售部维护", "送货前请电话预约", "仅接受银行承兑汇票", "发票寄财务部", "2025年新开发客户",
           "对账周期：每月25日", "曾有逾期记录，注意回款")
TAGS = (("", 55), ("VIP", 10), ("重点", 10), ("潜在", 10), ("VIP,重点", 6), ("重点；潜在", 3),
        ("VIP，重点", 3), ("潜在;VIP", 3))
CN_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                      "153", "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182",
                      "183", "185", "186", "187", "188", "189", "191", "198", "199")
#: Homophones and look-alikes that data-entry typos produce.
TYPOS = {"达": "大", "华": "化", "鑫": "新", "盛": "胜", "源": "元", "祥": "翔", "博": "搏", "泰": "太",
         "德": "得", "信": "新", "诚": "成", "锦": "金", "嘉": "佳", "恒": "衡", "瑞": "锐", "鼎": "顶",
         "辉": "晖", "润": "闰", "航": "行", "康": "慷", "裕": "玉", "隆": "龙", "远": "源", "通": "同"}

# -- identifiers (check digits computed here; validation is custrecord's) -

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def ric(region: str, birth: dt.date, serial: int) -> str:
    """A resident identity card number (GB 11643) with its ISO 7064 MOD 11-2 check digit."""
    body = f"{region}{birth:%Y%m%d}{serial:03d}"
    total = sum(int(c) * w for c, w in zip(body, _RIC_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def uscc_for(rng: random.Random, region: str, kind: str = "91") -> str:
    """A unified social credit code registered in ``region``, both check characters right."""
    alphabet = uscc.ALPHABET
    if rng.random() < 0.6:
        # Organisation codes issued since 2015 start with MA.
        body = "MA" + "".join(rng.choice(alphabet) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    org = body + orgcode.calc_check_digit(body)
    first17 = kind + region + org
    return first17 + uscc.calc_check_digit(first17)


def _mod_11_10(digits: str) -> str:
    product = 10
    for c in digits:
        total = (int(c) + product) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


def de_vat(rng: random.Random) -> str:
    body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return "DE" + body + _mod_11_10(body)


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def fr_vat(rng: random.Random) -> str:
    body = str(rng.randint(3, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren = body + _luhn_digit(body)
    key = int(siren + "12") % 97
    return f"FR{key:02d}{siren}"


def gb_vat(rng: random.Random) -> str:
    body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(6))
    total = sum(int(c) * w for c, w in zip(body, (8, 7, 6, 5, 4, 3, 2), strict=True))
    return f"GB{body}{(-total) % 97:02d}"


def us_ein(rng: random.Random) -> str:
    prefix = rng.choice(("04", "13", "20", "26", "27", "33", "36", "45", "46", "77", "94", "95"))
    return f"{prefix}-{rng.randint(1000000, 9999999)}"


def jp_corporate_number(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(12))
    weights = (1, 2) * 6
    total = sum(w * int(c) for w, c in zip(weights, reversed(body), strict=True)) % 9
    return str(9 - total) + body


def iban(country: str, bban: str) -> str:
    """An IBAN with its ISO 13616 MOD 97-10 check digits."""
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def fr_bban(rng: random.Random) -> str:
    bank, branch = rng.randint(10000, 30000), rng.randint(10000, 99999)
    account = rng.randint(10**9, 10**11 - 1)
    key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    return f"{bank:05d}{branch:05d}{account:011d}{key:02d}"


def fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (as a Chinese IME types them)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- records ----------------------------------------------------------------


@dataclass(eq=False)
class Rec:
    """One generated record and what the fault and duplicate steps need to know of it."""

    row: dict[str, str]
    country: str
    kind: str  # enterprise | individual
    city: City | None = None
    parts: tuple[str, ...] = ()  # company name parts: place, core, industry, suffix, bracketed?
    faults: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    dup_of: Rec | None = None
    variations: list[str] = field(default_factory=list)


def weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


class Maker:
    """Builds the records with one seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.tax_ids: set[str] = set()

    # ---- people and contacts
    def person(self) -> tuple[str, str, str]:
        """(name, surname pinyin, given pinyin)."""
        (sur, sur_py), (giv, giv_py) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN)
        return sur + giv, sur_py, giv_py

    def cn_mobile(self) -> str:
        while True:
            number = self.rng.choice(CN_MOBILE_PREFIXES) + f"{self.rng.randint(0, 99999999):08d}"
            if normalize_phone(number, "CN"):
                return number

    def cn_landline(self, city: City) -> str:
        while True:
            first = self.rng.choice("2345678")
            local = first + "".join(self.rng.choice("0123456789") for _ in range(city.local_digits - 1))
            number = f"{city.area}-{local}"
            if normalize_phone(number, "CN"):
                break
        roll = self.rng.random()
        if roll < 0.1:
            return f"{number}转{self.rng.randint(800, 899)}"
        if roll < 0.15:
            return f"{number}-{self.rng.randint(100, 999)}"
        if roll < 0.25:
            return f"({city.area}){local}"
        return number

    def email(self, sur_py: str, giv_py: str, domain: str | None) -> str:
        rng = self.rng
        roll = rng.random()
        if domain and roll < 0.55:
            local = rng.choice((f"{sur_py}{giv_py}", f"{giv_py}.{sur_py}", f"{sur_py}.{giv_py[0]}",
                                "sales", "purchase", "finance", "info"))
            return f"{local}@{domain}"
        if roll < 0.8:
            return f"{rng.randint(10000000, 3999999999)}@qq.com"
        return f"{sur_py}{giv_py}{rng.randint(70, 99)}@{rng.choice(('163.com', '126.com', 'sina.com'))}"

    # ---- money and dates
    def credit(self, row: dict[str, str], *, individual: bool = False, currency: str = "") -> None:
        rng = self.rng
        grade = weighted(rng, (("A", 25), ("B", 40), ("C", 25), ("D", 10)))
        if individual:
            grade = rng.choice("CD")
        base = {"A": 2_000_000, "B": 500_000, "C": 100_000, "D": 0}[grade]
        if individual:
            base = 20_000 if grade == "C" else 0
        amount = rng.randint(1, 10) * base // 5
        if currency == "JPY":
            amount *= 20  # about the same money in yen
        if grade == "D" and rng.random() < 0.5:
            limit = ""
        elif not currency and amount >= 100_000 and amount % 10_000 == 0 and rng.random() < 0.2:
            # 万 (ten thousand) is how amounts in yuan are often written.
            limit = f"{amount // 10_000}万"
        elif rng.random() < 0.3:
            limit = f"{amount:,}.00"
        else:
            limit = str(amount)
        start = dt.date(rng.choice((2025, 2025, 2026)), rng.choice((1, 1, 4, 7)), 1)
        until = dt.date(start.year + rng.choice((1, 2)), start.month, 1) - dt.timedelta(days=1)
        style = rng.random()
        row.update(
            credit_grade=grade,
            credit_limit=limit,
            credit_currency=currency or rng.choice(("CNY", "CNY", "CNY", "")),
            credit_days="" if grade == "D" else rng.choice(("30", "30", "45", "60", "90", "60天")),
            credit_valid_from=self.day(start, style),
            credit_valid_until=self.day(until, style),
        )

    @staticmethod
    def day(value: dt.date, style: float) -> str:
        if style < 0.7:
            return value.isoformat()
        if style < 0.9:
            return f"{value.year}/{value.month}/{value.day}"
        return f"{value.year}年{value.month}月{value.day}日"

    def extras(self, row: dict[str, str]) -> None:
        rng = self.rng
        row.update(
            settlement_method=weighted(rng, SETTLEMENTS),
            payment_terms=weighted(rng, TERMS),
            tags=weighted(rng, TAGS),
            priority=rng.choice(("1", "2", "3", "3", "3", "4", "5", "")),
            status=weighted(rng, (("正常", 90), ("冻结", 3), ("停用", 3), ("待审核", 4))),
            remarks=rng.choice(REMARKS),
        )

    @staticmethod
    def trading(row: dict[str, str], city: City, district: District, n: int) -> None:
        """Ship-to address, a second (foreign-currency) bank account, price level and party role for some
        enterprises, chosen by their number ``n``: no draw from the random stream, so the rest of the sample
        stays as it was."""
        if n % 4 == 0:
            road = city.roads[n % len(city.roads)]
            row.update(shipping_province=city.province, shipping_city=city.city,
                       shipping_district=district.name, shipping_postcode=district.postcode,
                       shipping_street=f"{road}{n * 7 % 900 + 1}号{n % 9 + 1}号仓库")
        if n % 7 == 0:
            digits = "".join(ch for ch in row["bank_account"] if ch.isdigit())
            second = {"bank_name": f"中国银行{city.short}分行", "branch": f"{district.name}支行",
                      "account": "6217" + digits[::-1][:15], "currency": "USD", "default": True}
            row["other_bank_accounts"] = json.dumps([second], ensure_ascii=False)
        if n % 3 == 0:
            row["price_level"] = ("一级批发价", "二级批发价", "零售价")[n // 3 % 3]
            row["currency"] = "人民币"
        if n % 11 == 0:
            row["roles"] = "客户及供应商"

    def street(self, city: City) -> str:
        rng = self.rng
        street = f"{rng.choice(city.roads)}{rng.randint(1, 999)}号"
        roll = rng.random()
        if roll < 0.4:
            street += f"{rng.randint(1, 30)}幢{rng.randint(1, 25)}{rng.randint(1, 20):02d}室"
        elif roll < 0.6:
            building = rng.choice(("科技大厦", "国际大厦", "创意产业园", "工业园", "商务中心"))
            street += f"{building}{rng.randint(2, 28)}楼"
        return street

    def cn_bank(self, city: City) -> tuple[str, str]:
        rng = self.rng
        bank = f"{rng.choice(BANKS)}{city.short}{rng.choice(('分行', '分行营业部', '支行', '高新区支行'))}"
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((16, 17, 19))))
        digits = str(rng.randint(1, 9)) + digits[1:]
        if rng.random() < 0.25:
            digits = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
        return bank, digits

    # ---- CN enterprise
    def company_name(self, city: City) -> tuple[str, tuple[str, ...]]:
        rng = self.rng
        while True:
            core, core_py = rng.choice(CORES)
            industry = rng.choice(INDUSTRIES)
            suffix = weighted(rng, SUFFIXES)
            roll = rng.random()
            if roll < 0.7:
                place, bracketed = city.short, ""
            elif roll < 0.85:
                place, bracketed = city.province.removesuffix("省").removesuffix("市"), ""
            else:
                place, bracketed = city.short, "1"
            name = (f"{core}{industry[0]}({place}){suffix}" if bracketed
                    else f"{place}{core}{industry[0]}{suffix}")
            if name not in self.names:
                self.names.add(name)
                return name, (place, core, industry[0], suffix, bracketed, core_py, industry[1])

    def enterprise(self) -> Rec:
        rng = self.rng
        city = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
        district = rng.choice(city.districts)
        name, parts = self.company_name(city)
        industry = next(i for i in INDUSTRIES if i[0] == parts[2])
        while True:
            city_code = city.districts[0].code[:4] + "00"
            tax_id = uscc_for(rng, rng.choice((district.code, district.code, city_code)))
            if tax_id not in self.tax_ids:
                self.tax_ids.add(tax_id)
                break
        contact, sur_py, giv_py = self.person()
        domain = rng.choice((f"{parts[5]}{parts[6]}.com", f"{parts[5]}-{parts[6]}.com.cn",
                             f"{city.pinyin}{parts[5]}.com", None))
        bank, account = self.cn_bank(city)
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            name=name,
            short_name=parts[1] + parts[2] if rng.random() < 0.8 else parts[0] + parts[1],
            kind="企业",
            country="CN",
            tax_id=tax_id,
            industry=industry[2] if rng.random() < 0.85 else "",
            province=city.province,
            city=city.city,
            district=district.name,
            street=self.street(city),
            postcode=district.postcode,
            contact_name=contact,
            contact_title=rng.choice(TITLES),
            contact_phone=self.cn_landline(city) if rng.random() < 0.8 else "",
            contact_mobile=self.cn_mobile() if rng.random() < 0.85 else "",
            contact_email=self.email(sur_py, giv_py, domain) if rng.random() < 0.8 else "",
            bank_name=bank,
            bank_account=account,
            legal_representative=self.person()[0],
            region=city.region,
        )
        area = city.region[:2]
        reps = SALES_REPS[area]
        row["owner"] = reps[len(self.names) % len(reps)]
        row["department"] = f"{REGIONS[area]}销售部"
        self.trading(row, city, district, len(self.names))
        self.credit(row)
        row["category"] = {"A": rng.choice(("0201", "0101")), "B": rng.choice(("0101", "0102", "0202")),
                           "C": rng.choice(("0102", "0202", "0302")), "D": rng.choice(("0202", "0302"))}[
            row["credit_grade"]]
        self.extras(row)
        return Rec(row=row, country="CN", kind="enterprise", city=city, parts=parts)

    # ---- CN individual
    def individual(self) -> Rec:
        rng = self.rng
        city = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
        district = rng.choice(city.districts)
        born_in = district if rng.random() < 0.7 else rng.choice(rng.choice(CITIES).districts)
        while born_in.since > 1995:
            born_in = rng.choice(rng.choice(CITIES).districts)
        while True:
            name, sur_py, giv_py = self.person()
            if name not in self.names:
                self.names.add(name)
                break
        birth = dt.date(rng.randint(max(1965, born_in.since), 2003), rng.randint(1, 12), rng.randint(1, 28))
        tax_id = ric(born_in.code, birth, rng.randint(1, 999))
        self.tax_ids.add(tax_id)
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            name=name,
            short_name=name,
            kind="个人",
            country="CN",
            tax_id=tax_id,
            category="0301",
            region=city.region,
            province=city.province,
            city=city.city,
            district=district.name,
            street=self.street(city),
            postcode=district.postcode,
            contact_name=name,
            contact_mobile=self.cn_mobile(),
            contact_email=self.email(sur_py, giv_py, None) if rng.random() < 0.5 else "",
            bank_name=f"{rng.choice(BANKS)}{city.short}支行" if rng.random() < 0.5 else "",
        )
        if row["bank_name"]:
            row["bank_account"] = "6222" + "".join(rng.choice("0123456789") for _ in range(15))
        self.credit(row, individual=True)
        self.extras(row)
        row["settlement_method"] = rng.choice(("现金", "微信支付", "支付宝", "银行转账"))
        row["payment_terms"] = rng.choice(("款到发货", "货到付款", ""))
        return Rec(row=row, country="CN", kind="individual", city=city)

    # ---- international
    def foreign(self, country: str) -> Rec:
        rng = self.rng
        spec = FOREIGN[country]
        name = rng.choice([n for n in spec.names if n not in self.names])
        self.names.add(name)
        place = rng.choice(spec.places)
        contact, email_local = rng.choice(spec.people)
        while True:
            phone = fill(rng, rng.choice(place.phones))
            if normalize_phone(phone, country):
                break
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            name=name,
            short_name=short_name(name),
            kind="企业",
            country=country,
            tax_id=spec.tax_id(rng),
            category=spec.category,
            region=spec.region,
            industry=rng.choice(("制造业", "批发和零售业", "信息传输、软件和信息技术服务业")),
            province=place.province,
            city=place.city,
            district=place.district,
            street=fill(rng, rng.choice(place.streets)),
            postcode=place.postcode,
            contact_name=contact,
            contact_title=rng.choice(spec.titles),
            contact_phone=phone,
            contact_email=f"{email_local}@{spec.domain or domain(name)}",
            bank_name=rng.choice(spec.banks),
            bank_account=spec.account(rng),
        )
        self.credit(row, currency=spec.currency)
        self.extras(row)
        row["settlement_method"] = rng.choice(("电汇", "信用证", "T/T"))
        row["payment_terms"] = rng.choice(("Net 30", "Net 60", "预付30%，见提单副本付余款", "L/C at sight"))
        row["remarks"] = rng.choice(("", "", "外币结算", "报关资料由客户提供", "英文发票"))
        return Rec(row=row, country=country, kind="enterprise")


def fill(rng: random.Random, template: str) -> str:
    """``template`` with each ``#`` replaced by a random digit and each ``%`` by one of 2-9."""
    return "".join(
        str(rng.randint(0, 9)) if c == "#" else str(rng.randint(2, 9)) if c == "%" else c for c in template
    )


_ASCII = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", "é": "e", "è": "e"})


def domain(name: str) -> str:
    """A plausible web domain for a company name (``Müller GmbH`` -> ``mueller.com``)."""
    word = "".join(c for c in name.split()[0].lower().translate(_ASCII) if c.isascii() and c.isalnum())
    return f"{word}.com"


def short_name(name: str) -> str:
    if name.isascii() or " " in name:
        return name.split()[0]
    for affix in ("株式会社", "香港", "有限公司", "工業", "実業"):
        name = name.replace(affix, "")
    return name[:4]


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    postcode: str
    streets: tuple[str, ...]  # templates for fill()
    phones: tuple[str, ...]  # templates for fill()
    district: str = ""


@dataclass(frozen=True)
class Country:
    names: tuple[str, ...]
    places: tuple[Place, ...]
    people: tuple[tuple[str, str], ...]  # (name, e-mail local part)
    titles: tuple[str, ...]
    banks: tuple[str, ...]
    account: Callable[[random.Random], str]
    tax_id: Callable[[random.Random], str]
    currency: str
    category: str
    region: str
    domain: str = ""


FOREIGN: dict[str, Country] = {
    "DE": Country(
        names=("Müller Maschinenbau GmbH", "Schneider Elektrotechnik GmbH & Co. KG", "Becker Logistik AG",
               "Hoffmann Präzisionsteile GmbH", "Wagner Industriebedarf GmbH", "Fischer Antriebstechnik AG",
               "Weber Kunststofftechnik GmbH", "Schulz Handelsgesellschaft mbH"),
        places=(
            Place("Bayern", "München", "80807", ("Leopoldstraße 1#", "Frankfurter Ring %#"),
                  ("+49 89 %######", "089 %#######")),
            Place("Hessen", "Frankfurt am Main", "60327", ("Mainzer Landstraße %#", "Hanauer Landstraße 1%#"),
                  ("+49 69 %#######",)),
            Place("Baden-Württemberg", "Stuttgart", "70173", ("Königstraße %", "Heilbronner Straße 1#"),
                  ("0711 %######",)),
        ),
        people=(("Thomas Müller", "t.mueller"), ("Anna Schmidt", "a.schmidt"), ("Markus Weber", "m.weber"),
                ("Julia Becker", "julia.becker")),
        titles=("Einkaufsleiter", "Geschäftsführer", "Purchasing Manager"),
        banks=("Deutsche Bank AG", "Commerzbank AG", "Bayerische Landesbank"),
        account=lambda r: iban("DE", fill(r, "%#######") + fill(r, "##########")),
        tax_id=de_vat, currency="EUR", category="0401", region="0901",
    ),
    "FR": Country(
        names=("Dubois Industrie SAS", "Laurent Distribution SARL", "Moreau Équipements SA",
               "Lefèvre Composants SAS", "Girard Emballages SARL", "Bernard Technologies SAS"),
        places=(
            Place("Île-de-France", "Paris", "75008",
                  ("%# rue du Faubourg Saint-Honoré", "% avenue de l'Opéra"),
                  ("+33 1 4% ## ## ##", "01 5% ## ## ##")),
            Place("Auvergne-Rhône-Alpes", "Lyon", "69002", ("%# rue de la République", "% quai Perrache"),
                  ("04 7% ## ## ##",)),
        ),
        people=(("Pierre Dubois", "p.dubois"), ("Marie Laurent", "marie.laurent"),
                ("Nicolas Martin", "n.martin")),
        titles=("Directeur des achats", "Responsable logistique", "Gérant"),
        banks=("BNP Paribas", "Société Générale", "Crédit Agricole"),
        account=lambda r: iban("FR", fr_bban(r)),
        tax_id=fr_vat, currency="EUR", category="0401", region="0901",
    ),
    "GB": Country(
        names=("Thompson Engineering Ltd", "Clarke & Sons Trading Limited", "Harrison Components Ltd",
               "Whitfield Packaging Limited", "Bennett Scientific Ltd", "Ashworth Imports Ltd"),
        places=(
            Place("England", "London", "EC2A 4NE", ("%# Great Eastern Street", "% Curtain Road"),
                  ("020 7946 0###", "+44 20 7946 0###")),
            Place("England", "Manchester", "M1 1AE", ("%# Piccadilly", "% Portland Street"),
                  ("+44 161 496 0###",)),
            Place("England", "Birmingham", "B1 1BB", ("%# Broad Street", "% Colmore Row"),
                  ("0121 496 0###",)),
        ),
        people=(("James Thompson", "james.thompson"), ("Sarah Clarke", "s.clarke"),
                ("Oliver Harris", "oliver")),
        titles=("Procurement Manager", "Director", "Buyer"),
        banks=("Barclays Bank PLC", "HSBC UK Bank plc", "Lloyds Bank plc"),
        account=lambda r: iban("GB", r.choice(("BARC", "HBUK", "LOYD")) + fill(r, "%#####%#######")),
        tax_id=gb_vat, currency="GBP", category="0401", region="0901",
    ),
    "US": Country(
        names=("Pacific Trading Inc.", "Summit Industrial Supply LLC", "Redwood Electronics Corp.",
               "Lakeside Packaging Inc.", "Bayview Medical Devices LLC", "Keystone Tooling Inc.",
               "Silverline Logistics LLC", "Northgate Components Inc."),
        places=(
            Place("CA", "San Jose", "95112", ("%#00 N 1st St", "%#50 Zanker Rd"), ("(408) %##-####",)),
            Place("TX", "Houston", "77002", ("%#10 Main St", "%#0 Travis St"), ("+1 713-%##-####",)),
            Place("IL", "Chicago", "60606-1234", ("%#5 W Wacker Dr", "%#1 S Wells St, Suite 400"),
                  ("312.%##.####",)),
        ),
        people=(("John Miller", "jmiller"), ("Emily Johnson", "emily.johnson"), ("Michael Brown", "mbrown"),
                ("Jessica Davis", "jdavis")),
        titles=("Purchasing Manager", "VP Operations", "Buyer"),
        banks=("JPMorgan Chase Bank, N.A.", "Bank of America, N.A.", "Wells Fargo Bank, N.A."),
        account=lambda r: fill(r, "%###########"),
        tax_id=us_ein, currency="USD", category="0402", region="0902",
    ),
    "HK": Country(
        names=("香港恒通贸易有限公司", "Everbright Trading (HK) Limited", "香港万利达实业有限公司",
               "Harbour Sourcing Limited", "香港联兴电子有限公司", "Kowloon Pacific Industrial Limited"),
        places=(
            Place("香港特别行政区", "香港", "", ("开源道%#号%楼", "巧明街1#号1%楼"),
                  ("+852 2### ####", "3### ####"),
                  district="观塘区"),
            Place("香港特别行政区", "香港", "", ("告士打道1#号2%楼", "港湾道%#号%楼"), ("2%## ####",),
                  district="湾仔区"),
        ),
        people=(("陈志明", "cm.chan"), ("Wong Ka Yan", "kayan.wong"), ("李嘉欣", "kayan.lee")),
        titles=("采购经理", "Director", "Merchandiser"),
        banks=("香港上海汇丰银行有限公司", "中国银行(香港)有限公司", "恒生银行"),
        account=lambda r: fill(r, r.choice(("004", "012", "024")) + "-%#####-###"),
        tax_id=lambda r: fill(r, "%#######"), currency="HKD", category="0403", region="0801",
        domain="hk-trading.com.hk",
    ),
    "JP": Country(
        names=("株式会社山田製作所", "東和精機株式会社", "株式会社サクラ電子", "大阪化成工業株式会社",
               "株式会社富士テクノ"),
        places=(
            Place("東京都", "千代田区", "100-0005", ("丸の内2-%-1", "大手町1-%-3"), ("03-%###-####",)),
            Place("大阪府", "大阪市", "530-0001", ("梅田3-%-2",), ("+81 6-6%##-####",), district="北区"),
        ),
        people=(("山田太郎", "t.yamada"), ("佐藤花子", "h.sato"), ("鈴木一郎", "suzuki")),
        titles=("購買部長", "営業担当", "Manager"),
        banks=("三菱UFJ銀行", "三井住友銀行", "みずほ銀行"),
        account=lambda r: fill(r, "%######"),
        tax_id=jp_corporate_number, currency="JPY", category="0403", region="0903", domain="example.co.jp",
    ),
}

# -- faults -----------------------------------------------------------------


@dataclass(frozen=True)
class FaultKind:
    """One kind of injected fault: the problem it must cause (or none) and what it is for."""

    description: str
    path: str | None = None
    code: str | None = None
    applies: Callable[[Rec], bool] = lambda rec: True


def _cn_company(rec: Rec) -> bool:
    return rec.country == "CN" and rec.kind == "enterprise"


FAULT_KINDS: dict[str, FaultKind] = {
    "wrong_uscc_check": FaultKind("a USCC with a wrong check character or a typo in its body",
                                  "tax_id", "invalid_checksum", _cn_company),
    "mobile_10_digits": FaultKind("a CN mobile number missing one digit", "contacts[0].mobile",
                                  "invalid_phone",
                                  lambda r: r.country == "CN"),
    "missing_name": FaultKind("the customer name is blank", "name", "required"),
    "bad_email": FaultKind("an e-mail address with a typo", "contacts[0].email", "invalid_email",
                           lambda r: bool(r.row["contact_name"])),
    "postcode_5_digits": FaultKind("a CN postcode with five digits", "address.postcode", "invalid_postcode",
                                   lambda r: r.country == "CN"),
    "negative_credit_limit": FaultKind("a negative credit limit", "credit.limit", "out_of_range"),
    "priority_9": FaultKind("priority 9 (allowed: 1 to 5)", "priority", "out_of_range"),
    "credit_end_before_start": FaultKind("the credit period ends before it starts", "credit.valid_until",
                                         "invalid_date_range"),
    "unknown_kind": FaultKind("a customer type that is neither enterprise nor individual", "kind",
                              "invalid_choice", _cn_company),
    "name_too_long": FaultKind("a name with notes pasted into it, over 100 characters", "name", "too_long",
                               _cn_company),
    "fullwidth_digits": FaultKind("full-width digits in phones or the tax ID: valid after NFKC normalisation",
                                  applies=lambda r: r.country == "CN"),
    "placeholder_tax_id": FaultKind("the tax ID written as a placeholder (/ or 无): valid, means none",
                                    applies=lambda r: r.country == "CN"),
}
#: How many rows get each fault kind (about 12 % of the rows in all).
FAULT_COUNTS = dict.fromkeys(FAULT_KINDS, 4)
#: Rows that get two faults at once (both kinds drawn among the error kinds).
DOUBLE_FAULTS = 3


def e164_cn(number: str) -> str:
    result = normalize_phone(number, "CN")
    assert result is not None, number
    return result


class Injector:
    """Applies faults to records, recording what validation must report."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def apply(self, kind: str, rec: Rec) -> None:
        getattr(self, kind)(rec)
        rec.faults.append(kind)
        spec = FAULT_KINDS[kind]
        if spec.path is not None and spec.code is not None:
            rec.errors.append((spec.path, spec.code))

    def wrong_uscc_check(self, rec: Rec) -> None:
        good = rec.row["tax_id"]
        if self.rng.random() < 0.5:
            bad = good[:17] + self.rng.choice([c for c in uscc.ALPHABET if c != good[17]])
        else:
            while True:
                i = self.rng.randrange(8, 16)
                bad = good[:i] + self.rng.choice("0123456789") + good[i + 1 :]
                if bad != good and uscc.calc_check_digit(bad) != bad[17]:
                    break
        rec.row["tax_id"] = bad

    def mobile_10_digits(self, rec: Rec) -> None:
        while True:
            mobile = rec.row["contact_mobile"] or Maker(self.rng).cn_mobile()
            i = self.rng.randrange(3, 11)
            bad = mobile[:i] + mobile[i + 1 :]
            if normalize_phone(bad, "CN") is None:
                rec.row["contact_mobile"] = bad
                return
            rec.row["contact_mobile"] = ""

    def missing_name(self, rec: Rec) -> None:
        rec.row["name"] = self.rng.choice(("", "", " "))

    def bad_email(self, rec: Rec) -> None:
        rng = self.rng
        email = rec.row["contact_email"] or f"{rng.randint(10000000, 999999999)}@qq.com"
        local, _, domain = email.partition("@")
        rec.row["contact_email"] = rng.choice((
            f"{local}@{domain.rsplit('.', 1)[0]}",  # no top-level domain
            f"{local}@{domain.replace('.', ',', 1)}",  # comma for dot
            f"{local}@@{domain}",
            f"{local}{domain}",  # @ forgotten
            f"{local[:3]} {local[3:] or 'x'}@{domain}",  # a space inside
        ))

    def postcode_5_digits(self, rec: Rec) -> None:
        code = rec.row["postcode"]
        i = self.rng.randrange(1, 6)
        rec.row["postcode"] = code[:i] + code[i + 1 :]

    def negative_credit_limit(self, rec: Rec) -> None:
        rec.row["credit_limit"] = self.rng.choice(("-50000", "-5,000.00", "-200000", "-1"))
        rec.row["credit_grade"] = rec.row["credit_grade"] or "C"

    def priority_9(self, rec: Rec) -> None:
        rec.row["priority"] = "9"

    def credit_end_before_start(self, rec: Rec) -> None:
        rec.row["credit_valid_from"] = "2026-01-01"
        rec.row["credit_valid_until"] = self.rng.choice(("2025-12-31", "2025-06-30", "2025/12/31"))

    def unknown_kind(self, rec: Rec) -> None:
        rec.row["kind"] = self.rng.choice(("经销商", "代理商", "供应商", "外资企业", "VIP客户"))

    def name_too_long(self, rec: Rec) -> None:
        row = rec.row
        place = row["province"] + (row["city"] if row["city"] != row["province"] else "")
        phone = row["contact_phone"] or row["contact_mobile"] or "见附件"
        notes = [
            f"原{rec.parts[0]}{rec.parts[1]}{rec.parts[2]}厂，{self.rng.randint(2015, 2023)}年更名",
            f"开票地址：{place}{row['district']}{row['street']}",
            f"联系人{row['contact_name'] or '王经理'}，电话{phone}",
            "开票信息以营业执照为准，请财务核对后再录入系统，如有疑问请联系华东销售部",
        ]
        name = f"{row['name']}（{'，'.join(notes)}）"
        assert len(name) > 100, name
        row["name"] = name

    def fullwidth_digits(self, rec: Rec) -> None:
        row = rec.row
        targets = [t for t in ("contact_mobile", "contact_phone", "tax_id") if row[t] and "转" not in row[t]]
        chosen = self.rng.sample(targets, k=min(len(targets), self.rng.choice((1, 2))))
        for target in chosen:
            if target == "tax_id":
                rec.values["tax_id"] = row["tax_id"]
            else:
                path = "contacts[0].mobile" if target == "contact_mobile" else "contacts[0].phone"
                rec.values[path] = e164_cn(row[target])
            row[target] = fullwidth(row[target])

    def placeholder_tax_id(self, rec: Rec) -> None:
        rec.row["tax_id"] = self.rng.choice(("/", "无", "/", "无", "暂无"))
        rec.values["tax_id"] = None


# -- duplicates -------------------------------------------------------------


class Duplicator:
    """Makes a second entry of an existing customer, the way people re-enter them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def copy(self, rec: Rec, variations: Sequence[str]) -> Rec:
        dup = Rec(row=dict(rec.row), country=rec.country, kind=rec.kind, city=rec.city, parts=rec.parts,
                  dup_of=rec)
        for variation in variations:
            getattr(self, variation)(dup)
            dup.variations.append(variation)
        if dup.row["name"] == rec.row["name"] and not ({"phone_format", "missing_fields"} & set(variations)):
            raise AssertionError("a duplicate must differ from its original")
        return dup

    def _name(self, rec: Rec, *, core: str | None = None, suffix: str | None = None,
              bracket: tuple[str, str] = ("(", ")")) -> str:
        place, old_core, industry, old_suffix, bracketed = rec.parts[:5]
        core = core or old_core
        suffix = suffix or old_suffix
        if bracketed:
            return f"{core}{industry}{bracket[0]}{place}{bracket[1]}{suffix}"
        return f"{place}{core}{industry}{suffix}"

    def typo(self, rec: Rec) -> None:
        core = rec.parts[1]
        options = [i for i, c in enumerate(core) if c in TYPOS]
        if options:
            i = self.rng.choice(options)
            new = core[:i] + TYPOS[core[i]] + core[i + 1 :]
        else:
            new = core[1] + core[0] + core[2:]  # two characters swapped
        rec.row["name"] = self._name(rec, core=new)
        rec.parts = (rec.parts[0], new, *rec.parts[2:])

    def suffix_variant(self, rec: Rec) -> None:
        swap = {"有限公司": "有限责任公司", "有限责任公司": "有限公司", "股份有限公司": "有限公司",
                "集团有限公司": "有限公司"}
        new = swap[rec.parts[3]]
        rec.row["name"] = self._name(rec, suffix=new)
        rec.parts = (*rec.parts[:3], new, *rec.parts[4:])

    def fullwidth_brackets(self, rec: Rec) -> None:
        rec.row["name"] = self._name(rec, bracket=("（", "）"))

    def spaces(self, rec: Rec) -> None:
        place, core, industry, suffix, bracketed = rec.parts[:5]
        rec.row["name"] = (f"{core} {industry}({place}) {suffix}" if bracketed
                           else f"{place} {core}{industry} {suffix}")

    def phone_format(self, rec: Rec) -> None:
        row = rec.row
        phone, mobile = row["contact_phone"], row["contact_mobile"]
        changed = False
        if phone and "转" not in phone and phone.count("-") == 1 and phone.startswith("0"):
            area, local = phone.split("-")
            row["contact_phone"] = self.rng.choice((f"({area}){local}", f"{area}{local}",
                                                    f"+86 {area[1:]} {local[:4]} {local[4:]}"))
            changed = True
        if mobile:
            head, mid, tail = mobile[:3], mobile[3:7], mobile[7:]
            styles = (f"{head} {mid} {tail}", f"+86-{mobile}", f"{head}-{mid}-{tail}")
            row["contact_mobile"] = self.rng.choice(styles)
            changed = True
        if not changed:
            row["contact_mobile"] = Maker(self.rng).cn_mobile()

    def missing_fields(self, rec: Rec) -> None:
        groups = (("tax_id",), ("street", "postcode"), ("contact_email",), ("bank_name", "bank_account"),
                  ("credit_grade", "credit_limit", "credit_days", "credit_valid_from", "credit_valid_until"),
                  ("industry", "category"), ("short_name",))
        for group in self.rng.sample(groups, k=3):
            for column in group:
                rec.row[column] = ""

    def renamed(self, rec: Rec) -> None:
        """The same legal entity under a new name: only the tax ID ties them."""
        place, core, _industry, suffix, _ = rec.parts[:5]
        new_industry = self.rng.choice([i[0] for i in INDUSTRIES if i[0] != rec.parts[2]])
        rec.row["name"] = f"{place}{core}{new_industry}{suffix}"
        rec.row["short_name"] = core + new_industry
        rec.row["street"] = Maker(self.rng).street(rec.city) if rec.city else rec.row["street"]
        rec.row["contact_name"] = Maker(self.rng).person()[0]
        rec.row["contact_mobile"] = Maker(self.rng).cn_mobile()
        rec.row["contact_email"] = ""
        rec.row["contact_phone"] = ""

    def individual_spacing(self, rec: Rec) -> None:
        name = rec.row["name"]
        rec.row["name"] = f"{name[0]} {name[1:]}"
        rec.row["contact_name"] = rec.row["name"]


#: Variation sets of the duplicates; the first item picks the kind of original.
DUPLICATE_PLANS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("company", ("typo",)),
    ("company", ("typo", "phone_format")),
    ("company", ("typo", "missing_fields")),
    ("company", ("suffix_variant",)),
    ("company", ("suffix_variant", "phone_format")),
    ("company", ("suffix_variant", "missing_fields")),
    ("company", ("suffix_variant", "spaces")),
    ("bracketed", ("fullwidth_brackets",)),
    ("bracketed", ("fullwidth_brackets", "missing_fields")),
    ("bracketed", ("fullwidth_brackets", "phone_format")),
    ("company", ("spaces",)),
    ("company", ("spaces", "missing_fields")),
    ("company", ("phone_format", "missing_fields")),
    ("company", ("typo", "suffix_variant")),
    ("company", ("renamed",)),
    ("company", ("renamed",)),
    ("individual", ("individual_spacing", "phone_format")),
    ("foreign", ("missing_fields",)),
    # two customers entered three times
    ("again:0", ("suffix_variant", "missing_fields")),
    ("again:3", ("typo", "phone_format")),
)

# -- assembly ---------------------------------------------------------------


def build(rng: random.Random) -> list[Rec]:
    """All records in file order, faults and duplicates included."""
    maker = Maker(rng)
    plan = ["DE"] * 8 + ["FR"] * 5 + ["GB"] * 6 + ["US"] * 8 + ["HK"] * 5 + ["JP"] * 4
    plan += ["individual"] * 34
    plan += ["enterprise"] * (BASE_ROWS - len(plan))
    rng.shuffle(plan)
    records = [maker.foreign(p) if len(p) == 2 else getattr(maker, p)() for p in plan]
    originals = inject_duplicates(rng, records)
    inject_faults(rng, records, protected={id(r) for r in originals})
    plant_group(records, protected={id(r) for r in originals})
    return records


#: The given code of the sample's group head (集团总部); it sorts before the codes the demo's rule
#: gives (``{category}{seq:4}``), so an export of the demo's book lists the head before its members.
GROUP_CODE = "0001"
#: How many members the sample's group has below its head.
GROUP_MEMBERS = 3


def plant_group(records: list[Rec], protected: set[int]) -> None:
    """Make the first clean, active CN companies with a credit limit a group (集团): the first the
    head, with the given code ``GROUP_CODE``, a group limit of twice the smallest member's limit and
    terms in a second company (账套 002); the next ``GROUP_MEMBERS`` its members (上级客户); the
    credit of all four open-ended, so the demo's group check works on any day. No draw from the random stream,
    so the rest of the sample stays as it was."""
    from custrecord.money import parse_amount

    def fits(rec: Rec) -> bool:
        row = rec.row
        return (rec.kind == "enterprise" and rec.country == "CN" and not rec.faults and not rec.values
                and rec.dup_of is None and id(rec) not in protected and row["status"] == "正常"
                and bool(row["credit_limit"]) and parse_amount(row["credit_limit"]) > 0)

    head, *members = [r for r in records if fits(r)][: GROUP_MEMBERS + 1]
    smallest = min(parse_amount(m.row["credit_limit"]) for m in members)
    head.row.update(code=GROUP_CODE, credit_group_limit=str(int(smallest * 2)), credit_valid_from="",
                    credit_valid_until="",
                    companies=json.dumps({"002": {"limit": "500000", "currency": "CNY", "days": 30}}))
    for member in members:
        member.row.update(parent=GROUP_CODE, credit_valid_from="", credit_valid_until="")


def inject_faults(rng: random.Random, records: list[Rec], protected: set[int]) -> None:
    injector = Injector(rng)
    free = [r for r in records if id(r) not in protected and r.dup_of is None]
    rng.shuffle(free)
    for kind, count in FAULT_COUNTS.items():
        spec = FAULT_KINDS[kind]
        chosen = [r for r in free if not r.faults and spec.applies(r)][:count]
        assert len(chosen) == count, kind
        for rec in chosen:
            injector.apply(kind, rec)
    errors = [k for k, s in FAULT_KINDS.items() if s.code is not None]
    done = 0
    for rec in free:
        if done == DOUBLE_FAULTS:
            break
        if rec.faults:
            continue
        first, second = rng.sample(errors, 2)
        if FAULT_KINDS[first].path == FAULT_KINDS[second].path:
            continue
        if not (FAULT_KINDS[first].applies(rec) and FAULT_KINDS[second].applies(rec)):
            continue
        injector.apply(first, rec)
        injector.apply(second, rec)
        done += 1


def inject_duplicates(rng: random.Random, records: list[Rec]) -> list[Rec]:
    """Insert the duplicates at random places after their originals; return the originals."""
    duplicator = Duplicator(rng)
    pools = {
        "company": [r for r in records if _cn_company(r) and not r.parts[4] and r.row["contact_mobile"]],
        "bracketed": [r for r in records if _cn_company(r) and r.parts[4]],
        "individual": [r for r in records if r.kind == "individual"],
        "foreign": [r for r in records if r.country in ("DE", "GB", "US")],
    }
    for pool in pools.values():
        rng.shuffle(pool)
    used: list[Rec] = []
    dups: list[Rec] = []
    for pick, variations in DUPLICATE_PLANS:
        if pick.startswith("again:"):
            original = used[int(pick.split(":")[1])]
        else:
            pool = pools[pick]
            original = next(r for r in pool if r not in used)
            used.append(original)
        dups.append(duplicator.copy(original, variations))
    for dup in dups:
        assert dup.dup_of is not None
        start = records.index(dup.dup_of) + 1
        records.insert(rng.randint(start, len(records)), dup)
    return used


# -- checking and writing ---------------------------------------------------

_EN_VALUES = {"kind": {"企业": "enterprise", "个人": "individual"},
              "roles": {"客户及供应商": "customer,supplier"}, "currency": {"人民币": "CNY"},
              "status": {"正常": "active", "冻结": "frozen", "停用": "disabled", "待审核": "pending"}}


def english(row: dict[str, str]) -> dict[str, str]:
    """The row as the English file writes it (kind and status in English)."""
    out = dict(row)
    for column, mapping in _EN_VALUES.items():
        out[column] = mapping.get(out[column], out[column])
    return out


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` (``contacts[0].mobile``) of an unstructured customer."""
    for part in path.split("."):
        if part.endswith("]"):
            name, _, index = part[:-1].partition("[")
            data = data[name][int(index)]
        else:
            data = data[part]
    return data


def check(records: Sequence[Rec]) -> list[str | None]:
    """Every record must validate exactly as the manifest will say; raise otherwise.

    Returns the normalised tax ID of every record (None when it has none).
    """
    from custrecord import unstructure

    failures = []
    tax_ids: list[str | None] = []
    for number, rec in enumerate(records, start=2):
        report = validate(english(rec.row))
        tax_ids.append(report.customer.tax_id if report.customer else None)
        errors = sorted((p.path, p.code) for p in report.errors)
        if errors != sorted(rec.errors):
            failures.append(f"row {number}: expected {sorted(rec.errors)}, got {errors}")
        if not rec.errors and report.problems:
            failures.append(f"row {number}: clean row has {[p.message for p in report.problems]}")
        assert report.customer is not None
        data = unstructure(report.customer)
        for path, value in rec.values.items():
            if resolve(data, path) != value:
                failures.append(f"row {number}: {path} is {resolve(data, path)!r}, expected {value!r}")
    if failures:
        raise SystemExit("sample data does not validate as planned:\n" + "\n".join(failures))
    return tax_ids


def manifest(records: Sequence[Rec], tax_ids: Sequence[str | None]) -> dict[str, Any]:
    number = {id(rec): i for i, rec in enumerate(records, start=2)}
    faults: dict[str, list[str]] = {}
    expected_errors: dict[str, list[dict[str, str]]] = {}
    expected_values: dict[str, dict[str, Any]] = {}
    duplicates: list[dict[str, Any]] = []
    groups: dict[int, list[int]] = {}
    renamed: list[list[int]] = []
    for rec in records:
        row = str(number[id(rec)])
        if rec.faults:
            faults[row] = list(rec.faults)
        if rec.errors:
            expected_errors[row] = [{"path": p, "code": c} for p, c in rec.errors]
        if rec.values:
            expected_values[row] = dict(rec.values)
        if rec.dup_of is not None:
            original = number[id(rec.dup_of)]
            duplicates.append({"row": number[id(rec)], "of": original, "variations": list(rec.variations)})
            groups.setdefault(original, [original]).append(number[id(rec)])
            if "renamed" in rec.variations:
                renamed.append([original, number[id(rec)]])
    return {
        "description": "Injected faults and duplicates of the bundled sample customers "
                       "(generated by scripts/make_sample.py; do not edit by hand).",
        "seed": SEED,
        "files": {
            "customers.csv": {"headers": "zh", "encoding": "utf-8-sig"},
            "customers_en.csv": {"headers": "en", "encoding": "utf-8"},
        },
        "row_numbering": "spreadsheet rows: the header is row 1, the first record row 2",
        "rows": len(records),
        "first_row": 2,
        "last_row": len(records) + 1,
        "fault_kinds": {
            kind: {"description": spec.description, "path": spec.path, "code": spec.code,
                   "error": spec.code is not None}
            for kind, spec in FAULT_KINDS.items()
        },
        "faults": faults,
        "expected_errors": expected_errors,
        "expected_values": expected_values,
        "duplicates": duplicates,
        "duplicate_groups": sorted(groups.values()),
        "renamed": renamed,
        "shared_tax_id": shared_tax_ids(records, tax_ids),
        "group": {
            "code": GROUP_CODE,
            "head": next(number[id(r)] for r in records if r.row["code"] == GROUP_CODE),
            "members": [number[id(r)] for r in records if r.row["parent"] == GROUP_CODE],
        },
        "categories": CATEGORIES,
        "regions": REGIONS,
    }


def shared_tax_ids(records: Sequence[Rec], tax_ids: Sequence[str | None]) -> list[list[int]]:
    """Valid rows (in groups) whose normalised tax IDs are equal: what a book's uniqueness check meets."""
    groups: dict[tuple[str, str], list[int]] = {}
    for number, (rec, tax_id) in enumerate(zip(records, tax_ids, strict=True), start=2):
        if tax_id and not rec.errors:
            groups.setdefault((rec.country, tax_id), []).append(number)
    return sorted(rows for rows in groups.values() if len(rows) > 1)


def csv_text(rows: Sequence[dict[str, str]], headers: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    return buffer.getvalue()


def write(out: Path, records: Sequence[Rec], tax_ids: Sequence[str | None]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rows = [rec.row for rec in records]
    data = manifest(records, tax_ids)
    files = {
        "customers.csv": ("\ufeff" + csv_text(rows, ZH_HEADERS)).encode("utf-8"),
        "customers_en.csv": csv_text([english(r) for r in rows], COLUMNS).encode("utf-8"),
        "sample_manifest.json": (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"),
    }
    written = []
    for name, content in files.items():
        path = out / name
        path.write_bytes(content)
        written.append(path)
    return written


def generate(out: Path) -> list[Path]:
    """Build, check and write the sample files into ``out``; return their paths."""
    records = build(random.Random(SEED))
    tax_ids = check(records)
    return write(out, records, tax_ids)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output directory (default: the package's data folder)")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
