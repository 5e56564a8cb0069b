"""Territory rules: the regions a partner may register in, and no cross-region registration within N km."""

from __future__ import annotations

from dataclasses import dataclass

from referee_shared.rules.territory import TerritoryRules

from .divisions import Place, divisions
from .geo import distance_km
from .normalize import clean_text


@dataclass(frozen=True, slots=True)
class Region:
    """One permitted region: an administrative division, a circle or a polygon, as written in the rules."""

    text: str
    code: str | None = None  # adcode prefix of a division
    centre: tuple[float, float] | None = None
    radius_km: float | None = None
    polygon: tuple[tuple[float, float], ...] = ()

    def contains(self, place: Place, point: tuple[float, float] | None) -> bool | None:
        """True or False, or None when the customer's place or point is not known well enough to tell."""
        if self.code is not None:
            if place.deepest() is None or len(place.deepest() or "") < len(self.code):
                return False if place.province and not self.code.startswith(place.province) else None
            return place.within(self.code)
        if point is None:
            return None
        if self.centre is not None and self.radius_km is not None:
            return distance_km(*point, *self.centre) <= self.radius_km
        return _inside_polygon(point, self.polygon)


def parse_region(text: str) -> Region:
    """'浙江省/杭州市', 'radius:30.27,120.15,25' (lat,lon,km) or 'polygon:lat lon;lat lon;…'; ValueError if not."""
    if text.startswith("radius:"):
        lat, lon, km = (float(v) for v in text.removeprefix("radius:").split(","))
        return Region(text, centre=(lat, lon), radius_km=km)
    if text.startswith("polygon:"):
        points = tuple(
            (float(lat), float(lon)) for lat, lon in (p.split() for p in text.removeprefix("polygon:").split(";"))
        )
        if len(points) < 3:
            raise ValueError(f"a polygon region needs at least three points: {text!r}")
        return Region(text, polygon=points)
    table = divisions()
    place = Place()
    for part in text.split("/"):
        found = table.named(clean_text(part), place if place.known else None)
        if not found.known:
            raise ValueError(f"unknown administrative division {part!r} in region {text!r}")
        place = found
    return Region(text, code=place.deepest())


def _inside_polygon(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (lon1 > lon) != (lon2 > lon) and lat < (lat2 - lat1) * (lon - lon1) / (lon2 - lon1) + lat1:
            inside = not inside
    return inside


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    reason: str


def regions_of(rules: TerritoryRules, partner_id: str) -> tuple[Region, ...] | None:
    """The partner's permitted regions, or None when the rules do not list the partner."""
    written = rules.partner_regions.get(partner_id)
    return None if written is None else tuple(parse_region(text) for text in written)


def out_of_region(
    rules: TerritoryRules, rule_ref: str, partner_id: str, place: Place, point: tuple[float, float] | None
) -> Refusal | None:
    """Why the partner may not register a customer there, or None when it may."""
    if not rules.enforce_partner_regions:
        return None
    regions = regions_of(rules, partner_id)
    if regions is None:
        if rules.unlisted_partners == "allow":
            return None
        return Refusal(
            "out_of_region", f"{partner_id} has no permitted regions in territory.partner_regions of {rule_ref}"
        )
    answers = [region.contains(place, point) for region in regions]
    if any(answer is True for answer in answers):
        return None
    permitted = ", ".join(region.text for region in regions)
    if any(answer is None for answer in answers):
        return Refusal(
            "region_unknown",
            f"cannot tell whether the customer ({place.describe()}) is in the permitted regions ({permitted}) "
            f"of territory.partner_regions in {rule_ref}: give its province, city and district or coordinates",
        )
    return Refusal(
        "out_of_region",
        f"the customer is in {place.describe()}, outside the permitted regions ({permitted}) "
        f"of territory.partner_regions in {rule_ref}",
    )


@dataclass(frozen=True, slots=True)
class ProtectedNearby:
    customer_key: str
    partner_id: str
    lat: float
    lon: float


def cross_region_conflict(
    rules: TerritoryRules, partner_id: str, point: tuple[float, float], nearby: list[ProtectedNearby]
) -> tuple[ProtectedNearby, float] | None:
    """The nearest customer within the radius protected by a partner of another region, and its distance."""
    radius = rules.cross_region_radius_km
    if radius is None:
        return None
    mine = _region_texts(rules, partner_id)
    found = [
        (distance_km(*point, other.lat, other.lon), other)
        for other in nearby
        if other.partner_id != partner_id and _region_texts(rules, other.partner_id) != mine
    ]
    within = [(km, other) for km, other in found if km <= radius]
    if not within:
        return None
    # Equal distances are common (one building, several customers): the tie goes to the lowest key.
    km, nearest = min(within, key=lambda pair: (pair[0], pair[1].customer_key, pair[1].partner_id))
    return nearest, km


def _region_texts(rules: TerritoryRules, partner_id: str) -> frozenset[str]:
    return frozenset(rules.partner_regions.get(partner_id, ()))
