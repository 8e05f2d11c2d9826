"""The parts of a message that may each be a question of its own.

"Where is the office and when is it open?" asks two things. The message is cut at sentence ends
and at the words that join two questions (`conjunctions` in knowledge/languages.yaml: "und",
"and", "ve" ...), so that answer.py can match every part on its own, answer the first and offer
the others. Cutting is cheap and often wrong ("Sprache und Bildung" is one thing): the parts are
only a proposal, which the matcher's confidence in each part accepts or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.normalize import normalize

# "?" "!" ";" in Latin, Arabic and Persian script, and a full stop that ends a sentence.
_SENTENCE_END = re.compile(r"[?!;؟؛]+|\.(?=\s|$)")


def split_clauses(text: str, conjunctions: Iterable[str]) -> list[str]:
    """The normalised parts of `text`, in order: sentences, each cut at a joining word (which is
    dropped). A text without either is one part."""
    joining = frozenset(conjunctions)
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        current: list[str] = []
        for word in normalize(sentence).split():
            if word in joining:
                parts.append(" ".join(current))
                current = []
            else:
                current.append(word)
        parts.append(" ".join(current))
    return [part for part in parts if part]
