"""Text normalisation shared by the index and the questions, so that both compare alike.

People type without diacritics, with Turkish dotless i, Persian or Arabic letter variants,
Arabic-Indic digits, bidi marks and stray punctuation; all of it is folded here once.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode decomposition does not reduce to a base letter.
_LETTER_FOLDS = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ß": "ss",
        # Arabic and Persian variants of the same letter.
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ة": "ه",
        "ۀ": "ه",
        "ـ": "",  # tatweel
        "\u200c": " ",  # zero-width non-joiner, used inside Persian words
    }
)
_INVISIBLE = re.compile(
    r"[\u0000-\u001f\u007f-\u009f\u200b\u200d-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_NON_WORD = re.compile(r"[^\w]+|_")
_SPACES = re.compile(r"\s+")


def _marks_and_digits() -> dict[int, str | None]:
    """Combining marks (accents, harakat) dropped, other scripts' digits made ASCII: one table,
    applied at C speed by str.translate."""
    table: dict[int, str | None] = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        if unicodedata.category(char).startswith("M"):
            table[code] = None
        elif char.isdigit() and unicodedata.decimal(char, None) is not None:
            table[code] = str(unicodedata.decimal(char))
    return table


_MARKS_AND_DIGITS = _marks_and_digits()


def normalize(text: str) -> str:
    """Fold a text to lower-case words separated by single spaces, without marks or punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub(" ", text)
    text = fold_letters(text.replace("İ", "i").casefold())
    text = unicodedata.normalize("NFD", text).translate(_MARKS_AND_DIGITS)
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold_letters(text: str) -> str:
    """Only the letter variants of `normalize` folded (ي -> ی, ك -> ک, ß -> ss ...), case kept."""
    return text.translate(_LETTER_FOLDS)
