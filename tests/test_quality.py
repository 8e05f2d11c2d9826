"""The evaluation sets meet the quality floors; CI fails when a change makes answers worse.

Measured strictly (bot/evaluate.py): right = a confident answer with an acceptable entry, per
language; wrong = a confident answer with another entry; out-of-scope questions answered at all.
The floors are the figures reached, a little below, so that a regression fails; the targets of
issue 10 (right >= 95% in every language, wrong <= 1%, out of scope answered <= 5%, language
>= 99.5%) are higher, and the README reports where each language stands. Crisis messages are
held to their own, stricter targets in test_safety.py.
"""

from __future__ import annotations

import pytest

from bot.core.answer import Answerer
from bot.evaluate import Report, evaluate, evaluation_files, format_report, load_cases

from .conftest import ROOT

DATA = ROOT / "tests" / "data"
SETS = (
    "eval", "eval-holdout", "eval-fresh", "eval-blind", "eval-blind2", "eval-blind3", "eval-mixed",
    "eval-translit",
)  # fmt: skip
# Right per language on these sets together, as measured (README), less three points.
RIGHT_FLOOR = {
    "ar": 0.93, "de": 0.92, "en": 0.93, "fa": 0.92, "fr": 0.93, "hr": 0.95, "hu": 0.94,
    "it": 0.96, "pl": 0.97, "ro": 0.95, "ru": 0.92, "sq": 0.94, "tr": 0.95, "uk": 0.92,
}  # fmt: skip
WRONG_MAX = 0.008  # 0.5% reached
# 2.8% reached, since questions the fields of action name but do not answer (a Kita place, a
# health insurance, a recognised diploma) are out-of-scope examples (README).
OUT_OF_SCOPE_ANSWERED_MAX = 0.05
LANGUAGE_FLOOR = (
    0.99  # 99.3% reached (eval-blind3 98.5%, eval-translit 94.3%: romanized, one-word)
)
MIN_CASES_PER_LANGUAGE = 90


@pytest.fixture(scope="module")
def report(answerer: Answerer) -> Report:
    cases = [
        case
        for name in SETS
        for path in evaluation_files(DATA / name)
        for case in load_cases(path)
    ]
    result = evaluate(answerer, cases)
    print("\n" + format_report(result))
    return result


def test_every_supported_language_is_evaluated(report: Report, answerer: Answerer) -> None:
    for lang in answerer.knowledge.languages:
        assert report.by_language[lang].in_scope >= MIN_CASES_PER_LANGUAGE, lang
    assert report.total().out_of_scope >= 400


def test_right_in_every_language(report: Report, answerer: Answerer) -> None:
    assert set(RIGHT_FLOOR) == set(answerer.knowledge.languages)
    below = {
        lang: f"{s.right / s.in_scope:.1%} < {RIGHT_FLOOR[lang]:.0%}"
        for lang, s in report.by_language.items()
        if lang in RIGHT_FLOOR and s.right / s.in_scope < RIGHT_FLOOR[lang]
    }
    assert below == {}, below


def test_few_confident_wrong_answers(report: Report) -> None:
    total = report.total()
    assert total.wrong / total.in_scope <= WRONG_MAX, "\n".join(
        f for f in report.failures if "WRONG" in f
    )


def test_answer_language(report: Report) -> None:
    total = report.total()
    assert total.right_language / total.cases >= LANGUAGE_FLOOR, "\n".join(
        f for f in report.failures if "language" in f
    )


def test_out_of_scope_is_not_answered(report: Report) -> None:
    total = report.total()
    assert total.answered_out_of_scope / total.out_of_scope <= OUT_OF_SCOPE_ANSWERED_MAX, (
        "\n".join(f for f in report.failures if "answered" in f)
    )
