"""The answerer currently in service, replaced as a whole when the knowledge is reloaded.

Handlers read `live.answerer` once per update; a reload builds the new indexes first and then
swaps one reference, so a request never sees half-loaded knowledge, and an invalid folder
leaves the previous knowledge in service.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.answer import Answerer
from bot.core.knowledge import Knowledge, KnowledgeError, Problem, load_knowledge


class LiveAnswerer:
    def __init__(self, answerer: Answerer) -> None:
        self._answerer = answerer

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    def replace(self, knowledge: Knowledge) -> None:
        """Serve this (already validated) knowledge from now on."""
        old = self._answerer
        detector = old.detector if knowledge.languages == old.knowledge.languages else None
        answerer = Answerer(knowledge, old.translations, detector, clock=old.clock)
        answerer.matcher.warm()  # build the indexes before the swap, not on a user's question
        self._answerer = answerer

    def reload(self, root: Path) -> list[Problem]:
        """Load the folder again; on errors keep serving the old knowledge and return them."""
        try:
            knowledge = load_knowledge(root)
        except KnowledgeError as error:
            return error.problems
        self.replace(knowledge)
        return []
