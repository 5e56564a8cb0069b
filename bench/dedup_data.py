"""A labelled set for measuring dedup: existing customers, and incoming ones that are either a disguised
copy of an existing customer (a true duplicate) or a new customer built to look like one (a hard negative).

How it is built (seeded, so every run with the same arguments gives the same set; one module, longer
than most, so the whole recipe of the labelled set can be reviewed in one place):
- Existing customers are companies "<place><brand><industry><legal form>" and public institutions
  ("<city>第三人民医院", "<city>中医院", …) spread over every prefecture of China (cpca's division
  table), with a province/city/district, a street address, a valid unified social credit code, a
  mobile or landline phone and coordinates near the district's centre, each field present with a
  realistic probability. A name is unique within its city, as company registration requires; 1% of
  customers share a switchboard phone with another customer of their city.
- A duplicate copies an existing customer and disguises it with 1 to 4 cheap tricks: zero-width
  characters, Cyrillic look-alike letters, full-width characters, traditional script, inserted spaces,
  a dropped or swapped legal suffix, a "(中国)" marker, a dropped or added city prefix, a reformatted
  phone, an address in Chinese numerals or without its province, jittered coordinates; and it drops
  fields the way partners leave them empty (the code, the phone, the address, the coordinates).
- A hard negative is a new customer: the same brand and industry in another city; the same brand in
  another city and industry; a name one character away in the same city, with its own phone and
  address; the same institution name in another city (北京市第一人民医院 / 上海市第一人民医院); or an
  unrelated new company.

Long because it is data generation: name parts, place tables and the disguises, each a short function.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import cn2an
import opencc
from stdnum.cn import uscc as uscc_checker

from referee_dedup.domain.divisions import CITY, DISTRICT, PROVINCE, Division, divisions
from referee_dedup.domain.normalize import name_key
from referee_dedup.domain.profile import CustomerRecord

BRAND_CHARACTERS = (
    "华美鑫达盛泰恒隆兴源宏远金瑞祥丰海天新明正信德诚安康顺利富强大中东南西北创益佳联合永胜伟"
    "博宇航星辰光辉腾飞龙凤锦绣博雅晨阳春秋云峰山川河湖林森松柏青蓝红绿白银铭豪杰英俊贤智慧思"
    "优品尚臻卓越志高远景致和平乐嘉禾旺福同心协力振邦友邦国泰民安亿万千百佰仟凯旋昌茂汇聚"
)
LATIN_BRANDS = ("abc", "tcl", "bmc", "kmc", "oppo", "mpc", "acme", "eco", "ace", "moca")
INDUSTRIES = (
    "建设",
    "建材",
    "装饰工程",
    "装饰",
    "医疗器械",
    "科技",
    "电子",
    "机械",
    "化工",
    "贸易",
    "物流",
    "食品",
    "纺织",
    "服装",
    "制药",
    "环保科技",
    "能源",
    "信息技术",
    "房地产开发",
    "汽车销售",
    "餐饮管理",
    "教育咨询",
    "网络科技",
    "生物科技",
    "陶瓷",
    "卫浴",
    "涂料",
    "钢结构",
    "门窗",
    "家具",
    "照明",
    "电气",
    "水务",
    "园林绿化",
    "市政工程",
    "物业管理",
    "酒店管理",
    "商贸",
    "实业",
    "投资",
    "数控机床",
    "压缩机",
    "精密仪器",
    "包装",
    "印刷",
    "塑料制品",
    "五金",
    "电缆",
    "光电",
    "新材料",
)
LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "公司")
INSTITUTIONS = (
    "第一人民医院",
    "第二人民医院",
    "第三人民医院",
    "人民医院",
    "中医院",
    "中心医院",
    "妇幼保健院",
    "儿童医院",
    "肿瘤医院",
    "第一中学",
    "第二中学",
    "实验小学",
    "疾病预防控制中心",
    "口腔医院",
)
ROAD_KINDS = ("路", "街", "大道", "大街", "东路", "西路", "中路")
CYRILLIC_LOOKALIKES = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і", "s": "ѕ"}
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060")


@dataclass
class LabelledRecord:
    record: CustomerRecord
    truth: str | None = None  # the existing customer it duplicates, or None for a new customer
    kind: str = ""  # how it was made: the tricks of a duplicate, or the kind of hard negative


@dataclass
class Town:
    """A prefecture-level city (or municipality) customers are placed in."""

    province: Division
    city: Division
    districts: list[Division]
    short: str
    roads: list[str] = field(default_factory=list)


@dataclass
class LabelledSet:
    existing: list[CustomerRecord]
    incoming: list[LabelledRecord]


class Generator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.to_traditional = opencc.OpenCC("s2t")
        self.towns = _towns()
        self.taken: set[tuple[str, str]] = set()  # (city, name core): names unique within a city
        self.serial = 0
        self.town_of: dict[str, Town] = {}
        self.negatives = 0
        self.district: Division | None = None

    # --- existing customers -------------------------------------------------------------------

    def existing(self, count: int) -> list[CustomerRecord]:
        records: list[CustomerRecord] = []
        while len(records) < count:
            town = self.random.choice(self.towns)
            name = self._new_name(town)
            if name is None:
                continue
            records.append(self._customer(f"E{len(records):07d}", name, town))
        for _ in range(count // 100):  # switchboards: a phone two customers of one city share
            a, b = self.random.sample(range(len(records)), 2)
            if records[a].phone and records[b].city == records[a].city:
                records[b] = replace(records[b], phone=records[a].phone)
        return records

    def _new_name(self, town: Town, brand: str | None = None, industry: str | None = None) -> str | None:
        r = self.random
        self.district = r.choice(town.districts) if town.districts else None
        if brand is None and r.random() < 0.1:
            institution = r.choice(INSTITUTIONS)
            name = f"{town.city.name if r.random() < 0.5 else town.short}{institution}"
            if r.random() < 0.2 and self.district is not None:
                name = f"{town.short}{self.district.name}{institution}"
        else:
            brand = brand or self._brand()
            industry = industry or r.choice(INDUSTRIES)
            where = r.random()
            prefix = town.short if where < 0.7 else _short(town.province) if where < 0.8 else ""
            name = f"{prefix}{brand}{industry}{r.choice(LEGAL_FORMS)}"
        key = (town.city.adcode, name_key(name))
        if key in self.taken:
            return None
        self.taken.add(key)
        return name

    def _brand(self) -> str:
        r = self.random
        if r.random() < 0.04:
            return r.choice(LATIN_BRANDS)
        return "".join(r.choice(BRAND_CHARACTERS) for _ in range(3 if r.random() < 0.15 else 2))

    def _customer(self, key: str, name: str, town: Town) -> CustomerRecord:
        r = self.random
        district = self.district  # chosen with the name, which may mention it
        spot = district if district is not None and district.lat is not None else town.city
        lat = lon = None
        if spot.lat is not None and spot.lon is not None and r.random() < 0.5:
            lat, lon = round(spot.lat + r.gauss(0, 0.03), 6), round(spot.lon + r.gauss(0, 0.03), 6)
        self.town_of[key] = town
        return CustomerRecord(
            key=key,
            name=name,
            uscc=self._uscc(district or town.city) if r.random() < 0.6 else None,
            phone=self._phone() if r.random() < 0.85 else None,
            address=self._address(town, district) if r.random() < 0.85 else None,
            province=town.province.name if r.random() < 0.95 else None,
            city=town.city.name if r.random() < 0.9 else None,
            district=district.name if district is not None and r.random() < 0.6 else None,
            lat=lat,
            lon=lon,
        )

    def _uscc(self, division: Division) -> str:
        self.serial += 1
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body, n = "", self.serial * 7919 + self.random.randrange(7919)
        for _ in range(9):
            body, n = alphabet[n % len(alphabet)] + body, n // len(alphabet)
        stem = f"91{division.adcode}{body}"
        return stem + str(uscc_checker.calc_check_digit(stem))

    def _phone(self) -> str:
        r = self.random
        if r.random() < 0.7:
            return f"1{r.choice('3456789')}{r.randrange(10**9):09d}"
        return f"0{r.randrange(10, 999)}-{r.randrange(2 * 10**7, 10**8):08d}"

    def _address(self, town: Town, district: Division | None) -> str:
        r = self.random
        if not town.roads:
            town.roads = [
                "".join(r.choice(BRAND_CHARACTERS) for _ in range(2)) + r.choice(ROAD_KINDS) for _ in range(150)
            ]
        street = f"{r.choice(town.roads)}{r.randrange(1, 999)}号"
        if r.random() < 0.3:
            street += f"{r.choice('ABCDEFG')}座{r.randrange(1, 30)}层"
        head = f"{town.province.name if town.province is not town.city else ''}{town.city.name}"
        return f"{head}{district.name if district else ''}{street}"

    # --- incoming: disguised duplicates ------------------------------------------------------

    def duplicate(self, original: CustomerRecord, town: Town) -> LabelledRecord:
        r = self.random
        record, tricks = original, []
        chosen = set(r.sample(NAME_TRICKS, r.randint(1, 3)))
        for trick in (t for t in NAME_TRICKS if t in chosen):  # words first, then how they are written
            changed = trick(self, record, town)
            if changed is not None and changed.name.strip():
                record, tricks = changed, [*tricks, trick.__name__]
        for trick in FIELD_TRICKS:
            if r.random() < 0.35:
                changed = trick(self, record, town)
                if changed is not None:
                    record, tricks = changed, [*tricks, trick.__name__]
        record = self._partner_leaves_fields_empty(record)
        return LabelledRecord(
            replace(record, key=f"I-{original.key}-{r.randrange(10**6)}"), original.key, "+".join(tricks)
        )

    def _partner_leaves_fields_empty(self, record: CustomerRecord) -> CustomerRecord:
        r = self.random
        located = r.random() < 0.6
        return replace(
            record,
            uscc=record.uscc if r.random() < 0.5 else None,
            phone=record.phone if r.random() < 0.7 else None,
            address=record.address if r.random() < 0.7 else None,
            lat=record.lat if located else None,
            lon=record.lon if located else None,
            district=record.district if r.random() < 0.5 else None,
        )

    # --- incoming: hard negatives --------------------------------------------------------------

    def hard_negative(self, existing: list[CustomerRecord]) -> LabelledRecord | None:
        r = self.random
        original = r.choice(existing)
        town = self.town_of[original.key]
        kind = r.choices(
            ("same_name_other_city", "same_brand_other_city_and_industry", "one_character_off", "new_customer"),
            weights=(35, 20, 30, 15),
        )[0]
        other = r.choice([t for t in self.towns if t.city.adcode != town.city.adcode])
        core = name_key(original.name)
        name: str | None
        if kind == "same_name_other_city":
            name = self._renamed_in(original.name, town, other)
            target = other
        elif kind == "same_brand_other_city_and_industry":
            brand = core[:2]
            industry = r.choice([i for i in INDUSTRIES if i not in core])
            name, target = self._new_name(other, brand=brand, industry=industry), other
        elif kind == "one_character_off":
            name, target = self._one_character_off(original.name, core, town), town
        else:
            name, target = self._new_name(other), other
        if name is None:
            return None
        if kind != "same_brand_other_city_and_industry" and kind != "new_customer":
            key = (target.city.adcode, name_key(name))
            if key in self.taken:
                return None
            self.taken.add(key)
        if kind in ("same_name_other_city", "one_character_off"):  # names not made by _new_name
            self.district = r.choice(target.districts) if target.districts else None
        self.negatives += 1
        record = self._customer(f"N{self.negatives:07d}", name, target)
        return LabelledRecord(self._partner_leaves_fields_empty(record), None, kind)

    def _renamed_in(self, name: str, town: Town, other: Town) -> str | None:
        """The same name with its city swapped for another one (or given one, when it had none)."""
        for written in (town.city.name, town.short, _short(town.province), town.province.name):
            if written and name.startswith(written):
                return other.short + name[len(written) :]
        return other.short + name

    def _one_character_off(self, name: str, core: str, town: Town) -> str | None:
        at = name.find(core)
        if at < 0 or not core:
            return None
        position = at + self.random.randrange(min(len(core), 3))
        replacement = self.random.choice(BRAND_CHARACTERS)
        if replacement == name[position]:
            return None
        return name[:position] + replacement + name[position + 1 :]


# --- the tricks ---------------------------------------------------------------------------------


def zero_width(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord:
    name = record.name
    for _ in range(g.random.randint(1, 3)):
        at = g.random.randrange(len(name) + 1)
        name = name[:at] + g.random.choice(INVISIBLE) + name[at:]
    return replace(record, name=name)


def lookalike_letters(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    if not any(c in CYRILLIC_LOOKALIKES for c in record.name.lower()):
        return None
    return replace(record, name="".join(CYRILLIC_LOOKALIKES.get(c, c) for c in record.name.lower()))


def full_width(_g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord:
    def wide(text: str | None) -> str | None:
        return None if text is None else "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)

    return replace(record, name=wide(record.name) or record.name, address=wide(record.address))


def traditional_script(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord:
    return replace(record, name=str(g.to_traditional.convert(record.name)))


def inserted_spaces(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord:
    name = record.name
    for _ in range(g.random.randint(1, 3)):
        at = g.random.randrange(1, max(2, len(name)))
        name = name[:at] + g.random.choice((" ", "  ", "\u3000")) + name[at:]
    return replace(record, name=name)


def legal_suffix_dropped(_g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    for form in sorted(set(LEGAL_FORMS), key=len, reverse=True):
        if record.name.endswith(form):
            return replace(record, name=record.name[: -len(form)])
    return None


def legal_suffix_swapped(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    for form in sorted(set(LEGAL_FORMS), key=len, reverse=True):
        if record.name.endswith(form):
            other = g.random.choice([f for f in set(LEGAL_FORMS) if f != form])
            return replace(record, name=record.name[: -len(form)] + other)
    return None


def china_marker(_g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    for form in sorted(set(LEGAL_FORMS), key=len, reverse=True):
        if record.name.endswith(form):
            return replace(record, name=record.name[: -len(form)] + "（中国）" + form)
    return None


def city_prefix_dropped(_g: Generator, record: CustomerRecord, town: Town) -> CustomerRecord | None:
    for written in (town.city.name, town.short, town.province.name, _short(town.province)):
        if written and record.name.startswith(written) and len(record.name) > len(written) + 2:
            return replace(record, name=record.name[len(written) :])
    return None


def city_prefix_added(_g: Generator, record: CustomerRecord, town: Town) -> CustomerRecord | None:
    if record.name.startswith((town.short, _short(town.province))):
        return None
    return replace(record, name=town.short + record.name)


def phone_reformatted(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    if not record.phone:
        return None
    digits = record.phone.replace("-", "")
    if digits.startswith("1"):
        written = g.random.choice(
            (f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}", f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"86{digits}")
        )
    else:
        area, number = record.phone.split("-")
        written = g.random.choice(
            (f"({area}){number}", f"+86 {area[1:]} {number}", f"{area} {number[:4]} {number[4:]}")
        )
    return replace(record, phone=written)


def address_in_chinese_numerals(_g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    if not record.address:
        return None
    return replace(record, address=str(cn2an.transform(record.address, "an2cn")))


def address_without_province(_g: Generator, record: CustomerRecord, town: Town) -> CustomerRecord | None:
    if not record.address or not record.address.startswith(town.province.name) or town.province is town.city:
        return None
    return replace(record, address=record.address[len(town.province.name) :])


def coordinates_jittered(g: Generator, record: CustomerRecord, _town: Town) -> CustomerRecord | None:
    if record.lat is None or record.lon is None:
        return None
    return replace(record, lat=record.lat + g.random.gauss(0, 0.0003), lon=record.lon + g.random.gauss(0, 0.0003))


NAME_TRICKS = (  # in the order they are applied: the words first, then how they are written
    legal_suffix_dropped,
    legal_suffix_swapped,
    china_marker,
    city_prefix_dropped,
    city_prefix_added,
    lookalike_letters,
    full_width,
    traditional_script,
    inserted_spaces,
    zero_width,
)
FIELD_TRICKS = (phone_reformatted, address_in_chinese_numerals, address_without_province, coordinates_jittered)


def _short(division: Division) -> str:
    for ending in ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"):
        if division.name.endswith(ending) and len(division.name) - len(ending) >= 2:
            return division.name[: -len(ending)]
    return division.name


def _towns() -> list[Town]:
    table = divisions()
    provinces = {d.prefix: d for d in table.by_code.values() if d.rank == PROVINCE}
    towns = []
    for division in sorted(table.by_code.values(), key=lambda d: d.adcode):
        if division.rank != CITY or division.lat is None or division.prefix[:2] not in provinces:
            continue
        districts = [
            d
            for d in table.by_code.values()
            if d.rank == DISTRICT and d.prefix.startswith(division.prefix) and d.lat is not None
        ]
        province = provinces[division.prefix[:2]]
        municipal = province.name == division.name
        towns.append(Town(province, province if municipal else division, districts, _short(division)))
    return towns


def labelled_set(existing: int, incoming: int, *, seed: int = 7, duplicate_share: float = 0.5) -> LabelledSet:
    """``existing`` customers and ``incoming`` labelled ones, half disguised duplicates, half hard negatives."""
    g = Generator(seed)
    records = g.existing(existing)
    labelled: list[LabelledRecord] = []
    while len(labelled) < incoming:
        if g.random.random() < duplicate_share:
            original = g.random.choice(records)
            labelled.append(g.duplicate(original, g.town_of[original.key]))
        else:
            negative = g.hard_negative(records)
            if negative is not None:
                labelled.append(negative)
    return LabelledSet(records, labelled)


COLUMNS = ("id", "name", "uscc", "phone", "address", "province", "city", "district", "lat", "lon")


def write_csv(path: Path, records: list[CustomerRecord], labels: list[LabelledRecord] | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        extra = ("truth", "kind") if labels is not None else ()
        writer.writerow((*COLUMNS, *extra))
        for number, r in enumerate(records):
            row = [r.key, r.name, r.uscc, r.phone, r.address, r.province, r.city, r.district, r.lat, r.lon]
            if labels is not None:
                row += [labels[number].truth or "", labels[number].kind]
            writer.writerow(["" if v is None else v for v in row])


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write a labelled dedup set as CSV files.")
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--incoming", type=int, default=4_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args()
    data = labelled_set(args.existing, args.incoming, seed=args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(args.out_dir / "existing.csv", data.existing)
    write_csv(args.out_dir / "incoming.csv", [x.record for x in data.incoming], data.incoming)
    print(f"wrote {len(data.existing)} existing and {len(data.incoming)} incoming customers to {args.out_dir}")
