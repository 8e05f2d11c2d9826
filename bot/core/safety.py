"""Recognises emergencies in any supported language before anything else is matched.

A wrong topic answer is an inconvenience; a missed "my child is not breathing" is not. So the
emergency entry's triggers (word beginnings, per language) are checked on every message, in all
languages at once, and win over every other match.
"""

from __future__ import annotations

import re

from bot.core.knowledge import Knowledge
from bot.core.normalize import normalize


class EmergencyDetector:
    """Finds emergency triggers in a normalised text."""

    def __init__(self, knowledge: Knowledge) -> None:
        entry = knowledge.emergency
        self.entry_id = entry.id if entry else None
        phrases = sorted(
            {normalize(t) for triggers in (entry.triggers.values() if entry else ()) for t in triggers} - {""},
            key=len,
            reverse=True,
        )
        self._pattern = (
            re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(p) for p in phrases) + ")") if phrases else None
        )

    def find(self, normalized: str) -> str | None:
        """The first trigger found, or None."""
        if self._pattern is None:
            return None
        match = self._pattern.search(normalized)
        return match.group(0).strip() if match else None
