"""Normalisation's fast paths give exactly what the libraries give (issue 15: a cold start in seconds).

Each shortcut is checked against the slow path it replaces, on the shapes it takes and on the
shapes it must hand back to the library.
"""

from __future__ import annotations

import random
import unicodedata

import cn2an
import phonenumbers
import pytest
from stdnum.cn import uscc as uscc_checker

from referee_dedup.domain import normalize
from referee_dedup.domain.normalize import Phones, fold, numerals_as_digits, phones
from referee_dedup.domain.profile import _valid_uscc


def library_phones(text: str) -> Phones:
    """``phones`` without its plain-number shortcut: every number through ``phonenumbers``."""
    shortcut = normalize._plain_phones
    try:
        normalize._plain_phones = lambda _text: None  # type: ignore[assignment]
        return phones(text)
    finally:
        normalize._plain_phones = shortcut


def written_numbers() -> list[str]:
    r = random.Random(15)
    found = []
    for _ in range(3000):
        mobile = f"1{r.choice('3456789')}{r.randrange(10**9):09d}"
        area = str(r.choice([10, 20, 21, 25, 27, *range(310, 999)]))
        local = f"{r.randrange(2, 10)}{r.randrange(10**7):07d}"[: r.choice((7, 8))]
        found += [
            mobile,
            f"+86{mobile}",
            f"0{area}-{local}",
            f"0{area}{local}",
            f"(0{area}){local}",
            f"+86{area}{local}",
            f"+86-{area}-{local}",
            local,
            f"{local}-12",
            f"0{area}-{local}-8",
            f"179{r.randrange(10**8):08d}",
            f"1{r.randrange(10**10):010d}",
            f"0{r.randrange(10 ** r.randrange(6, 13))}",
            f"+{r.randrange(10**11)}",
        ]
    return found


def test_a_plainly_written_number_gives_what_phonenumbers_gives() -> None:
    differ = [(n, phones(n), library_phones(n)) for n in written_numbers() if phones(n) != library_phones(n)]
    assert differ == []


@pytest.mark.parametrize(
    "text", ["0571-88881234转8", "13912345678/0571-88881234", "+86 571 8888 1234", "１３９１２３４５６７８"]
)
def test_other_shapes_still_go_through_phonenumbers(text: str) -> None:
    assert normalize._plain_phones(text) is None
    assert phones(text) == library_phones(text)
    assert phones(text).numbers[0] == phonenumbers.format_number(
        phonenumbers.parse(
            text.split("/")[0].replace("转8", "").replace("１３９１２３４５６７８", "13912345678"), "CN"
        ),
        phonenumbers.PhoneNumberFormat.E164,
    )


@pytest.mark.parametrize(
    "address",
    [
        "浙江省杭州市滨江区江南大道一千一百八十二号",
        "星湖街三百二十八号华美大厦三幢十二楼",
        "第一人民医院东二门",
        "两江新区金开大道两百号",
        "半山路一号",
        "二〇二三年五月一日路八十八号",
        "百分之五十大厦十一层",
        "十里店村三组",
        "五一路一号 2 栋",
        "零下十度冷库二号库",
        "三分之一街廿号",
    ],
)
def test_numerals_are_converted_as_cn2an_converts_the_whole_text(address: str) -> None:
    text = normalize.strip_punctuation(fold(address))
    assert numerals_as_digits(text) == str(cn2an.transform(text, "cn2an"))


def test_a_credit_code_is_valid_exactly_when_python_stdnum_says_so() -> None:
    r = random.Random(3)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    codes = []
    for _ in range(5000):
        stem = f"91{r.randrange(10**6):06d}" + "".join(r.choice(alphabet) for _ in range(9))
        good = stem + uscc_checker.calc_check_digit(stem)
        codes += [good, stem + r.choice(alphabet), good.replace(good[10], "I"), good[:17], good[:5] + "-" + good[5:]]
    assert [_valid_uscc(c) for c in codes] == [uscc_checker.is_valid(c) for c in codes]


@pytest.mark.parametrize(
    "text", ["杭州濱江建設（中国）有限公司", "乾隆大酒店", "滨江建设", "Ｓｕｚｈｏｕ", "後山 台灣", "发展"]
)
def test_folding_skips_opencc_only_where_opencc_would_change_nothing(text: str) -> None:
    expected = str(normalize._to_simplified().convert(unicodedata.normalize("NFKC", text).translate(normalize._FOLD)))
    assert fold(text) == expected.lower()
