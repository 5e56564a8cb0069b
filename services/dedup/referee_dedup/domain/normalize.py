"""Normalising how Chinese customers are written, so that the same customer compares equal.

Each step undoes a way the same organisation gets written differently: full-width forms (NFKC),
invisible characters, look-alike letters from other scripts, traditional characters (OpenCC),
spacing and punctuation, legal suffixes, "(中国)"-style markers, branch words, a leading province
or city, Chinese numerals in addresses, and the many ways of writing a phone number.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache

import cn2an
import opencc
import phonenumbers
from confusable_homoglyphs import confusables

from .divisions import Place, divisions

# Longest first, so 股份有限公司 is removed whole rather than leaving 股份.
LEGAL_SUFFIXES = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "集团",
    "公司",
    # what is left when a partner cuts a suffix short
    "股份有限",
    "有限责任",
    "有限",
    "股份",
    "colimited",
    "coltd",
    "limited",
    "ltd",
    "inc",
    "corp",
    "corporation",
    "company",
    "group",
)
BRANCH_WORDS = ("分公司", "分厂", "分店", "办事处", "营业部", "分部", "分中心", "子公司")
# Parenthesised words that only mark where or what an organisation is, e.g. 西门子(中国)有限公司.
MARKERS = frozenset({"中国", "集团", "控股", "总部", "总公司", "普通合伙", "有限合伙", "特殊普通合伙"})
_BRACKETED = re.compile(r"[(\[【〔（]([^)\]】〕）]*)[)\]】〕）]")
_BRACKETS = frozenset("([【〔（")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PHONE_EXTENSION = re.compile(r"(转|分机|ext\.?|x)\s*\d+$", re.IGNORECASE)


class _Folding(dict[int, str]):
    """Per character: drop it (invisible), replace it by its Latin look-alike, or keep it; cached."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Mn", "Me", "Cs", "Co") and char not in "\t\n":
            folded = ""
        elif codepoint < 0x80 or _is_han(char):
            folded = char
        else:
            found = confusables.is_confusable(char, greedy=False, preferred_aliases=["latin", "common"])
            folded = found[0]["homoglyphs"][0]["c"] if found else char
        self[codepoint] = folded
        return folded


_FOLD = _Folding()


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\U00020000" <= char <= "\U0003134f"


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _traditional() -> frozenset[str]:
    """The characters OpenCC's t2s changes: a text with none of them is already simplified.

    t2s converts phrase by phrase, but its phrases exist to keep or choose a character that the
    character table would convert, so a text without such a character comes back unchanged.
    """
    chars = [chr(c) for c in range(0x80, 0x32000) if not 0xD800 <= c <= 0xDFFF]
    converted = str(_to_simplified().convert("\n".join(chars))).split("\n")
    return frozenset(c for c, s in zip(chars, converted, strict=True) if s != c)


def fold(text: str) -> str:
    """NFKC, invisible characters removed, look-alikes folded to Latin, traditional to simplified, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    if not text.isascii() and not _traditional().isdisjoint(text):  # OpenCC only where it changes something
        text = str(_to_simplified().convert(text))
    return text.lower()


def strip_punctuation(text: str) -> str:
    return _NOT_WORD.sub("", text)


def clean_text(text: str) -> str:
    """``fold`` and then no spaces or punctuation: the form two spellings of one text share."""
    return strip_punctuation(fold(text))


@dataclass(frozen=True, slots=True)
class NameParts:
    """An organisation name taken apart: where its leading place words put it, and its core."""

    full: str  # cleaned, without legal suffix, markers and branch, but with its leading place words
    core: str  # ``full`` without the leading place words: the part two organisations must share
    place: Place  # what the leading place words say (province/city), if any
    branch: str | None  # e.g. "萧山分公司" when the name is a branch's


def name_parts(name: str, known: Place | None = None) -> NameParts:
    """Take an organisation name apart. A leading place that contradicts ``known`` stays in the core."""
    return name_parts_of_folded(fold(name), known)


def name_parts_of_folded(folded: str, known: Place | None = None) -> NameParts:
    """``name_parts`` of a name already folded (``fold``)."""
    text = _BRACKETED.sub(_unwrap, folded) if not _BRACKETS.isdisjoint(folded) else folded
    text = strip_punctuation(text)
    text, branch = _without_branch(text)
    text = _without_legal_suffix(text)
    table = divisions()
    place, used = table.leading(text, None)
    if used and known is not None and known.known and not _agrees(place, known):
        place, used = Place(), 0
    core = text[used:]
    if len(core) < 2:  # the name is little more than a place: keep it whole
        place, core = Place(), text
    return NameParts(full=text, core=core, place=place, branch=branch)


def _agrees(named: Place, known: Place) -> bool:
    if named.province != known.province:
        return False
    return named.city is None or known.city is None or named.city == known.city


def _unwrap(match: re.Match[str]) -> str:
    inner = strip_punctuation(match.group(1))
    if inner in MARKERS:
        return ""
    _place, used = divisions().leading(inner)
    return "" if inner and used == len(inner) else inner


def _without_branch(text: str) -> tuple[str, str | None]:
    if not text.endswith(BRANCH_WORDS):
        return text, None
    for word in BRANCH_WORDS:
        if text.endswith(word) and len(text) > len(word) + 1:
            head = text[: -len(word)]
            cut = _last_legal_suffix_end(head)
            if word == "子公司" and not cut:  # 电子公司 is an electronics company, not a subsidiary
                continue
            if cut:
                return head[:cut], head[cut:] + word
            return head, word
    return text, None


def _last_legal_suffix_end(text: str) -> int:
    """Where the last legal suffix inside ``text`` ends (杭州某某有限公司|萧山), or 0 if there is none."""
    best = 0
    for suffix in LEGAL_SUFFIXES:
        at = text.rfind(suffix)
        if at > 0:
            best = max(best, at + len(suffix))
    return best if best < len(text) else 0


_SUFFIXES_BY_LAST: dict[str, tuple[str, ...]] = {}
for _suffix in LEGAL_SUFFIXES:  # in LEGAL_SUFFIXES' order (longest first) for each last character
    _SUFFIXES_BY_LAST[_suffix[-1]] = (*_SUFFIXES_BY_LAST.get(_suffix[-1], ()), _suffix)


def _without_legal_suffix(text: str) -> str:
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIXES_BY_LAST.get(text[-1], ()):
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text, changed = text[: -len(suffix)], True
                break
    return text


@dataclass(frozen=True, slots=True)
class AddressParts:
    place: Place
    street: str  # cleaned, numerals as digits, without the leading divisions


def address_parts(address: str | None, known: Place | None = None) -> AddressParts:
    """An address as the divisions it starts with and the street part after them."""
    if not address:
        return AddressParts(Place(), "")
    text = strip_punctuation(fold(address))
    if _has_chinese_numeral(text):
        text = numerals_as_digits(text)
    # No division name holds a digit, so the divisions are read from the text before the first digit
    # (浙江省杭州市滨江区江南大道|100号): a prefix many customers share, read once.
    head = _BEFORE_DIGITS.match(text)
    key = (head.group() if head else "", known)
    found = _ADDRESS_PLACES.get(key)
    if found is None:
        found = _leading_divisions(key[0], known)
        if len(_ADDRESS_PLACES) < _CACHE_LIMIT:
            _ADDRESS_PLACES[key] = found
    place, used = found
    return AddressParts(place, _building_words(text[used:]))


_BEFORE_DIGITS = re.compile(r"\D*")
_ADDRESS_PLACES: dict[tuple[str, Place | None], tuple[Place, int]] = {}


def _leading_divisions(text: str, known: Place | None) -> tuple[Place, int]:
    table = divisions()
    place, used = table.leading(text, known)
    if not used and known is not None:  # the address contradicts the fields: still strip its divisions
        place, used = table.leading(text)
    return place, used


# 3幢 / 3号楼 / 3座 are all building 3 (栋); 12楼 / 12f / 12F are floor 12 (层).
_BUILDING = re.compile(r"(?<=[0-9a-z])(幢|号楼|座)")
_FLOOR = re.compile(r"(?<=[0-9])(楼|f)(?![0-9])")


def _building_words(street: str) -> str:
    if "幢" in street or "座" in street or "号楼" in street:
        street = _BUILDING.sub("栋", street)
    if "楼" in street or "f" in street:
        street = _FLOOR.sub("层", street)
    return street


def street_base(street: str) -> str:
    """The road and house number of a street (江南大道100号), without building name, building or floor."""
    at = street.find("号")
    return street[: at + 1] if at > 0 else street


_CHINESE_NUMERALS = frozenset("零〇一二三四五六七八九十百千万两")
_CACHE_LIMIT = 200_000  # entries per cache of distinct values (places, numeral runs): a few MiB at most


def _has_chinese_numeral(text: str) -> bool:
    return not _CHINESE_NUMERALS.isdisjoint(text)


# cn2an's patterns (numbers, dates 年月日, fractions 分之, percentages 百分之, 摄氏度/零下, 半 and 两 before
# a measure word) only span these characters and look at most two characters past them, so
# transforming each run of them with its next two characters is transforming the whole text.
_NUMERAL_RUN = re.compile(
    "[-.0-9零〇一二三四五六七八九十百千万亿两廿半点负壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億年月日分之摄氏度下]+"
)
_NUMERAL_LOOKAHEAD = 2
_NUMERAL_RUNS: dict[str, str] = {}


def numerals_as_digits(text: str) -> str:
    """``cn2an.transform(text, "cn2an")`` (一千一百八十二号 → 1182号), run by run, each run cached."""
    parts: list[str] = []
    done = 0
    for run in _NUMERAL_RUN.finditer(text):
        start, end = run.span()
        if _CHINESE_NUMERALS.isdisjoint(run.group()) and "廿" not in run.group() and "半" not in run.group():
            continue
        context = text[end : end + _NUMERAL_LOOKAHEAD]
        key = text[start:end] + context
        converted = _NUMERAL_RUNS.get(key)
        if converted is None:
            converted = _transform(key)
            if len(_NUMERAL_RUNS) < _CACHE_LIMIT:
                _NUMERAL_RUNS[key] = converted
        if not converted.endswith(context):  # the context took part after all: convert the whole text
            return _transform(text)
        parts.append(text[done:start])
        parts.append(converted[: len(converted) - len(context)])
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _transform(text: str) -> str:
    with warnings.catch_warnings():  # cn2an warns about numeral characters it leaves alone (e.g. in names)
        warnings.simplefilter("ignore", UserWarning)
        return str(cn2an.transform(text, "cn2an"))


_FIELD_PLACES: dict[tuple[str | None, str | None, str | None], Place] = {}


def place_of_fields(province: str | None, city: str | None, district: str | None) -> Place:
    """The place a customer's province, city and district fields name; a field that disagrees is ignored."""
    key = (province, city, district)
    place = _FIELD_PLACES.get(key)
    if place is None:  # a few thousand distinct triples among a million customers
        place = _place_of_fields(province, city, district)
        if len(_FIELD_PLACES) < _CACHE_LIMIT:
            _FIELD_PLACES[key] = place
    return place


def _place_of_fields(province: str | None, city: str | None, district: str | None) -> Place:
    table = divisions()
    place = table.named(clean_text(province) if province else None)
    for field in (city, district):
        if field:
            found = table.named(clean_text(field), place)
            place = place.merged(found) if place.known else found
    return place


_PHONE_SEPARATORS = re.compile(r"[/,，;；、|]|\s{2,}|\s+(?=(?:\+?86)?\s*1[3-9]\d{9}\b)|(?<=\d{7})\s+(?=\+|0\d)")
_LOCAL_EXTENSION = re.compile(r"^(\d{7,8})-\d{1,5}$")
_LOCAL_NUMBER = re.compile(r"^[2-9]\d{6,7}$")


@dataclass(frozen=True, slots=True)
class Phones:
    """Every number a phone field holds (E.164), and the landlines' local numbers (without area code)."""

    numbers: tuple[str, ...] = ()
    local: tuple[str, ...] = ()


def phones(text: str | None) -> Phones:
    """All numbers of a phone field as people type it: 转/ext extensions, two numbers, no area code, +86."""
    if not text:
        return Phones()
    quick = _plain_phones(text)
    if quick is not None:
        return quick
    numbers: list[str] = []
    local: list[str] = []
    for part in _PHONE_SEPARATORS.split(fold(text)):
        part = _PHONE_EXTENSION.sub("", part.strip()).strip()
        digits = re.sub(r"[\s\-()（）.]", "", part)
        extension = _LOCAL_EXTENSION.match(part.replace(" ", ""))
        if extension:
            digits = extension.group(1)
        if _LOCAL_NUMBER.match(digits):  # a landline written without its area code
            local.append(digits)
            continue
        key = phone_key(part)
        if key is None:
            continue
        numbers.append(key)
        national = key[3:]
        if not (
            national.startswith("1") and len(national) == 11
        ):  # landline: area code 10/2x is two digits, the others three
            local.append(national[2:] if national.startswith(("10", "2")) else national[3:])
    return Phones(tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(local)))


_PLAIN_PHONE_CHARACTERS = frozenset("0123456789-()+")
_PUNCTUATION_OF_PHONES = str.maketrans("", "", "-()+")


def _plain_phones(text: str) -> Phones | None:
    """One number written plainly (13912345678, 0571-88881234, (0571)88881234, +8657188881234), without
    ``phonenumbers``; None for anything else. Gives what ``phonenumbers`` gives for these shapes."""
    if not _PLAIN_PHONE_CHARACTERS.issuperset(text) or "+" in text[1:] or _LOCAL_EXTENSION.match(text):
        return None
    digits = text.translate(_PUNCTUATION_OF_PHONES)
    if len(digits) < 7:
        return None
    if text[0] == "+":
        if not digits.startswith("86") or digits[2:3] in ("0", ""):  # +86 0571…: the library drops the 0
            return None
        national = digits[2:]
    elif _LOCAL_NUMBER.match(digits):
        return Phones((), (digits,))
    elif digits[0] == "0" and digits[1] != "0":
        if not 10 <= len(digits) <= 12:
            return None
        national = digits[1:]
    elif digits[0] == "1":
        national = digits  # only a mobile is taken as it is, below
    else:
        return None
    mobile = len(national) == 11 and national[0] == "1"
    if digits[0] == "1" and not (mobile and national[1] in "3456789" and not national.startswith("179")):
        return None
    if not mobile and (not 9 <= len(national) <= 11 or (national[0] == "1" and not national.startswith("10"))):
        return None
    if mobile:  # as ``phones`` reads it: eleven digits from 1 are a mobile, with no local number
        return Phones((f"+86{national}",), ())
    local = national[2:] if national.startswith(("10", "2")) else national[3:]
    return Phones((f"+86{national}",), (local,))


def phone_key(phone: str | None) -> str | None:
    """A Chinese phone number in E.164 form (+86…), or None when it is not a plausible number."""
    if not phone:
        return None
    text = _PHONE_EXTENSION.sub("", fold(phone).strip())
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def name_key(name: str) -> str:
    """An organisation name's core: cleaned, without legal suffix, markers, branch or leading place."""
    return name_parts(name).core


def department_key(department: str | None) -> str | None:
    """A department (or disease area, project) as a slice name: cleaned, without a trailing 科室/门诊 word."""
    if not department:
        return None
    text = clean_text(department)
    for suffix in ("科室", "门诊部", "门诊", "病区"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text or None
