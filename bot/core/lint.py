"""Completeness checks of a loaded knowledge base, like `rasa data validate`.

Loading already guarantees the schema; this adds what makes the bot good in every language:
every entry answered and asked in every language, placeholders kept in translations, no way of
asking filed under two entries, a UI catalog for every language with intact placeholders.
"""

from __future__ import annotations

import re
from collections import defaultdict

from bot.core.knowledge import OUT_OF_SCOPE_FILE, PLACEHOLDER, Knowledge, Problem
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
    for lang, questions in knowledge.out_of_scope.items():
        for question in questions:
            owner = owners.get((lang, normalize(question)))
            if owner is not None:
                problems.append(
                    Problem(
                        OUT_OF_SCOPE_FILE,
                        0,
                        f"{lang} question {question!r} is also filed under '{owner}'",
                        field=f"questions.{lang}",
                    )
                )
    problems += _lint_crisis(knowledge)
    problems += _lint_typed_facts(knowledge)
    return problems


def _lint_crisis(knowledge: Knowledge) -> list[Problem]:
    """One emergency entry; every crisis entry has triggers in every language; no trigger fires
    on a way of asking filed under an ordinary entry (it would answer it with emergency numbers)."""
    from bot.core.language import script_counts
    from bot.core.safety import CrisisDetector

    problems: list[Problem] = []
    if knowledge.emergency is None:
        problems.append(Problem(str(knowledge.root), 0, "no entry of kind 'emergency'"))
    for entry in knowledge.crisis_entries:
        for lang in knowledge.languages:
            if not entry.triggers.get(lang):
                problems.append(
                    Problem(
                        entry.file,
                        entry.lines.get("triggers", entry.line),
                        f"no crisis triggers in '{lang}'",
                        entry=entry.id,
                        field=f"triggers.{lang}",
                    )
                )
    detector = CrisisDetector(knowledge, knowledge.scripts)
    crisis_ids = {e.id for e in knowledge.crisis_entries}
    for entry in knowledge:
        if entry.id in crisis_ids:
            continue
        for q_lang, questions in entry.questions.items():
            for question in questions:
                # As answering does: only the triggers of the scripts the question is written in.
                scripts = script_counts(question).keys()
                for hit in detector.find(normalize(question), scripts):
                    owner = knowledge.entries[hit.entry_id]
                    problems.append(
                        Problem(
                            owner.file,
                            owner.lines.get("triggers", owner.line),
                            f"trigger {hit.trigger!r} fires on {q_lang} question {question!r} of '{entry.id}'",
                            entry=owner.id,
                            field=f"triggers.{hit.language}",
                        )
                    )
    return problems


# A phone number, an e-mail address or a clock time typed into an answer instead of coming from
# directory.yaml: it would not change with the directory, and right-to-left text could break it.
_TYPED_FACTS = (
    ("phone number", re.compile(r"(?<![\d.])\+?\d[\d /-]{4,}\d(?![\d.])")),
    ("e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    ("time", re.compile(r"(?<![\d.])(?:[01]?\d|2[0-3])[:.][0-5]\d(?!\d|\.\d)")),
    ("time", re.compile(r"(?<![\d.])(?:[01]?\d|2[0-3])\s*(?:-|–|bis)\s*(?:[01]?\d|2[0-4])\s*Uhr")),
)


def _lint_typed_facts(knowledge: Knowledge) -> list[Problem]:
    problems: list[Problem] = []
    for entry in knowledge:
        for lang, answer in entry.answers.items():
            text = PLACEHOLDER.sub(" ", answer)
            for what, pattern in _TYPED_FACTS:
                for match in pattern.finditer(text):
                    digits = re.sub(r"\D", "", match.group(0))
                    if what == "phone number" and not _looks_like_phone(match.group(0), digits):
                        continue
                    problems.append(
                        Problem(
                            entry.file,
                            entry.lines.get("answers", entry.line),
                            f"{what} {match.group(0).strip()!r} typed into the answer: "
                            "put it in directory.yaml and use a placeholder",
                            entry=entry.id,
                            field=f"answers.{lang}",
                        )
                    )
    return problems


def _looks_like_phone(text: str, digits: str) -> bool:
    """Not a count written with thousands separators ('71 000', '11 047'; the nationwide
    numbers written so are 11x xxx, like 116 016), nor a span of years ('2019/2020')."""
    text = text.strip()
    if len(digits) < 5:
        return False
    if re.fullmatch(r"[1-9]\d{0,2}(?:[ .]\d{3})+", text) and not re.fullmatch(r"11\d \d{3}", text):
        return False
    parts = re.findall(r"\d+", text)
    return not (len(parts) == 2 and all(len(p) == 4 and p[:2] in ("19", "20") for p in parts))


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
