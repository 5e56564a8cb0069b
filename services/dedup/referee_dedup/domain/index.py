"""The customer index: finds the few customers worth comparing with an incoming one, without a scan.

Channels, each a dictionary look-up: the unified social credit code, every phone number of the
field and its local number, the exact name core (and full name), the name's sound in pinyin, the
street address (and its road and house number) within a province, character bigrams of the name core within a
province, and grid cells of ~1 km around the coordinates. Bigram postings are compact arrays; a
bigram shared by very many customers of a province (科技, 医院) is skipped when rarer ones exist.
"""

from __future__ import annotations

import itertools
import json
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import profile_codec
from .geo import Grid, distance_km
from .normalize import street_base
from .profile import Profile

_NO_PROVINCE = 0
_GRAM_BITS = 42  # two code points of 21 bits each


@dataclass(frozen=True, slots=True)
class IndexLimits:
    max_gram_postings: int = 20_000  # a bigram with more customers than this (in the partition) is too common
    fuzzy_candidates: int = 40  # most-overlapping names kept from the bigram channel
    exact_candidates: int = 50  # customers kept from one exact key (a switchboard phone shared by many)
    geo_radius_km: float = 0.3
    geo_candidates: int = 20


class CustomerIndex:
    """Every known customer's profile under an internal number, and the channels that find them."""

    def __init__(self, limits: IndexLimits | None = None) -> None:
        self.limits = limits or IndexLimits()
        # A profile loaded from a saved index stays encoded (JSON text) until a query first needs it.
        self._profiles: list[Profile | str | None] = []
        self._by_key: dict[str, int] = {}
        # Exact keys are kept by their hash: a collision only adds a candidate that scoring then rejects.
        self._exact: dict[int, int | list[int]] = {}
        self._grams: dict[int, array[int]] = {}
        self._gram_frequency: Counter[int] = Counter()
        self._provinces_of_gram: dict[int, set[int]] = {}
        self._grid = Grid(0.01)
        self._cells: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def get(self, key: str) -> Profile | None:
        number = self._by_key.get(key)
        return self._profile(number) if number is not None else None

    def _profile(self, number: int) -> Profile | None:
        held = self._profiles[number]
        if isinstance(held, str):
            key, name, lat, lon, data = json.loads(held)
            held = self._profiles[number] = profile_codec.decode(data, key, name, lat, lon)
        return held

    def add(self, profile: Profile) -> None:
        """Index a customer; adding a key again replaces its earlier profile."""
        self.remove(profile.key)
        number = len(self._profiles)
        self._profiles.append(profile)
        self._by_key[profile.key] = number
        for key in _exact_keys(profile):
            self._post_exact(key_hash(key), number)
        province = _province_number(profile)
        for gram in set(_grams(profile.core)):
            partitioned = (province << _GRAM_BITS) | gram
            postings = self._grams.get(partitioned)
            if postings is None:
                postings = self._grams[partitioned] = array("I")
                self._provinces_of_gram.setdefault(gram, set()).add(province)
            postings.append(number)
            self._gram_frequency[gram] += 1
        if profile.lat is not None and profile.lon is not None:
            self._cells.setdefault(self._grid.cell(profile.lat, profile.lon), []).append(number)

    def _post_exact(self, key: int, number: int) -> None:
        # Most keys belong to one customer: a bare int costs far less memory than a list of one.
        held = self._exact.get(key)
        if held is None:
            self._exact[key] = number
        elif isinstance(held, int):
            self._exact[key] = [held, number]
        else:
            held.append(number)

    def _exact_matches(self, key: str) -> list[int]:
        held = self._exact.get(key_hash(key))
        if held is None:
            return []
        return [held] if isinstance(held, int) else held[: self.limits.exact_candidates]

    def add_all(self, profiles: Iterable[Profile]) -> None:
        for profile in profiles:
            self.add(profile)

    def remove(self, key: str) -> None:
        """Forget a customer; its postings stay behind as tombstones that queries skip."""
        number = self._by_key.pop(key, None)
        if number is not None:
            self._profiles[number] = None

    def candidates(self, query: Profile) -> list[Profile]:
        """The customers worth comparing with ``query``: every exact-key match and the best fuzzy ones."""
        numbers: dict[int, None] = {}
        for key in _exact_keys(query):
            for number in self._exact_matches(key):
                numbers[number] = None
        for number in self._fuzzy_names(query):
            numbers[number] = None
        for number in self._nearby(query):
            numbers[number] = None
        found = (self._profile(n) for n in numbers)
        return [p for p in found if p is not None and p.key != query.key]

    def _fuzzy_names(self, query: Profile) -> list[int]:
        grams = set(_grams(query.core))
        if not grams:
            return []
        cap = self.limits.max_gram_postings
        province = _province_number(query)
        lists: list[array[int]] = []
        for gram in grams:
            if province != _NO_PROVINCE:
                partitions: Iterable[int] = (province, _NO_PROVINCE)
            elif self._gram_frequency[gram] <= cap:
                partitions = self._provinces_of_gram.get(gram, ())
            else:
                continue  # too common to be worth it without knowing the province
            for partition in partitions:
                postings = self._grams.get((partition << _GRAM_BITS) | gram)
                if postings is not None and len(postings) <= cap:
                    lists.append(postings)
        if not lists:
            return []
        shared: Counter[int] = Counter()
        for postings in lists:
            shared.update(postings)
        needed = max(1, (len(grams) + 1) // 2)
        best = shared.most_common(self.limits.fuzzy_candidates)
        return [number for number, count in best if count >= needed]

    def _nearby(self, query: Profile) -> list[int]:
        if query.lat is None or query.lon is None:
            return []
        radius = self.limits.geo_radius_km
        found: list[tuple[float, int]] = []
        for cell in self._grid.cells_within(query.lat, query.lon, radius):
            for number in self._cells.get(cell, ()):
                profile = self._profile(number)
                if profile is None or profile.lat is None or profile.lon is None:
                    continue
                km = distance_km(query.lat, query.lon, profile.lat, profile.lon)
                if km <= radius:
                    found.append((km, number))
        found.sort()
        return [number for _, number in found[: self.limits.geo_candidates]]

    def to_state(self) -> dict[str, Any]:
        """The whole index as plain values (dicts, lists, ints, bytes, str), for ``marshal``: a saved index.

        Profiles are kept as JSON text (``profile_codec``); they are decoded when a query first needs them.
        """
        return {
            "profiles": [_encoded(p) for p in self._profiles],
            "by_key": self._by_key,
            "exact": self._exact,
            "grams": {gram: postings.tobytes() for gram, postings in self._grams.items()},
            "gram_frequency": dict(self._gram_frequency),
            "provinces_of_gram": {gram: list(provinces) for gram, provinces in self._provinces_of_gram.items()},
            "cells": self._cells,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], limits: IndexLimits | None = None) -> CustomerIndex:
        """The index ``to_state`` described (in this process: the postings are in native byte order)."""
        index = cls(limits)
        index._profiles = state["profiles"]
        index._by_key = state["by_key"]
        index._exact = state["exact"]
        for gram, data in state["grams"].items():
            postings = index._grams[gram] = array("I")
            postings.frombytes(data)
        index._gram_frequency = Counter(state["gram_frequency"])
        index._provinces_of_gram = {gram: set(provinces) for gram, provinces in state["provinces_of_gram"].items()}
        index._cells = state["cells"]
        return index


def _encoded(held: Profile | str | None) -> str | None:
    if held is None or isinstance(held, str):
        return held
    return json.dumps([held.key, held.name, held.lat, held.lon, profile_codec.encode(held)], ensure_ascii=False)


def key_hash(key: str) -> int:
    """A 64-bit hash of an exact key that is the same in every process (``hash`` of a str is not), so a
    saved index can be loaded; two keys sharing it only add a candidate that scoring then rejects."""
    data = key.encode()
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


def _exact_keys(profile: Profile) -> list[str]:
    keys = [f"n:{profile.core}"]
    if profile.full != profile.core:
        keys.append(f"n:{profile.full}")
    if profile.uscc:
        keys.append(f"u:{profile.uscc}")
    keys.extend(f"p:{number}" for number in profile.phones)
    keys.extend(f"l:{number}" for number in profile.local_phones)
    if len(profile.sound) >= 4:
        keys.append(f"y:{profile.sound}")
    if len(profile.street) >= 4 and profile.place.province:
        keys.append(f"a:{profile.place.province}:{profile.street}")
        base = street_base(profile.street)
        if base != profile.street and len(base) >= 4:
            keys.append(f"b:{profile.place.province}:{base}")
    return keys


def _grams(text: str) -> list[int]:
    """Character bigrams as integers (a one-character text is its own gram)."""
    if len(text) == 1:
        return [ord(text)]
    return [(ord(a) << 21) | ord(b) for a, b in itertools.pairwise(text)]


def _province_number(profile: Profile) -> int:
    province = profile.place.province
    return int(province) if province and province.isdigit() else _NO_PROVINCE
