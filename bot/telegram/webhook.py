"""The webhook's HTTP side: POST /telegram (only with the secret) and GET /healthz, nothing else.

Telegram sends the secret given to setWebhook in the X-Telegram-Bot-Api-Secret-Token header of
every update; without the right one a request is refused before its body is read as an update,
so nobody who merely reaches the port can forge an update "from" a staff member. The secret is
compared in constant time and never logged. Bodies are limited in size (an update is a few KB).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

import tornado.web
from telegram import Update

from bot.telegram.context import App

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024  # larger requests are refused by tornado with 400


def webhook_routes(
    application: App, secret: str, accept: Callable[[list[Update]], None]
) -> tornado.web.Application:
    """The two routes; `accept` keeps an update (the inbox) before Telegram hears 200 OK."""
    if not secret:
        raise ValueError("a webhook needs a secret")
    expected = secret.encode("utf-8")

    class TelegramHandler(tornado.web.RequestHandler):
        async def post(self) -> None:
            given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
            if not hmac.compare_digest(given, expected):
                self.set_status(403)
                return
            try:
                update = Update.de_json(json.loads(self.request.body), application.bot)
            except (ValueError, TypeError, KeyError, AttributeError):
                self.set_status(400)
                return
            accept([update])

    class HealthHandler(tornado.web.RequestHandler):
        def get(self) -> None:
            self.set_status(200 if application.running else 503)
            self.write({"status": "ok" if application.running else "starting"})

    return tornado.web.Application(
        [(r"/telegram", TelegramHandler), (r"/healthz", HealthHandler)],
        log_function=_log_request,
    )


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Refused and failed requests are worth a line; every delivered update is not."""
    status = handler.get_status()
    if status >= 400:
        request = handler.request
        log.warning(
            "webhook: %d %s %s from %s",
            status,
            request.method,
            request.path[:80],
            request.remote_ip,
        )
