"""Completeness checks of a loaded knowledge base, like `rasa data validate`.

Loading already guarantees the schema; this adds what makes the bot good in every language:
every entry answered and asked in every language, placeholders kept in translations, no way of
asking filed under two entries, a UI catalog for every language with intact placeholders.
"""

from __future__ import annotations

import re
from collections import defaultdict

from bot.core.knowledge import PLACEHOLDER, Knowledge, Problem
from bot.core.normalize import normalize
from bot.i18n import Translations

MIN_QUESTIONS = 6
_FORMAT_FIELD = re.compile(r"\{[a-z_]*\}")


def lint(knowledge: Knowledge, translations: Translations) -> list[Problem]:
    """Everything `kik-bot check` reports: the knowledge and the interface catalogs."""
    return lint_knowledge(knowledge) + lint_catalogs(knowledge, translations)


def lint_knowledge(knowledge: Knowledge) -> list[Problem]:
    """Completeness of the knowledge itself (what a staff edit must not break)."""
    problems: list[Problem] = []
    owners: dict[tuple[str, str], str] = {}
    for entry in knowledge:
        where = {"entry": entry.id}
        reference = entry.answers.get(knowledge.authoritative)
        reference_placeholders = sorted(PLACEHOLDER.findall(reference or ""))
        for lang in knowledge.languages:
            line = entry.lines.get("answers", entry.line)
            answer = entry.answers.get(lang)
            if lang in entry.outdated:
                state = "missing" if answer is None else "outdated"
                problems.append(
                    Problem(
                        entry.file,
                        entry.lines.get("outdated", line),
                        f"'{lang}' translation {state}: the '{knowledge.authoritative}' answer changed",
                        field=f"answers.{lang}",
                        severity="warning",
                        **where,
                    )
                )
            elif answer is None:
                problems.append(
                    Problem(
                        entry.file,
                        line,
                        f"no answer in '{lang}'",
                        field=f"answers.{lang}",
                        **where,
                    )
                )
            elif (
                reference is not None
                and sorted(PLACEHOLDER.findall(answer)) != reference_placeholders
            ):
                problems.append(
                    Problem(
                        entry.file,
                        line,
                        f"placeholders differ from the '{knowledge.authoritative}' answer",
                        field=f"answers.{lang}",
                        **where,
                    )
                )
            questions = entry.questions.get(lang, ())
            if len(questions) < MIN_QUESTIONS:
                pending = lang in entry.outdated
                problems.append(
                    Problem(
                        entry.file,
                        entry.lines.get("questions", entry.line),
                        f"{len(questions)} question(s) in '{lang}'; at least {MIN_QUESTIONS} are needed",
                        field=f"questions.{lang}",
                        severity="warning" if pending or questions else "error",
                        **where,
                    )
                )
            for question in questions:
                key = (lang, normalize(question))
                other = owners.setdefault(key, entry.id)
                if other != entry.id:
                    problems.append(
                        Problem(
                            entry.file,
                            entry.lines.get("questions", entry.line),
                            f"question {question!r} is also filed under '{other}'",
                            field=f"questions.{lang}",
                            **where,
                        )
                    )
    emergency = knowledge.emergency
    if emergency is None:
        problems.append(Problem(str(knowledge.root), 0, "no entry has emergency 'triggers'"))
    else:
        for lang in knowledge.languages:
            if not emergency.triggers.get(lang):
                problems.append(
                    Problem(
                        emergency.file,
                        emergency.lines.get("triggers", emergency.line),
                        f"no emergency triggers in '{lang}'",
                        entry=emergency.id,
                        field=f"triggers.{lang}",
                    )
                )
        problems += _lint_triggers(knowledge)
    return problems


def _lint_triggers(knowledge: Knowledge) -> list[Problem]:
    """No trigger of any language may fire on a question filed under another entry."""
    from bot.core.language import language_scripts
    from bot.core.safety import EmergencyDetector

    emergency = knowledge.emergency
    assert emergency is not None
    scripts = language_scripts(
        {lang: [e.answers.get(lang, "") for e in knowledge] for lang in knowledge.languages}
    )
    everything = EmergencyDetector(knowledge, scripts)
    problems = []
    for entry in knowledge:
        if entry.id == emergency.id:
            continue
        for q_lang, questions in entry.questions.items():
            for question in questions:
                normalized = normalize(question)
                if everything.find(normalized) is None:  # the common case: one pass per script
                    continue
                for lang, triggers in emergency.triggers.items():
                    hit = EmergencyDetector(
                        _only_triggers(knowledge, lang, triggers), scripts
                    ).find(normalized)
                    if hit:
                        problems.append(
                            Problem(
                                emergency.file,
                                emergency.lines.get("triggers", emergency.line),
                                f"trigger {hit!r} fires on {q_lang} question {question!r} of '{entry.id}'",
                                entry=emergency.id,
                                field=f"triggers.{lang}",
                            )
                        )
    return problems


def _only_triggers(knowledge: Knowledge, lang: str, triggers: tuple[str, ...]) -> Knowledge:
    from dataclasses import replace

    emergency = knowledge.emergency
    assert emergency is not None
    return replace(
        knowledge, entries={emergency.id: replace(emergency, triggers={lang: triggers})}
    )


def lint_catalogs(knowledge: Knowledge, translations: Translations) -> list[Problem]:
    """Every knowledge language has a UI catalog whose translations keep their {placeholders}."""
    from babel.messages.pofile import read_po

    problems: list[Problem] = []
    for lang in knowledge.languages:
        path = translations.locales_dir / lang / "LC_MESSAGES" / "bot.po"
        shown = f"locales/{lang}/LC_MESSAGES/bot.po"
        if not path.is_file():
            if lang != "en":  # English is the source language of the interface strings
                problems.append(Problem(shown, 0, f"no interface translation for '{lang}'"))
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        missing = defaultdict(list)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            line = message.lineno or 0
            if not any(strings) or message.fuzzy:
                missing[lang].append(ids[0])
                problems.append(Problem(shown, line, f"untranslated: {ids[0]!r}"))
                continue
            expected = sorted(set(_FORMAT_FIELD.findall(str(ids[0]))))
            for string in strings:
                if sorted(set(_FORMAT_FIELD.findall(str(string or "")))) != expected:
                    problems.append(
                        Problem(shown, line, f"placeholders {expected} broken in {string!r}")
                    )
    return problems
