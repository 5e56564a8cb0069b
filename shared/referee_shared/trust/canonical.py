"""The bytes a producer signs: the envelope document without its signature, in one canonical JSON form.

Keys sorted, no insignificant whitespace, UTF-8 text as itself (the JSON Canonicalization Scheme's shape
for the documents we send: strings, integers, decimals carried as strings). Both sides compute it from
the parsed document, never from the model, so nothing a consumer's validation normalises can change it.
"""

from __future__ import annotations

import json
from typing import Any

SIGNATURE_FIELD = "signature"


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The signed form of an envelope document (its ``signature`` field left out)."""
    unsigned = {name: value for name, value in document.items() if name != SIGNATURE_FIELD}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
