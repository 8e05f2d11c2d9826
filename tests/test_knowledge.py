"""Loading rejects broken knowledge with errors that name file, line, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.knowledge import Knowledge, KnowledgeError, load_knowledge
from bot.core.lint import lint
from bot.core.yamlio import YamlError, load_yaml_text
from bot.i18n import Translations

REQUIRED_IDS = {
    "about",
    "authors",
    "fields",
    "measures",
    "implementation",
    "contact",
    "hours",
    "address",
    "city-service",
    "emergency",
    "field-language-education",
    "field-work-training",
    "field-health-care",
    "field-civic-engagement",
    "field-participation",
    "field-intercultural-opening",
}


def test_shipped_knowledge_has_the_public_ids(knowledge: Knowledge) -> None:
    assert set(knowledge.entries) >= REQUIRED_IDS
    assert set(knowledge.field_ids) == {i for i in REQUIRED_IDS if i.startswith("field-")}


def test_shipped_knowledge_passes_the_lint(
    knowledge: Knowledge, translations: Translations
) -> None:
    errors = [str(p) for p in lint(knowledge, translations) if p.severity == "error"]
    assert errors == []


def test_every_specific_entry_belongs_to_a_field(knowledge: Knowledge) -> None:
    specific = [
        "german-courses",
        "homework-help",
        "language-measures",
        "immigration-office",
        "integration-council",
        "wegweiser-migration",
    ]
    for entry_id in specific:
        assert knowledge.entries[entry_id].field in knowledge.field_ids


def test_every_entry_names_a_source(knowledge: Knowledge) -> None:
    assert all(entry.source for entry in knowledge)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    return [str(p) for p in caught.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_duplicate_key_is_named_with_file_and_line(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "office.yaml", "- id: hours\n", "- id: hours\n  id: hours\n")
    problems = _problems(knowledge_copy)
    assert any(p.startswith("office.yaml:") and "duplicate key 'id'" in p for p in problems)


def test_unknown_field_and_key_are_reported_per_entry(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "office.yaml", "- id: hours\n", "- id: hours\n  colour: blue\n")
    problems = _problems(knowledge_copy)
    assert any("entry 'hours'" in p and "unknown key 'colour'" in p for p in problems)


def test_unknown_placeholder_is_reported(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "office.yaml", "{tel:hecht}", "{tel:nobody}")
    problems = _problems(knowledge_copy)
    assert any("unknown placeholder {tel:nobody}" in p and "answers.de" in p for p in problems)


def test_same_id_twice_is_reported_with_both_places(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "kik.yaml", "- id: history\n", "- id: hours\n")
    problems = _problems(knowledge_copy)
    assert any(
        p.startswith("office.yaml:") and "id already used at kik.yaml:" in p for p in problems
    )


def test_aliases_are_refused(knowledge_copy: Path) -> None:
    (knowledge_copy / "bomb.yaml").write_text(
        "version: 1\nentries:\n- &a {id: x}\n- *a\n", encoding="utf-8"
    )
    assert any(p.startswith("bomb.yaml:") and "aliases" in p for p in _problems(knowledge_copy))


def test_non_text_keys_and_huge_files_are_refused(knowledge_copy: Path) -> None:
    (knowledge_copy / "keys.yaml").write_text("version: 1\n1: x\n", encoding="utf-8")
    assert any("keys.yaml:2" in p and "must be text" in p for p in _problems(knowledge_copy))
    (knowledge_copy / "keys.yaml").unlink()
    (knowledge_copy / "huge.yaml").write_text("# " + "x" * 2_100_000, encoding="utf-8")
    assert any("huge.yaml" in p and "limit" in p for p in _problems(knowledge_copy))


def test_a_yaml_error_carries_file_and_line() -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml_text("version: 1\nentries:\n- {id: a}\n- {id: a, id: b}\n", "x.yaml")
    error = caught.value
    assert (error.file, error.line, error.message) == ("x.yaml", 4, "duplicate key 'id'")
    assert str(error) == "x.yaml:4: duplicate key 'id'"


def test_an_entry_that_is_no_mapping_is_named_with_its_line(knowledge_copy: Path) -> None:
    (knowledge_copy / "odd.yaml").write_text(
        "version: 1\nentries:\n- just a text\n", encoding="utf-8"
    )
    assert _problems(knowledge_copy) == [
        "odd.yaml:3: each entry must be a mapping with 'id', 'answers', 'questions', ..."
    ]


def test_malformed_yaml_names_the_line(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "office.yaml", "- id: address\n", "- id: address\n  related: [a, \n")
    assert any(p.startswith("office.yaml:") for p in _problems(knowledge_copy))


def test_missing_translation_is_a_lint_error(
    knowledge_copy: Path, translations: Translations
) -> None:
    text = (knowledge_copy / "kik.yaml").read_text(encoding="utf-8")
    start = text.index("    tr: |", text.index("- id: about"))
    end = text.index("\n    it: |", start)
    (knowledge_copy / "kik.yaml").write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    problems = [str(p) for p in lint(load_knowledge(knowledge_copy), translations)]
    assert any("entry 'about'" in p and "no answer in 'tr'" in p for p in problems)


def test_question_filed_under_two_entries_is_a_lint_error(
    knowledge: Knowledge, knowledge_copy: Path, translations: Translations
) -> None:
    question = knowledge.entries["hours"].questions["de"][0]
    _edit(
        knowledge_copy / "office.yaml",
        "  questions:\n    de:\n",
        f"  questions:\n    de:\n    - {question}\n",
    )
    problems = [str(p) for p in lint(load_knowledge(knowledge_copy), translations)]
    assert any("entry 'hours'" in p and "also filed under 'contact'" in p for p in problems)


def test_one_broken_placeholder_is_one_error_not_a_cascade(knowledge_copy: Path) -> None:
    office = knowledge_copy / "office.yaml"
    text = office.read_text(encoding="utf-8")
    office.write_text(text.replace("{tel:hecht}", "{tel:hechtt}", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    (problem,) = caught.value.problems  # entries relating to 'contact' are not reported too
    assert (problem.entry, problem.field) == ("contact", "answers.de")
    assert "unknown placeholder {tel:hechtt}" in str(problem)


def test_interface_roles_and_menu_are_read_from_the_knowledge(knowledge: Knowledge) -> None:
    assert knowledge.roles.hours == "hours" and knowledge.roles.contact == "contact"
    assert knowledge.roles.fallback_contact == "contact"
    assert knowledge.roles.quick_answers == ("hours", "contact", "address", "about")
    assert knowledge.menu[0] == "field-language-education" and knowledge.menu[-1] == "about"


def test_a_role_naming_no_entry_is_refused_with_its_line(knowledge_copy: Path) -> None:
    interface = knowledge_copy / "interface.yaml"
    line = (
        interface.read_text(encoding="utf-8")
        .splitlines()
        .index("  hours: hours                # /hours")
    )
    _edit(interface, "  hours: hours ", "  hours: opening-hours ")
    assert _problems(knowledge_copy) == [
        f"interface.yaml:{line + 1}: 'roles.hours': no entry has the id 'opening-hours'"
    ]


def test_renaming_an_entry_the_menu_shows_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "kik.yaml", "- id: about\n", "- id: about-kik\n")
    problems = [p for p in _problems(knowledge_copy) if p.startswith("interface.yaml:")]
    assert len(problems) == 2
    assert "'menu': no entry has the id 'about'" in problems[0]
    assert "'roles.quick_answers': no entry has the id 'about'" in problems[1]


def test_a_missing_role_is_refused(knowledge_copy: Path) -> None:
    _edit(knowledge_copy / "interface.yaml", "  fallback_contact: contact", "")
    problems = _problems(knowledge_copy)
    assert len(problems) == 1
    assert problems[0].startswith("interface.yaml:") and "'fallback_contact'" in problems[0]


def test_the_script_and_letters_of_each_language_are_read_from_its_answers(
    knowledge: Knowledge,
) -> None:
    assert knowledge.scripts["ar"] == knowledge.scripts["fa"] == "ARABIC"
    assert knowledge.scripts["uk"] == knowledge.scripts["ru"] == "CYRILLIC"
    assert knowledge.scripts["de"] == knowledge.scripts["tr"] == "LATIN"
    assert "گ" in knowledge.alphabets["fa"] and "گ" not in knowledge.alphabets["ar"]
    assert "ї" in knowledge.alphabets["uk"] and "ї" not in knowledge.alphabets["ru"]
    assert knowledge.scripts is knowledge.scripts  # computed once


def test_a_broken_romanization_table_is_refused_with_its_line(knowledge_copy: Path) -> None:
    languages = knowledge_copy / "languages.yaml"
    line = next(
        number
        for number, text in enumerate(languages.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("  ru: {а: a,")
    )
    _edit(languages, "  ru: {а: a,", "  ru: {аб: a, ꙋ: [u, у], а: a,")
    assert _problems(knowledge_copy) == [
        f"languages.yaml:{line}: romanization for 'ru': 'аб' must be one letter typed as Latin"
        " letters (a text or a list of texts)",
        f"languages.yaml:{line}: romanization for 'ru': 'ꙋ' must be one letter typed as Latin"
        " letters (a text or a list of texts)",
    ]
