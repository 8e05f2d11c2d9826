"""A typed handler context: handlers reach the core, the store and the user's language through
properties instead of untyped `bot_data["..."]` lookups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update, User
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.answer import Answerer
from bot.i18n import Gettext, Translations
from bot.live import LiveAnswerer
from bot.settings import Settings
from bot.staff.editing import KnowledgeEditor
from bot.store import Store

App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Services:
    """Everything the handlers share, created once by build_services."""

    settings: Settings
    live: LiveAnswerer
    translations: Translations
    store: Store
    editor: KnowledgeEditor

    @classmethod
    def create(cls, settings: Settings, answerer: Answerer, store: Store) -> Services:
        return cls(
            settings,
            LiveAnswerer(answerer),
            answerer.translations,
            store,
            KnowledgeEditor(settings.knowledge_dir, store),
        )

    @property
    def answerer(self) -> Answerer:
        return self.live.answerer

    @property
    def languages(self) -> tuple[str, ...]:
        return self.answerer.knowledge.languages


class BotData:
    """`application.bot_data`: holds the services (PTB creates it without arguments)."""

    services: Services


class Ctx(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], BotData]):
    """The context every handler receives."""

    def __init__(
        self, application: App, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def state(self) -> dict[str, Any]:
        """This user's conversation state (dialogues, hand-over offer); kept in memory only."""
        return self.user_data if self.user_data is not None else {}

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def answerer(self) -> Answerer:
        return self.services.answerer

    @property
    def store(self) -> Store:
        return self.services.store

    def language_of(self, user: User | None) -> str:
        """The user's interface language: their choice, else the language of their last real
        question, else their app's language, else English."""
        if user is None:
            return self.answerer.knowledge.fallback
        stored = self.store.language(user.id)
        if stored:
            return stored.language
        return self.answerer.supported(user.language_code) or self.answerer.knowledge.fallback

    def gettext_for(self, language: str) -> Gettext:
        return self.services.translations.gettext(language)

    def gettext(self, update: Update | object) -> tuple[str, Gettext]:
        """The user's language and its translator."""
        user = update.effective_user if isinstance(update, Update) else None
        language = self.language_of(user)
        return language, self.gettext_for(language)
