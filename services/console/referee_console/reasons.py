"""The services' reasons in the reader's language: a reason code's sentence from the reason catalogue
(referee_shared.reasons), never the service's English text when the reader reads Chinese."""

from __future__ import annotations

import re

from referee_shared.reasons import BY_CODE

# Refusals from the services read "<code>: <English sentence>" (arbitration) or are a bare code.
_CODED = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(?::\s*(.*))?$", re.DOTALL)


def reason_text(code: str | None, fallback: str | None, lang: str) -> str:
    """The catalogue's sentence for ``code`` in ``lang``; the service's own text when the code is unknown."""
    reason = BY_CODE.get(code or "")
    if reason is None:
        return fallback or ""
    return reason.zh if lang == "zh_CN" else reason.en


def refusal_text(detail: str, lang: str) -> str:
    """A service's refusal as a sentence for the reader: translated when it starts with a known code."""
    found = _CODED.match(detail)
    if found and found.group(1) in BY_CODE:
        return reason_text(found.group(1), detail, lang)
    return detail
