"""Finds the knowledge entries closest to a question, per language.

Each language has its own index, built once per knowledge load. An entry is represented twice:
as one document of all its question variants (plus, lightly, its answer) and as each variant on
its own. Features are whole words and character 3- and 4-grams of words, weighted by TF-IDF, so
inflections, compounds and typos still share most features with the variants ("Deutschkurs",
"deutsch kurse", "deutschkus"). Words no entry uses (e.g. "Tokio") weigh fully in the question
and pull its score down: that is what makes out-of-scope questions fall back. An entry's score
mixes its document with its best single variant, which rewards near-exact phrasings; question
words no variant uses are first corrected to a known word when rapidfuzz finds them a likely typo.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.classifier import MAX_VARIANTS, CoefficientCache, VariantClassifier, training_key
from bot.core.knowledge import PLACEHOLDER, Knowledge
from bot.core.normalize import normalize
from bot.core.romanization import speller

Features = defaultdict[str, float]  # feature -> weight (counts, possibly fractional)
WORD_WEIGHT = 2.0
NGRAM_SIZES = (3, 4)
ANSWER_WEIGHT = 0.35
DOCUMENT_SHARE = 0.7  # entry document vs. best single variant
TYPO_MIN_LENGTH = 5
TYPO_CUTOFF = 85.0  # rapidfuzz ratio from which an unknown word counts as a typo of a known one
MAX_QUERY_TOKENS = 60
# The examples of questions no entry answers (knowledge/out-of-scope.yaml) are scored like one
# more entry under this id; the search reports their score beside the entries.
OUT_OF_SCOPE = "<out-of-scope>"


def features(tokens: Iterable[str]) -> Features:
    """Word and character n-gram features of normalised tokens."""
    counts: Features = defaultdict(float)
    for token in tokens:
        for feature, weight in token_features(token):
            counts[feature] += weight
    return counts


@functools.lru_cache(maxsize=16384)
def token_features(token: str) -> tuple[tuple[str, float], ...]:
    """The features one word contributes (cached: questions reuse the same few thousand words)."""
    result = [("w:" + token, WORD_WEIGHT)]
    if len(token) >= 2:
        padded = f"<{token}>"
        for size in NGRAM_SIZES:
            result.extend((padded[i : i + size], 1.0) for i in range(len(padded) - size + 1))
    return tuple(result)


def strip_fillers(tokens: list[str], fillers: Iterable[tuple[str, ...]]) -> list[str]:
    """Remove filler words and phrases (given longest first), unless nothing would be left."""
    kept = list(tokens)
    for phrase in fillers:
        if phrase[0] not in kept:
            continue
        size = len(phrase)
        i = 0
        while i <= len(kept) - size:
            if tuple(kept[i : i + size]) == phrase:
                del kept[i : i + size]
            else:
                i += 1
    return kept or list(tokens)


@dataclass(frozen=True)
class Ranking:
    """The best entries for a question in one language, and how close it comes to the
    examples of questions no entry answers (0..1)."""

    candidates: list[Candidate]
    out_of_scope: float = 0.0
    # The question's (without its politeness) cosine with every variant, for the classifier.
    similarities: np.ndarray | None = field(default=None, compare=False, repr=False)
    # Searched among the language's questions spelt in Latin letters (see Matcher).
    romanized: bool = False


@dataclass(frozen=True)
class Candidate:
    """An entry and how well the question matches it in one language (0..1)."""

    entry_id: str
    score: float
    language: str
    # The entry's document and its best single variant both rank it first among the answers:
    # two views of the knowledge agree, which makes a middling score more trustworthy.
    agreed: bool = False


class _Postings:
    """Sparse TF-IDF row vectors, stored column-wise: feature -> (row indices, weights)."""

    def __init__(self, rows: list[Features], idf: Mapping[str, float], unknown_idf: float) -> None:
        self.size = len(rows)
        self.unknown_idf = unknown_idf
        self.columns: dict[str, int] = {}
        row_ids: list[int] = []
        column_ids: list[int] = []
        counts_seen: list[float] = []
        setdefault = self.columns.setdefault
        for row, counts in enumerate(rows):
            for feature, count in counts.items():
                if count > 0:
                    row_ids.append(row)
                    column_ids.append(setdefault(feature, len(self.columns)))
                    counts_seen.append(count)
        self.idf = np.asarray([idf[f] for f in self.columns], dtype=np.float64)
        columns = np.asarray(column_ids, dtype=np.int64)
        row_index = np.asarray(row_ids, dtype=np.int64)
        weights = (1.0 + np.log(np.asarray(counts_seen, dtype=np.float64))) * self.idf[columns]
        norms = np.sqrt(np.bincount(row_index, weights=weights * weights, minlength=self.size))
        norms[norms == 0] = 1.0
        order = np.argsort(columns, kind="stable")
        self.rows = row_index.astype(np.int32)[order]
        self.values = (weights / norms[row_index]).astype(np.float32)[order]
        self.starts = np.concatenate(
            ([0], np.cumsum(np.bincount(columns, minlength=len(self.columns))))
        )

    def scores(self, counts: Mapping[str, float]) -> np.ndarray:
        """Cosine of the question's TF-IDF vector (from its feature counts) with every row, in a
        fixed number of numpy calls. Features no row has still lengthen the question's vector."""
        get = self.columns.get
        known: list[tuple[int, float]] = []
        unknown = 0.0
        for feature, count in counts.items():
            column = get(feature)
            if column is None:
                unknown += ((1.0 + math.log(count)) * self.unknown_idf) ** 2
            else:
                known.append((column, count))
        if not known:
            return np.zeros(self.size)
        columns = np.fromiter((c for c, _n in known), dtype=np.int64, count=len(known))
        weights = np.fromiter((n for _c, n in known), dtype=np.float64, count=len(known))
        weights = (1.0 + np.log(weights)) * self.idf[columns]
        weights /= math.sqrt(float(weights @ weights) + unknown) or 1.0
        return self._dot(columns, weights)

    def _dot(self, columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Every row's dot product with a vector given by its non-zero columns and weights: the
        postings of all its columns gathered at once."""
        begins, lengths = self.starts[columns], self.starts[columns + 1] - self.starts[columns]
        ends = np.cumsum(lengths)
        positions = np.arange(int(ends[-1])) + np.repeat(begins - (ends - lengths), lengths)
        contributions = self.values[positions] * np.repeat(weights, lengths)
        return np.bincount(self.rows[positions], weights=contributions, minlength=self.size)

    def similarities_among(self, first: int) -> np.ndarray:
        """The cosine of every row from `first` on with every other such row (a square matrix),
        one row at a time."""
        columns = np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))
        by_row = np.argsort(self.rows, kind="stable")
        row_columns, row_values = columns[by_row], self.values[by_row].astype(np.float64)
        row_starts = np.searchsorted(self.rows[by_row], np.arange(self.size + 1))
        size = self.size - first
        result = np.zeros((size, size))
        for i in range(size):
            begin, end = row_starts[first + i], row_starts[first + i + 1]
            if begin < end:  # a variant with no features (only signs) is like nothing
                result[i] = self._dot(row_columns[begin:end], row_values[begin:end])[first:]
        return result


def _inputs(language: str, knowledge: Knowledge) -> tuple[object, ...]:
    """Everything a language's indexes are built from: equal inputs, equal index."""
    return (
        knowledge.romanization.get(language),
        tuple(  # an entry without questions in the language is not in its index
            (e.id, e.kind, e.questions[language], e.answers.get(language))
            for e in knowledge
            if e.questions.get(language)
        ),
        knowledge.out_of_scope.get(language),
        knowledge.fillers.get(language),
    )


class _LanguageIndex:
    def __init__(
        self,
        language: str,
        knowledge: Knowledge,
        cache: CoefficientCache | None = None,
        *,
        romanized: bool = False,
    ) -> None:
        self.language = language
        self.romanized = romanized
        self.cache = cache
        self.inputs = _inputs(language, knowledge)
        table = knowledge.romanization.get(language) if romanized else None
        spell = speller(table) if table else None
        self.fillers = sorted(
            (
                tuple(normalize(spell(f)).split() if spell else f.split())
                for f in knowledge.fillers.get(language, ())
                if f.split()
            ),
            key=len,
            reverse=True,
        )
        self.entry_ids: list[str] = []
        docs: list[Features] = []
        variant_rows: list[Features] = []
        starts: list[int] = []
        words: dict[bool, set[str]] = {True: set(), False: set()}  # smalltalk or not
        greetings: set[tuple[str, ...]] = set()
        smalltalk: list[bool] = []
        answers: list[bool] = []
        examples = [
            (e.id, e.kind, e.questions.get(language), e.answers.get(language, ""))
            for e in knowledge
        ]
        examples.append((OUT_OF_SCOPE, "answer", knowledge.out_of_scope.get(language), ""))
        if spell:
            examples = [
                (entry_id, kind, questions and tuple(map(spell, questions)), spell(answer))
                for entry_id, kind, questions, answer in examples
            ]
        for entry_id, kind, questions, answer in examples:
            if not questions:
                continue
            self.entry_ids.append(entry_id)
            is_smalltalk = kind == "smalltalk"
            smalltalk.append(is_smalltalk)
            answers.append(kind == "answer" and entry_id != OUT_OF_SCOPE)
            starts.append(len(variant_rows))
            doc: Features = defaultdict(float)
            for question in questions:
                tokens = strip_fillers(normalize(question).split(), self.fillers)
                words[is_smalltalk].update(tokens)
                if is_smalltalk:
                    greetings.add(tuple(tokens))
                counts = features(tokens)
                variant_rows.append(counts)
                for feature, count in counts.items():
                    doc[feature] += count
            for feature, count in features(
                normalize(PLACEHOLDER.sub(" ", answer)).split()
            ).items():
                doc[feature] += count * ANSWER_WEIGHT
            docs.append(doc)
        # Words only small talk uses ("hallo", "danke", "مرحبا"): around a question they are
        # politeness, and left in they would pull a real question towards the greeting.
        self.smalltalk_only = frozenset(words[True] - words[False])
        self.smalltalk_phrases = frozenset(greetings)  # "dzien dobry", "hallo zusammen"
        self.is_smalltalk = np.asarray(smalltalk, dtype=bool)
        self.is_answer = np.asarray(answers, dtype=bool)
        # Frequencies over single variants, not whole entries: with a few dozen entries per
        # language, words like "wie" or "how" occur in most entries and would look rare.
        document_frequency: Counter[str] = Counter()
        for row in variant_rows:
            document_frequency.update(row.keys())
        total = len(variant_rows)
        self.unknown_idf = math.log(1 + total) + 1.0
        self.idf = {
            f: math.log((1 + total) / (1 + df)) + 1.0 for f, df in document_frequency.items()
        }
        # Known words by first letter: a typo rarely changes the first letter, and comparing
        # with one bucket instead of the whole vocabulary keeps correction cheap.
        self.vocabulary: dict[str, list[str]] = defaultdict(list)
        for word in sorted(f[2:] for f in self.idf if f.startswith("w:") and len(f) > 4):
            self.vocabulary[word[0]].append(word)
        idf = defaultdict(lambda: self.unknown_idf, self.idf)
        # One matrix: the entry documents in the first rows, then every variant.
        self.postings = _Postings(docs + variant_rows, idf, self.unknown_idf)
        self.variant_starts = np.asarray(starts, dtype=np.int64) + len(docs)
        self.out_of_scope_row = (
            self.entry_ids.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self.entry_ids else None
        )
        self._classifier: VariantClassifier | None = None
        self._classifier_built = False
        self._classifier_lock = threading.Lock()
        self._classifier_started = threading.Event()

    def classifier(self, *, wait: bool = True) -> VariantClassifier | None:
        """The second opinion over this index's variants, built the first time it is asked for
        (about 0.4 s a language on 2 cores); None without entries or with too many variants.
        Without `wait`, a classifier not built yet is built in a thread and None returned now."""
        if not self._classifier_built and not wait:
            if not self._classifier_started.is_set():
                self._classifier_started.set()
                threading.Thread(target=self.classifier, name="classifier", daemon=True).start()
            return None
        with self._classifier_lock:
            if not self._classifier_built:
                first = len(self.entry_ids)
                rows = np.arange(self.postings.size - first)
                if first and len(rows) <= MAX_VARIANTS:
                    owners = np.searchsorted(self.variant_starts - first, rows, side="right") - 1
                    self._classifier = self._trained(first, owners)
                self._classifier_built = True
            return self._classifier

    def _trained(self, first: int, owners: np.ndarray) -> VariantClassifier:
        """The classifier as kept in the cache from an earlier run on the same variants, else
        trained now (and kept)."""
        postings = self.postings
        if self.cache is None:
            return VariantClassifier.trained(postings.similarities_among(first), owners, first)
        key = training_key(
            f"{self.language}-latn" if self.romanized else self.language,
            (postings.rows, postings.values, postings.starts, owners),
        )
        kept = self.cache.load(key, (len(owners), first))
        if kept is not None:
            return VariantClassifier(kept)
        classifier = VariantClassifier.trained(postings.similarities_among(first), owners, first)
        self.cache.save(key, classifier.coefficients)
        return classifier

    def corrected(self, tokens: list[str]) -> list[str]:
        """Words no question uses, replaced by the closest known word when it is a likely typo
        ("deutschkus" -> "deutschkurs"); rapidfuzz over this language's vocabulary."""
        result = []
        for token in tokens:
            if len(token) >= TYPO_MIN_LENGTH and "w:" + token not in self.idf:
                match = process.extractOne(
                    token,
                    self.vocabulary.get(token[0], ()),
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=TYPO_CUTOFF,
                )
                if match:
                    token = match[0]
            result.append(token)
        return result

    def search(self, tokens: list[str], limit: int) -> Ranking:
        if not self.entry_ids:
            return Ranking([])
        tokens = strip_fillers(tokens, self.fillers)
        combined, agreed, similarities = self._entry_scores(tokens)
        topical = self._without_politeness(tokens)
        if topical and len(topical) < len(tokens):
            # "Hallo, wann habt ihr offen?": small talk is scored on the whole message, the
            # real entries on the message without its politeness.
            without, agreed, similarities = self._entry_scores(topical)
            combined = np.where(self.is_smalltalk, combined, without)
        out_of_scope = 0.0
        if self.out_of_scope_row is not None:
            out_of_scope = min(float(combined[self.out_of_scope_row]), 1.0)
            combined[self.out_of_scope_row] = -1.0
        count = min(limit, len(combined))
        top = np.argpartition(-combined, count - 1)[:count]
        candidates = [
            Candidate(
                self.entry_ids[row], min(float(combined[row]), 1.0), self.language, row == agreed
            )
            for row in top
            if row != self.out_of_scope_row
        ]
        candidates.sort(key=lambda c: c.score, reverse=True)
        return Ranking(candidates[:limit], out_of_scope, similarities, self.romanized)

    def opinion(self, similarities: np.ndarray, *, wait: bool = True) -> dict[str, float]:
        """The classifier's score of each entry (and of OUT_OF_SCOPE) for a question's
        similarities to the variants (from its Ranking); nothing while it is not built, unless
        `wait`."""
        classifier = self.classifier(wait=wait)
        if classifier is None:
            return {}
        scores = classifier.scores(similarities)
        return dict(zip(self.entry_ids, scores.tolist(), strict=True))

    def _without_politeness(self, tokens: list[str]) -> list[str]:
        """The question without a leading greeting (any small-talk phrasing, "dzien dobry") and
        without words only small talk uses ("danke")."""
        for end in range(len(tokens) - 1, 0, -1):
            if tuple(tokens[:end]) in self.smalltalk_phrases:
                tokens = tokens[end:]
                break
        return [t for t in tokens if t not in self.smalltalk_only]

    def _entry_scores(self, tokens: list[str]) -> tuple[np.ndarray, int | None, np.ndarray]:
        """Each entry's score, the row of the answer entry that both its document and its best
        variant rank first (None when they disagree), and the similarity to every variant."""
        scores = self.postings.scores(features(self.corrected(tokens)))
        document = scores[: len(self.entry_ids)]
        best_variant = np.maximum.reduceat(scores, self.variant_starts)
        agreed = None
        if self.is_answer.any():
            by_document = int(np.argmax(np.where(self.is_answer, document, -1.0)))
            by_variant = int(np.argmax(np.where(self.is_answer, best_variant, -1.0)))
            agreed = by_document if by_document == by_variant else None
        combined = DOCUMENT_SHARE * document + (1 - DOCUMENT_SHARE) * best_variant
        return combined, agreed, scores[len(self.entry_ids) :]


class Matcher:
    """Ranks entries for a normalised question, in the languages asked for.

    A language's index is built the first time a question needs it (start-up then costs only
    the languages of the first question), and its classifier the first time a match is unsure
    (in a thread with `background`); `warm()` builds the rest ahead of time. After a staff
    edit, the indexes of the languages it did not touch are taken over from the `previous`
    matcher instead of being built again. A language with a romanization table
    (knowledge/languages.yaml) has a second index of its questions spelt in Latin letters, for
    a question typed so ("gde kursy nemetskogo"): none of its letters is the language's own.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        previous: Matcher | None = None,
        *,
        background: bool = False,
        cache: CoefficientCache | None = None,
    ) -> None:
        self.knowledge = knowledge
        # In the bot, a question never waits for a classifier to be built: it is answered on the
        # similarity alone meanwhile (about 0.4 s a language, after a start or an edit).
        self.background: bool = previous.background if previous is not None else background
        # Classifiers trained before (by the key of their variants) are loaded, not trained.
        self.cache: CoefficientCache | None = previous.cache if previous is not None else cache
        self._indexes: dict[tuple[str, bool], _LanguageIndex] = {}  # (language, romanized)
        self._lock = threading.Lock()
        if previous is not None:
            for (language, romanized), index in previous._indexes.items():
                if language in knowledge.languages and index.inputs == _inputs(
                    language, knowledge
                ):
                    self._indexes[language, romanized] = index
        # The letters of each romanized language's own script (not Latin ones).
        self._own_letters = {
            language: frozenset(
                c for c in knowledge.alphabets.get(language, ()) if not c.isascii()
            )
            for language in knowledge.romanization
        }

    def index(self, language: str, *, romanized: bool = False) -> _LanguageIndex | None:
        romanized = romanized and language in self._own_letters
        index = self._indexes.get((language, romanized))
        if index is None and language in self.knowledge.languages:
            with self._lock:
                index = self._indexes.get((language, romanized))
                if index is None:
                    index = _LanguageIndex(
                        language, self.knowledge, self.cache, romanized=romanized
                    )
                    self._indexes[language, romanized] = index
        return index

    def typed_in_latin(self, normalized: str, language: str) -> bool:
        """Whether a question in a language with a romanization table is typed in Latin
        letters: it has none of the language's own."""
        own = self._own_letters.get(language)
        return own is not None and own.isdisjoint(normalized)

    @property
    def built(self) -> list[str]:
        """The languages whose index is built (taken over or built since)."""
        return list(dict.fromkeys(language for language, _ in self._indexes))

    def warm(self, languages: Iterable[str] | None = None, *, classifiers: bool = True) -> None:
        """Build these languages' indexes (and classifiers) now; every language by default."""
        for language in self.knowledge.languages if languages is None else languages:
            for romanized in (False, True) if language in self._own_letters else (False,):
                index = self.index(language, romanized=romanized)
                if index is not None and classifiers:
                    index.classifier()

    def search(self, normalized: str, language: str, limit: int = 5) -> Ranking:
        """The best entries in one language for a normalised question."""
        tokens = normalized.split()[:MAX_QUERY_TOKENS]
        index = self.index(language, romanized=self.typed_in_latin(normalized, language))
        if not tokens or index is None:
            return Ranking([])
        return index.search(tokens, limit)

    def opinion(self, language: str, ranking: Ranking) -> dict[str, float]:
        """The classifier's score of each entry for the question this language's `search`
        ranked (see bot.core.classifier)."""
        index = self.index(language, romanized=ranking.romanized)
        if ranking.similarities is None or index is None:
            return {}
        return index.opinion(ranking.similarities, wait=not self.background)
