"""Normalisation for matching: company names, phones, e-mails and addresses.

These functions make two spellings of the same thing equal; they never judge
whether a value is valid (validation does that). Each is idempotent: applying
it to its own output changes nothing.

A company name is split into parts so that scoring can weigh them apart:
``江苏省苏州市示例科技有限公司`` has the places ``江苏`` and ``苏州``, the core
``示例科技`` and the legal form ``有限公司``; ``示例科技有限公司上海分公司`` is
the branch ``上海`` of the same core. Latin names lose case, punctuation and
legal forms (``Acme Trading Co., Ltd.`` -> core ``acme trading``, forms
``co ltd``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import attrs

from custrecord.matching.chinese import has_cjk, simplify
from custrecord.text import compact_identifier, is_placeholder

__all__ = [
    "CITIES",
    "FORM_FAMILIES",
    "LEGAL_FORMS_LATIN",
    "LEGAL_FORMS_ZH",
    "PROVINCES",
    "NameParts",
    "canon",
    "normalize_address",
    "normalize_email",
    "normalize_name",
    "normalize_phone",
    "normalize_place",
    "normalize_postcode",
    "normalize_tax_id",
]

# -- reference lists --------------------------------------------------------

#: Province-level divisions: short name -> full name (GB/T 2260).
PROVINCES: dict[str, str] = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省", "黑龙江": "黑龙江省",
    "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省", "福建": "福建省", "江西": "江西省",
    "山东": "山东省", "河南": "河南省", "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省",
    "海南": "海南省", "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省",
    "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}

_CITY_NAMES = """
    石家庄 唐山 保定 邯郸 廊坊 沧州 太原 大同 呼和浩特 包头 沈阳 大连 鞍山 长春 哈尔滨 大庆
    南京 苏州 无锡 常州 南通 扬州 镇江 泰州 徐州 盐城 淮安 连云港 宿迁 昆山 江阴 常熟 张家港
    杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 舟山 义乌 合肥 芜湖 蚌埠 马鞍山 安庆 福州 厦门
    泉州 漳州 莆田 南昌 赣州 九江 济南 青岛 烟台 潍坊 淄博 威海 临沂 济宁 郑州 洛阳 开封 新乡
    武汉 宜昌 襄阳 长沙 株洲 湘潭 岳阳 广州 深圳 珠海 佛山 东莞 中山 惠州 江门 汕头 湛江 肇庆
    南宁 柳州 桂林 海口 三亚 成都 绵阳 德阳 宜宾 贵阳 遵义 昆明 曲靖 拉萨 西安 宝鸡 咸阳 兰州
    西宁 银川 乌鲁木齐
"""
#: Prefecture-level cities most often met in company names (written without 市).
CITIES: frozenset[str] = frozenset(_CITY_NAMES.split())

#: Chinese legal forms and organisational suffixes, longest first.
LEGAL_FORMS_ZH: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "有限公司", "总公司", "股份公司", "集团", "公司",
    "合伙企业", "个人独资企业", "研究院", "事务所", "工作室", "商行", "厂",
)

#: Latin legal-form tokens (after punctuation is removed) and their canonical spelling.
LEGAL_FORMS_LATIN: dict[str, str] = {
    "ltd": "ltd", "limited": "ltd", "llc": "llc", "inc": "inc", "incorporated": "inc",
    "corp": "corp", "corporation": "corp", "co": "co", "company": "co", "gmbh": "gmbh",
    "ag": "ag", "kg": "kg", "plc": "plc", "sa": "sa", "sarl": "sarl", "srl": "srl", "spa": "spa",
    "bv": "bv", "nv": "nv", "oy": "oy", "ab": "ab", "pte": "pte", "pty": "pty", "lp": "lp",
    "llp": "llp", "kk": "kk", "group": "group", "holdings": "holdings",
}

#: Legal forms that mean the same kind of entity; "" for words that say nothing (公司, group).
FORM_FAMILIES: dict[str, str] = {
    "ltd": "ltd", "plc": "ltd", "pte": "ltd", "pty": "ltd", "co": "", "llc": "llc", "inc": "inc",
    "corp": "inc", "group": "", "holdings": "",
    "有限公司": "有限", "有限责任公司": "有限", "股份有限公司": "股份", "股份公司": "股份",
    "总公司": "", "集团": "", "公司": "",
}

# Every legal form ends with one of these: a cheap test before the full search.
_LAST_CHARS = tuple({f[-1] for f in LEGAL_FORMS_ZH} | {f[-1] for f in LEGAL_FORMS_LATIN})

_BRANCH_WORDS = ("分公司", "分店", "分厂", "办事处", "营业部", "分部")
_PAREN = re.compile(r"\(([^()]*)\)")
_PUNCT_LATIN = re.compile(r"[.,'\"`’‘“”]")
_SEPARATORS = re.compile(r"[\s\-_/\\|:;!?*#@~+=<>\[\]{}·•、，。；：！？「」『』【】《》〈〉]+")
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def canon(text: str) -> str:
    """NFKC and case-folded text: full-width becomes half-width, ``（）`` becomes ``()``.

    The traditional characters of the reference words become simplified
    (:func:`~custrecord.matching.chinese.simplify`). Repeated until stable,
    since case folding can produce characters that NFKC changes.
    """
    if text.isascii():
        return text.lower()
    for _ in range(4):
        new = simplify(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()))
        if new == text:
            break
        text = new
    return text



# -- names ------------------------------------------------------------------


@attrs.frozen
class NameParts:
    """A company or person name taken apart for matching.

    ``core`` is what identifies the organisation (``示例科技``, ``acme trading``);
    ``places`` the province/city names that only locate it; ``forms`` its
    legal forms in canonical spelling; ``branch`` the branch's own name, ``""``
    for a branch without one and None for the head office.
    """

    core: str
    places: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    branch: str | None = None

    @property
    def compact(self) -> str:
        """The core without spaces: the key that blocking uses."""
        return self.core.replace(" ", "")

    @property
    def families(self) -> frozenset[str]:
        """The kinds of legal entity the forms name (``Ltd`` and ``Limited`` are one)."""
        return _families(self.forms)

    @property
    def is_blank(self) -> bool:
        """True when nothing identifying is left."""
        return not self.core

    @property
    def text(self) -> str:
        """A canonical spelling; normalising it again gives the same parts."""
        parts = [*self.places, self.core]
        if self.forms:
            parts.append(" ".join(self.forms))
        if self.branch is not None:
            parts.append(f"{self.branch}分公司")
        return " ".join(p for p in parts if p)


@lru_cache(maxsize=1024)
def _families(forms: tuple[str, ...]) -> frozenset[str]:
    found = (FORM_FAMILIES.get(f, f) for f in forms)
    return frozenset(f for f in found if f)


def _province(token: str) -> str | None:
    """The short province name when ``token`` starts with one (``江苏省`` -> ``江苏``)."""
    for size in (2, 3):
        if token[:size] in PROVINCES:
            return token[:size]
    return None


def _leading_place(text: str) -> tuple[str, str] | None:
    """Split a leading province or city name off ``text``; None when there is none."""
    short = _province(text)
    if short is not None:
        rest = text[len(short):]
        for suffix in _PROVINCE_SUFFIXES:
            if rest.startswith(suffix):
                rest = rest[len(suffix):]
                break
        return short, rest
    for size in (4, 3, 2):
        head = text[:size]
        if head in CITIES:
            rest = text[size:]
            return head, rest.removeprefix("市")
    return None


def _strip_places(text: str) -> tuple[str, list[str]]:
    places: list[str] = []
    while True:
        found = _leading_place(text.lstrip())
        # Keep at least two characters of core: "中山大学" stays, "苏州示例" loses 苏州.
        if found is None or len(found[1].strip()) < 2:
            return text.strip(), places
        places.append(found[0])
        text = found[1]


def _strip_forms(text: str) -> tuple[str, list[str]]:
    forms: list[str] = []
    while True:
        text = text.rstrip()
        if not text.endswith(_LAST_CHARS):
            return text, forms
        for form in LEGAL_FORMS_ZH:
            if text.endswith(form) and len(text) > len(form):
                forms.insert(0, form)
                text = text[: -len(form)]
                break
        else:
            words = text.split(" ")
            if len(words) > 1 and words[-1] in LEGAL_FORMS_LATIN:
                forms.insert(0, LEGAL_FORMS_LATIN[words[-1]])
                text = " ".join(words[:-1])
            elif forms and len(words) > 1 and words[-1] == "and":
                text = " ".join(words[:-1])  # "GmbH & Co. KG", "Smith & Co."
            else:
                return text, forms


def _split_branch(text: str) -> tuple[str, str] | None:
    """``示例科技有限公司苏州分公司`` -> (``示例科技有限公司``, ``苏州``); None for a head office."""
    for word in _BRANCH_WORDS:
        if text.endswith(word):
            body = text[: -len(word)]
            cut = max((body.rfind(f) + len(f) for f in LEGAL_FORMS_ZH if f in body), default=-1)
            if cut > 0 and len(body) - cut <= 12:
                return body[:cut].strip(), body[cut:].strip()
            return None
    return None


def _place_of(text: str) -> str | None:
    """The short place name when ``text`` is nothing but a province or city name."""
    text = text.strip()
    short = _province(text)
    if short is not None and text[len(short):] in ("", *_PROVINCE_SUFFIXES):
        return short
    bare = text.removesuffix("市")
    return bare if bare in CITIES else None


def _tidy(text: str) -> str:
    text = _PUNCT_LATIN.sub("", text.replace("&", " and "))
    text = _SEPARATORS.sub(" ", text).strip()
    if has_cjk(text):
        # Spaces inside Chinese names are noise; keep them only between Latin words.
        text = re.sub(r"(?<=[^a-z0-9 ]) | (?=[^a-z0-9 ])", "", text)
    return text


@lru_cache(maxsize=65536)
def normalize_name(text: str | None) -> NameParts:
    """Take a company or person name apart into core, places, legal forms and branch."""
    if not text or is_placeholder(text):
        return NameParts(core="")
    s = _tidy(canon(text))
    if s.startswith("the ") and len(s) > 4:
        s = s[4:]
    places: list[str] = []
    branch: str | None = None
    split = _split_branch(s)
    if split is not None:
        s, raw_branch = split
        place = _place_of(raw_branch)
        branch = place if place is not None else raw_branch
    if "(" in s or ")" in s:
        # Parenthesised parts: a place, a legal form, or part of the name itself.
        for inner in _PAREN.findall(s):
            place = _place_of(inner)
            if place is not None:
                places.append(place)
                s = s.replace(f"({inner})", " ", 1)
        s = _tidy(s.replace("(", " ").replace(")", " "))
    s, forms = _strip_forms(s)
    s, leading = _strip_places(s)
    places = leading + places
    core = _tidy(s) if " " in s else s
    if not core:
        # A name that is nothing but a place and a form is still a name.
        core = "".join(places) or "".join(forms)
        places, forms = [], []
    canonical_forms = tuple(LEGAL_FORMS_LATIN.get(f, f) for f in forms)
    return NameParts(core=core, places=tuple(dict.fromkeys(places)), forms=canonical_forms, branch=branch)


@lru_cache(maxsize=4096)
def normalize_place(text: str | None) -> str | None:
    """A province, city or suburb name for comparison: ``江苏省`` -> ``江苏``, ``苏州市`` -> ``苏州``.

    Other names are case-folded with single spaces (``North  Ryde`` -> ``north ryde``).
    """
    if not text or is_placeholder(text):
        return None
    s = _tidy(canon(text))
    if not s:
        return None
    place = _place_of(s)
    if place is not None:
        return place
    return s.removesuffix("市") if has_cjk(s) and len(s) > 2 else s


def normalize_postcode(text: str | None) -> str | None:
    """The postcode's letters and digits, upper case; None when blank."""
    if not text or is_placeholder(text):
        return None
    return compact_identifier(text) or None


# -- identifiers --------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_PHONE_JUNK = str.maketrans("", "", " -()（）.\u00a0\t")


@lru_cache(maxsize=65536)
def normalize_phone(text: str | None, region: str = "CN") -> str | None:
    """A phone number in E.164 (``+8651265201234``) without its extension, best effort.

    Read as validation reads it (:func:`custrecord.validation.contact.normalize_phone`,
    phonenumbers' metadata). A number of a possible length that the metadata does
    not know (a mobile prefix newer than it, ``194 5221 1524``) is still written
    in E.164, so that ``+86 194…`` and ``194…`` agree; other numbers are kept as
    ``~`` plus their digits, so two copies of the same bad number still agree;
    None when there are too few digits.
    """
    if not text or is_placeholder(text):
        return None
    raw = unicodedata.normalize("NFKC", text).strip()
    from custrecord.validation.contact import normalize_phone as e164
    from custrecord.validation.contact import split_extension

    main = split_extension(raw)[0].split(";ext=")[0]
    # "+49 (0)30 1234567": the bracketed trunk zero is dropped after a country code.
    compact = main.replace("(0)", "").translate(_PHONE_JUNK)
    # "+86 0512 …": Chinese lists often keep the trunk zero after the country code.
    if (_E164.fullmatch(compact) and not compact.startswith("+860")) or (
            compact[:1] == "~" and compact[1:].isdigit() and len(compact) > 6):
        return compact  # already normalised
    found = e164(raw, region if len(region) == 2 else "CN")
    if found is not None:
        return found.split(";ext=")[0]
    digits = "".join(_DIGITS.findall(compact))
    if len(digits) < 6:
        return None
    return _possible(compact, region if len(region) == 2 else "CN") or f"~{digits}"


@lru_cache(maxsize=256)
def _dialling(region: str) -> tuple[str, str, frozenset[int]] | None:
    """The region's country code, trunk prefix and possible national lengths (phonenumbers' metadata)."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None
    lengths = frozenset(metadata.general_desc.possible_length or ())
    return str(metadata.country_code), metadata.national_prefix or "", lengths


_PLAIN_NUMBER = re.compile(r"\+?\d+")


def _possible(compact: str, region: str) -> str | None:
    """E.164 of a number of possible length for its region that is not known to be valid, or None.

    A number written with ``+`` passes the E.164 shortcut above as it is; the
    same number written without its country code (or with ``00`` and it, or
    with the trunk prefix) must come out the same. Read from the metadata's
    lengths, not by a second full parse: phonenumbers has just said no to it.
    """
    found = _dialling(region)
    if found is None or not _PLAIN_NUMBER.fullmatch(compact):
        return None
    code, trunk, lengths = found
    digits = compact.lstrip("+")
    if compact[0] == "+" or digits.startswith("00" + code):
        digits = digits.removeprefix("00")
        if not digits.startswith(code):
            return None
        digits = digits[len(code):]
    if trunk and digits.startswith(trunk):
        digits = digits[len(trunk):]
    return f"+{code}{digits}" if len(digits) in lengths and digits[:1] != "0" else None


def normalize_email(text: str | None) -> str | None:
    """Trimmed, NFKC and lower-cased; None when blank or without ``@``."""
    if not text or is_placeholder(text):
        return None
    email = unicodedata.normalize("NFKC", text).strip().lower()
    email = email.removeprefix("mailto:")
    return email if "@" in email.strip("@") else None


def normalize_tax_id(text: str | None) -> str | None:
    """The compact upper-case form; None for blanks and placeholders (``无``, ``/``)."""
    if not text or is_placeholder(text):
        return None
    return compact_identifier(text) or None


# -- addresses ----------------------------------------------------------------

#: Address words with a usual abbreviation: the same street written two ways.
_ADDRESS_WORDS: dict[str, str] = {
    "street": "st", "road": "rd", "avenue": "ave", "boulevard": "blvd", "building": "bldg",
    "floor": "fl", "room": "rm", "suite": "ste", "district": "dist", "no": "", "number": "",
}
_ADDRESS_ZH = (("号楼", "栋"), ("幢", "栋"), ("楼", "层"), ("室", ""), ("号", ""), ("路", "路 "),
               ("街", "街 "), ("道", "道 "), ("省", "省 "), ("市", "市 "), ("区", "区 "), ("镇", "镇 "),
               ("栋", "栋 "), ("层", "层 "))
#: 号 or 室 between two numbers separates them: ``328号3号楼`` is No. 328, building 3, not 3283.
_NUMBER_MARK = re.compile(r"(?<=\d)[号室](?=\d)")
_LATIN_WORD = re.compile(r"[a-z]+")
_ADDRESS_SPLIT = re.compile(r"[a-z]+|\d+|[^\sa-z\d]+")


@lru_cache(maxsize=65536)
def normalize_address(text: str | None) -> tuple[str, ...]:
    """Address tokens: case, punctuation and widths removed, usual abbreviations unified.

    ``苏州工业园区星湖街328号`` and ``苏州工业园区 星湖街 328 号`` give the same tokens.
    """
    if not text or is_placeholder(text):
        return ()
    s = _PUNCT_LATIN.sub(" ", canon(text)).replace("(", " ").replace(")", " ")
    # Word abbreviations first, on the text, so that a dropped "No." joins its
    # neighbours the same way on every pass.
    s = _tidy(_LATIN_WORD.sub(lambda m: _ADDRESS_WORDS.get(m[0], m[0]), s))
    if has_cjk(s):
        s = _NUMBER_MARK.sub(" ", s)
        for old, new in _ADDRESS_ZH:
            s = s.replace(old, new)
    tokens = []
    for word in _ADDRESS_SPLIT.findall(s):
        tokens.append((word.lstrip("0") or "0") if word.isdigit() else word)
    return tuple(tokens)
