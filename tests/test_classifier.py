"""The second opinion on unsure matches: what it learns from the variants, and when its word
turns a "did you mean" into an answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.classifier_cache import ClassifierFiles
from bot.core.answer import Answerer, Outcome
from bot.core.classifier import VariantClassifier
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.language import LanguageDetector
from bot.core.matcher import OUT_OF_SCOPE, Matcher, Ranking
from bot.core.normalize import normalize
from bot.i18n import Translations
from bot.staff.editing import KnowledgeEditor
from bot.store import Store

# Unsure on its own: integration-guides 0.24, wegweiser-migration 0.24, out of scope 0.10.
GUIDES = "هل يوجد في المدينة من يرافق القادمين الجدد إلى الدوائر الرسمية؟"
# Unsure too, but only 0.11 above the examples of questions no entry answers.
NEAR_OUT_OF_SCOPE = "کسی هست که همراه من به اداره خارجی‌ها بیاید؟"


def test_a_question_like_one_class_gets_that_class() -> None:
    # Variants 0 and 1 belong to class 0, 2 and 3 to class 1; each pair is alike.
    gram = np.array(
        [[1.0, 0.6, 0.1, 0.0], [0.6, 1.0, 0.0, 0.1], [0.1, 0.0, 1.0, 0.5], [0.0, 0.1, 0.5, 1.0]]
    )
    classifier = VariantClassifier.trained(gram, np.array([0, 0, 1, 1]), classes=2)
    like_the_second = classifier.scores(np.array([0.0, 0.1, 0.7, 0.6]))
    assert like_the_second[1] > 0 > like_the_second[0]


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_the_variants_are_classed_as_their_own_entry(knowledge: Knowledge, language: str) -> None:
    matcher = Matcher(knowledge)
    asked = [
        (entry.id, question)
        for entry in knowledge
        if entry.kind == "answer"
        for question in entry.questions.get(language, ())[:3]
    ]
    own = 0
    for entry_id, question in asked:
        opinion = matcher.opinion(language, matcher.search(normalize(question), language))
        own += max(opinion, key=opinion.__getitem__) == entry_id
    assert own >= 0.95 * len(asked)


class _Opinion(Matcher):
    """The real matcher with the classifier's opinion given by the test."""

    def __init__(self, knowledge: Knowledge, opinion: dict[str, float]) -> None:
        super().__init__(knowledge)
        self.given = opinion

    def opinion(self, language: str, ranking: Ranking) -> dict[str, float]:
        return self.given


def _answerer(
    knowledge: Knowledge,
    translations: Translations,
    detector: LanguageDetector,
    opinion: dict[str, float],
) -> Answerer:
    return Answerer(knowledge, translations, detector, matcher=_Opinion(knowledge, opinion))


@pytest.mark.parametrize(
    "sure",
    [
        {"integration-guides": 0.4, "wegweiser-migration": -0.3, OUT_OF_SCOPE: -0.8},
        # unlike every class, but far more like this one than the next
        {"integration-guides": -0.1, "wegweiser-migration": -0.6, OUT_OF_SCOPE: -0.8},
    ],
)
def test_an_unsure_match_is_answered_when_the_classifier_agrees(
    knowledge: Knowledge,
    translations: Translations,
    detector: LanguageDetector,
    sure: dict[str, float],
) -> None:
    result = _answerer(knowledge, translations, detector, sure).answer(GUIDES)
    assert result.outcome is Outcome.ANSWER
    assert result.entry is not None and result.entry.id == "integration-guides"
    assert result.language == "ar"


@pytest.mark.parametrize(
    "opinion",
    [
        {"integration-guides": -0.2, "wegweiser-migration": 0.3},  # another entry first
        {"integration-guides": 0.1, OUT_OF_SCOPE: 0.4},  # no entry of ours
        {"integration-guides": 0.30, "wegweiser-migration": 0.28},  # too close to tell
        {"integration-guides": -0.1, "wegweiser-migration": -0.3},  # first, but unlike it
        {"integration-guides": -0.3, "wegweiser-migration": -0.9},  # far ahead, but too unlike
    ],
)
def test_an_unsure_match_stays_did_you_mean_unless_the_classifier_is_clear(
    knowledge: Knowledge,
    translations: Translations,
    detector: LanguageDetector,
    opinion: dict[str, float],
) -> None:
    result = _answerer(knowledge, translations, detector, opinion).answer(GUIDES)
    assert result.outcome is Outcome.SUGGEST
    assert result.suggestions[0] == "integration-guides"


def test_the_classifier_is_not_asked_near_the_out_of_scope_examples(
    knowledge: Knowledge, translations: Translations, detector: LanguageDetector
) -> None:
    sure = {"integration-guides": 0.9, OUT_OF_SCOPE: -0.9}
    result = _answerer(knowledge, translations, detector, sure).answer(NEAR_OUT_OF_SCOPE)
    assert result.outcome is Outcome.SUGGEST


def test_a_confident_match_gives_way_to_the_entry_the_classifier_prefers(
    knowledge: Knowledge, translations: Translations, detector: LanguageDetector
) -> None:
    question = "Wie lange hat das Büro heute auf?"  # hours at 0.33: confident, not clear
    prefers = {"hours": -0.4, "address": 0.3, OUT_OF_SCOPE: -0.9}
    result = _answerer(knowledge, translations, detector, prefers).answer(question)
    assert result.outcome is Outcome.ANSWER
    assert result.entry is not None and result.entry.id == "address"
    assert "Rathausplatz" in result.text
    for alike in (
        {"hours": 0.18, "address": 0.2, OUT_OF_SCOPE: -0.9},  # too close to overrule
        {"hours": -0.4, OUT_OF_SCOPE: 0.3},  # not ours: no entry to prefer
    ):
        result = _answerer(knowledge, translations, detector, alike).answer(question)
        assert result.outcome is Outcome.ANSWER
        assert result.entry is not None and result.entry.id == "hours"


def test_a_clear_match_is_not_second_guessed(
    knowledge: Knowledge, translations: Translations, detector: LanguageDetector
) -> None:
    doubt = {"hours": -0.9, "address": 0.9}
    result = _answerer(knowledge, translations, detector, doubt).answer(
        "Habt ihr am Nachmittag offen?"
    )
    assert result.outcome is Outcome.ANSWER
    assert result.entry is not None and result.entry.id == "hours"


def test_the_bot_answers_without_waiting_for_a_classifier_and_builds_it_meanwhile(
    knowledge: Knowledge,
) -> None:
    matcher = Matcher(knowledge, background=True)
    question = normalize("Wie lange hat das Büro heute auf?")
    ranked = matcher.search(question, "de")
    assert matcher.opinion("de", ranked) == {}  # not built yet: the match decides alone
    index = matcher.index("de")
    assert index is not None
    built = index.classifier()  # waits for the build the first call started
    assert built is not None
    opinion = matcher.opinion("de", ranked)
    assert max(opinion, key=opinion.__getitem__) == "hours"
    assert Matcher(knowledge, matcher).background  # a reload keeps the bot's way


HOURS = normalize("Wie lange hat das Büro heute auf?")


def _german_opinion(matcher: Matcher) -> dict[str, float]:
    return matcher.opinion("de", matcher.search(HOURS, "de"))


def _refuse_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def trained(*_args: object) -> VariantClassifier:
        raise AssertionError("trained again")

    monkeypatch.setattr(VariantClassifier, "trained", trained)


def test_a_restart_loads_the_classifier_trained_before_instead_of_training_again(
    knowledge: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ClassifierFiles(tmp_path / "classifiers")
    opinion = _german_opinion(Matcher(knowledge, cache=cache))
    assert max(opinion, key=opinion.__getitem__) == "hours"
    kept = list((tmp_path / "classifiers").iterdir())
    assert [path.name[:3] for path in kept] == ["de-"]

    _refuse_training(monkeypatch)
    assert _german_opinion(Matcher(knowledge, cache=cache)) == opinion


def test_a_damaged_or_unwritable_cache_only_means_training_again(
    knowledge: Knowledge, tmp_path: Path
) -> None:
    folder = tmp_path / "classifiers"
    opinion = _german_opinion(Matcher(knowledge, cache=ClassifierFiles(folder)))
    (kept,) = folder.iterdir()
    kept.write_bytes(b"\x93NUMPY damaged")
    assert _german_opinion(Matcher(knowledge, cache=ClassifierFiles(folder))) == opinion
    assert np.load(kept).dtype == np.float32  # trained and kept again

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert _german_opinion(Matcher(knowledge, cache=ClassifierFiles(not_a_folder))) == opinion


def test_an_edit_retrains_only_the_language_it_touched(
    knowledge_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "classifiers"
    before = Matcher(load_knowledge(knowledge_copy), cache=ClassifierFiles(folder))
    for language in ("de", "tr"):
        index = before.index(language)
        assert index is not None and index.classifier() is not None
    kept = {path.name for path in folder.iterdir()}

    editor = KnowledgeEditor(knowledge_copy, Store.in_folder(tmp_path / "data"))
    editor.add_questions(0, "hours", [("de", "Bis wann kann man heute noch vorbeikommen?")])
    after = Matcher(load_knowledge(knowledge_copy), cache=ClassifierFiles(folder))
    german = after.index("de")
    assert german is not None and german.classifier() is not None  # trained on the new variant
    now = {path.name for path in folder.iterdir()}
    assert len(now) == 2 and now != kept
    assert {name for name in now if name.startswith("tr-")} == {
        name for name in kept if name.startswith("tr-")
    }

    _refuse_training(monkeypatch)
    turkish = after.index("tr")
    assert turkish is not None and turkish.classifier() is not None  # loaded, not trained
