"""Staying up when Telegram or users misbehave: retries, flood limits, errors, log hygiene.

- Flood limits and 429 `retry_after` are python-telegram-bot's AIORateLimiter; on top of it,
  transient failures (HTTP 5xx, refused or dropped connections) are retried with back-off.
  A timeout is NOT retried: Telegram may have delivered the message, and a retry would send
  the answer twice; the read timeout is generous instead.
- A per-user token bucket stops one person from flooding the bot.
- The error handler logs with the traceback but without message text, and apologises.
- A log filter removes the bot token from every log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ApplicationHandlerStop

from bot.i18n import _
from bot.telegram.context import Ctx

log = logging.getLogger(__name__)

RETRY_AFTER_ATTEMPTS = 3
NETWORK_ATTEMPTS = 4
BACKOFF_SECONDS = 0.5


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries transient network errors and 5xx answers."""

    def __init__(
        self,
        network_attempts: int = NETWORK_ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        *,
        throttle: bool = True,
    ) -> None:
        if throttle:
            super().__init__(max_retries=RETRY_AFTER_ATTEMPTS)
        else:  # benchmarks: measure our own capacity, not Telegram's 30 messages a second
            super().__init__(
                overall_max_rate=0, group_max_rate=0, max_retries=RETRY_AFTER_ATTEMPTS
            )
        self.network_attempts = network_attempts
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        for attempt in range(1, self.network_attempts + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (TimedOut, RetryAfter, BadRequest):  # BadRequest subclasses NetworkError
                raise
            except NetworkError as error:
                if endpoint == "getUpdates" or attempt == self.network_attempts:
                    raise
                log.warning("%s failed (%s), retry %d", endpoint, type(error).__name__, attempt)
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


class FloodGuard:
    """Per-user token bucket: `rate` messages per `period` seconds, then one polite notice."""

    def __init__(
        self, rate: int = 20, period: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.period, self.clock = rate, period, clock
        self._buckets: dict[int, tuple[float, float, bool]] = {}

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, warn): warn once when a user first goes over the limit."""
        now = self.clock()
        tokens, last, warned = self._buckets.get(user_id, (float(self.rate), now, False))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate / self.period)
        if tokens >= 1.0:
            self._buckets[user_id] = (tokens - 1.0, now, False)
            return True, False
        self._buckets[user_id] = (tokens, now, True)
        if len(self._buckets) > 100_000:  # forget idle users; the buckets refill anyway
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < self.period}
        return False, not warned

    async def check(self, update: object, ctx: Ctx) -> None:
        """Stop handling updates from a user over the limit (part of the gate in app.py)."""
        if not isinstance(update, Update) or update.effective_user is None or update.inline_query:
            return
        allowed, warn = self.allow(update.effective_user.id)
        if allowed:
            return
        if warn and update.effective_chat is not None:
            _language, gettext = ctx.gettext(update)
            await ctx.bot.send_message(
                update.effective_chat.id,
                gettext(
                    _("You are sending a lot of messages. Please wait a minute, then ask again.")
                ),
            )
        raise ApplicationHandlerStop


async def handle_error(update: object, ctx: Ctx) -> None:
    """Log the error with its traceback (no message text), then apologise to the user."""
    error = ctx.error
    if isinstance(error, Forbidden):  # the user blocked the bot: nothing to tell anyone
        log.info("blocked by a user: %s", error)
        return
    if isinstance(
        error, TimedOut
    ):  # Telegram probably delivered it; an apology would be a 2nd message
        log.warning(
            "a request timed out while handling update %s", getattr(update, "update_id", None)
        )
        return
    kind = type(update).__name__ if update is not None else "no update"
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling %s %s", kind, update_id, exc_info=error)
    if (
        isinstance(update, Update)
        and update.effective_chat is not None
        and not update.inline_query
    ):
        _language, gettext = ctx.gettext(update)
        try:
            await ctx.bot.send_message(
                update.effective_chat.id,
                gettext(
                    _("Sorry, something went wrong on our side. Please try again in a moment.")
                ),
            )
        except Exception:
            log.warning("could not send the apology", exc_info=True)


class RedactSecrets(logging.Filter):
    """Replaces secrets (the bot token) in log records before any handler formats them."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "[token]")
            record.msg, record.args = message, None
        return True


def install_log_redaction(*secrets: str) -> None:
    """Filter the secrets out of every root handler (once each), and silence httpx's request
    lines (their URLs contain the token)."""
    secrets = tuple(s for s in secrets if s)
    for handler in logging.getLogger().handlers:
        present = [f for f in handler.filters if isinstance(f, RedactSecrets)]
        if not any(set(secrets) <= set(f.secrets) for f in present):
            handler.addFilter(RedactSecrets(*secrets))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
