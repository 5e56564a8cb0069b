"""A normalised profile as plain JSON values, so it is computed once when a customer is written.

Loading a million customers then decodes lists instead of normalising names, addresses and phones
again (bench/dedup_cold_start.py measures both). ``VERSION`` names the normalisation: when the
normalisation changes, raise it, and profiles stored under an older version are normalised again
on load instead of being trusted.
"""

from __future__ import annotations

from typing import Any

from .divisions import Place
from .profile import PlaceSource, Profile

VERSION = 2  # 1: the first round (never stored); 2: phones, sound, credit code checked (issue 15)

_PLACES: dict[tuple[str | None, str | None, str | None], Place] = {}
_SOURCES = {source.value: source for source in PlaceSource}


def encode(profile: Profile) -> list[Any]:
    p = profile
    place = p.place
    return [
        VERSION,
        p.full,
        p.core,
        [place.province, place.city, place.district],
        p.place_source.value,
        p.uscc,
        p.street,
        p.branch,
        list(p.phones),
        list(p.local_phones),
        p.sound,
        p.latin,
        p.uscc_ignored,
    ]


def decode(data: list[Any] | None, key: str, name: str, lat: float | None, lon: float | None) -> Profile | None:
    """The stored profile of customer ``key``, or None when there is none or it is of another version."""
    if not data or data[0] != VERSION:
        return None
    _, full, core, where, source, uscc, street, branch, numbers, local, sound, latin, ignored = data
    triple = (where[0], where[1], where[2])
    place = _PLACES.get(triple)
    if place is None:
        place = _PLACES[triple] = Place(*triple)
    return Profile(
        key=key,
        name=name,
        full=full,
        core=core,
        place=place,
        place_source=_SOURCES[source],
        uscc=uscc,
        phone=numbers[0] if numbers else None,
        street=street,
        lat=lat,
        lon=lon,
        branch=branch,
        phones=tuple(numbers),
        local_phones=tuple(local),
        sound=sound,
        latin=latin,
        uscc_ignored=ignored,
    )
