"""Crisis answers: the right numbers for the kind of crisis, first 112 and 110, in the person's
language, recognised in the forms people write; and numbers that read right in Arabic and Persian."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from bidi import get_display

from bot.core.answer import Answerer, Hints, Outcome
from bot.core.bidi import LRI, PDI
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.lint import lint_knowledge
from bot.evaluate import Report, evaluate, format_report, load_cases

from .conftest import ROOT, THURSDAY_MORNING

CRISIS_DIR = ROOT / "tests" / "data" / "crisis"
EVAL_DIR = ROOT / "tests" / "data"

# What a person in each kind of crisis must find in the answer (kik-facts.md, Emergencies).
KIND_LINES = {
    "crisis-violence": [r"116 016", r"\b110\b"],
    "crisis-suicide": [r"0800 655 3000", r"0800 111 0 111", r"0800 111 0 222", r"\b112\b"],
    "crisis-poisoning": [r"\b112\b", r"089 19240"],
    "crisis-youth": [r"116 111", r"14:00", r"20:00"],
}


def plain(text: str) -> str:
    return text.replace(LRI, "").replace(PDI, "")


@pytest.fixture(scope="module")
def crisis_report(answerer: Answerer) -> Report:
    cases = [case for path in sorted(CRISIS_DIR.glob("*.yaml")) for case in load_cases(path)]
    report = evaluate(answerer, cases)
    print("\n" + format_report(report))
    return report


def test_the_crisis_set_covers_every_language_and_kind(
    crisis_report: Report, knowledge: Knowledge
) -> None:
    for lang in knowledge.languages:
        assert crisis_report.by_language[lang].crisis >= 10, lang


def test_every_crisis_message_gets_emergency_help(crisis_report: Report) -> None:
    total = crisis_report.total()
    missed = [f for f in crisis_report.failures if "unsure" in f or "WRONG" in f]
    assert total.crisis_recalled == total.crisis, "\n".join(missed)


def test_the_line_for_the_kind_of_crisis_is_in_the_answer(crisis_report: Report) -> None:
    total = crisis_report.total()
    assert total.crisis_line / total.crisis >= 0.95, "\n".join(
        f for f in crisis_report.failures if "line" in f
    )


def test_crisis_answers_are_in_the_language_of_the_message(crisis_report: Report) -> None:
    total = crisis_report.total()
    assert total.right_language == total.cases, "\n".join(
        f for f in crisis_report.failures if "language" in f
    )


def test_few_false_emergencies_on_ordinary_questions(answerer: Answerer) -> None:
    cases = [
        case
        for path in sorted(EVAL_DIR.rglob("*.yaml"))
        if path.parent.name != "crisis"
        for case in load_cases(path)
    ]
    total = evaluate(answerer, cases).total()
    assert total.no_emergency_expected > 1000
    assert total.false_emergency / total.no_emergency_expected <= 0.005


def test_the_health_entry_is_right_where_a_case_also_accepts_it_besides_emergency(
    answerer: Answerer, tmp_path: Path
) -> None:
    """A closed practice on a Sunday: the health entry gives the on-call doctor's number, so a
    case that lists it besides the emergency answer counts it right; one that lists only the
    emergency answer counts it wrong."""
    question = "Meine Arztpraxis ist am Wochenende zu, wen kann ich anrufen?"
    assert answerer.answer(question).entry.id == "field-health-care"  # type: ignore[union-attr]
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        f"- {{q: '{question}', lang: de, expect: [field-health-care, emergency], facts: ['116117']}}\n"
        f"- {{q: '{question}', lang: de, expect: [emergency]}}\n",
        encoding="utf-8",
    )
    total = evaluate(answerer, load_cases(cases)).total()
    assert (total.right, total.wrong, total.facts_ok) == (1, 1, 1)
    assert total.false_emergency == 0


def test_a_crisis_match_without_a_trigger_must_beat_the_not_ours_examples(
    answerer: Answerer,
) -> None:
    """ "donner son sang" (giving blood) comes closest to the youth crisis entry, but no closer
    than to the questions no entry answers: no emergency answer."""
    assert answerer.answer("donner son sang").outcome is not Outcome.EMERGENCY
    assert answerer.answer("mein kind atmet nicht").outcome is Outcome.EMERGENCY


@pytest.mark.parametrize("entry_id", sorted(KIND_LINES))
def test_each_kind_answers_with_the_general_numbers_first_then_its_lines(
    answerer: Answerer, knowledge: Knowledge, entry_id: str
) -> None:
    question = knowledge.entries[entry_id].questions["de"][0]
    for lang in knowledge.languages:
        result = answerer.answer(question, Hints(preferred=lang))
        assert result.outcome is Outcome.EMERGENCY and result.language == lang
        assert result.crisis[:2] == ("emergency", entry_id), (lang, result.crisis)
        text = plain(result.text)
        first, second = text.index("112"), text.index("110")
        assert first < second < len(knowledge.entries["emergency"].answers[lang]) + 100
        for line in KIND_LINES[entry_id]:
            assert re.search(line, text), (lang, entry_id, line)


def test_no_answer_calls_the_old_youth_number_a_crisis_line(
    answerer: Answerer, knowledge: Knowledge
) -> None:
    for entry in knowledge:
        for lang in knowledge.languages:
            assert "0800 111 0 333" not in answerer.render_entry(entry.id, lang)


def test_triggers_survive_inflection_typos_and_missing_diacritics(answerer: Answerer) -> None:
    for message in (
        "Mein Mann schlug mich gestern",  # past tense of 'schlagen'
        "mein freund hat mich geschlagen",
        "ich will nicht mehr leben",
        "kocam beni dovuyor",  # Turkish without diacritics
        "muz me istukao",  # Croatian without diacritics
        "وزوجي ضربني",  # Arabic with a clitic 'and'
    ):
        assert answerer.answer(message).outcome is Outcome.EMERGENCY, message


@pytest.mark.parametrize(
    ("message", "kind", "language"),
    [
        ("shoharam har shab mano mizaneh", "crisis-violence", "fa"),  # Finglish
        ("dige mikham khodkoshi konam", "crisis-suicide", "fa"),
        ("ana ta3ban w bfaker bel entehar", "crisis-suicide", "ar"),  # Arabizi
        ("muzh menya izbivaet kazhdyi den", "crisis-violence", "ru"),  # translit Russian
        ("dytyna otruyilasya tabletkamy", "crisis-poisoning", "uk"),  # translit Ukrainian
    ],
)
def test_a_crisis_typed_in_latin_letters_gets_emergency_help_in_its_language(
    answerer: Answerer, message: str, kind: str, language: str
) -> None:
    """People write Arabic, Persian, Russian and Ukrainian in Latin letters on a phone; the
    triggers of those languages typed so fire on such a message, and the help comes in the
    language the trigger is of, however few words the detector had to read."""
    result = answerer.answer(message)
    assert result.outcome is Outcome.EMERGENCY
    assert kind in result.crisis
    assert result.language == language


# -- right-to-left -------------------------------------------------------------------------

_LTR_FACT = re.compile(
    r"\+?\d[\d ]*\d(?:-\d+)?"  # phone numbers and postcodes
    r"|\d{1,2}:\d{2}(?: – \d{1,2}:\d{2})?"  # times and spans
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
)


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_numbers_times_and_emails_read_in_their_own_order_in_rtl(
    answerer: Answerer, knowledge: Knowledge, lang: str
) -> None:
    """Lay out every answer with the Unicode bidi algorithm (python-bidi, right-to-left
    paragraphs as Telegram shows them) and find each number in the visual line as written."""
    checked = 0
    for entry in knowledge:
        for line in answerer.render_entry(entry.id, lang, now=THURSDAY_MORNING).split("\n"):
            shown = get_display(line, base_dir="R")
            for fact in _LTR_FACT.findall(plain(line)):
                if len(re.sub(r"\D", "", fact)) >= 3 or "@" in fact or ":" in fact:
                    checked += 1
                    assert fact in shown, (entry.id, fact, shown)
    assert checked > 50


def test_without_isolates_the_bidi_check_would_catch_reversed_numbers() -> None:
    line = "اتصلوا بالرقم 0800 111 0 111 الآن"
    assert "0800 111 0 111" not in get_display(line, base_dir="R")


# -- times and holidays ----------------------------------------------------------------------


def test_hours_use_the_24_hour_clock_in_every_language(
    answerer: Answerer, knowledge: Knowledge
) -> None:
    for lang in knowledge.languages:
        text = plain(answerer.render_entry("hours", lang, now=THURSDAY_MORNING))
        assert "17:30" in text and "14:30" in text, lang
        assert not re.search(r"\b(?:AM|PM|a\.m\.|p\.m\.|m\.d\.|p\.d\.)|\d م|\d ص", text), lang


def _hours_at(moment: str) -> str:
    command = [
        sys.executable,
        "-m",
        "bot",
        "ask",
        "--lang",
        "de",
        "--at",
        moment,
        "Öffnungszeiten",
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout


def test_assumption_day_closes_the_office_and_at_previews_it() -> None:
    """15 August is a public holiday in Kempten ('catholic' in directory.yaml)."""
    closed = "Heute geschlossen: Feiertag."
    assert closed in _hours_at("2028-08-15T09:00")
    ordinary = _hours_at("2028-08-16T09:00")
    assert closed not in ordinary and "12:00" in ordinary


def test_a_malformed_at_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--at", "tomorrow", "hours"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "2028-08-15T09:00" in result.stderr


def test_holiday_categories_come_from_the_directory(knowledge_copy: Path) -> None:
    path = knowledge_copy / "directory.yaml"
    path.write_text(path.read_text().replace("categories: [public, catholic]", "categories: [x]"))
    with pytest.raises(Exception, match="holidays"):
        load_knowledge(knowledge_copy)


# -- only what the directory says -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "what"),
    [
        ("Rufen Sie 0831 2525-5330 an.", "phone number"),
        ("Schreiben Sie an info@example.org.", "e-mail address"),
        ("Offen bis 17:30.", "time"),
        ("Sprechzeiten 14-20 Uhr.", "time"),
    ],
)
def test_check_refuses_facts_typed_into_an_answer(
    knowledge_copy: Path, typed: str, what: str
) -> None:
    problems = _lint_with(knowledge_copy, "  answers:\n    de: |\n", f"      {typed}\n")
    assert any(what in p and "typed" in p for p in problems), problems


def _lint_with(knowledge: Path, after: str, line: str) -> list[str]:
    """The check's problems once `line` is written after the first `after` in office.yaml."""
    path = knowledge / "office.yaml"
    text = path.read_text()
    assert after in text
    path.write_text(text.replace(after, after + line, 1))
    return [str(p) for p in lint_knowledge(load_knowledge(knowledge))]


def test_the_shipped_answers_have_no_typed_facts(knowledge: Knowledge) -> None:
    assert [str(p) for p in lint_knowledge(knowledge) if "typed" in str(p)] == []


@pytest.mark.parametrize(
    "question", ["Mein Mann schlägt mich, wann habt ihr offen?", "ابني ضاع، متى تفتحون؟"]
)
def test_check_refuses_a_crisis_trigger_in_an_ordinary_entrys_question(
    knowledge_copy: Path, question: str
) -> None:
    problems = _lint_with(knowledge_copy, "  questions:\n    de:\n", f"    - {question}\n")
    assert any("fires on" in p and question in p for p in problems), problems
