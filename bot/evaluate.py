"""Scores an evaluation file: per-language accuracy, answer language, facts and fallbacks.

Used by `kik-bot eval` and by the test that holds CI to the quality targets.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.answer import Answerer, Hints, Outcome
from bot.core.yamlio import YamlError, load_yaml_file

FALLBACK = "fallback"


@dataclass(frozen=True)
class Case:
    question: str
    languages: tuple[str, ...]
    expect: tuple[str, ...]
    facts: tuple[str, ...] = ()
    hint: str | None = None

    @property
    def group(self) -> str:
        """The language a case counts for; cases in unsupported languages count as 'other'."""
        return self.languages[0] if len(self.languages) == 1 else "other"

    @property
    def out_of_scope(self) -> bool:
        return FALLBACK in self.expect


@dataclass
class LanguageScore:
    cases: int = 0
    correct: int = 0
    right_language: int = 0
    facts: int = 0
    facts_ok: int = 0
    out_of_scope: int = 0
    fell_back: int = 0
    answered: int = 0

    @property
    def in_scope(self) -> int:
        return self.cases - self.out_of_scope


@dataclass
class Report:
    by_language: dict[str, LanguageScore] = field(
        default_factory=lambda: defaultdict(LanguageScore)
    )
    failures: list[str] = field(default_factory=list)

    def total(self) -> LanguageScore:
        total = LanguageScore()
        for score in self.by_language.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(score, name))
        return total


class EvalFileError(ValueError):
    """An evaluation file or folder that cannot be scored; the message names file and line."""


def _texts(value: Any) -> tuple[str, ...] | None:
    values = value if isinstance(value, list) else [value]
    if values and all(isinstance(v, str) and v.strip() for v in values):
        return tuple(values)
    return None


def load_cases(path: Path) -> list[Case]:
    """Read one evaluation file (format: README, "Evaluation files")."""
    try:
        data = load_yaml_file(path)
    except OSError as error:
        raise EvalFileError(f"{path}: cannot be read ({error.strerror})") from None
    except YamlError as error:
        raise EvalFileError(str(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvalFileError(f"{path.name}:1: expected a mapping with a 'cases' list")
    cases = []
    for number, raw in enumerate(data["cases"], 1):
        where = f"{path.name}:{getattr(raw, 'line', 0) or getattr(data['cases'], 'line', 1)}"
        if not isinstance(raw, dict):
            raise EvalFileError(
                f"{where}: case {number} must be a mapping like {{q: ..., lang: ..., expect: [...]}}"
            )
        question, languages, expect = (
            raw.get("q"),
            _texts(raw.get("lang")),
            _texts(raw.get("expect")),
        )
        facts = _texts(raw.get("facts")) if raw.get("facts") else ()
        hint = raw.get("hint")
        if not isinstance(question, str) or languages is None or expect is None:
            raise EvalFileError(
                f"{where}: case {number} needs 'q' (the question), 'lang' and 'expect' "
                "(a language code or list, an entry id or list)"
            )
        if facts is None or not (hint is None or isinstance(hint, str)):
            raise EvalFileError(
                f"{where}: case {number}: 'facts' must be texts, 'hint' a language code"
            )
        for fact in facts:
            try:
                re.compile(fact)
            except re.error as error:
                raise EvalFileError(
                    f"{where}: case {number}: fact /{fact}/ is not a regular expression ({error})"
                ) from None
        cases.append(Case(question, languages, expect, facts, hint))
    return cases


def evaluation_files(path: Path) -> list[Path]:
    """The file, or every .yaml file below the folder."""
    if path.is_dir():
        files = sorted(path.rglob("*.yaml"))
        if not files:
            raise EvalFileError(f"{path}: no .yaml evaluation files in this folder")
        return files
    if not path.is_file():
        raise EvalFileError(f"{path}: no such evaluation file or folder")
    return [path]


def evaluate(answerer: Answerer, cases: Iterable[Case]) -> Report:
    report = Report()
    for case in cases:
        result = answerer.answer(case.question, Hints(client=case.hint))
        score = report.by_language[case.group]
        score.cases += 1
        problems = []
        if result.language in case.languages:
            score.right_language += 1
        else:
            problems.append(f"language {result.language}")
        if case.out_of_scope:
            score.out_of_scope += 1
            confident = result.outcome in (Outcome.ANSWER, Outcome.SMALLTALK) or (
                result.outcome is Outcome.EMERGENCY and "emergency" not in case.expect
            )
            if not confident:
                score.correct += 1
                score.fell_back += 1
            else:
                problems.append(f"answered {result.best_guess}")
        else:
            if result.outcome in (Outcome.ANSWER, Outcome.EMERGENCY, Outcome.SMALLTALK):
                score.answered += 1
            if result.best_guess in case.expect:
                score.correct += 1
            else:
                problems.append(
                    f"got {result.best_guess} ({result.outcome}, {result.confidence:.2f})"
                )
        for fact in case.facts:
            score.facts += 1
            if re.search(fact, result.text):
                score.facts_ok += 1
            else:
                problems.append(f"fact /{fact}/ missing")
        if problems:
            report.failures.append(
                f"[{case.group}] {case.question!r} expect {list(case.expect)}: {'; '.join(problems)}"
            )
    return report


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def format_report(report: Report) -> str:
    lines = [
        f"{'lang':<6}{'cases':>6}{'top-1':>8}{'answered':>10}{'language':>10}{'facts':>8}{'fallback':>10}"
    ]
    rows = [*sorted(report.by_language.items()), ("all", report.total())]
    for lang, s in rows:
        in_scope_correct = s.correct - s.fell_back
        lines.append(
            f"{lang:<6}{s.cases:>6}{_pct(in_scope_correct, s.in_scope):>8}{_pct(s.answered, s.in_scope):>10}"
            f"{_pct(s.right_language, s.cases):>10}{_pct(s.facts_ok, s.facts):>8}{_pct(s.fell_back, s.out_of_scope):>10}"
        )
    return "\n".join(lines)
