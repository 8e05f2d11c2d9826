"""Interface strings per language from gettext catalogs in `locales/`.

Catalogs are `.po` files managed with Babel (extract/update/compile). A compiled `.mo` is used
when it is at least as new as its `.po`; otherwise the `.po` is compiled in memory, so a fresh
checkout works without a build step and a staff-edited `.po` is never shadowed by a stale `.mo`.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "bot"
Gettext = Callable[[str], str]


def _load_catalog(locales_dir: Path, language: str) -> gettext.NullTranslations:
    folder = locales_dir / language / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.is_file() and (
        not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po_path.is_file():
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


class Translations:
    """One gettext translator per language; unknown languages get the English source strings."""

    def __init__(self, locales_dir: Path, languages: Iterable[str]) -> None:
        self.locales_dir = Path(locales_dir)
        self._catalogs = {lang: _load_catalog(self.locales_dir, lang) for lang in languages}
        self._null = gettext.NullTranslations()

    def gettext(self, language: str) -> Gettext:
        return self._catalogs.get(language, self._null).gettext


def _(message: str) -> str:
    """Mark a string for extraction; it is translated later with the user's translator."""
    return message


def native_name(language: str) -> str:
    """A language's name in itself ("Українська"), for menus; the code if Babel has none."""
    try:
        name = Locale.parse(language).get_display_name(language) or language
    except (UnknownLocaleError, ValueError):
        return language
    return str(name[:1].upper() + name[1:])
