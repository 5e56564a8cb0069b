"""Slices of a large account (department, disease area or project): each can be held by its own partner."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import Indel

from referee_shared.rules.dedup import SliceBy

from .normalize import department_key

WHOLE_ACCOUNT = "*"
SEPARATOR = "#"


def slice_of(slice_by: SliceBy, department: str | None, known: Iterable[str] = ()) -> str | None:
    """The slice a registration names: a known slice when the department is written differently, else its own.

    None when the rule set does not slice accounts; WHOLE_ACCOUNT when it does but no department is named.
    """
    if slice_by is SliceBy.NONE:
        return None
    key = department_key(department)
    if key is None:
        return WHOLE_ACCOUNT
    for existing in known:
        if existing == WHOLE_ACCOUNT:
            continue
        if key == existing or key in existing or existing in key or Indel.normalized_similarity(key, existing) >= 0.8:
            return existing
    return key


def claim_key(customer_key: str, slice_name: str | None) -> str:
    """What a lock protects: the customer, or one slice of it ('cust-…#骨科')."""
    if slice_name is None or slice_name == WHOLE_ACCOUNT:
        return customer_key if slice_name is None else f"{customer_key}{SEPARATOR}{WHOLE_ACCOUNT}"
    return f"{customer_key}{SEPARATOR}{slice_name}"


def overlaps(a: str | None, b: str | None) -> bool:
    """Do two claims on one account collide? The whole account collides with every slice."""
    return a is None or b is None or WHOLE_ACCOUNT in (a, b) or a == b
