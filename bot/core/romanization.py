"""How a language written in other letters looks when typed in Latin letters (translit).

People who have no Cyrillic keyboard, or do not bother to switch, write Russian and Ukrainian
in Latin letters ("kuda otpravit pismo", "shcho take mizhkulturne vidkryttia"). The knowledge's
questions written so are a few per entry; the table of `knowledge/languages.yaml` turns every
question of the language into the spellings people use, so that the language detector knows the
whole vocabulary typed so (Knowledge.romanized). Arabic and Persian have no such table: their
script leaves the short vowels out, so a letter-by-letter transcription is not what people type.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping

# A word with several letters of several spellings ("щ": shch, sch, sh) has many forms; beyond
# this many, the first (the table's first spellings) are kept.
MAX_FORMS = 16

_WORD = re.compile(r"[\w'’]+")  # with the apostrophe inside Ukrainian words ("м'ясо")

Table = Mapping[str, tuple[str, ...]]  # a letter -> how it is typed, the usual spelling first


def speller(table: Table) -> Callable[[str], str]:
    """What types a text in Latin letters with each letter's usual spelling ("Где курсы?" ->
    "gde kursy?"); letters the table does not spell are kept."""
    usual = _usual_spellings(table)
    return lambda text: text.casefold().translate(usual)


def _usual_spellings(table: Table) -> dict[int, str]:
    return str.maketrans({letter: spellings[0] for letter, spellings in table.items()})


def romanized_words(texts: Iterable[str], table: Table) -> set[str]:
    """The words of these texts typed in Latin letters as the table says, every common
    spelling of each ("записаться": zapisatsya, zapisatsia, zapisatsja); a word with a
    letter the table does not spell (a digit, a hyphen) is left out."""
    usual = _usual_spellings(table)
    several = {letter: spellings for letter, spellings in table.items() if len(spellings) > 1}
    # The word cut at its letters of several spellings: the runs between them are spelt at
    # once (str.translate), and only those letters multiply the forms.
    cut = re.compile(f"([{re.escape(''.join(several))}])") if several else None
    words: set[str] = set()
    for word in {w for text in texts for w in _WORD.findall(text.casefold())}:
        pieces = cut.split(word) if cut else [word]
        choices = [
            several[piece] if i % 2 else (piece.translate(usual),)
            for i, piece in enumerate(pieces)
        ]
        forms = ("".join(parts) for parts in itertools.product(*choices))
        words.update(f for f in itertools.islice(forms, MAX_FORMS) if f.isascii() and f.isalpha())
    return words
