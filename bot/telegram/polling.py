"""Long polling that confirms an update only after it has been handled.

python-telegram-bot's Updater confirms a batch (the next getUpdates offset) as soon as it has
fetched it, so a crash loses every update fetched but not yet handled. Here a batch is handled
first (with bounded concurrency) and only then confirmed by asking for the next one. After a
crash Telegram delivers the unconfirmed batch again; updates already handled are skipped by the
store (`handled_updates`), so the restart neither loses nor repeats answers, except an update
killed between sending its answer and being recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut

from bot.telegram.context import App

log = logging.getLogger(__name__)

BATCH = 100
RETRY_SECONDS = (1, 2, 5, 10, 30)


async def poll(application: App, stop: asyncio.Event, *, timeout: int, concurrency: int) -> None:
    """Fetch, handle and confirm batches of updates until `stop` is set."""
    bot = application.bot
    offset: int | None = None
    failures = 0
    limit = asyncio.Semaphore(concurrency)

    async def handle(update: Update) -> None:
        async with limit:
            await application.process_update(update)

    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset,
                timeout=timeout,
                limit=BATCH,
                allowed_updates=Update.ALL_TYPES,
                read_timeout=timeout + 10,
            )
            failures = 0
        except InvalidToken:
            log.error("Telegram rejected the bot token; stopping")
            raise
        except (NetworkError, TimedOut, Conflict) as error:
            delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
            failures += 1
            log.warning("getUpdates failed (%s); retrying in %d s", type(error).__name__, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            continue
        if not updates:
            continue
        await asyncio.gather(*(handle(update) for update in updates))
        offset = updates[-1].update_id + 1
    if offset is not None:
        try:  # confirm the last batch, as Telegram would otherwise deliver it again
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except (NetworkError, TimedOut):
            log.warning("could not confirm the last updates; they will be skipped as handled")
