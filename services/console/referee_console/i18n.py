"""Message catalogues (gettext .po files under locales/, read with Babel) and the reader's language.

The .po files are the source of truth; they are compiled in memory at start, so no binary .mo is kept.
"""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = {"zh_CN": "中文", "en": "English"}


def load_catalogues(locales_dir: Path = LOCALES_DIR) -> dict[str, gettext.NullTranslations]:
    catalogues: dict[str, gettext.NullTranslations] = {}
    for language in LANGUAGES:
        po = locales_dir / language / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as source:
            catalogue = read_po(source, locale=language)
        compiled = BytesIO()
        write_mo(compiled, catalogue)
        compiled.seek(0)
        catalogues[language] = gettext.GNUTranslations(compiled)
    return catalogues


def choose_language(cookie: str | None, accept_language: str | None, default: str) -> str:
    """The reader's choice if made, else Chinese unless the browser asks for English only."""
    if cookie in LANGUAGES:
        return cookie
    if accept_language and accept_language.lower().startswith("en") and "zh" not in accept_language.lower():
        return "en"
    return default
