"""Scores evaluation files strictly, per language: what a person asking would have got.

Used by `kik-bot eval` and by the tests that hold CI to the quality targets.

- right: a confident answer (answer, emergency, small talk) with an acceptable entry;
- wrong: a confident answer with another entry, the worst outcome;
- unsure: "did you mean" or the fallback, neither right nor wrong;
- out of scope (expect: [fallback]): answered = any confident answer;
- crisis cases (`kind:` instead of `expect:`): recalled = an emergency answer; the kind's line
  = the answer includes that kind's crisis entry (`crisis-<kind>`; `general` = `emergency`);
- false emergency: an emergency answer to a case that does not expect one.

File format (YAML): `cases:` a list of `{q: question, lang: code or [codes], expect: [entry ids]
or [fallback], facts: [regular expressions the answer must contain], hint: app language}`, or
`{q, lang, kind: violence|suicide|poisoning|youth|general}` for crisis messages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.core.answer import Answer, Answerer, Hints, Outcome
from bot.core.yamlio import YamlError, load_yaml_file

FALLBACK = "fallback"
EMERGENCY = "emergency"
GENERAL_CRISIS = "general"


def crisis_entry(kind: str) -> str:
    return EMERGENCY if kind == GENERAL_CRISIS else f"crisis-{kind}"


@dataclass(frozen=True)
class Case:
    question: str
    languages: tuple[str, ...]
    expect: tuple[str, ...]
    facts: tuple[str, ...] = ()
    hint: str | None = None
    kind: str | None = None  # a crisis message of this kind

    @property
    def group(self) -> str:
        """The language a case counts for; cases in unsupported languages count as 'other'."""
        return self.languages[0] if len(self.languages) == 1 else "other"

    @property
    def out_of_scope(self) -> bool:
        return FALLBACK in self.expect

    @property
    def expects_emergency(self) -> bool:
        """Whether the emergency answer is acceptable (so never a false emergency)."""
        return self.kind is not None or EMERGENCY in self.expect

    @property
    def needs_emergency(self) -> bool:
        """Whether only the emergency answer is right: a crisis message, or a case that lists no
        other entry (a sick child at night with [field-health-care, emergency] is also answered
        right by the health entry, which gives the on-call doctor's number)."""
        return self.kind is not None or self.expect == (EMERGENCY,)


@dataclass
class LanguageScore:
    cases: int = 0
    in_scope: int = 0
    right: int = 0
    wrong: int = 0
    right_language: int = 0
    facts: int = 0
    facts_ok: int = 0
    out_of_scope: int = 0
    answered_out_of_scope: int = 0
    crisis: int = 0
    crisis_recalled: int = 0
    crisis_line: int = 0
    no_emergency_expected: int = 0
    false_emergency: int = 0

    def add(self, other: LanguageScore) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Report:
    by_language: dict[str, LanguageScore] = field(
        default_factory=lambda: defaultdict(LanguageScore)
    )
    failures: list[str] = field(default_factory=list)

    def total(self) -> LanguageScore:
        total = LanguageScore()
        for score in self.by_language.values():
            total.add(score)
        return total


class EvalFileError(ValueError):
    """An evaluation file or folder that cannot be scored; the message names file and line."""


def load_cases(path: Path) -> list[Case]:
    """The cases of one file (format above); a malformed one raises EvalFileError."""
    try:
        data = load_yaml_file(path)
    except OSError as error:
        raise EvalFileError(f"{path}: cannot be read ({error.strerror})") from None
    except YamlError as error:
        raise EvalFileError(str(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvalFileError(f"{path.name}:1: expected a mapping with a 'cases' list")
    line = getattr(data["cases"], "line", 1)
    return [_case(raw, path, number, line) for number, raw in enumerate(data["cases"], 1)]


def _case(raw: Any, path: Path, number: int, list_line: int) -> Case:
    def bad(message: str) -> EvalFileError:
        where = f"{path.name}:{getattr(raw, 'line', 0) or list_line}"
        return EvalFileError(f"{where}: case {number} {message}")

    if not isinstance(raw, dict):
        raise bad("must be a mapping like {q: ..., lang: ..., expect: [...]}")
    question, languages, kind = raw.get("q"), _texts(raw.get("lang")), raw.get("kind")
    expect = _texts(raw.get("expect")) if "expect" in raw else None
    if kind is not None and expect is None and isinstance(kind, str):
        expect = (crisis_entry(kind),)
    if not isinstance(question, str) or languages is None or expect is None:
        raise bad(
            "needs 'q' (the question), 'lang' and 'expect' "
            "(a language code or list, an entry id or list; or 'kind' for a crisis message)"
        )
    facts = _texts(raw.get("facts")) if raw.get("facts") else ()
    hint = raw.get("hint")
    if facts is None or not (hint is None or isinstance(hint, str)):
        raise bad("has 'facts' that are not texts or a 'hint' that is not a language code")
    for fact in facts:
        try:
            re.compile(fact)
        except re.error as error:
            raise bad(f"fact /{fact}/ is not a regular expression ({error})") from None
    return Case(question, languages, expect, facts, hint, kind)


def _texts(value: Any) -> tuple[str, ...] | None:
    values = value if isinstance(value, list) else [value]
    if values and all(isinstance(v, str) and v.strip() for v in values):
        return tuple(values)
    return None


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


def is_right(case: Case, result: Answer) -> bool:
    if not result.understood:
        return False
    if result.outcome is Outcome.EMERGENCY:
        return case.expects_emergency
    if case.needs_emergency:
        return False
    return result.entry is not None and result.entry.id in case.expect


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
        emergency = result.outcome is Outcome.EMERGENCY
        if not case.expects_emergency:
            score.no_emergency_expected += 1
            if emergency:
                score.false_emergency += 1
        if case.out_of_scope:
            score.out_of_scope += 1
            if result.understood:
                score.answered_out_of_scope += 1
                problems.append(f"answered {result.best_guess} ({result.outcome})")
        else:
            score.in_scope += 1
            if is_right(case, result):
                score.right += 1
            elif result.understood:
                score.wrong += 1
                problems.append(f"WRONG {result.best_guess} ({result.outcome})")
            else:
                problems.append(
                    f"unsure {result.best_guess} ({result.outcome}, {result.confidence:.2f})"
                )
        if case.kind is not None:
            score.crisis += 1
            score.crisis_recalled += emergency
            if emergency and crisis_entry(case.kind) in result.crisis:
                score.crisis_line += 1
            elif emergency:
                problems.append(f"no {case.kind} line (got {', '.join(result.crisis)})")
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
    columns = ("cases", "right", "wrong", "facts", "lang", "oos-ans", "crisis", "kind", "false-em")
    lines = ["lang  " + "".join(f"{c:>9}" for c in columns)]
    rows = [*sorted(report.by_language.items()), ("all", report.total())]
    for lang, s in rows:
        cells = (
            str(s.cases),
            _pct(s.right, s.in_scope),
            _pct(s.wrong, s.in_scope),
            _pct(s.facts_ok, s.facts),
            _pct(s.right_language, s.cases),
            _pct(s.answered_out_of_scope, s.out_of_scope),
            _pct(s.crisis_recalled, s.crisis),
            _pct(s.crisis_line, s.crisis),
            _pct(s.false_emergency, s.no_emergency_expected),
        )
        lines.append(f"{lang:<6}" + "".join(f"{c:>9}" for c in cells))
    return "\n".join(lines)
