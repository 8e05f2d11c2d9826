"""Adding a language is data only: a code, translations and question variants, no code."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.answer import Answerer, Hints, Outcome
from bot.core.knowledge import load_knowledge
from bot.i18n import Translations

from .conftest import LOCALES_DIR

SPANISH = {
    "hours": (
        "Horario de apertura de la administración municipal de Kempten:\n{schedule:office}\n{status:office}",
        [
            "¿Cuándo abre la oficina?",
            "horario de apertura",
            "¿A qué hora cierran hoy?",
            "¿Está abierta la oficina el lunes?",
            "horas de atención",
            "cuando puedo ir a la oficina",
        ],
    ),
    "contact": (
        "Oficina de integración: {tel:hecht}, {tel:blenk}, {email:integration}",
        [
            "¿Cómo puedo contactar con la oficina?",
            "número de teléfono",
            "quiero hablar con alguien",
            "correo electrónico de la oficina",
            "a quién puedo llamar",
            "contacto",
        ],
    ),
}


def add_spanish(folder: Path) -> None:
    languages = folder / "languages.yaml"
    text = languages.read_text(encoding="utf-8")
    languages.write_text(
        text.replace("languages: [de,", "languages: [es, de,", 1), encoding="utf-8"
    )
    for path in folder.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "entries" not in data:
            continue
        for entry in data["entries"]:
            answer, questions = SPANISH.get(
                entry["id"], (entry["answers"]["en"], entry["questions"]["en"][:1])
            )
            entry["answers"]["es"] = answer
            entry["questions"]["es"] = questions
            if "triggers" in entry:
                entry["triggers"]["es"] = ["inconsciente", "no respira", "incendio"]
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


def test_a_new_language_answers_with_no_code_change(knowledge_copy: Path) -> None:
    add_spanish(knowledge_copy)
    knowledge = load_knowledge(knowledge_copy)
    assert "es" in knowledge.languages
    answerer = Answerer(knowledge, Translations(LOCALES_DIR, knowledge.languages))

    result = answerer.answer("¿A qué hora abre la oficina de integración el lunes?")
    assert (result.language, result.entry and result.entry.id) == ("es", "hours")
    assert "lunes" in result.text  # Babel's Spanish day names, from data alone

    emergency = answerer.answer("mi padre está inconsciente")
    assert emergency.outcome is Outcome.EMERGENCY and emergency.language == "es"

    chosen = answerer.answer("Wann habt ihr offen?", Hints(preferred="es"))
    assert chosen.language == "es" and "Horario" in chosen.text
