"""A customer as the matcher sees it: what a partner wrote, and its normalised profile."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .divisions import Place
from .normalize import address_parts, name_parts, phone_key, place_of_fields


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

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def profile(record: CustomerRecord) -> Profile:
    """Normalise a record; deterministic, so the index can be rebuilt from stored records at any time."""
    fields = place_of_fields(record.province, record.city, record.district)
    address = address_parts(record.address, fields if fields.known else None)
    place = fields.merged(address.place) if fields.known else address.place
    name = name_parts(record.name, place if place.known else None)
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
    return Profile(
        key=record.key,
        name=record.name,
        full=name.full,
        core=name.core,
        place=place,
        place_source=source,
        uscc=record.uscc.strip().upper() if record.uscc and record.uscc.strip() else None,
        phone=phone_key(record.phone),
        street=address.street,
        lat=record.lat,
        lon=record.lon,
        branch=name.branch,
    )
