"""The answerer currently in service, replaced as a whole when the knowledge is reloaded.

Handlers read `live.answerer` once per update; a reload builds the new indexes first and then
swaps one reference, so a request never sees half-loaded knowledge, and an invalid folder
leaves the previous knowledge in service.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.core.answer import Answerer
from bot.core.knowledge import Knowledge, KnowledgeError, Problem, load_knowledge
from bot.core.matcher import Matcher

T = TypeVar("T")


class LiveAnswerer:
    def __init__(self, answerer: Answerer) -> None:
        self._answerer = answerer
        # Changes are put live one at a time and in the order they were saved: a slower
        # rebuild must not swap an older knowledge in after a newer one.
        self._changing = threading.RLock()

    @property
    def answerer(self) -> Answerer:
        return self._answerer

    def put_live(self, change: Callable[[], T], knowledge: Callable[[T], Knowledge]) -> T:
        """Make a change (a staff edit saved to disk) and serve the knowledge it gives, before
        any other change is made. Blocking, like `replace`."""
        with self._changing:
            result = change()
            self.replace(knowledge(result))
        return result

    def replace(self, knowledge: Knowledge) -> None:
        """Serve this (already validated) knowledge from now on. Blocking (the edited
        languages' indexes are built first, ~0.3 s each): call it off the event loop."""
        with self._changing:
            old = self._answerer
            matcher = Matcher(knowledge, old.matcher)
            answerer = Answerer(knowledge, old.translations, clock=old.clock, matcher=matcher)
            # The languages that were in service and that the change touched (the others'
            # indexes are taken over, as they are) are built before the swap, not on a user's
            # question (in the bot, the classifiers follow in a thread when first asked for).
            taken_over = set(matcher.built)
            touched = [language for language in old.matcher.built if language not in taken_over]
            matcher.warm(touched, classifiers=not matcher.background)
            self._answerer = answerer
        settle_memory()

    def reload(self, root: Path) -> list[Problem]:
        """Load the folder again; on errors keep serving the old knowledge and return them."""
        try:
            knowledge = load_knowledge(root)
        except KnowledgeError as error:
            return error.problems
        self.replace(knowledge)
        return []


def settle_memory() -> None:
    """Exempt what is loaded now (knowledge, indexes, libraries) from the garbage collector's
    full passes: it lives as long as it is in service, and scanning it again and again cost ~15%
    of the bot's throughput (bench/bench_telegram.py). What an earlier call froze is thawed and
    collected first, so a replaced knowledge base is freed."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _return_freed_heap()


def _return_freed_heap() -> None:
    """Building the indexes makes and drops many small objects; glibc keeps the freed heap
    resident unless asked to give it back (~20 MB of 255 with every language warm). Nothing
    happens on a C library without malloc_trim."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
