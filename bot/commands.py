"""What each `kik-bot` subcommand does, on top of the core (the CLI only parses arguments)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.classifier_cache import ClassifierFiles
from bot.core.answer import Answerer, Hints
from bot.core.knowledge import KnowledgeError, Problem, load_knowledge
from bot.core.language import start_loading_model
from bot.core.matcher import Matcher
from bot.i18n import Translations
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.shipped import Change

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_REPORT_DAYS = 3650

log = logging.getLogger(__name__)


def fail(message: str, status: int = EXIT_USAGE) -> int:
    """One line on stderr, and the exit status."""
    print(f"kik-bot: {message}", file=sys.stderr)
    return status


def build_answerer(
    settings: Settings, at: dt.datetime | None = None, *, background: bool = False
) -> Answerer:
    """The answerer on the configured knowledge; `at` (local time of the office if it has no
    time zone) makes it answer as if it were that moment (hours, holidays, "open now");
    `background`: the classifiers are built in a thread, not waited for (bot.core.matcher)."""
    start_loading_model()
    knowledge = load_knowledge(settings.knowledge_dir)
    translations = Translations(settings.locales_dir, knowledge.languages)
    matcher = Matcher(
        knowledge, background=background, cache=ClassifierFiles(settings.classifier_dir)
    )
    if at is None:
        return Answerer(knowledge, translations, matcher=matcher)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(knowledge.directory.timezone))
    moment = at
    return Answerer(knowledge, translations, clock=lambda: moment, matcher=matcher)


def _print_problems(settings: Settings, problems: list[Problem]) -> None:
    print(
        f"kik-bot: the knowledge in {settings.knowledge_dir} is invalid "
        f"({len(problems)} error(s)):",
        file=sys.stderr,
    )
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _load_or_report(
    settings: Settings, at: dt.datetime | None = None, *, background: bool = False
) -> Answerer | None:
    try:
        return build_answerer(settings, at, background=background)
    except KnowledgeError as error:
        _print_problems(settings, error.problems)
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
    if language is not None:
        chosen = answerer.supported(language)
        if chosen is None:
            return fail(
                f"language '{language}' is not supported "
                f"(supported: {' '.join(answerer.knowledge.languages)})"
            )
        language = chosen
    hints = Hints(preferred=language)
    for question in _questions(arguments):
        result = answerer.answer(question, hints)
        if as_json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            print(result.text + "\n", flush=True)
    return EXIT_OK


def chat(settings: Settings, at: dt.datetime | None = None) -> int:
    from bot.console import Console

    answerer = _load_or_report(settings, at, background=True)  # a person waits for the first
    if answerer is None:
        return EXIT_FAILED
    Console(answerer, input, print).run()
    return EXIT_OK


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
    for change in shipped_changes(settings):
        print(f"release: {change}")
    return EXIT_FAILED if errors else EXIT_OK


def evaluate_file(settings: Settings, path: Path, *, show_failures: bool) -> int:
    from bot.evaluate import EvalFileError, evaluate, evaluation_files, format_report, load_cases

    try:
        cases = [case for file in evaluation_files(path) for case in load_cases(file)]
    except EvalFileError as error:
        return fail(str(error))
    answerer = _load_or_report(settings)
    if answerer is None:
        return EXIT_FAILED
    report = evaluate(answerer, cases)
    if show_failures:
        print("\n".join(report.failures) + "\n")
    print(format_report(report))
    return EXIT_OK


def report(settings: Settings, *, days: int, as_csv: bool) -> int:
    from bot.staff.learning import format_stats, group_unanswered, stats, stats_csv
    from bot.store import Store

    if not 1 <= days <= MAX_REPORT_DAYS:
        return fail(f"--days must be a whole number from 1 to {MAX_REPORT_DAYS}")
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
    from bot.heartbeat import MAX_AGE_SECONDS, heartbeat_age

    age = heartbeat_age(settings.data_dir)
    if age is None or age > MAX_AGE_SECONDS:
        print(
            "unhealthy: no recent heartbeat"
            if age is None
            else f"unhealthy: heartbeat {age:.0f} s old"
        )
        return EXIT_FAILED
    print(f"healthy: heartbeat {age:.0f} s old")
    return EXIT_OK


def backup(settings: Settings, target: Path) -> int:
    from bot.store import DATABASE_FILE, BackupError, backup_database

    try:
        pages = backup_database(settings.data_dir / DATABASE_FILE, target)
    except BackupError as error:
        return fail(str(error), EXIT_FAILED)
    print(f"backed up {settings.data_dir / DATABASE_FILE} to {target} ({pages} pages)")
    return EXIT_OK


def prepare_knowledge(settings: Settings) -> None:
    """In a container: seed the knowledge staff edit from the image's, on first start; later,
    copy in the files a release ships for the first time."""
    from bot import shipped

    source = settings.shipped_knowledge_dir
    if source is None:
        return
    if shipped.seed(source, settings.knowledge_dir):
        log.info("copied the shipped knowledge from %s to %s", source, settings.knowledge_dir)
        return
    for name in shipped.add_new(source, settings.knowledge_dir):
        log.info("copied %s, new in this release, from %s", name, source)


def shipped_changes(settings: Settings) -> list[Change]:
    """What a new release changed in the shipped knowledge that is not yet taken over."""
    from bot import shipped

    if settings.shipped_knowledge_dir is None:
        return []
    return shipped.pending(settings.shipped_knowledge_dir, settings.knowledge_dir)


def knowledge(settings: Settings, action: str, names: list[str]) -> int:
    """`kik-bot knowledge [status | diff FILE | take [FILE...]]`."""
    from bot import shipped

    source = settings.shipped_knowledge_dir
    if source is None:
        return fail(
            "KIK_SHIPPED_KNOWLEDGE_DIR is not set: the knowledge is edited where it ships, "
            "there is nothing to compare (the container image sets it)"
        )
    if action == "diff":
        if len(names) != 1:
            return fail("usage: kik-bot knowledge diff FILE")
        text = shipped.diff(source, settings.knowledge_dir, names[0])
        print(text or f"{names[0]}: no changes", end="" if text else "\n")
        return EXIT_OK
    if action == "take":
        try:
            done = shipped.take(source, settings.knowledge_dir, names)
        except shipped.TakeError as error:
            print(f"kik-bot: {error}", file=sys.stderr)
            for problem in error.problems:
                print(f"  {problem}", file=sys.stderr)
            return EXIT_FAILED
        print("\n".join(done) if done else "Nothing to take over without a name (see status).")
        if done:
            print("A running bot uses it after /reload (staff) or a restart.")
        return EXIT_OK
    changes = shipped.pending(source, settings.knowledge_dir)
    for change in changes:
        print(change)
    if not changes:
        print(f"{settings.knowledge_dir} has everything the release ships (staff edits aside).")
    elif any(not change.edited for change in changes):
        print("`kik-bot knowledge take` takes over the files not edited here.")
    return EXIT_OK


def run(settings: Settings) -> int:
    from bot.telegram.app import build_services, run_bot

    try:
        services = build_services(settings)
    except KnowledgeError as error:
        _print_problems(settings, error.problems)
        return EXIT_USAGE
    try:
        for change in shipped_changes(settings):
            log.warning("the shipped knowledge changed: %s; see `kik-bot knowledge`", change)
        return run_bot(services)
    finally:
        services.store.close()
