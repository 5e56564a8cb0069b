"""Customers written the way partners and clerks really write them (issue 15), one family per test,
and the hard negatives of each family that must stay apart."""

from __future__ import annotations

import pytest

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.linking import link
from referee_dedup.domain.matching import Level, Match, Thresholds, find_matches
from referee_dedup.domain.normalize import address_parts, phones
from referee_dedup.domain.profile import CustomerRecord, profile
from referee_dedup.domain.scoring import compare
from referee_dedup.domain.sounds import latin_sound, shape, sound

THRESHOLDS = Thresholds(duplicate=0.92, possible=0.75)
YONGCHEN = CustomerRecord(
    "yongchen",
    "苏州永晨科技有限公司",
    uscc="91320500MA1MX1XB01",
    phone="0512-66881234",
    address="江苏省苏州市工业园区星湖街328号华美大厦3栋12层",
    province="江苏省",
    city="苏州市",
)
HOSPITAL = CustomerRecord(
    "tcm", "南京市中医医院", phone="025-52276666", address="南京市秦淮区大明路157号", city="南京市"
)


def match(incoming: CustomerRecord, *existing: CustomerRecord) -> Match:
    index = CustomerIndex()
    index.add_all(profile(r) for r in existing)
    return find_matches(index, profile(incoming), THRESHOLDS)


def level_of(incoming: CustomerRecord, *existing: CustomerRecord) -> Level | None:
    found = match(incoming, *existing)
    return found.candidates[0].level if found.candidates else None


def reasons(incoming: CustomerRecord, *existing: CustomerRecord) -> str:
    index = CustomerIndex()
    index.add_all(profile(r) for r in existing)
    return " | ".join(row.reasons for row in link(index, incoming, THRESHOLDS))


# --- pinyin and English names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["Suzhou Yongchen Technology Co., Ltd.", "YONGCHEN KEJI CO.,LTD", "Yongchen Technology Limited"],
)
def test_a_name_in_pinyin_or_english_with_the_same_phone_is_the_chinese_customer(written: str) -> None:
    incoming = CustomerRecord("in", written, phone="+86 512 6688 1234")
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE
    assert "same name in pinyin" in reasons(incoming, YONGCHEN)


def test_a_name_in_pinyin_with_the_same_address_is_the_chinese_customer() -> None:
    incoming = CustomerRecord("in", "YONGCHEN KEJI CO.,LTD", address=YONGCHEN.address)
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE


def test_a_name_in_pinyin_alone_matches_nothing() -> None:
    assert level_of(CustomerRecord("in", "Yongchen Technology Co., Ltd."), YONGCHEN) is None


def test_romanised_keys_drop_place_legal_and_translate_industry_words() -> None:
    assert latin_sound("suzhou yongchen technology co., ltd.") == sound("永晨科技") == "yongchenkeji"
    assert latin_sound("yuetaijin huanbaoshebei co.,ltd") == "yuetaijinhuanbaoshebei"


# --- short names (简称) ---------------------------------------------------------------------------


def test_a_short_name_with_the_same_phone_is_a_duplicate() -> None:
    incoming = CustomerRecord("in", "永晨", phone="0512-66881234")
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE
    assert "short name" in reasons(incoming, YONGCHEN)


def test_an_institutions_usual_short_form_with_the_same_address_is_a_duplicate() -> None:
    incoming = CustomerRecord("in", "南京中医院", address="南京市秦淮区大明路157号")
    assert level_of(incoming, HOSPITAL) is Level.DUPLICATE


def test_a_short_name_alone_is_not_a_duplicate() -> None:
    assert level_of(CustomerRecord("in", "永晨"), YONGCHEN) is None


# --- homophones and look-alikes ------------------------------------------------------------------


def test_a_homophone_in_the_brand_with_the_same_address_is_a_duplicate() -> None:
    incoming = CustomerRecord("in", "苏州永辰科技有限公司", address=YONGCHEN.address)  # 晨 / 辰: chen
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE
    assert "homophone" in reasons(incoming, YONGCHEN)


def test_a_look_alike_character_with_the_same_address_is_a_duplicate() -> None:
    assert shape("未") == shape("末")
    original = CustomerRecord("o", "苏州未来科技有限公司", address=YONGCHEN.address, city="苏州市")
    incoming = CustomerRecord("in", "苏州末来科技有限公司", address=YONGCHEN.address)
    assert level_of(incoming, original) is Level.DUPLICATE
    assert "look-alike" in reasons(incoming, original)


def test_a_homophone_brand_with_its_own_address_and_phone_is_not_a_duplicate() -> None:
    other = CustomerRecord("in", "苏州永辰科技有限公司", phone="0512-65550000", address="苏州市姑苏区人民路88号")
    assert level_of(other, YONGCHEN) is not Level.DUPLICATE


# --- phones as people type them ----------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "0512-66881234转8001",
        "0512-66881234 ext.12",
        "+86(512)66881234",
        "13912345678/0512-66881234",  # the mobile beside the landline
        "13912345678 051266881234",  # two numbers, one space
    ],
)
def test_phones_as_people_type_them_are_the_same_phone(written: str) -> None:
    incoming = CustomerRecord("in", "永晨科技", phone=written)  # no place: the phone decides
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE


def test_a_landline_without_area_code_matches_in_the_same_city() -> None:
    incoming = CustomerRecord("in", "永晨科技", phone="66881234", city="苏州市")
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE
    assert "without area code" in reasons(incoming, YONGCHEN)


def test_the_same_local_number_in_two_area_codes_is_two_phones() -> None:
    incoming = CustomerRecord("in", "永晨科技", phone="021-66881234")
    [phone] = [e for e in compare(profile(incoming), profile(YONGCHEN)).evidence if e.field == "phone"]
    assert phone.code == "phone_different"


def test_a_field_with_two_numbers_holds_both() -> None:
    found = phones("13912345678，0512-66881234转8")
    assert found.numbers == ("+8613912345678", "+8651266881234")
    assert found.local == ("66881234",)


# --- addresses ---------------------------------------------------------------------------------


def test_building_and_floor_words_and_numerals_are_one_address() -> None:
    a = address_parts("江苏省苏州市工业园区星湖街328号华美大厦3栋12层")
    b = address_parts("苏州市工业园区星湖街三百二十八号华美大厦三幢十二楼")
    assert a.street == b.street


def test_the_address_without_district_and_building_name_with_the_short_name_is_found() -> None:
    incoming = CustomerRecord("in", "永晨科技", address="苏州市星湖街三百二十八号3号楼12F")
    assert level_of(incoming, YONGCHEN) in (Level.DUPLICATE, Level.POSSIBLE)
    assert "same road and number" in reasons(incoming, YONGCHEN)


def test_another_company_in_the_same_building_is_not_a_duplicate() -> None:
    other = CustomerRecord("in", "苏州恒信贸易有限公司", address=YONGCHEN.address, city="苏州市", phone="0512-65550000")
    assert level_of(other, YONGCHEN) is None


# --- the credit code ---------------------------------------------------------------------------


def test_a_renamed_company_keeps_its_credit_code_and_the_code_decides() -> None:
    renamed = CustomerRecord(
        "in",
        "苏州晨光智能装备有限公司",
        uscc=YONGCHEN.uscc,
        phone="0512-65550000",
        address="苏州市吴中区木渎镇金山路1号",
    )
    assert level_of(renamed, YONGCHEN) is Level.DUPLICATE


def test_a_mistyped_credit_code_is_ignored_and_said_so() -> None:
    typo = YONGCHEN.uscc[:-3] + "X" + YONGCHEN.uscc[-2:]  # type: ignore[index]
    incoming = CustomerRecord("in", "苏州永晨科技有限公司", uscc=typo, city="苏州市")
    assert level_of(incoming, YONGCHEN) is Level.DUPLICATE
    assert f"credit code {typo} ignored" in reasons(incoming, YONGCHEN)


def test_two_legal_entities_of_one_brand_with_different_valid_codes_stay_apart() -> None:
    other = CustomerRecord(
        "in", "苏州永晨科技股份有限公司", uscc="91320500MA1MX2XB08", city="苏州市", address="苏州市吴中区金山路9号"
    )
    assert profile(other).uscc is not None  # a valid code, not a typo
    assert level_of(other, YONGCHEN) is None


# --- chain stores and branches -----------------------------------------------------------------


def test_another_store_of_a_chain_in_the_same_city_is_not_a_duplicate() -> None:
    store = CustomerRecord(
        "s1", "杭州华联超市有限公司文三店", phone="0571-88001111", address="杭州市西湖区文三路10号", city="杭州市"
    )
    other = CustomerRecord(
        "s2", "杭州华联超市有限公司滨江店", phone="0571-86002222", address="杭州市滨江区江南大道99号", city="杭州市"
    )
    assert level_of(other, store) is None


def test_a_branch_of_a_group_is_related_naming_the_group() -> None:
    branch = CustomerRecord(
        "in", "苏州永晨科技有限公司吴江分公司", phone="0512-63330000", address="苏州市吴江区中山南路1号", city="苏州市"
    )
    found = match(branch, YONGCHEN)
    assert found.candidates == ()
    assert [c.key for c in found.related] == ["yongchen"]
    assert "related: '苏州永晨科技有限公司'" in reasons(branch, YONGCHEN)


def test_the_same_branch_written_twice_is_a_duplicate_not_related() -> None:
    branch = CustomerRecord("b", "苏州永晨科技有限公司吴江分公司", phone="0512-63330000", city="苏州市")
    again = CustomerRecord("in", "永晨科技吴江分公司", phone="0512 6333 0000", city="苏州市")
    assert level_of(again, branch) is Level.DUPLICATE


def test_a_brand_that_starts_like_a_city_keeps_its_first_syllables() -> None:
    assert latin_sound("longyang construction limited") == "longyangjianshe"  # not 龙岩 (longyan) + g
    assert latin_sound("suzhouyongchen keji") == "yongchenkeji"


def test_an_electronics_company_is_not_a_subsidiary() -> None:
    incoming = CustomerRecord("in", "Tongliao Lvhuichang Electronics Co. Ltd", phone="0329-55670124")
    existing = CustomerRecord("e", "绿慧昌电子公司", phone="0329-55670124", city="通辽市")
    assert profile(existing).branch is None
    assert level_of(incoming, existing) is Level.DUPLICATE
