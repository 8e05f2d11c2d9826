"""Learning from what people ask: unanswered questions grouped, statistics, the report.

Every question is counted (day, language, outcome, entry: no text, no user). Questions the bot
could not answer well are kept with their text (no user id) so staff can turn them into question
variants with one tap. Similar ones are grouped with rapidfuzz so staff see "12 × opening hours
on Saturday" rather than twelve lines.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.core.answer import Answer, Outcome
from bot.core.normalize import normalize
from bot.store import Store, Unanswered

SIMILAR = 80  # rapidfuzz token_set_ratio from which two questions are one group
MAX_STORED_TEXT = 500


def record(store: Store, answer: Answer) -> None:
    """Count a question; keep its text when staff should look at it."""
    entry = answer.entry.id if answer.entry else None
    store.log_question(answer.detected, str(answer.outcome), entry)
    if not answer.understood and answer.outcome is not Outcome.EMPTY:
        store.add_unanswered(
            answer.question[:MAX_STORED_TEXT],
            answer.detected,
            answer.best_guess,
            answer.confidence,
        )


@dataclass
class Group:
    """Similar unanswered questions."""

    example: str
    ids: list[int] = field(default_factory=list)
    languages: Counter[str] = field(default_factory=Counter)
    guesses: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def suggested(self) -> str | None:
        return self.guesses.most_common(1)[0][0] if self.guesses else None


def group_unanswered(rows: list[Unanswered]) -> list[Group]:
    """Greedy grouping by similarity, most frequent first."""
    groups: list[tuple[str, Group]] = []
    for row in rows:
        key = normalize(row.text)
        target = next((g for k, g in groups if fuzz.token_set_ratio(key, k) >= SIMILAR), None)
        if target is None:
            target = Group(row.text)
            groups.append((key, target))
        target.ids.append(row.id)
        target.languages[row.detected or "?"] += 1
        if row.best_guess:
            target.guesses[row.best_guess] += 1
    return sorted((g for _k, g in groups), key=lambda g: g.count, reverse=True)


@dataclass(frozen=True)
class Stats:
    days: int
    per_day: dict[str, Counter[str]]
    total: int
    answered: int
    entries: Counter[str]
    feedback: list[tuple[str, int, int]]

    @property
    def share_answered(self) -> float:
        return self.answered / self.total if self.total else 0.0


def stats(store: Store, days: int) -> Stats:
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    entries: Counter[str] = Counter()
    total = answered = 0
    for day, language, outcome, entry in store.asked_since(days):
        per_day[day][language or "?"] += 1
        total += 1
        answered += _understood(outcome)
        if entry:
            entries[entry] += 1
    return Stats(days, dict(per_day), total, answered, entries, store.feedback_since(days))


def _understood(outcome: str) -> bool:
    try:
        return Outcome(outcome).understood
    except ValueError:  # an outcome an older version logged
        return False


def format_stats(result: Stats) -> str:
    lines = [
        f"Last {result.days} days: {result.total} questions, {result.share_answered:.0%} answered."
    ]
    for day, languages in sorted(result.per_day.items()):
        lines.append(
            f"{day}: {sum(languages.values())} ({', '.join(f'{k} {v}' for k, v in languages.most_common())})"
        )
    if result.entries:
        lines.append(
            "Most asked: " + ", ".join(f"{k} {v}" for k, v in result.entries.most_common(10))
        )
    if result.feedback:
        lines.append(
            "Feedback (👍/👎): "
            + ", ".join(f"{entry} {up}/{down}" for entry, up, down in result.feedback)
        )
    return "\n".join(lines)


def stats_csv(result: Stats) -> str:
    """One row per day and language: day, language, questions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["day", "language", "questions"])
    for day, languages in sorted(result.per_day.items()):
        for language, count in sorted(languages.items()):
            writer.writerow([day, language, count])
    return buffer.getvalue()
