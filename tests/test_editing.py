"""Staff edits of the knowledge, below Telegram: /undo puts back exactly what was there."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.knowledge import load_knowledge
from bot.staff.editing import KnowledgeEditor
from bot.store import Store

STAFF = 9001


@pytest.fixture
def editor(knowledge_copy: Path, tmp_path: Path) -> KnowledgeEditor:
    office = knowledge_copy / "office.yaml"
    text = office.read_text(encoding="utf-8")
    assert "- id: hours\n" in text
    # A mark set before the changes under test: the Turkish answer waits for a translator.
    office.write_text(
        text.replace("- id: hours\n", "- id: hours\n  outdated: [tr]\n", 1), encoding="utf-8"
    )
    return KnowledgeEditor(knowledge_copy, Store.in_folder(tmp_path / "data"))


def _outdated(editor: KnowledgeEditor) -> tuple[str, ...]:
    return load_knowledge(editor.root).entries["hours"].outdated


def test_undoing_a_german_change_restores_the_marks_set_before_it(
    editor: KnowledgeEditor,
) -> None:
    assert _outdated(editor) == ("tr",)
    current = load_knowledge(editor.root).entries["hours"].answers["de"]
    saved = editor.edit_answer(STAFF, "hours", "de", "Neu: {schedule:office}", current)
    assert set(saved.knowledge.entries["hours"].outdated) == set(saved.knowledge.languages) - {
        "de"
    }
    _record, undone = editor.undo(STAFF)
    assert undone.knowledge.entries["hours"].answers["de"] == current
    assert undone.knowledge.entries["hours"].outdated == ("tr",)  # not wiped, not all


def test_undoing_a_translation_puts_its_mark_back(editor: KnowledgeEditor) -> None:
    current = load_knowledge(editor.root).entries["hours"].answers["tr"]
    saved = editor.edit_answer(STAFF, "hours", "tr", current + "\n\nGüncel.", current)
    assert saved.knowledge.entries["hours"].outdated == ()  # translated: no longer outdated
    _record, undone = editor.undo(STAFF)
    assert undone.knowledge.entries["hours"].answers["tr"] == current
    assert undone.knowledge.entries["hours"].outdated == ("tr",)
