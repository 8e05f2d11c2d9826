"""What each `kik-bot` subcommand does, on top of the core (the CLI only parses arguments)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.answer import Answerer, Hints
from bot.core.knowledge import KnowledgeError, load_knowledge
from bot.i18n import Translations
from bot.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1


def build_answerer(settings: Settings, at: dt.datetime | None = None) -> Answerer:
    """The answerer on the configured knowledge; `at` (local time of the office if it has no
    time zone) makes it answer as if it were that moment (hours, holidays, "open now")."""
    knowledge = load_knowledge(settings.knowledge_dir)
    translations = Translations(settings.locales_dir, knowledge.languages)
    if at is None:
        return Answerer(knowledge, translations)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(knowledge.directory.timezone))
    moment = at
    return Answerer(knowledge, translations, clock=lambda: moment)


def _load_or_report(settings: Settings, at: dt.datetime | None = None) -> Answerer | None:
    try:
        return build_answerer(settings, at)
    except KnowledgeError as error:
        print(f"kik-bot: the knowledge in {settings.knowledge_dir} is invalid:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return None


def _questions(arguments: list[str]) -> Iterable[str]:
    if arguments:
        yield " ".join(arguments)
        return
    stdin = sys.stdin.buffer
    for raw in stdin:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line.strip():
            yield line


def ask(
    settings: Settings,
    arguments: list[str],
    *,
    language: str | None,
    as_json: bool,
    at: dt.datetime | None = None,
) -> int:
    answerer = _load_or_report(settings, at)
    if answerer is None:
        return EXIT_FAILED
    hints = Hints(preferred=language)
    for question in _questions(arguments):
        result = answerer.answer(question, hints)
        if as_json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            print(result.text + "\n", flush=True)
    return EXIT_OK


def chat(settings: Settings, at: dt.datetime | None = None) -> int:
    answerer = _load_or_report(settings, at)
    if answerer is None:
        return EXIT_FAILED
    print(
        "KIK-Bot – ask about Kempten's integration concept in your language. Empty line or Ctrl-D ends."
    )
    language: str | None = None
    while True:
        try:
            question = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return EXIT_OK
        if not question.strip():
            return EXIT_OK
        result = answerer.answer(question, Hints(recent=language))
        language = result.question_language or language
        print(result.text + "\n")


def check(settings: Settings) -> int:
    from bot.core.lint import lint

    try:
        knowledge = load_knowledge(settings.knowledge_dir)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem)
        print(f"{len(error.problems)} error(s).")
        return EXIT_FAILED
    problems = lint(knowledge, Translations(settings.locales_dir, knowledge.languages))
    for problem in problems:
        print(problem)
    errors = [p for p in problems if p.severity == "error"]
    print(
        f"{len(knowledge.entries)} entries in {len(knowledge.languages)} languages: "
        f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)."
    )
    return EXIT_FAILED if errors else EXIT_OK


def evaluate_file(settings: Settings, path: Path, *, show_failures: bool) -> int:
    from bot.evaluate import evaluate, evaluation_files, format_report, load_cases

    answerer = _load_or_report(settings)
    if answerer is None:
        return EXIT_FAILED
    cases = [case for file in evaluation_files(path) for case in load_cases(file)]
    report = evaluate(answerer, cases)
    if show_failures:
        print("\n".join(report.failures) + "\n")
    print(format_report(report))
    return EXIT_OK


def report(settings: Settings, *, days: int, as_csv: bool) -> int:
    from bot.staff.learning import format_stats, group_unanswered, stats, stats_csv
    from bot.store import Store

    days = max(1, min(days, 3650))
    store = Store.in_folder(settings.data_dir)
    try:
        result = stats(store, days)
        if as_csv:
            print(stats_csv(result), end="")
            return EXIT_OK
        print(format_stats(result))
        groups = group_unanswered(store.open_unanswered(days))
        if groups:
            print("Unanswered (most frequent first):")
            for group in groups[:20]:
                languages = ", ".join(f"{k} {v}" for k, v in group.languages.most_common())
                print(
                    f"  {group.count}x ({languages}) {group.example}  -> {group.suggested or '?'}"
                )
    finally:
        store.close()
    return EXIT_OK


def health(settings: Settings) -> int:
    from bot.telegram.app import HEARTBEAT_SECONDS, heartbeat_age

    age = heartbeat_age(settings.data_dir)
    if age is None or age > 4 * HEARTBEAT_SECONDS:
        print(
            "unhealthy: no recent heartbeat"
            if age is None
            else f"unhealthy: heartbeat {age:.0f} s old"
        )
        return EXIT_FAILED
    print(f"healthy: heartbeat {age:.0f} s old")
    return EXIT_OK


def run(settings: Settings, webhook: dict[str, Any] | None) -> int:
    from bot.telegram.app import run_bot

    return run_bot(settings, webhook=webhook)
