"""How a name sounds and how it looks: to match a name written in pinyin or English, a homophone, a look-alike.

- ``sound``: the pinyin of a Chinese name core without tones (pypinyin), or, for a name written in
  Latin letters, its words lower-cased with legal words (Co., Ltd.) dropped, common English industry
  words put back into pinyin (Technology → keji) and a leading city or province in pinyin dropped.
  "Suzhou Yongchen Technology Co., Ltd." and 苏州永晨科技有限公司 both sound ``yongchenkeji``.
- ``shape``: the four-corner code (四角号码, from the ``four-corner-method`` package's table) of each
  character; characters of one code look alike (己/已/巳, 未/末), so 永晨/永辰 keep their shape only when
  the changed character has the code of the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from four_corner_method import FourCornerMethod
from pypinyin import lazy_pinyin, pinyin_dict

from .divisions import CITY, divisions

# English words of company names and the Chinese word partners translate them from, as pinyin.
INDUSTRY_WORDS = {
    "technology": "keji",
    "technologies": "keji",
    "tech": "keji",
    "science": "keji",
    "electronics": "dianzi",
    "electronic": "dianzi",
    "machinery": "jixie",
    "chemical": "huagong",
    "chemicals": "huagong",
    "trading": "maoyi",
    "trade": "maoyi",
    "logistics": "wuliu",
    "food": "shipin",
    "foods": "shipin",
    "construction": "jianshe",
    "building materials": "jiancai",
    "medical devices": "yiliaoqixie",
    "medical equipment": "yiliaoqixie",
    "information technology": "xinxijishu",
    "energy": "nengyuan",
    "environmental technology": "huanbaokeji",
    "environmental protection equipment": "huanbaoshebei",
    "pharmaceutical": "zhiyao",
    "pharmaceuticals": "zhiyao",
    "textile": "fangzhi",
    "textiles": "fangzhi",
    "garments": "fuzhuang",
    "industrial": "shiye",
    "industry": "shiye",
    "investment": "touzi",
    "network technology": "wangluokeji",
    "biotechnology": "shengwukeji",
    "new materials": "xincailiao",
    "electric": "dianqi",
    "electrical": "dianqi",
}
LEGAL_WORDS = frozenset(
    {"co", "ltd", "limited", "company", "corp", "corporation", "inc", "group", "llc", "plc", "coltd", "the"}
)
_DIVISION_ENDINGS = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
)
_WORD = re.compile(r"[a-z0-9]+")


def is_latin(text: str) -> bool:
    """A name written in Latin letters (and digits) only, once folded."""
    return bool(text) and not any("\u3400" <= c <= "\u9fff" for c in text) and any(c.isalpha() for c in text)


@cache
def _place_sounds() -> frozenset[str]:
    """Provinces and cities as written in pinyin: su zhou → "suzhou", and their full forms ("suzhoushi")."""
    found = set()
    for division in divisions().by_code.values():
        if division.rank > CITY:
            continue
        name = division.name
        for ending in _DIVISION_ENDINGS:
            if name.endswith(ending) and len(name) - len(ending) >= 2:
                found.add("".join(lazy_pinyin(name[: -len(ending)])))
                break
        found.add("".join(lazy_pinyin(name)))
    return frozenset(s for s in found if len(s) >= 4)


class _Readings(dict[int, str]):
    """Per character its first reading in pypinyin's table, without tone (ü as v, as pypinyin writes it)."""

    def __missing__(self, codepoint: int) -> str:
        readings = pinyin_dict.pinyin_dict.get(codepoint)
        if readings is None:
            reading = chr(codepoint)
        else:
            first = unicodedata.normalize("NFD", readings.split(",")[0].replace("ü", "v"))
            reading = "".join(c for c in first if not unicodedata.combining(c))
        self[codepoint] = reading
        return reading


_READINGS = _Readings()


def sound(core: str, folded_name: str | None = None) -> str:
    """The toneless pinyin of a Chinese core; for a Latin name (``folded_name``), its romanised key.

    Per character, first reading: a plain table look-up, ~100x cheaper than pypinyin's phrase-aware
    ``lazy_pinyin``, and the same on both sides of a homophone comparison.
    """
    if folded_name is not None and is_latin(folded_name):
        return latin_sound(folded_name)
    return core.translate(_READINGS)


@lru_cache(maxsize=65_536)
def spoken(core: str) -> str:
    """The pinyin a person would write for a Chinese core (phrase-aware: 重庆 chongqing, 银行 yinhang)."""
    return "".join(lazy_pinyin(core, errors=lambda chars: chars.lower()))


def latin_sound(folded_name: str) -> str:
    """Words of a Latin name as pinyin: legal words out, English industry words in pinyin, leading place out."""
    text = " ".join(_WORD.findall(folded_name.lower().replace("co.,ltd", " co ltd ")))
    for english in sorted(INDUSTRY_WORDS, key=len, reverse=True):
        text = re.sub(rf"\b{english}\b", INDUSTRY_WORDS[english], text)
    words = [w for w in text.split() if w not in LEGAL_WORDS]
    places = _place_sounds()
    if len(words) > 1 and words[0] in places:
        words = words[1:]
    joined = "".join(words)
    first = words[0] if words else ""
    for place in _leading_only():  # "SUZHOUYONGCHEN" written as one word
        # the rest of the word must be a brand of its own: LONGYANG is not LONGYAN (龙岩) + G
        if first.startswith(place) and len(first) - len(place) >= 4:
            return joined[len(place) :]
    return joined


@cache
def _leading_only() -> frozenset[str]:
    """Place sounds long enough not to be a brand's first syllables by accident (two syllables or more)."""
    return frozenset(s for s in _place_sounds() if len(s) >= 6)


@cache
def _four_corner() -> dict[str, str]:
    return dict(FourCornerMethod().data)


def shape(core: str) -> str:
    """The four-corner codes of the core's characters (a character without a code stands for itself)."""
    codes = _four_corner()
    return "|".join(codes.get(c, c) for c in core)
