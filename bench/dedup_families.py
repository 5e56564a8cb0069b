"""A labelled set by family: customer records written the way real partners and clerks write them.

Every incoming record belongs to one family, so accuracy can be reported per family (see
dedup_families_eval.py); one module, longer than most, because each family's generator is read beside
the others when judging how fair the set is. Duplicates of an existing customer (``truth`` set):

- ``pinyin_name``: the name in pinyin or English ("Suzhou Yongchen Technology Co., Ltd.",
  "YONGCHEN KEJI CO.,LTD"), with the same phone or the same address as the Chinese record.
- ``short_name``: 简称 — the brand without city, industry word or legal suffix, or an institution's
  usual short form (…中医医院 → …中医院), with one other field agreeing.
- ``homophone`` / ``lookalike``: one brand character replaced by one of the same sound (pypinyin)
  or the same shape (four-corner code), with the address agreeing.
- ``phone_typed``: the phone as people type it (转/ext, two numbers in one field, a landline without
  its area code, +86 forms, the mobile beside the landline); no address, the name's place left out.
- ``address_typed``: the address in Chinese numerals, 栋/幢/号楼 and 层/楼 swapped, district left out,
  building name dropped; the name's short form.
- ``renamed``: a new name, the same unified social credit code (the code decides).
- ``mistyped_uscc``: one character of the credit code mistyped (its check digit then fails).
- ``cheap_tricks``: the first round's disguises (dedup_data.py), kept so nothing regresses.

Hard negatives (no ``truth``): ``chain_store`` (another store of a chain in the same city: same brand,
another store name, address and phone), ``two_entities`` (two legal entities of one brand with
different valid credit codes), ``same_building`` (another company at the same building address),
``old_negatives`` (dedup_data.py's), and ``branch`` (a 分公司 of an existing group: expected verdict
``related``, naming the group).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import cn2an
from dedup_data import BRAND_CHARACTERS, INDUSTRIES, Generator, LabelledRecord, Town, _short, labelled_set
from four_corner_method import FourCornerMethod
from pypinyin import lazy_pinyin, pinyin_dict
from stdnum.cn import uscc as uscc_checker

from referee_dedup.domain.profile import CustomerRecord

INDUSTRY_ENGLISH = {
    "科技": "Technology",
    "电子": "Electronics",
    "机械": "Machinery",
    "化工": "Chemical",
    "贸易": "Trading",
    "物流": "Logistics",
    "食品": "Food",
    "建设": "Construction",
    "建材": "Building Materials",
    "医疗器械": "Medical Devices",
    "信息技术": "Information Technology",
    "能源": "Energy",
    "环保科技": "Environmental Technology",
}
LEGAL_ENGLISH = ("Co., Ltd.", "CO.,LTD", "Co. Ltd", "Company Limited", "Limited")
INSTITUTION_SHORT = {
    "中医医院": "中医院",
    "第一人民医院": "第一医院",
    "疾病预防控制中心": "疾控中心",
    "妇幼保健院": "妇幼保健",
    "人民医院": "人医",
}
BUILDING_WORDS = ("大厦", "广场", "科技园", "中心", "商务楼", "产业园")
CHAIN_INDUSTRIES = ("超市", "餐饮", "药房", "便利店", "眼镜")
POSITIVE_FAMILIES = (
    "pinyin_name",
    "short_name",
    "homophone",
    "lookalike",
    "phone_typed",
    "address_typed",
    "renamed",
    "mistyped_uscc",
    "cheap_tricks",
)
NEGATIVE_FAMILIES = ("chain_store", "two_entities", "same_building", "old_negatives", "branch")


@dataclass
class FamilySet:
    existing: list[CustomerRecord]
    incoming: list[LabelledRecord]  # kind = the family; truth = the duplicated customer or None
    related: dict[str, str]  # incoming key of a branch -> the group it belongs to


@cache
def _four_corner() -> dict[str, str]:
    return dict(FourCornerMethod().data)


@cache
def _common_characters() -> tuple[str, ...]:
    """Characters of GB2312 level one (the ones names use), as pypinyin knows them."""
    found = []
    for codepoint in pinyin_dict.pinyin_dict:
        char = chr(codepoint)
        try:
            encoded = char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7:
            found.append(char)
    return tuple(sorted(found))


@cache
def _homophones() -> dict[str, tuple[str, ...]]:
    by_sound: dict[str, list[str]] = {}
    for char in _common_characters():
        by_sound.setdefault(lazy_pinyin(char)[0], []).append(char)
    return {c: tuple(o for o in by_sound[lazy_pinyin(c)[0]] if o != c) for c in _common_characters()}


@cache
def _lookalikes() -> dict[str, tuple[str, ...]]:
    codes = _four_corner()
    by_code: dict[str, list[str]] = {}
    for char in _common_characters():
        if char in codes:
            by_code.setdefault(codes[char], []).append(char)
    return {c: tuple(o for o in by_code.get(codes.get(c, ""), []) if o != c) for c in _common_characters()}


class FamilyGenerator(Generator):
    """dedup_data's generator, with richer addresses (building, 栋, 层) and chain stores and groups."""

    def _address(self, town: Town, district: object) -> str:
        r = self.random
        base = super()._address(town, district)  # type: ignore[arg-type]
        if r.random() < 0.5:
            stem = base.split("号")[0] + "号"
            building = "".join(r.choice(BRAND_CHARACTERS) for _ in range(2)) + r.choice(BUILDING_WORDS)
            return f"{stem}{building}{r.randrange(1, 12)}栋{r.randrange(1, 30)}层"
        return base

    def family_set(self, existing: int, per_family: int) -> FamilySet:
        records = self.existing(existing)
        with_brand = [r for r in records if self._brand_of(r) is not None]
        incoming: list[LabelledRecord] = []
        related: dict[str, str] = {}
        makers: dict[str, Callable[[CustomerRecord], LabelledRecord | None]] = {
            "pinyin_name": self.pinyin_name,
            "short_name": self.short_name,
            "homophone": self.homophone,
            "lookalike": self.lookalike,
            "phone_typed": self.phone_typed,
            "address_typed": self.address_typed,
            "renamed": self.renamed,
            "mistyped_uscc": self.mistyped_uscc,
            "two_entities": self.two_entities,
            "same_building": self.same_building,
        }
        for family, make in makers.items():
            made = 0
            for _ in range(per_family * 20):
                if made == per_family:
                    break
                found = make(self.random.choice(with_brand))
                if found is not None:
                    found.kind = family
                    incoming.append(found)
                    made += 1
        for _ in range(per_family):
            existing_store, incoming_store = self.chain_stores(records)
            records.append(existing_store)
            incoming.append(incoming_store)
        for _ in range(per_family):
            original = self.random.choice(with_brand)
            branch = self.branch(original)
            related[branch.record.key] = original.key
            incoming.append(branch)
        old = labelled_set(min(existing, 5_000), per_family * 2, seed=self.random.randrange(10**6))
        for item in old.incoming:  # the old set's customers join the existing ones under new keys
            truth = f"O{item.truth}" if item.truth else None
            record = replace(item.record, key=f"O{item.record.key}")
            kind = "cheap_tricks" if truth else "old_negatives"
            incoming.append(LabelledRecord(record, truth, kind))
        records.extend(replace(r, key=f"O{r.key}") for r in old.existing)
        return FamilySet(records, incoming, related)

    # --- helpers ---------------------------------------------------------------------------

    def _brand_of(self, record: CustomerRecord) -> tuple[str, str, str] | None:
        """(place prefix, brand, industry) of a generated company name, or None for an institution."""
        town = self.town_of.get(record.key)
        if town is None:
            return None
        name = record.name
        prefix = ""
        for written in (town.short, _short(town.province)):
            if written and name.startswith(written):
                prefix, name = written, name[len(written) :]
                break
        for form in sorted(("集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "公司"), key=len, reverse=True):
            if name.endswith(form):
                name = name[: -len(form)]
                break
        else:
            return None
        for industry in sorted(INDUSTRIES, key=len, reverse=True):
            if name.endswith(industry) and len(name) > len(industry):
                brand = name[: -len(industry)]
                if all("\u4e00" <= c <= "\u9fff" for c in brand):
                    return prefix, brand, industry
        return None

    def _incoming(self, original: CustomerRecord, **changes: object) -> LabelledRecord:
        key = f"I-{original.key}-{self.random.randrange(10**6)}"
        return LabelledRecord(replace(original, key=key, **changes), original.key)  # type: ignore[arg-type]

    def _only(self, record: CustomerRecord, keep: str) -> dict[str, object]:
        """Fields a partner leaves empty except ``keep`` ('phone' or 'address') and the place fields."""
        changes: dict[str, object] = {"uscc": None, "lat": None, "lon": None}
        if keep != "phone":
            changes["phone"] = None
        if keep != "address":
            changes["address"] = None
        return changes

    # --- duplicates --------------------------------------------------------------------------

    def pinyin_name(self, original: CustomerRecord) -> LabelledRecord | None:
        parts = self._brand_of(original)
        if parts is None:
            return None
        r = self.random
        keep = "phone" if original.phone and (r.random() < 0.5 or not original.address) else "address"
        if keep == "address" and not original.address:
            return None
        _prefix, brand, industry = parts
        town = self.town_of[original.key]
        city = "".join(lazy_pinyin(town.short)).capitalize()
        brand_pinyin = "".join(lazy_pinyin(brand))
        if industry in INDUSTRY_ENGLISH and r.random() < 0.6:
            words = [city] if r.random() < 0.6 else []
            words += [brand_pinyin.capitalize(), INDUSTRY_ENGLISH[industry], r.choice(LEGAL_ENGLISH)]
            name = " ".join(words)
        else:
            name = f"{brand_pinyin} {''.join(lazy_pinyin(industry))} {r.choice(LEGAL_ENGLISH)}".upper()
        found = self._incoming(original, name=name, **self._only(original, keep))
        return found

    def short_name(self, original: CustomerRecord) -> LabelledRecord | None:
        parts = self._brand_of(original)
        if parts is None:
            return None
        r = self.random
        _prefix, brand, industry = parts
        name = brand + industry if r.random() < 0.6 else brand
        keep = r.choice([f for f in ("phone", "address") if getattr(original, f)] or ["address"])
        if not getattr(original, keep):
            return None
        return self._incoming(original, name=name, **self._only(original, keep))

    def _brand_swapped(self, original: CustomerRecord, table: dict[str, tuple[str, ...]]) -> LabelledRecord | None:
        parts = self._brand_of(original)
        if parts is None or not original.address:
            return None
        prefix, brand, industry = parts
        position = self.random.randrange(len(brand))
        others = table.get(brand[position], ())
        if not others:
            return None
        changed = brand[:position] + self.random.choice(others) + brand[position + 1 :]
        name = original.name.replace(prefix + brand + industry, prefix + changed + industry, 1)
        return self._incoming(original, name=name, **self._only(original, "address"))

    def homophone(self, original: CustomerRecord) -> LabelledRecord | None:
        return self._brand_swapped(original, _homophones())

    def lookalike(self, original: CustomerRecord) -> LabelledRecord | None:
        return self._brand_swapped(original, _lookalikes())

    def phone_typed(self, original: CustomerRecord) -> LabelledRecord | None:
        if not original.phone:
            return None
        r = self.random
        phone = original.phone
        mobile = phone.startswith("1")
        digits = phone.replace("-", "")
        other_mobile = f"1{r.choice('3456789')}{r.randrange(10**9):09d}"
        if mobile:
            written = r.choice(
                (
                    f"+86-{digits}",
                    f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
                    f"{digits} / 0{r.randrange(10, 999)}-{r.randrange(2 * 10**7, 10**8)}",
                    f"{other_mobile}，{digits}",
                    f"{digits[:3]} {digits[3:7]} {digits[7:]}",
                )
            )
        else:
            area, number = phone.split("-")
            written = r.choice(
                (
                    f"{area}-{number}转{r.randrange(100, 9999)}",
                    f"{area}-{number} ext.{r.randrange(100, 9999)}",
                    number,  # without its area code
                    f"{number}-{r.randrange(100, 999)}",
                    f"{area}-{number}/{other_mobile}",
                    f"{other_mobile} {area}{number}",
                    f"+86({area[1:]}){number}",
                )
            )
        name = original.name
        town = self.town_of[original.key]
        for written_place in (town.short, _short(town.province)):  # the name's place left out too
            if written_place and name.startswith(written_place) and len(name) > len(written_place) + 3:
                name = name[len(written_place) :]
                break
        if not mobile and written.startswith(number):  # a landline without area code: the city must be known
            changes = self._only(original, "phone")
        else:
            changes = {**self._only(original, "phone"), "province": None, "city": None, "district": None}
        return self._incoming(original, name=name, phone=written, **changes)

    def address_typed(self, original: CustomerRecord) -> LabelledRecord | None:
        if not original.address or "号" not in original.address:
            return None
        r = self.random
        address = original.address
        town = self.town_of[original.key]
        tricks = r.sample(("numerals", "building_word", "floor_word", "no_district", "no_building"), r.randint(1, 3))
        for trick in tricks:
            if trick == "numerals":
                address = str(cn2an.transform(address, "an2cn"))
            elif trick == "building_word":
                address = address.replace("栋", r.choice(("幢", "号楼", "座")))
            elif trick == "floor_word":
                address = address.replace("层", r.choice(("楼", "F")))
            elif trick == "no_district":
                for district in town.districts:
                    address = address.replace(district.name, "", 1) if district.name in address else address
                if original.district and original.district in address:
                    address = address.replace(original.district, "", 1)
            elif trick == "no_building":
                head, _, tail = address.partition("号")
                for word in BUILDING_WORDS:
                    at = tail.find(word)
                    if at >= 0:
                        tail = tail[at + len(word) :]
                        break
                address = head + "号" + tail
        parts = self._brand_of(original)
        if parts is None:
            return None
        # the short name and no place fields: the address is what must agree
        name = parts[1] + parts[2] if r.random() < 0.5 else parts[1]
        changes = {**self._only(original, "address"), "province": None, "city": None, "district": None}
        return self._incoming(original, name=name, address=address, **changes)

    def renamed(self, original: CustomerRecord) -> LabelledRecord | None:
        if not original.uscc:
            return None
        town = self.town_of[original.key]
        name = self._new_name(town)
        if name is None:
            return None
        r = self.random
        return self._incoming(
            original,
            name=name,
            address=self._address(town, self.district) if r.random() < 0.5 else original.address,
            phone=self._phone() if r.random() < 0.5 else original.phone,
            lat=None,
            lon=None,
        )

    def mistyped_uscc(self, original: CustomerRecord) -> LabelledRecord | None:
        if not original.uscc:
            return None
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        code = original.uscc
        for _ in range(10):
            at = self.random.randrange(2, 17)
            typo = code[:at] + self.random.choice(alphabet) + code[at + 1 :]
            if not uscc_checker.is_valid(typo):
                parts = self._brand_of(original)
                name = parts[1] + parts[2] if parts is not None and self.random.random() < 0.5 else original.name
                return self._incoming(original, name=name, uscc=typo, lat=None, lon=None)
        return None

    # --- hard negatives ------------------------------------------------------------------------

    def _negative(self, record: CustomerRecord, kind: str) -> LabelledRecord:
        self.negatives += 1
        return LabelledRecord(replace(record, key=f"N{self.negatives:07d}"), None, kind)

    def two_entities(self, original: CustomerRecord) -> LabelledRecord | None:
        """The same brand registered twice: another legal form (or industry word), its own valid code."""
        parts = self._brand_of(original)
        if parts is None or not original.uscc:
            return None
        town = self.town_of[original.key]
        prefix, brand, industry = parts
        form = self.random.choice(("股份有限公司", "集团有限公司", "有限责任公司"))
        if original.name.endswith(form):
            form = "有限公司"
        name = f"{prefix}{brand}{industry}{form}"
        district = self.random.choice(town.districts) if town.districts else None
        return self._negative(
            replace(
                original,
                name=name,
                uscc=self._uscc(district or town.city),
                phone=self._phone(),
                address=self._address(town, district),
                lat=None,
                lon=None,
            ),
            "two_entities",
        )

    def same_building(self, original: CustomerRecord) -> LabelledRecord | None:
        if not original.address:
            return None
        town = self.town_of[original.key]
        name = self._new_name(town)
        if name is None:
            return None
        address = original.address
        if "层" in address and self.random.random() < 0.5:
            address = address.rsplit("栋", 1)[0] + f"栋{self.random.randrange(1, 30)}层" if "栋" in address else address
        return self._negative(
            replace(
                original,
                name=name,
                uscc=self._uscc(town.city) if self.random.random() < 0.5 else None,
                phone=self._phone() if self.random.random() < 0.6 else None,
                address=address,
            ),
            "same_building",
        )

    def chain_stores(self, records: list[CustomerRecord]) -> tuple[CustomerRecord, LabelledRecord]:
        """An existing store of a chain, and another store of it in the same city."""
        r = self.random
        town = r.choice(self.towns)
        brand = self._brand()
        industry = r.choice(CHAIN_INDUSTRIES)
        stores = []
        for _ in range(2):
            district = r.choice(town.districts) if town.districts else None
            road = r.choice(town.roads) if town.roads else "人民路"
            self.district = district
            stores.append(
                CustomerRecord(
                    key="",
                    name=f"{town.short}{brand}{industry}有限公司{road[:-1] if len(road) > 2 else road}店",
                    uscc=self._uscc(district or town.city) if r.random() < 0.5 else None,
                    phone=self._phone(),
                    address=self._address(town, district),
                    province=town.province.name,
                    city=town.city.name,
                    district=district.name if district else None,
                )
            )
        existing = replace(stores[0], key=f"C{len(records):07d}")
        self.town_of[existing.key] = town
        return existing, self._negative(stores[1], "chain_store")

    def branch(self, original: CustomerRecord) -> LabelledRecord:
        """A 分公司 of an existing company: its own code, address and phone."""
        town = self.town_of[original.key]
        district = self.random.choice(town.districts) if town.districts else None
        where = (district.name[:-1] if district and len(district.name) > 2 else town.short) or "华东"
        base = original.name
        if not base.endswith("公司"):
            base += "有限公司"
        self.district = district
        return self._negative(
            replace(
                original,
                name=f"{base}{where}分公司",
                uscc=self._uscc(district or town.city) if self.random.random() < 0.6 else None,
                phone=self._phone(),
                address=self._address(town, district),
                lat=None,
                lon=None,
            ),
            "branch",
        )


def family_set(existing: int, per_family: int, *, seed: int = 15) -> FamilySet:
    """``existing`` customers (plus a few chain stores) and ``per_family`` incoming records per family."""
    return FamilyGenerator(seed).family_set(existing, per_family)
