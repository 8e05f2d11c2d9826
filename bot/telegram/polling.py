"""Receiving updates through a durable inbox, so that no update is lost when the process dies.

python-telegram-bot's Updater confirms a batch (the next getUpdates offset) as soon as it has
fetched it, and its webhook answers Telegram before handling; either way a crash loses updates
received but not yet handled. Here every received update is first written to the store's inbox
(SQLite), then handled concurrently (bounded, so one slow request never holds up the others; one
chat's updates in turn, so its answers keep their order), and leaves the inbox when its handling
is done. On start, whatever is still in the inbox is handled first. Only an update killed
between sending its answer and leaving the inbox can be answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import urllib.parse
from collections.abc import AsyncIterator

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut

from bot.store import Store
from bot.telegram.context import App

log = logging.getLogger(__name__)

BATCH = 100
RETRY_SECONDS = (1, 2, 5, 10, 30)
DRAIN_SECONDS = 30.0


class SecondInstance(Exception):
    """Telegram answered getUpdates with 409 Conflict: another process polls this token."""


class Inbox:
    """Keeps received updates in the store until handled, and handles them concurrently."""

    def __init__(self, application: App, store: Store, concurrency: int) -> None:
        self.application = application
        self.store = store
        self._limit = asyncio.Semaphore(concurrency)
        self._chat_locks: dict[int, tuple[asyncio.Lock, int]] = {}  # lock, updates using it
        self.running: set[asyncio.Task[None]] = set()

    def accept(self, updates: list[Update]) -> None:
        """Keep (one transaction) and start handling a batch of received updates."""
        self.store.enqueue([(u.update_id, json.dumps(u.to_dict())) for u in updates])
        for update in updates:
            self._start(update)

    def resume(self) -> None:
        """Handle what a previous process received but did not finish."""
        for update_id, body in self.store.inbox():
            log.info("handling update %d left in the inbox", update_id)
            self._start(Update.de_json(json.loads(body), self.application.bot))

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Let the updates in hand finish (a graceful stop); the rest stay in the inbox."""
        if self.running:
            await asyncio.wait(self.running, timeout=timeout)

    def _start(self, update: Update) -> None:
        task = asyncio.create_task(self._handle(update))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _handle(self, update: Update) -> None:
        async with self._in_order(update), self._limit:
            try:
                await self.application.process_update(update)
            finally:
                self.store.dequeue(update.update_id)

    @contextlib.asynccontextmanager
    async def _in_order(self, update: Update) -> AsyncIterator[None]:
        """One update at a time per chat (or user), in the order received: two quick messages
        are answered in the order they were sent. Different chats go on concurrently."""
        chat, user = update.effective_chat, update.effective_user
        key = chat.id if chat is not None else user.id if user is not None else None
        if key is None:
            yield
            return
        lock, waiting = self._chat_locks.get(key, (asyncio.Lock(), 0))
        self._chat_locks[key] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._chat_locks[key]
            if waiting == 1:
                del self._chat_locks[key]
            else:
                self._chat_locks[key] = (lock, waiting - 1)


async def reach_telegram(application: App, stop: asyncio.Event) -> bool:
    """Initialize the application (getMe), retrying while Telegram cannot be reached, e.g. a
    container that starts before its network. False if stopped first; a rejected token raises
    InvalidToken at once."""
    failures = 0
    host = telegram_host(application)
    while not stop.is_set():
        try:
            await application.initialize()
            return True
        except InvalidToken:
            await application.bot.shutdown()
            raise
        except (NetworkError, TimedOut) as error:
            await application.bot.shutdown()
            await _wait_to_retry(stop, failures, f"cannot reach {host}", error)
            failures += 1
    return False


async def _wait_to_retry(stop: asyncio.Event, failures: int, what: str, error: Exception) -> None:
    """Back off before the next attempt (1, 2, 5, 10, 30 s), or until `stop` is set."""
    delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
    log.warning("%s (%s); retrying in %d s", what, error, delay)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay)


def telegram_host(application: App) -> str:
    """host:port of the Bot API, for messages: the token is in the URL's path, never here."""
    parts = urllib.parse.urlsplit(application.bot.base_url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


async def poll(application: App, stop: asyncio.Event, inbox: Inbox, *, timeout: int) -> None:
    """Long polling: fetch, keep, handle; the next getUpdates confirms what is kept (app.serve
    resumes the inbox before and drains it after). A second instance polling the same token
    (409 Conflict) stops this one: retrying would only take turns with it at answering."""
    bot = application.bot
    host = telegram_host(application)
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        while len(inbox.running) >= BATCH * 2 and not stop.is_set():  # back-pressure
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
        except Conflict:
            raise SecondInstance from None
        except (NetworkError, TimedOut) as error:
            await _wait_to_retry(stop, failures, f"getUpdates from {host} failed", error)
            failures += 1
            continue
        if updates:
            inbox.accept(list(updates))
            offset = updates[-1].update_id + 1
    if offset is not None:
        try:
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except (NetworkError, TimedOut):
            log.warning("could not confirm the last updates; the inbox keeps them")
