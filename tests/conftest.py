"""Shared fixtures: the shipped knowledge and one Answerer (language models load once)."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.answer import Answerer
from bot.core.knowledge import Knowledge, load_knowledge
from bot.core.language import LanguageDetector
from bot.i18n import Translations
from bot.settings import Secret, Settings
from bot.store import Store
from bot.telegram.app import build_application, serve_polling
from bot.telegram.context import Services
from bot.telegram.resilience import FloodGuard

from .fake_telegram import TOKEN, FakeTelegram

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
    return LanguageDetector.for_knowledge(knowledge)


@pytest.fixture(scope="session")
def answerer(
    knowledge: Knowledge, translations: Translations, detector: LanguageDetector
) -> Answerer:
    return Answerer(knowledge, translations, detector, clock=lambda: THURSDAY_MORNING)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge folder."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


# -- Telegram, end to end --------------------------------------------------------------------


class RunningBot:
    """The real Application polling the fake Bot API; tests push updates and read calls."""

    def __init__(self, api: FakeTelegram, services: Services) -> None:
        self.api = api
        self.services = services

    async def settled(self, timeout: float = 30.0) -> None:
        """Wait until every update is fetched and handled and no request is in flight."""
        await self.api.settled(lambda: not self.services.store.inbox(), timeout)


STAFF_ID = 9001
STAFF_ID_2 = 9002
STAFF_CHAT = -1009001


@pytest.fixture
def flood_guard() -> FloodGuard:
    return FloodGuard(rate=1000, period=60.0)


@pytest.fixture
async def telegram(
    tmp_path: Path, answerer: Answerer, flood_guard: FloodGuard, knowledge_copy: Path
) -> AsyncIterator[RunningBot]:
    with FakeTelegram() as api:
        settings = Settings(
            token=Secret(TOKEN),
            base_url=api.base_url,
            data_dir=tmp_path / "data",
            knowledge_dir=knowledge_copy,
            admin_ids=frozenset({STAFF_ID, STAFF_ID_2}),
            staff_chat_id=STAFF_CHAT,
        )
        services = Services.create(settings, answerer, Store.in_folder(tmp_path / "data"))
        application = build_application(services, flood_guard=flood_guard)
        stop = asyncio.Event()
        task = asyncio.create_task(serve_polling(application, stop, poll_timeout=1))
        await api.wait_for("deleteWebhook")
        try:
            yield RunningBot(api, services)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=20)
            services.store.close()
