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
import lzma
import math
import re
import tempfile
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
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
# A digit written for a letter ("ma3lumat", "la2i": Arabizi) is one alone in a word of at least
# this many letters, so that "A2", "B1" and "covid19" are none.
_DIGIT_LETTER_MIN_LETTERS = 3
_LONE_DIGIT = re.compile(r"(?<![0-9])[0-9](?![0-9])")
# A text whose words are this much our language's words is that language, whatever the
# unrestricted model says ("کلاس جاب سنتر کمپتن" is Persian, not Urdu).
_KNOWN_WORDS_SHARE = 0.75


@functools.lru_cache(maxsize=8192)
def digits_for_letters(word: str) -> set[str]:
    """The digits a word typed in Latin letters writes for letters ("ma3lumat" -> {"3"})."""
    if sum(char.isalpha() for char in word) < _DIGIT_LETTER_MIN_LETTERS:
        return set()
    return set(_LONE_DIGIT.findall(word))


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
        # A word's script is that of most of its letters (a word may have letters of none).
        written = sum(
            1 for w in words if [s for s, _n in script_counts(w).most_common(1)] == [script]
        )
        if written >= len(words) * NON_LATIN_SHARE:
            return script, total
    return counts.most_common(1)[0][0], total


@dataclass(frozen=True)
class Detection:
    """What the text alone says about its language."""

    probabilities: Mapping[str, float] = field(default_factory=dict)
    foreign: str | None = None  # an unsupported language the text is confidently in
    script: str | None = None
    # What our own texts' words say (WordModel), over the same languages.
    vocabulary: Mapping[str, float] = field(default_factory=dict)

    @property
    def best(self) -> str | None:
        if not self.probabilities:
            return None
        return max(self.probabilities, key=self.probabilities.__getitem__)


class WordModel:
    """Naive Bayes over the words of each language's own answers and questions: which of our
    languages a short text's words come from. py3langid reads letters and is unsure on three
    words ("adresi ne", "numer do"); our texts know "adresi" is Turkish. Local terms are left
    out (Knowledge.local_terms). Measured (README): answer language 98.7 -> 99.4% on the blind
    set, 98.8 -> 99.4% on the second, in place of the share of known words."""

    SMOOTHING = 0.5  # added to every count; 0.1 and 1 were alike on eval-mixed and the tune sets

    def __init__(self, counts: Mapping[str, Mapping[str, int]], ignored: frozenset[str]) -> None:
        self.counts = counts
        self.ignored = ignored
        vocabulary = len(set().union(*(c.keys() for c in counts.values()))) if counts else 0
        self.unseen = {
            language: math.log(self.SMOOTHING / (sum(c.values()) + self.SMOOTHING * vocabulary))
            for language, c in counts.items()
        }

    def posterior(self, words: Iterable[str], languages: Iterable[str]) -> dict[str, float]:
        """The probability of each of these languages given the words (none: nothing known)."""
        telling = [word for word in words if word not in self.ignored]
        languages = [language for language in languages if language in self.counts]
        if not telling or not languages:
            return {}
        # log((count + s) / (total + s * vocabulary)) a word: the unseen share, raised by the
        # words the language has (most words are in a few languages only).
        scores = {}
        for language in languages:
            counts = self.counts[language]
            seen = (counts.get(word, 0) for word in telling)
            scores[language] = len(telling) * self.unseen[language] + sum(
                math.log1p(count / self.SMOOTHING) for count in seen if count
            )
        top = max(scores.values())
        weights = {language: math.exp(score - top) for language, score in scores.items()}
        total = sum(weights.values())
        return {language: weight / total for language, weight in weights.items()}


_model_lock = threading.Lock()
_models: list[langid.LanguageIdentifier] = []


def _full_model() -> langid.LanguageIdentifier:
    """py3langid's model, decompressed once per process (a reload reuses it)."""
    with _model_lock:
        if not _models:
            _models.append(read_model(Path(langid.MODEL_DIR) / langid.MODEL_FILE))
        return _models[0]


def start_loading_model() -> None:
    """Decompress py3langid's model in a thread while the knowledge loads (0.5 s of start-up
    saved, bench/bench_answers.py)."""
    threading.Thread(target=_full_model, name="language-model", daemon=True).start()


def read_model(path: Path) -> langid.LanguageIdentifier:
    """py3langid's model file (LZMA-compressed npz) as its own reader reads it, but decompressed
    a megabyte at a time: LZMA lets other threads run while it works, and py3langid's 8 KB steps
    each waited for the interpreter's lock again (0.7 s in 700 waits)."""
    with tempfile.TemporaryFile(suffix=".npz") as unpacked:  # 68 MB: never all in memory
        decompressor = lzma.LZMADecompressor()
        with path.open("rb") as packed:
            while chunk := packed.read(1 << 20):
                unpacked.write(decompressor.decompress(chunk))
        unpacked.seek(0)
        with np.load(unpacked, allow_pickle=False) as data:
            return langid.LanguageIdentifier(
                data["ptc"],
                data["pc"],
                data["classes"].tolist(),
                _unsigned(data["nextmove"]),
                data["out_feat"].tolist(),
                norm_probs=True,
                tk_row=_unsigned(data["nextmove_row"]),
            )


def _without(text: str, words: frozenset[str], min_letters: int) -> str:
    """The text without these (normalised) words, if at least `min_letters` letters are left;
    else the text as it is."""
    own = " ".join(w for w in text.split() if normalize(w) not in words)
    return own if sum(c.isalpha() for c in own) >= min_letters else text


def _unsigned(values: np.ndarray) -> array[int]:
    """A numpy array of unsigned integers as the stdlib array py3langid walks."""
    result = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    result.frombytes(np.ascontiguousarray(values).tobytes())
    return result


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
        romanized_digits: Mapping[str, frozenset[str]] | None = None,
        word_counts: Callable[[str], Mapping[str, int]] | None = None,
    ) -> None:
        self.languages = tuple(languages)
        self.scripts = dict(scripts)
        self.aliases = dict(aliases or {})
        self.alphabets = dict(alphabets or {})
        self.words = words
        self.german = german
        self.local_terms = local_terms
        self.romanized = dict(romanized or {})
        self.romanized_digits = dict(romanized_digits or {})
        self._word_counts = word_counts
        self._word_model: WordModel | None = None
        self._latin_known: frozenset[str] | None = None
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
            knowledge.romanized_digits,
            knowledge.word_counts,
        )

    @property
    def word_model(self) -> WordModel:
        """Built the first time a text is read (it reads every language's texts)."""
        if self._word_model is None:
            counts = self._word_counts
            self._word_model = WordModel(
                {language: counts(language) for language in self.languages} if counts else {},
                self.local_terms,
            )
        return self._word_model

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
        vocabulary = self.word_model.posterior(normalize(text).split(), candidates)
        return Detection(probabilities, foreign, script, vocabulary)

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
        Knowledge.romanized), or words with the digits it writes for letters ("ta2riban";
        Knowledge.romanized_digits), are at least ROMANIZED_MIN_WORDS and ROMANIZED_SHARE of
        the text's words that some language is known to use in Latin letters: local terms and
        words known to none ("biblioteka", "bassejn") say nothing of the language."""
        words = [
            word
            for word in normalize(text).split()
            if word not in self.local_terms
            and (word in self.latin_known or digits_for_letters(word))
        ]
        hits = {
            language: sum(
                word in vocabulary
                or bool(digits_for_letters(word) & self.romanized_digits.get(language, set()))
                for word in words
            )
            for language, vocabulary in self.romanized.items()
        }
        best = max(hits, key=hits.__getitem__, default=None)
        if best is None or hits[best] < ROMANIZED_MIN_WORDS:
            return None
        return best if hits[best] >= ROMANIZED_SHARE * len(words) else None

    @property
    def latin_known(self) -> frozenset[str]:
        """Every word a language is known to write in Latin letters: the Latin-script
        languages' words and the others' romanized ones; read once, when first needed."""
        if self._latin_known is None:
            known: set[str] = set()
            for language in self.languages:
                if self.scripts.get(language) == "LATIN":
                    known |= self.words(language)
            for words in self.romanized.values():
                known |= words
            self._latin_known = frozenset(known)
        return self._latin_known

    def _read_past_local_terms(
        self, text: str, candidates: list[str], probabilities: dict[str, float]
    ) -> tuple[dict[str, float], str]:
        """The probabilities of the text without the German words people write in any language
        ("Termin", "Ausländerbehörde"; Knowledge.local_terms), if enough of it is left to read
        and a word of what is left is a word of the language it then reads as ("numer do
        Auslanderbehorde": "numer" is Polish; "Öffnungszeiten vom Cambomare" stays German)."""
        own = _without(text, self.local_terms, _LOCAL_TERMS_MIN_LETTERS)
        if own == text:
            return probabilities, text
        again = self._restricted_probabilities(own, candidates)
        vocabulary, german = self.words(max(again, key=again.__getitem__)), self.words(self.german)
        if any(word in vocabulary and word not in german for word in normalize(own).split()):
            return again, own
        return probabilities, text

    def _own_words(self, text: str) -> str:
        """The text without the words of the German texts (the local terms people write in their
        own language), when enough of it is left to read."""
        return _without(text, self.words(self.german), _OWN_WORDS_MIN_LETTERS)

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
