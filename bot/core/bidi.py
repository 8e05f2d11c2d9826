"""Right-to-left answers whose numbers still read right.

In an Arabic or Persian line, a phone number such as "0800 111 0 111" is a sequence of weak
digit runs separated by spaces; the Unicode bidi algorithm lays those runs out from right to
left, so people read "111 0 111 0800" and dial a wrong number. Every left-to-right run (digits,
Latin names, e-mail addresses, times, postcodes) is therefore wrapped in a left-to-right isolate
(U+2066 ... U+2069), which keeps it in its own order inside the right-to-left text.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError

LRI, PDI = "\u2066", "\u2069"
# Characters that may stand between the letters and digits of one left-to-right run.
_JOINERS = frozenset(" +-–:./@_%&'")


@lru_cache(maxsize=64)
def is_right_to_left(language: str) -> bool:
    try:
        return bool(Locale.parse(language).character_order == "right-to-left")
    except (UnknownLocaleError, ValueError):
        return False


def _strong_ltr(char: str) -> bool:
    return unicodedata.bidirectional(char) in ("L", "EN")


def isolate_ltr_runs(text: str) -> str:
    """Wrap each left-to-right run of `text` in an isolate; the rest is left as it is."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        starts = _strong_ltr(char) or (char == "+" and i + 1 < n and text[i + 1].isdigit())
        if not starts:
            out.append(char)
            i += 1
            continue
        end = i + 1
        last_strong = i if _strong_ltr(char) else i + 1
        while end < n and (text[end] in _JOINERS or _strong_ltr(text[end])):
            if _strong_ltr(text[end]):
                last_strong = end
            end += 1
        out.append(LRI + text[i : last_strong + 1] + PDI)
        i = last_strong + 1
    return "".join(out)


def for_language(text: str, language: str) -> str:
    """The text as it should be sent in `language`: LTR runs isolated in RTL languages."""
    return isolate_ltr_runs(text) if is_right_to_left(language) else text
