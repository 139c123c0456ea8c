"""Chinese spelling variants for matching: traditional characters and sounds (pinyin).

:func:`simplify` writes the traditional characters of the words that name
parsing must recognise (legal forms, branch words, provinces and cities, the
usual trade words) in simplified form, so that ``蘇州華康科技有限公司`` loses
its place and legal form as ``苏州华康科技有限公司`` does. It is a table of
those words, not a full converter: any other traditional character is still
met by :func:`sound`, since a traditional character reads as its simplified
one.

:func:`sound` spells a text by the sound of each Chinese character, without
tones (``华慷科技`` -> ``huakangkeji``, as ``华康科技`` and ``華康科技``), so
homophone typos (同音错字) and variants meet. Each character takes its usual
reading, the same on every record, which is all a matching key needs.
pypinyin is imported on the first Chinese character.
"""

from __future__ import annotations

import re

__all__ = ["has_cjk", "simplify", "sound"]

# Pairs "traditional simplified", for the characters of the reference words in
# custrecord.matching.normalize and of common trade and address words.
_PAIRS = """
    責责 總总 團团 夥伙 個个 獨独 資资 業业 務务 廠厂 辦办 處处 營营 慶庆 遼辽 寧宁 龍龙 蘇苏 東东
    廣广 貴贵 雲云 陝陕 肅肃 臺台 灣湾 內内 門门 區区 壯壮 維维 爾尔 別别 莊庄 鄲郸 滄沧 頭头 陽阳
    連连 長长 濱滨 無无 錫锡 揚扬 鎮镇 鹽盐 遷迁 陰阴 張张 溫温 興兴 紹绍 華华 義义 烏乌 蕪芜 馬马
    廈厦 贛赣 濟济 島岛 煙烟 濰潍 臨临 鄭郑 開开 鄉乡 漢汉 亞亚 綿绵 賓宾 薩萨 寶宝 雞鸡 蘭兰 銀银
    魯鲁 齊齐 貿贸 電电 機机 械械 實实 訊讯 術术 網网 絡络 設设 醫医 藥药 紡纺 織织 環环 車车 裝装
    軟软 發发 達达 豐丰 匯汇 鳳凤 鵬鹏 樂乐 萬万 億亿 國国 際际 園园 號号 樓楼 層层 棟栋 館馆 產产
    貨货 運运 輸输 廣广 場场 鐵铁 鋼钢 礦矿 農农 線线 經经 濟济 計计 僑侨 聯联 誠诚 順顺 輝辉 進进
    達达 盛盛 偉伟 紅红 綠绿 藍蓝 視视 聲声 響响 體体 運运 氣气 燈灯 廚厨 衛卫 飾饰 傢家 俱具 廳厅
    縣县 鄉乡 鎮镇 場场 灣湾 橋桥 區区 號号 樓楼 門门 廈厦 場场
"""
_TABLE = {ord(pair[0]): pair[1] for pair in _PAIRS.split() if pair[0] != pair[1]}

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese character."""
    return _CJK.search(text) is not None


def simplify(text: str) -> str:
    """``text`` with the traditional characters of the reference words in simplified form."""
    return text.translate(_TABLE) if not text.isascii() else text


class _Syllables(dict[int, str]):
    """Code point -> toneless pinyin (or the character itself), filled as str.translate asks."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        found = char
        if _CJK.match(char):
            from pypinyin import Style, lazy_pinyin

            spelt = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
            found = spelt[0] if spelt else char
        self[code] = found
        return found


_SYLLABLES = _Syllables()


def sound(text: str) -> str:
    """``text`` with each Chinese character replaced by its toneless pinyin; other characters kept."""
    if text.isascii():
        return text
    return text.translate(_SYLLABLES)
