"""Shared fixtures: the shipped knowledge and one Answerer (language models load once)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.core.answer import Answerer
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.language import LanguageDetector, language_scripts
from bot.i18n import Translations

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = ROOT / "knowledge"
LOCALES_DIR = ROOT / "locales"
BERLIN = dt.timezone(dt.timedelta(hours=1))  # CET, winter time
# Thursday 26 November 2026, 10:00 in Kempten: the office is open.
THURSDAY_MORNING = dt.datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def translations(knowledge: Knowledge) -> Translations:
    return Translations(LOCALES_DIR, knowledge.languages)


@pytest.fixture(scope="session")
def detector(knowledge: Knowledge) -> LanguageDetector:
    scripts = language_scripts({lang: [e.answers.get(lang, "") for e in knowledge] for lang in knowledge.languages})
    return LanguageDetector(knowledge.languages, scripts, knowledge.aliases)


@pytest.fixture(scope="session")
def answerer(knowledge: Knowledge, translations: Translations, detector: LanguageDetector) -> Answerer:
    return Answerer(knowledge, translations, detector, clock=lambda: THURSDAY_MORNING)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target
