"""A customer as the matcher sees it: what a partner wrote, and its normalised profile."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum.cn import uscc as uscc_checker

from .divisions import Place
from .normalize import address_parts, fold, name_parts_of_folded, phones, place_of_fields
from .sounds import sound


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer as written: by a partner's registration, a CSV row or a database row."""

    key: str
    name: str
    uscc: str | None = None
    phone: str | None = None
    address: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    lat: float | None = None
    lon: float | None = None


_PLACES: dict[Place, Place] = {}


class PlaceSource(StrEnum):
    FIELDS = "fields"  # the province/city/district the partner filled in, completed by the address
    ADDRESS = "address"
    NAME = "name"  # only the name's leading place words say where it is
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    name: str
    full: str
    core: str
    place: Place
    place_source: PlaceSource
    uscc: str | None
    phone: str | None
    street: str
    lat: float | None
    lon: float | None
    branch: str | None
    phones: tuple[str, ...] = ()  # every number of the phone field, E.164; ``phone`` is the first
    local_phones: tuple[str, ...] = ()  # landlines' local numbers, also when written without area code
    sound: str = ""  # the core in toneless pinyin, or a Latin name's romanised key (sounds.py)
    latin: bool = False  # the name is written in Latin letters (pinyin or English)
    uscc_ignored: str | None = None  # a credit code that fails its check digit: left out of matching

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def profile(record: CustomerRecord) -> Profile:
    """Normalise a record; deterministic, so the index can be rebuilt from stored records at any time."""
    fields = place_of_fields(record.province, record.city, record.district)
    address = address_parts(record.address, fields if fields.known else None)
    place = fields.merged(address.place) if fields.known else address.place
    folded = fold(record.name)
    name = name_parts_of_folded(folded, place if place.known else None)
    if fields.known:
        source = PlaceSource.FIELDS
    elif address.place.known:
        source = PlaceSource.ADDRESS
    elif name.place.known:
        place, source = name.place, PlaceSource.NAME
    else:
        source = PlaceSource.NONE
    if source is not PlaceSource.NAME:
        place = place.merged(name.place)
    place = _PLACES.setdefault(place, place)  # a few thousand distinct places shared by a million profiles
    uscc, ignored = _credit_code(record.uscc)
    numbers = phones(record.phone)
    latin = _HAN.search(folded) is None
    return Profile(
        key=record.key,
        name=record.name,
        full=name.full,
        core=name.core,
        place=place,
        place_source=source,
        uscc=uscc,
        phone=numbers.numbers[0] if numbers.numbers else None,
        street=address.street,
        lat=record.lat,
        lon=record.lon,
        branch=name.branch,
        phones=numbers.numbers,
        local_phones=numbers.local,
        sound=sound(name.core, folded if latin else None),
        latin=latin,
        uscc_ignored=ignored,
    )


_HAN = re.compile("[\u3400-\u9fff]")
# The unified social credit code's alphabet and check-digit weights (GB 32100-2015), as python-stdnum has them.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: v for v, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit_code(written: str | None) -> tuple[str | None, str | None]:
    """(the code to match on, the code ignored because its check digit fails)."""
    code = written.strip().upper() if written and written.strip() else None
    if code is None:
        return None, None
    return (code, None) if _valid_uscc(code) else (None, code)


_USCC_PLAIN = re.compile("[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")


def _valid_uscc(code: str) -> bool:
    """``stdnum.cn.uscc.is_valid``, computed directly for a code of 18 plain characters (most of them)."""
    if _USCC_PLAIN.fullmatch(code) is None:
        return bool(uscc_checker.is_valid(code))  # spaces, dashes or other characters: the library decides
    total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
    return code[17] == _USCC_ALPHABET[(31 - total) % 31]
