"""Long polling through a durable inbox: no update is lost when the process dies.

python-telegram-bot's Updater confirms a batch (the next getUpdates offset) as soon as it has
fetched it, so a crash loses every update fetched but not yet handled. Here each fetched batch
is written to the store's inbox (one SQLite transaction) before the next getUpdates confirms
it, and an update leaves the inbox when its handling is done. On start, whatever is still in
the inbox is handled first. Handling runs concurrently (bounded), so one slow request never
holds up the others. Only an update killed between sending its answer and leaving the inbox can
be answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut

from bot.store import Store
from bot.telegram.context import App

log = logging.getLogger(__name__)

BATCH = 100
RETRY_SECONDS = (1, 2, 5, 10, 30)
DRAIN_SECONDS = 30.0


async def poll(
    application: App, stop: asyncio.Event, store: Store, *, timeout: int, concurrency: int
) -> None:
    """Fetch, keep, handle and confirm updates until `stop` is set."""
    bot = application.bot
    limit = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()

    async def handle(update: Update) -> None:
        async with limit:
            try:
                await application.process_update(update)
            finally:
                store.dequeue(update.update_id)

    def start(update: Update) -> None:
        task = asyncio.create_task(handle(update))
        running.add(task)
        task.add_done_callback(running.discard)

    for update_id, body in store.inbox():  # left over from a crash
        log.info("handling update %d left in the inbox", update_id)
        start(Update.de_json(json.loads(body), bot))

    offset: int | None = None
    failures = 0
    while not stop.is_set():
        while len(running) >= BATCH * 2 and not stop.is_set():  # back-pressure
            await asyncio.sleep(0.05)
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
        store.enqueue([(u.update_id, json.dumps(u.to_dict())) for u in updates])
        offset = updates[-1].update_id + 1  # the next getUpdates confirms this batch
        for update in updates:
            start(update)

    if running:  # a graceful stop lets the updates in hand finish; the rest stay in the inbox
        await asyncio.wait(running, timeout=DRAIN_SECONDS)
    if offset is not None:
        try:
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except (NetworkError, TimedOut):
            log.warning("could not confirm the last updates; the inbox keeps them")
