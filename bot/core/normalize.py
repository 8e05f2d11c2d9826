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


def _character_class(codes: list[int]) -> re.Pattern[str]:
    """A regular expression matching any of these characters, as ranges."""
    ranges: list[tuple[int, int]] = []
    for code in sorted(codes):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    parts = (
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{''.join(parts)}]")


# Searching for the few characters to change and replacing only those is twice as fast as
# str.translate, which looks every character up (normalising the knowledge is start-up time).
_MARKS_AND_DIGITS = _marks_and_digits()
_MARKS = _character_class([c for c, v in _MARKS_AND_DIGITS.items() if v is None])
_DIGIT_VALUES = {chr(c): v for c, v in _MARKS_AND_DIGITS.items() if v is not None}
_DIGITS = _character_class([ord(c) for c in _DIGIT_VALUES])
_FOLDED = {chr(code): str(folded) for code, folded in _LETTER_FOLDS.items()}
_TO_FOLD = _character_class([ord(c) for c in _FOLDED])


def normalize(text: str) -> str:
    """Fold a text to lower-case words separated by single spaces, without marks or punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub(" ", text)
    text = fold_letters(text.replace("İ", "i").casefold())
    text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    if _DIGITS.search(text):
        text = _DIGITS.sub(lambda digit: str(_DIGIT_VALUES[digit[0]]), text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def fold_letters(text: str) -> str:
    """Only the letter variants of `normalize` folded (ي -> ی, ك -> ک, ß -> ss ...), case kept."""
    return _TO_FOLD.sub(lambda letter: _FOLDED[letter[0]], text)
