"""Finds the knowledge entries closest to a question, per language.

Each language has its own index, built once per knowledge load. An entry is represented twice:
as one document of all its question variants (plus, lightly, its answer) and as each variant on
its own. Features are whole words and character 3- and 4-grams of words, weighted by TF-IDF, so
inflections, compounds and typos still share most features with the variants ("Deutschkurs",
"deutsch kurse", "deutschkus"). Words no entry uses (e.g. "Tokio") weigh fully in the question
and pull its score down: that is what makes out-of-scope questions fall back. The best few
entries are re-ranked with rapidfuzz against their variants, which rewards near-exact phrasings.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.knowledge import PLACEHOLDER, Knowledge
from bot.core.normalize import normalize

Features = defaultdict[str, float]  # feature -> weight (counts, possibly fractional)
WORD_WEIGHT = 2.0
NGRAM_SIZES = (3, 4)
ANSWER_WEIGHT = 0.35
DOCUMENT_SHARE = 0.7  # entry document vs. best single variant
TYPO_MIN_LENGTH = 5
TYPO_CUTOFF = 85.0  # rapidfuzz ratio from which an unknown word counts as a typo of a known one
MAX_QUERY_TOKENS = 60


def features(tokens: Iterable[str]) -> Features:
    """Word and character n-gram features of normalised tokens."""
    counts: Features = defaultdict(float)
    for token in tokens:
        counts["w:" + token] += WORD_WEIGHT
        if len(token) < 2:
            continue
        padded = f"<{token}>"
        for size in NGRAM_SIZES:
            for start in range(len(padded) - size + 1):
                counts[padded[start : start + size]] += 1.0
    return counts


def strip_fillers(tokens: list[str], fillers: Iterable[tuple[str, ...]]) -> list[str]:
    """Remove filler words and phrases, unless nothing would be left."""
    kept = list(tokens)
    for phrase in sorted(fillers, key=len, reverse=True):
        size = len(phrase)
        i = 0
        while i <= len(kept) - size:
            if tuple(kept[i : i + size]) == phrase:
                del kept[i : i + size]
            else:
                i += 1
    return kept or list(tokens)


@dataclass(frozen=True)
class Candidate:
    """An entry and how well the question matches it in one language (0..1)."""

    entry_id: str
    score: float
    language: str


class _Postings:
    """Sparse TF-IDF row vectors, stored column-wise: feature -> (row indices, weights)."""

    def __init__(self, rows: list[Features], idf: Mapping[str, float]) -> None:
        self.size = len(rows)
        self.columns: dict[str, int] = {}
        row_ids: list[int] = []
        column_ids: list[int] = []
        values: list[float] = []
        for row, counts in enumerate(rows):
            weights = {f: (1.0 + math.log(c)) * idf[f] for f, c in counts.items() if c > 0}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for feature, weight in weights.items():
                row_ids.append(row)
                column_ids.append(self.columns.setdefault(feature, len(self.columns)))
                values.append(weight / norm)
        columns = np.asarray(column_ids, dtype=np.int64)
        order = np.argsort(columns, kind="stable")
        self.rows = np.asarray(row_ids, dtype=np.int32)[order]
        self.values = np.asarray(values, dtype=np.float32)[order]
        self.starts = np.concatenate(
            ([0], np.cumsum(np.bincount(columns, minlength=len(self.columns))))
        )

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """Dot products of the query with every row, in a fixed number of numpy calls."""
        known = [(self.columns[f], w) for f, w in query.items() if f in self.columns]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        columns = np.fromiter((c for c, _w in known), dtype=np.int64, count=len(known))
        weights = np.fromiter((w for _c, w in known), dtype=np.float32, count=len(known))
        begins, lengths = self.starts[columns], self.starts[columns + 1] - self.starts[columns]
        # Positions of all postings of all query features, gathered at once.
        offsets = np.repeat(begins - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        positions = offsets + np.arange(int(lengths.sum()))
        contributions = self.values[positions] * np.repeat(weights, lengths)
        return np.bincount(
            self.rows[positions], weights=contributions, minlength=self.size
        ).astype(np.float32)


class _LanguageIndex:
    def __init__(self, language: str, knowledge: Knowledge) -> None:
        self.language = language
        self.fillers = [tuple(f.split()) for f in knowledge.fillers.get(language, ())]
        self.entry_ids: list[str] = []
        docs: list[Features] = []
        variant_rows: list[Features] = []
        starts: list[int] = []
        for entry in knowledge:
            questions = entry.questions.get(language)
            if not questions:
                continue
            self.entry_ids.append(entry.id)
            starts.append(len(variant_rows))
            doc: Features = defaultdict(float)
            for question in questions:
                counts = features(strip_fillers(normalize(question).split(), self.fillers))
                variant_rows.append(counts)
                for feature, count in counts.items():
                    doc[feature] += count
            answer = entry.answers.get(language, "")
            for feature, count in features(
                normalize(PLACEHOLDER.sub(" ", answer)).split()
            ).items():
                doc[feature] += count * ANSWER_WEIGHT
            docs.append(doc)
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
        self.documents = _Postings(docs, idf)
        self.variant_postings = _Postings(variant_rows, idf)
        self.variant_starts = np.asarray(starts, dtype=np.int64)
        ends = [*starts[1:], len(variant_rows)] if starts else []
        self.variant_ranges = list(zip(starts, ends, strict=True))

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

    def query_vector(self, tokens: list[str]) -> dict[str, float]:
        counts = features(self.corrected(strip_fillers(tokens, self.fillers)))
        vector = {
            f: (1.0 + math.log(c)) * self.idf.get(f, self.unknown_idf) for f, c in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {f: w / norm for f, w in vector.items()}

    def search(self, tokens: list[str], limit: int) -> list[Candidate]:
        if not self.entry_ids:
            return []
        query = self.query_vector(tokens)
        document_scores = self.documents.scores(query)
        variant_scores = self.variant_postings.scores(query)
        best_variant = np.maximum.reduceat(variant_scores, self.variant_starts)
        combined = DOCUMENT_SHARE * document_scores + (1 - DOCUMENT_SHARE) * best_variant
        count = min(limit, len(combined))
        top = np.argpartition(-combined, count - 1)[:count]
        candidates = [
            Candidate(self.entry_ids[row], min(float(combined[row]), 1.0), self.language)
            for row in top
        ]
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates[:limit]


class Matcher:
    """Ranks entries for a normalised question, in the languages asked for.

    A language's index is built the first time a question needs it (start-up then costs only
    the languages of the first question); `warm()` builds the rest ahead of time.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._indexes: dict[str, _LanguageIndex] = {}
        self._lock = threading.Lock()

    def index(self, language: str) -> _LanguageIndex | None:
        index = self._indexes.get(language)
        if index is None and language in self.knowledge.languages:
            with self._lock:
                index = self._indexes.get(language)
                if index is None:
                    index = _LanguageIndex(language, self.knowledge)
                    self._indexes[language] = index
        return index

    def warm(self) -> None:
        """Build every language's index now."""
        for language in self.knowledge.languages:
            self.index(language)

    def search(self, normalized: str, languages: Iterable[str], limit: int = 5) -> list[Candidate]:
        """Best candidates over the given languages, each entry once with its best language."""
        tokens = normalized.split()[:MAX_QUERY_TOKENS]
        if not tokens:
            return []
        best: dict[str, Candidate] = {}
        for lang in dict.fromkeys(languages):
            index = self.index(lang)
            if index is None:
                continue
            for candidate in index.search(tokens, limit):
                current = best.get(candidate.entry_id)
                if current is None or candidate.score > current.score:
                    best[candidate.entry_id] = candidate
        return sorted(best.values(), key=lambda c: c.score, reverse=True)[:limit]
