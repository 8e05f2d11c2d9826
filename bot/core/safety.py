"""Recognises crises in any supported language before anything else is matched.

A wrong topic answer is an inconvenience; a missed "my husband beats me" or "I don't want to
live any more" is not. The triggers of the emergency entry and of each kind of crisis (word
beginnings, per language, written in the knowledge) are looked for in every message, in all
languages of its writing system at once, and win over every other match. A trigger counts for
the writing system it is written in, so a language's triggers typed in Latin letters ("khodkoshi",
"samoubi") fire on a message typed so. Arabic-script words may carry a clitic (و, ب, ال, Persian
می ...) before the trigger; it is allowed for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.knowledge import Knowledge
from bot.core.language import dominant_script
from bot.core.normalize import normalize

# Prefixes written together with the next word in Arabic and Persian (after normalisation).
_ARABIC_CLITICS = ("وال", "بال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "نمی", "می")
_KEY = 3  # triggers are looked up by their first three letters
_SHORT = _KEY - 1


@dataclass(frozen=True)
class TriggerHit:
    entry_id: str
    language: str
    trigger: str


class CrisisDetector:
    """Finds crisis triggers in a normalised text and tells which entries they belong to.

    Triggers are grouped by writing system and by their first letters, so a message is checked
    word by word against the few triggers that could begin there (thousands of triggers, a few
    microseconds per word)."""

    def __init__(self, knowledge: Knowledge, scripts: Mapping[str, str]) -> None:
        self.order = tuple(e.id for e in knowledge.crisis_entries)
        self._owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
        buckets: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for entry in knowledge.crisis_entries:
            for lang, triggers in entry.triggers.items():
                for trigger in triggers:
                    normalized = normalize(trigger)
                    if normalized:
                        script = dominant_script(normalized)[0] or scripts.get(lang, "LATIN")
                        self._owners[normalized].append((entry.id, lang))
                        buckets[script][normalized[:_KEY]].add(normalized)
        self._buckets = {
            script: {key: tuple(sorted(group)) for key, group in table.items()}
            for script, table in buckets.items()
        }

    def find(self, normalized: str, scripts: Iterable[str] | None = None) -> list[TriggerHit]:
        """Every trigger found among languages written in `scripts` (all if None)."""
        tables = [
            (script, self._buckets[script])
            for script in (self._buckets if scripts is None else scripts)
            if script in self._buckets
        ]
        if not tables:
            return []
        found: dict[str, None] = {}
        starts = [0] + [i + 1 for i, char in enumerate(normalized) if char == " "]
        for script, table in tables:
            clitics = _ARABIC_CLITICS if script == "ARABIC" else ()
            for start in starts:
                for offset in (0, *(len(c) for c in clitics if normalized.startswith(c, start))):
                    rest = normalized[start + offset :]
                    for trigger in table.get(rest[:_KEY], ()):
                        if rest.startswith(trigger):
                            found[trigger] = None
                    for trigger in table.get(rest[:_SHORT], ()) if len(rest) > _SHORT else ():
                        if len(trigger) <= _SHORT and rest.startswith(trigger):
                            found[trigger] = None
        return [TriggerHit(e, lang, t) for t in found for e, lang in self._owners[t]]

    def kinds(self, entry_ids: Iterable[str]) -> tuple[str, ...]:
        """These crisis entries in knowledge order, each once."""
        found = set(entry_ids)
        return tuple(entry_id for entry_id in self.order if entry_id in found)
