"""A second opinion where the similarity to the variants is unsure.

The matcher scores an entry by how similar the question is to it, which weighs every shared
word and n-gram by its rarity alone. A classifier trained on the same variants learns instead
which features tell an entry from its neighbours and from the examples of questions no entry
answers ("wer" for the authors, "wann" for the history). It is kernel ridge regression over the
matcher's own similarities: one solve of a variants-by-variants system per language, and a
question's opinion is its similarities to the variants (which the matcher computes anyway) times
the coefficients. No features, weights or model files of its own, nothing to download.

Measured on the evaluation sets (README, the ablation table): a "did you mean" becomes an answer
when this opinion ranks the same entry first (right 93.8 -> 94.7% on the tuning sets, 93.8 ->
95.5% and 93.2 -> 94.6% on the two blind sets), and a confident answer gives way to the entry it
prefers (first offered as "did you mean": wrong 1.4 -> 0.9%, 1.6 -> 1.3%, 0.9 -> 0.6%; then
answered: right 95.6 -> 96.3%, 96.4 -> 96.7%, 94.6 -> 95.8%, no more wrong).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Protocol

import numpy as np

RIDGE = 1.0  # regularisation; 0.3 and 3 were alike on the tuning sets
# Part of every training's key: change it when the training changes in a way its inputs and
# RIDGE do not show, so that coefficients kept from before are not used.
TRAINING = 1
# The system is variants x variants: 1,500-1,900 a language today (0.3-0.5 s, 30 MB while it is
# solved). Beyond this many, a language goes without the second opinion rather than spend
# minutes and gigabytes on it (a knowledge of thousands of entries needs another classifier).
MAX_VARIANTS = 4000


class CoefficientCache(Protocol):
    """Where trained coefficients are kept between runs, by the key of what they were trained
    on (bot.classifier_cache keeps them in files): a restart then trains nothing."""

    def load(self, key: str, shape: tuple[int, int]) -> np.ndarray | None: ...

    def save(self, key: str, coefficients: np.ndarray) -> None: ...


def training_key(language: str, inputs: Iterable[np.ndarray]) -> str:
    """A key that changes whenever anything the training reads changes: the language, the arrays
    the similarities come from, RIDGE and TRAINING."""
    digest = hashlib.sha256(f"{TRAINING} {RIDGE}".encode())
    for array in inputs:
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return f"{language}-{digest.hexdigest()[:24]}"


class VariantClassifier:
    """One class per entry (the out-of-scope examples are a class too), learnt from the
    similarities between all variants of one language."""

    def __init__(self, coefficients: np.ndarray) -> None:
        """coefficients: one row per variant, one column per class (see `trained`)."""
        self.coefficients = coefficients

    @classmethod
    def trained(cls, gram: np.ndarray, owners: np.ndarray, classes: int) -> VariantClassifier:
        """gram: the similarity of every variant with every other; owners: each variant's class."""
        size = len(owners)
        targets = -np.ones((size, classes))
        targets[np.arange(size), owners] = 1.0
        gram = gram.copy()
        gram[np.diag_indices(size)] += RIDGE
        return cls(np.linalg.solve(gram, targets).astype(np.float32))

    def scores(self, similarities: np.ndarray) -> np.ndarray:
        """Each class's score (about 1 for a question like its variants, -1 for one unlike)
        from the question's similarity to every variant."""
        scores: np.ndarray = np.asarray(similarities, dtype=np.float32) @ self.coefficients
        return scores
