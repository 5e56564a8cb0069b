"""The matching engine on its own: cheap tricks do not hide a duplicate, hard negatives stay apart."""

from __future__ import annotations

import pytest

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.matching import Level, Thresholds, find_matches
from referee_dedup.domain.normalize import address_parts, name_parts, phone_key
from referee_dedup.domain.profile import CustomerRecord, profile

THRESHOLDS = Thresholds(duplicate=0.92, possible=0.75)
BINJIANG = CustomerRecord(
    "binjiang",
    "杭州滨江建设有限公司",
    phone="0571-88888888",
    address="浙江省杭州市滨江区江南大道100号",
    province="浙江省",
    city="杭州市",
)
BEIJING_HOSPITAL = CustomerRecord("bj-1", "北京市第一人民医院", province="北京市", phone="010-66666666")


def index_of(*records: CustomerRecord) -> CustomerIndex:
    index = CustomerIndex()
    index.add_all(profile(r) for r in records)
    return index


def level_of(incoming: CustomerRecord, *existing: CustomerRecord) -> Level | None:
    match = find_matches(index_of(*existing), profile(incoming), THRESHOLDS)
    return match.candidates[0].level if match.candidates else None


@pytest.mark.parametrize(
    "written",
    [
        "杭州\u200b滨江\u200d建设有限公司",  # zero-width characters
        "杭州濱江建設有限公司",  # traditional script
        "杭州 滨江  建设 有限公司",  # inserted spaces
        "杭州滨江建设股份有限公司",  # swapped legal suffix
        "杭州滨江建设",  # dropped legal suffix
        "滨江建设有限公司",  # dropped city prefix
        "杭州滨江建设（中国）有限公司",  # marker
    ],
)
def test_cheap_tricks_do_not_hide_a_duplicate(written: str) -> None:
    incoming = CustomerRecord("in", written, phone="+86 571 8888 8888", province="浙江省", city="杭州市")
    assert level_of(incoming, BINJIANG) is Level.DUPLICATE


def test_full_width_and_look_alike_letters_fold_to_the_same_name() -> None:
    assert name_parts("ＡＢＣ科技有限公司").core == name_parts("АВС科技").core == "abc科技"


def test_reformatted_phones_are_one_number() -> None:
    written = ["+86 571 8888 8888", "0571-8888 8888", "(0571)88888888", "86-571-88888888", "0571-88888888转123"]
    assert {phone_key(p) for p in written} == {"+8657188888888"}


def test_chinese_numerals_and_a_missing_province_do_not_change_an_address() -> None:
    spelled = address_parts("杭州市滨江区江南大道一百号")
    assert spelled == address_parts("浙江省杭州市滨江区江南大道100号")
    assert spelled.street == "江南大道100号"


def test_the_same_hospital_name_in_another_city_is_not_a_duplicate() -> None:
    assert level_of(CustomerRecord("sh-1", "上海市第一人民医院", province="上海市"), BEIJING_HOSPITAL) is None


def test_the_same_brand_in_another_city_and_industry_is_not_a_duplicate() -> None:
    chengdu = CustomerRecord("cd", "成都滨江医疗器械有限公司", province="四川省", city="成都市")
    assert level_of(chengdu, BINJIANG) is None


def test_a_one_character_different_name_with_other_contacts_and_address_stays_apart() -> None:
    other = CustomerRecord(
        "other",
        "杭州滨海建设有限公司",
        phone="0571-87777777",
        address="浙江省杭州市西湖区文三路5号",
        province="浙江省",
        city="杭州市",
    )
    assert level_of(other, BINJIANG) is None


def test_a_bare_name_without_any_place_is_only_a_possible_duplicate() -> None:
    assert level_of(CustomerRecord("in", "滨江建设"), BINJIANG) is Level.POSSIBLE


def test_every_verdict_explains_which_fields_matched_and_how_strongly() -> None:
    incoming = CustomerRecord("in", "濱江建設股份有限公司", phone="+86 571 8888 8888", province="浙江省")
    [best] = find_matches(index_of(BINJIANG), profile(incoming), THRESHOLDS).candidates
    fields = {e.field: e for e in best.evidence()}
    assert fields["name"].similarity == 1.0
    assert fields["phone"].weight > 0
    assert "duplicate_threshold 0.92" in best.decided_by(THRESHOLDS)


def test_candidates_come_from_the_index_not_a_scan() -> None:
    index = index_of(
        BINJIANG, *(CustomerRecord(f"c{i}", f"宁波{i}号码头物流有限公司", province="浙江省") for i in range(500))
    )
    query = profile(CustomerRecord("in", "杭州滨江建设有限公司", province="浙江省"))
    assert [p.key for p in index.candidates(query)] == ["binjiang"]
