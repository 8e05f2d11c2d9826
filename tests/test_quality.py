"""The evaluation set meets the quality targets; CI fails when a change makes answers worse.

Targets: top-1 >= 95% in every language, answer in the right language >= 98%, fallback on
out-of-scope questions >= 90%. Cases in languages we do not support only count for the answer
language (English or German).
"""

from __future__ import annotations

import pytest

from bot.core.answer import Answerer
from bot.evaluate import Report, evaluate, evaluation_files, format_report, load_cases

from .conftest import ROOT

EVAL_DIR = ROOT / "tests" / "data"  # eval/ and the held-out eval-holdout/
TOP1, LANGUAGE, FALLBACK = 0.95, 0.98, 0.90
MIN_CASES_PER_LANGUAGE = 20


@pytest.fixture(scope="module")
def report(answerer: Answerer) -> Report:
    cases = [case for path in evaluation_files(EVAL_DIR) for case in load_cases(path)]
    result = evaluate(answerer, cases)
    print("\n" + format_report(result))
    return result


def test_every_supported_language_is_evaluated(report: Report, answerer: Answerer) -> None:
    for lang in answerer.knowledge.languages:
        assert report.by_language[lang].in_scope >= MIN_CASES_PER_LANGUAGE, lang
    assert report.total().out_of_scope >= 30


def test_top1_in_every_language(report: Report, answerer: Answerer) -> None:
    below = {
        lang: f"{(s.correct - s.fell_back) / s.in_scope:.1%}"
        for lang, s in report.by_language.items()
        if lang in answerer.knowledge.languages and (s.correct - s.fell_back) / s.in_scope < TOP1
    }
    assert below == {}, "\n".join(f for f in report.failures if "got" in f)


def test_answer_language(report: Report) -> None:
    total = report.total()
    assert total.right_language / total.cases >= LANGUAGE, "\n".join(
        f for f in report.failures if "language" in f
    )


def test_out_of_scope_falls_back(report: Report) -> None:
    total = report.total()
    assert total.fell_back / total.out_of_scope >= FALLBACK, "\n".join(
        f for f in report.failures if "answered" in f
    )
