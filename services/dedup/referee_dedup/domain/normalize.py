"""Normalising how customers are written, so the same customer compares equal."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u00ad]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")


def clean_text(text: str) -> str:
    """NFKC (full-width to half-width), invisible characters removed, lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return _NOT_WORD.sub("", text).lower()


def name_key(name: str) -> str:
    """An organisation name without spacing, punctuation or a trailing legal suffix."""
    key = clean_text(name)
    for suffix in _LEGAL_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def phone_key(phone: str | None) -> str | None:
    """A Chinese phone number in E.164 form, or None when it is not a plausible number."""
    if not phone:
        return None
    try:
        parsed = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
