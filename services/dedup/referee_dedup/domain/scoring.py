"""Comparing two customer profiles field by field, as evidence for or against their being one customer.

Each field that both sides have adds a weight (log-odds, Fellegi-Sunter style): positive when it
agrees, negative when it disagrees, nothing when either side is silent. The sum turns into a score
between 0 and 1; the thresholds of the rule set decide what that score means. Every weight comes
back as a piece of the explanation, so a verdict says which fields matched and how strongly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from .divisions import Place
from .geo import distance_km
from .normalize import street_base
from .profile import PlaceSource, Profile
from .sounds import shape, spoken


@dataclass(frozen=True, slots=True)
class Weights:
    """Log-odds per agreement level; tuned on the labelled set of bench/dedup_data.py (see docs/dedup.md)."""

    prior: float = -3.0
    uscc_same: float = 25.0  # one code is one legal entity: it decides over a new name, address or phone
    uscc_different: float = -8.0
    name_exact: float = 5.0
    name_close: float = 3.5  # similarity >= 0.9
    name_similar: float = 2.0  # >= 0.8
    name_related: float = 0.5  # >= 0.7
    name_sounds_alike: float = 2.0  # a short name, a homophone, a look-alike character, a brand in pinyin
    name_in_pinyin: float = 3.5  # the whole name in pinyin or English
    name_different: float = -4.0
    province_different: float = -10.0
    city_different: float = -8.0
    district_different: float = -1.0
    same_city: float = 1.0
    same_province: float = 0.5
    phone_same: float = 5.0
    phone_local_same: float = 4.0  # the same local number, one side written without area code
    phone_different: float = -1.5
    street_same: float = 3.0
    street_close: float = 2.0  # >= 0.85
    street_related: float = 0.5  # >= 0.7
    street_different: float = -2.0  # < 0.5
    distance_same_site: float = 2.0  # < 0.15 km
    distance_near: float = 1.0  # < 0.5 km
    distance_apart: float = -1.0  # >= 2 km
    distance_far: float = -3.0  # >= 10 km


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one field says: how similar the two sides are (0..1) and the weight that carries."""

    field: str
    similarity: float
    weight: float
    detail: str
    code: str = ""  # machine-readable, e.g. phone_same, name_short; reasons_zh.py says it in Chinese


@dataclass(frozen=True, slots=True)
class Comparison:
    score: float
    evidence: tuple[Evidence, ...]


def compare(incoming: Profile, existing: Profile, weights: Weights = DEFAULT_WEIGHTS) -> Comparison:
    """Weigh every field both profiles have; the score is the logistic of the prior plus the weights."""
    evidence = [
        e
        for e in (
            _uscc(incoming, existing, weights),
            _name(incoming, existing, weights),
            _place(incoming, existing, weights),
            _phone(incoming, existing, weights),
            _street(incoming, existing, weights),
            _distance(incoming, existing, weights),
        )
        if e is not None
    ]
    total = weights.prior + sum(e.weight for e in evidence)
    return Comparison(score=1 / (1 + math.exp(-total)), evidence=tuple(evidence))


def name_similarity(a: Profile, b: Profile) -> float:
    """Best of: the cores, the names with their place words, and the cores' characters in any order."""
    if a.core == b.core:
        return 1.0
    core = Indel.normalized_similarity(a.core, b.core)
    full = Indel.normalized_similarity(a.full, b.full)
    # Word order is a cheap trick ("建设滨江" for "滨江建设"), but two brands can share characters, so it counts less.
    unordered = 0.9 * Indel.normalized_similarity(sorted(a.core), sorted(b.core))
    return max(core, full, unordered)


def _code(field: str, how: str) -> str:
    """``name`` + "short name (简称)" -> ``name_short_name``: the words of the phrase, ASCII only."""
    words = re.findall(r"[a-z\-]+", how.lower())
    return "_".join([field, *(w.replace("-", "_") for w in words)])


def _uscc(a: Profile, b: Profile, w: Weights) -> Evidence | None:
    if not a.uscc or not b.uscc:
        ignored = a.uscc_ignored or b.uscc_ignored
        if ignored:
            return Evidence(
                "uscc", 0.0, 0.0, f"credit code {ignored} ignored: its check digit is wrong (mistyped)", "uscc_ignored"
            )
        return None
    if a.uscc == b.uscc:
        return Evidence("uscc", 1.0, w.uscc_same, f"same unified social credit code {a.uscc}", "uscc_same")
    return Evidence(
        "uscc", 0.0, w.uscc_different, f"different unified social credit codes {a.uscc} / {b.uscc}", "uscc_different"
    )


def alike(a: Profile, b: Profile) -> str | None:
    """How two different names can still be one: in pinyin, a short name (简称), same sound, same shape."""
    if a.latin != b.latin:
        latin, chinese = (a, b) if a.latin else (b, a)
        written = {chinese.sound, spoken(chinese.core)}
        if latin.sound in written:
            return "same name in pinyin"
        if len(latin.sound) >= 4 and any(w.startswith(latin.sound) for w in written):
            return "short name in pinyin"
        return None
    if a.latin:
        return None
    shorter, longer = sorted((a.core, b.core), key=len)
    if len(shorter) != len(longer):
        if len(shorter) >= 2 and shorter[0] == longer[0] and _is_subsequence(shorter, longer):
            return "short name (简称)"
        return None
    if a.sound == b.sound:
        return "same sound (homophone)"
    if shape(a.core) == shape(b.core):
        return "look-alike characters (four-corner code)"
    return None


def _is_subsequence(short: str, long: str) -> bool:
    remaining = iter(long)
    return all(char in remaining for char in short)


def _name(a: Profile, b: Profile, w: Weights) -> Evidence:
    similarity = name_similarity(a, b)
    if similarity < 0.9 and a.core != b.core:
        how_alike = alike(a, b)
        if how_alike is not None:
            pinyin = how_alike == "same name in pinyin"
            weight = w.name_in_pinyin if pinyin else w.name_sounds_alike
            shown = 0.9 if pinyin else 0.8
            if weight >= _name_weight(similarity, w):  # on a tie, the more telling explanation
                detail = f"{how_alike}: {a.name!r} / {b.name!r} ({a.sound} / {b.sound})"
                return Evidence("name", shown, weight, detail, _code("name", how_alike))
    return _name_by_characters(a, b, w, similarity)


def _name_weight(similarity: float, w: Weights) -> float:
    if similarity == 1.0:
        return w.name_exact
    if similarity >= 0.9:
        return w.name_close
    if similarity >= 0.8:
        return w.name_similar
    if similarity >= 0.7:
        return w.name_related
    return w.name_different


def _name_by_characters(a: Profile, b: Profile, w: Weights, similarity: float) -> Evidence:
    if similarity == 1.0:
        weight, how = w.name_exact, "same name"
    elif similarity >= 0.9:
        weight, how = w.name_close, "nearly the same name"
    elif similarity >= 0.8:
        weight, how = w.name_similar, "similar name"
    elif similarity >= 0.7:
        weight, how = w.name_related, "related name"
    else:
        weight, how = w.name_different, "different name"
    return Evidence(
        "name", round(similarity, 3), weight, f"{how}: {a.core!r} / {b.core!r} ({similarity:.2f})", _code("name", how)
    )


def _place(a: Profile, b: Profile, w: Weights) -> Evidence | None:
    pa, pb = a.place, b.place
    if not pa.known or not pb.known:
        return None
    # A place read only from a name is no evidence against a record whose full name is the same
    # ("中山大学…" in Guangzhou is not a customer in the city of Zhongshan).
    if PlaceSource.NAME in (a.place_source, b.place_source) and a.full == b.full:
        return None
    where = f"{pa.describe()} / {pb.describe()}"
    if pa.province != pb.province:
        return Evidence("place", 0.0, w.province_different, f"different province: {where}", "place_different_province")
    if pa.city and pb.city and pa.city != pb.city:
        return Evidence("place", 0.0, w.city_different, f"different city: {where}", "place_different_city")
    if pa.district and pb.district and pa.district != pb.district:
        return Evidence("place", 0.3, w.district_different, f"different district: {where}", "place_different_district")
    if pa.city and pa.city == pb.city:
        return Evidence("place", 1.0, w.same_city, f"same city: {_common(pa, pb).describe()}", "place_same_city")
    return Evidence(
        "place", 0.5, w.same_province, f"same province: {_common(pa, pb).describe()}", "place_same_province"
    )


def _common(a: Place, b: Place) -> Place:
    return Place(a.province, a.city if a.city == b.city else None, a.district if a.district == b.district else None)


def _phone(a: Profile, b: Profile, w: Weights) -> Evidence | None:
    if not (a.phones or a.local_phones) or not (b.phones or b.local_phones):
        return None
    shared = [n for n in a.phones if n in b.phones]
    if shared:
        return Evidence("phone", 1.0, w.phone_same, f"same phone {shared[0]}", "phone_same")
    local = [n for n in a.local_phones if n in b.local_phones]
    # the same local number counts only when one side wrote it without its area code
    if local and (not _has_landline(a, local[0]) or not _has_landline(b, local[0])):
        return Evidence(
            "phone",
            0.9,
            w.phone_local_same,
            f"same number {local[0]}, one side without area code",
            "phone_same_local_number",
        )
    shown = " ".join(a.phones or a.local_phones), " ".join(b.phones or b.local_phones)
    return Evidence("phone", 0.0, w.phone_different, f"different phones {shown[0]} / {shown[1]}", "phone_different")


def _same_road_and_number(a: str, b: str) -> str | None:
    """The road and house number both streets have (one may name a zone before the road), or None."""
    shorter, longer = sorted((street_base(a), street_base(b)), key=len)
    named = sum(1 for c in shorter if not c.isdigit()) >= 3  # a road's name, not a bare 8号
    if named and shorter.endswith("号") and longer.endswith(shorter):
        return shorter
    return None


def _has_landline(p: Profile, local: str) -> bool:
    """Whether ``p`` wrote ``local`` with its area code (a mobile is +861 and ten more digits)."""
    return any(n.endswith(local) for n in p.phones if not (len(n) == 14 and n[3] == "1"))


def _street(a: Profile, b: Profile, w: Weights) -> Evidence | None:
    if len(a.street) < 2 or len(b.street) < 2:
        return None
    similarity = Indel.normalized_similarity(a.street, b.street)
    base = _same_road_and_number(a.street, b.street)
    if similarity < 0.85 and base is not None:
        return Evidence(
            "address",
            0.85,
            w.street_close,
            f"same road and number: {base!r} ({a.street!r} / {b.street!r})",
            "address_same_road_and_number",
        )
    if similarity == 1.0:
        weight, how = w.street_same, "same address"
    elif similarity >= 0.85:
        weight, how = w.street_close, "nearly the same address"
    elif similarity >= 0.7:
        weight, how = w.street_related, "similar address"
    elif similarity < 0.5:
        weight, how = w.street_different, "different address"
    else:
        weight, how = 0.0, "loosely similar address"
    return Evidence(
        "address",
        round(similarity, 3),
        weight,
        f"{how}: {a.street!r} / {b.street!r} ({similarity:.2f})",
        _code("address", how),
    )


def _distance(a: Profile, b: Profile, w: Weights) -> Evidence | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    km = distance_km(a.lat, a.lon, b.lat, b.lon)
    if km < 0.15:
        weight, how = w.distance_same_site, "same site"
    elif km < 0.5:
        weight, how = w.distance_near, "near"
    elif km < 2:
        weight, how = 0.0, "close"
    elif km < 10:
        weight, how = w.distance_apart, "apart"
    else:
        weight, how = w.distance_far, "far apart"
    return Evidence(
        "distance",
        round(math.exp(-km / 0.5), 3),
        weight,
        f"{how}: {km:.2f} km between the coordinates",
        _code("distance", how),
    )
