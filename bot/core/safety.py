"""Recognises emergencies in any supported language before anything else is matched.

A wrong topic answer is an inconvenience; a missed "my child is not breathing" is not. So the
emergency entry's triggers (word beginnings, per language) are checked on every message, in all
languages at once, and win over every other match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from bot.core.knowledge import Knowledge
from bot.core.normalize import normalize


class EmergencyDetector:
    """Finds emergency triggers in a normalised text."""

    def __init__(self, knowledge: Knowledge, scripts: Mapping[str, str]) -> None:
        entry = knowledge.emergency
        self.entry_id = entry.id if entry else None
        by_script: dict[str, set[str]] = defaultdict(set)
        for lang, triggers in entry.triggers.items() if entry else ():
            by_script[scripts.get(lang, "LATIN")].update(normalize(t) for t in triggers)
        self._patterns = {
            script: _pattern(phrases - {""}) for script, phrases in by_script.items()
        }

    def find(self, normalized: str, scripts: Iterable[str] | None = None) -> str | None:
        """The first trigger found among languages written in `scripts` (all if None)."""
        if scripts is None:
            patterns = list(self._patterns.values())
        else:
            patterns = [self._patterns.get(script) for script in scripts]
        for pattern in patterns:
            match = pattern.search(normalized) if pattern else None
            if match:
                return match.group(0).strip()
        return None


def _pattern(phrases: set[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?:^|\s)(?:" + "|".join(re.escape(p) for p in ordered) + ")")
