"""Which language a question is written in, restricted to the languages we answer in.

py3langid (restricted to the supported set) reads the text; the writing system narrows the
choice (a Cyrillic text is never Turkish), and so do its letters (a text with گ is not Arabic,
even when typed on an Arabic keyboard); German terms in a question in another language ("treba
mi Termin kod Ausländerbehörde") are read past; a second, unrestricted model tells when the
text is in a language we do not support at all, so that we answer in English or German instead of a
wrong third language. The matcher adds its own evidence later (see answer.py).
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import py3langid.langid as langid

from bot.core.normalize import fold_letters, normalize

if TYPE_CHECKING:  # the knowledge reads its languages' scripts with dominant_script
    from bot.core.knowledge import Knowledge

# Below this many letters the detector's verdict is too weak to call a text foreign.
_FOREIGN_MIN_LETTERS = 12
_FOREIGN_MIN_PROBABILITY = 0.6
NON_LATIN_SHARE = 0.25
_OWN_WORDS_SURE = 0.8
_OWN_WORDS_MIN_LETTERS = 8
_LOCAL_TERMS_MIN_LETTERS = 5
# "shu hiye el majalat el sitte bel KIK?": Arabic in Latin letters (Knowledge.romanized).
ROMANIZED_MIN_WORDS = 2
ROMANIZED_SHARE = 0.3
# A text whose words are this much our language's words is that language, whatever the
# unrestricted model says ("کلاس جاب سنتر کمپتن" is Persian, not Urdu).
_KNOWN_WORDS_SHARE = 0.75


@functools.lru_cache(maxsize=8192)
def script_of(char: str) -> str | None:
    """The writing system of a letter, e.g. 'LATIN', 'CYRILLIC', 'ARABIC'; None for non-letters."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    if not name:
        return None
    first = name.split(" ", 1)[0]
    return "CJK" if first in ("CJK", "HIRAGANA", "KATAKANA") else first


def script_counts(text: str) -> Counter[str]:
    """How many letters of each writing system a text has."""
    return Counter(s for s in map(script_of, text) if s)


def dominant_script(text: str) -> tuple[str | None, int]:
    """The writing system a text is in, and its number of letters.

    Latin letters inside a Cyrillic or Arabic message are usually German names or acronyms
    ("где взять Wegweiser Migration", "KIK چیه"), so a non-Latin script with at least a quarter
    of the letters, or of the words, wins ("Ищу Migrationsberatung от Caritas").
    """
    counts = script_counts(text)
    if not counts:
        return None, 0
    total = sum(counts.values())
    others = [(n, s) for s, n in counts.items() if s != "LATIN"]
    if others:
        count, script = max(others)
        if count >= total * NON_LATIN_SHARE:
            return script, total
        words = [w for w in text.split() if any(c.isalpha() for c in w)]
        written = sum(1 for w in words if script_counts(w).most_common(1)[0][0] == script)
        if written >= len(words) * NON_LATIN_SHARE:
            return script, total
    return counts.most_common(1)[0][0], total


@dataclass(frozen=True)
class Detection:
    """What the text alone says about its language."""

    probabilities: Mapping[str, float] = field(default_factory=dict)
    foreign: str | None = None  # an unsupported language the text is confidently in
    script: str | None = None

    @property
    def best(self) -> str | None:
        if not self.probabilities:
            return None
        return max(self.probabilities, key=self.probabilities.__getitem__)


@functools.cache
def _full_model() -> langid.LanguageIdentifier:
    """py3langid's model, decompressed once per process (most of start-up; a reload reuses it)."""
    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


class LanguageDetector:
    """Detects the language of short questions among a fixed set of supported languages."""

    def __init__(
        self,
        languages: Iterable[str],
        scripts: Mapping[str, str],
        aliases: Mapping[str, str] | None = None,
        alphabets: Mapping[str, frozenset[str]] | None = None,
        words: Callable[[str], frozenset[str]] = lambda language: frozenset(),
        german: str = "de",
        local_terms: frozenset[str] = frozenset(),
        romanized: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.languages = tuple(languages)
        self.scripts = dict(scripts)
        self.aliases = dict(aliases or {})
        self.alphabets = dict(alphabets or {})
        self.words = words
        self.german = german
        self.local_terms = local_terms
        self.romanized = dict(romanized or {})
        self._full = _full_model()
        known = set(self._full.labels)
        self._restricted_set = [lang for lang in self.languages if lang in known]
        # A second identifier over the same arrays: decompressing the model is most of start-up.
        full = self._full
        self._restricted = langid.LanguageIdentifier(
            full.nb_ptc,
            full.nb_pc,
            full.nb_classes,
            full.tk_nextmove,
            full.tk_output,
            norm_probs=True,
            tk_row=full.tk_row,
        )
        self._restricted.set_languages(self._restricted_set)
        self._accepted = set(self.languages) | set(self.aliases)

    @classmethod
    def for_knowledge(cls, knowledge: Knowledge) -> LanguageDetector:
        """A detector for a knowledge base's languages, their scripts and letters read from its
        answers (so a new language needs no code)."""
        return cls(
            knowledge.languages,
            knowledge.scripts,
            knowledge.aliases,
            knowledge.alphabets,
            knowledge.words,
            knowledge.authoritative,
            knowledge.local_terms,
            knowledge.romanized,
        )

    def detect(self, text: str) -> Detection:
        script, letters = dominant_script(text)
        if script is None:
            return Detection(script=None)
        candidates = [lang for lang in self.languages if self.scripts.get(lang) == script]
        if not candidates:
            guess, _ = self._full.classify(text)
            return Detection(foreign=guess, script=script)
        romanized = self._romanized(text) if script == "LATIN" else None
        if romanized:
            return Detection({romanized: 1.0}, None, script)
        text = self._as_its_alphabet_writes(text, script, candidates)
        probabilities = self._restricted_probabilities(text, candidates)
        if self.german in candidates:
            probabilities, text = self._read_past_local_terms(text, candidates, probabilities)
        # "treba mi Termin kod Ausländerbehörde": the German terms in a question make it look
        # German (or, to the unrestricted model, Swedish); the words around them tell.
        if max(probabilities, key=probabilities.__getitem__) == self.german:
            own = self._own_words(text)
            if own != text:
                again = self._restricted_probabilities(own, candidates)
                best = max(again, key=again.__getitem__)
                if best != self.german and again[best] >= _OWN_WORDS_SURE:
                    probabilities, text = again, own
        foreign = None
        if letters >= _FOREIGN_MIN_LETTERS:
            guess, confidence = self._full.classify(text)
            if self._is_foreign(guess, confidence) and not self._our_words(text, probabilities):
                own = self._own_words(text)  # foreign only if still so without the German terms
                foreign = guess if own == text else self._foreign(own)
            elif guess in self.aliases and (
                self.aliases[guess] in candidates or confidence >= _FOREIGN_MIN_PROBABILITY
            ):
                # Bosnian, Serbian (also in Cyrillic) read the Croatian answers, and so on.
                alias = self.aliases[guess]
                probabilities = {k: 0.0 for k in probabilities} | {alias: 1.0}
        return Detection(probabilities, foreign, script)

    def _is_foreign(self, guess: str, confidence: float) -> bool:
        return guess not in self._accepted and confidence >= _FOREIGN_MIN_PROBABILITY

    def _foreign(self, text: str) -> str | None:
        """The unsupported language a text is confidently in, if any."""
        guess, confidence = self._full.classify(text)
        return str(guess) if self._is_foreign(guess, confidence) else None

    def _our_words(self, text: str, probabilities: Mapping[str, float]) -> bool:
        """Whether most words of the text are words of the language it most likely is, in our
        answers and questions."""
        words = normalize(text).split()
        if not words or not probabilities:
            return False
        vocabulary = self.words(max(probabilities, key=probabilities.__getitem__))
        return sum(w in vocabulary for w in words) >= _KNOWN_WORDS_SHARE * len(words)

    def _romanized(self, text: str) -> str | None:
        """The language written in other letters whose romanized words ("shu", "a3ref";
        Knowledge.romanized) are at least ROMANIZED_MIN_WORDS and ROMANIZED_SHARE of the text's
        (local terms not counted)."""
        words = [word for word in normalize(text).split() if word not in self.local_terms]
        hits = {
            language: sum(word in vocabulary for word in words)
            for language, vocabulary in self.romanized.items()
        }
        best = max(hits, key=hits.__getitem__, default=None)
        if best is None or hits[best] < ROMANIZED_MIN_WORDS:
            return None
        return best if hits[best] >= ROMANIZED_SHARE * len(words) else None

    def _read_past_local_terms(
        self, text: str, candidates: list[str], probabilities: dict[str, float]
    ) -> tuple[dict[str, float], str]:
        """The probabilities of the text without the German words people write in any language
        ("Termin", "Ausländerbehörde"; Knowledge.local_terms), if enough of it is left to read
        and a word of what is left is a word of the language it then reads as ("numer do
        Auslanderbehorde": "numer" is Polish; "Öffnungszeiten vom Cambomare" stays German)."""
        kept = [w for w in text.split() if normalize(w) not in self.local_terms]
        own = " ".join(kept)
        if own == text or sum(c.isalpha() for c in own) < _LOCAL_TERMS_MIN_LETTERS:
            return probabilities, text
        again = self._restricted_probabilities(own, candidates)
        vocabulary = self.words(max(again, key=again.__getitem__)) - self.words(self.german)
        if any(word in vocabulary for word in normalize(own).split()):
            return again, own
        return probabilities, text

    def _own_words(self, text: str) -> str:
        """The text without the words of the German texts (the local terms people write in their
        own language), when enough of it is left to read."""
        german = self.words(self.german)
        own = " ".join(w for w in text.split() if normalize(w) not in german)
        return own if sum(c.isalpha() for c in own) >= _OWN_WORDS_MIN_LETTERS else text

    def _as_its_alphabet_writes(self, text: str, script: str, candidates: list[str]) -> str:
        """Persian typed on an Arabic keyboard has ي and ك for ی and ک, so the model reads it as
        Arabic. When the letters of a text fit one candidate's alphabet only, allowing for such
        variants of a letter, the model reads it spelt in that alphabet."""
        letters = {char for char in text.casefold() if script_of(char) == script}
        if not letters or any(lang not in self.alphabets for lang in candidates):
            return text
        fitting = [
            lang
            for lang in candidates
            if all(
                char in self.alphabets[lang] or fold_letters(char) in self.alphabets[lang]
                for char in letters
            )
        ]
        if len(fitting) != 1:
            return text
        alphabet = self.alphabets[fitting[0]]
        return "".join(
            char if char in alphabet or script_of(char) != script else fold_letters(char)
            for char in text.casefold()
        )

    def _restricted_probabilities(self, text: str, candidates: list[str]) -> dict[str, float]:
        known = [lang for lang in candidates if lang in self._restricted_set]
        if not known:
            return {lang: 1.0 / len(candidates) for lang in candidates}
        ranked = dict(self._restricted.rank(text))
        scores = {lang: ranked.get(lang, 0.0) for lang in known}
        total = sum(scores.values())
        if total <= 0:
            return {lang: 1.0 / len(candidates) for lang in candidates}
        result = {lang: scores[lang] / total for lang in known}
        for lang in candidates:  # a language the model does not know keeps a small share
            result.setdefault(lang, 0.0)
        return result
