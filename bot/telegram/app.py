"""build_application(...) -> App: all Telegram wiring in one place, and run_bot()."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import tornado.httpserver
import tornado.netutil
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import __version__
from bot.commands import build_answerer
from bot.heartbeat import HEARTBEAT_SECONDS, beat
from bot.i18n import _
from bot.live import settle_memory
from bot.settings import Settings
from bot.store import Store
from bot.telegram import buttons, guides, handover, staff, users
from bot.telegram.buttons import Action
from bot.telegram.context import App, BotData, Ctx, Services
from bot.telegram.polling import Inbox, SecondInstance, poll, reach_telegram
from bot.telegram.resilience import (
    FloodGuard,
    RetryingRateLimiter,
    handle_error,
    install_log_redaction,
)
from bot.telegram.transport import bot_requests
from bot.telegram.webhook import MAX_BODY_BYTES, webhook_routes

log = logging.getLogger(__name__)

# Bounded: True (256) cost about 4x CPU per update in measurements with PTB 22.8 on two cores;
# bench/bench_telegram.py --concurrency N measures other values here.
CONCURRENT_UPDATES = 16
READ_TIMEOUT = 20.0  # generous: a timed-out send may have been delivered and is not retried
THREAD_TIMEOUT_DAYS = 7
EXIT_REJECTED_TOKEN = 2  # as for a missing or malformed token
EXIT_SECOND_INSTANCE = 2
EXIT_PORT_IN_USE = 2
USER_COMMANDS = (
    ("start", _("Topics")),
    ("hours", _("Office hours")),
    ("contact", _("Contact the integration office")),
    ("language", _("Choose your language")),
    ("help", _("How to use this bot")),
    ("privacy", _("What is stored about you")),
    ("forget", _("Delete what is stored about you")),
)

# Buttons outside the staff dialogue; in it, its own handlers come first (_staff_dialogue).
BUTTON_HANDLERS: dict[Action, Callable[[Update, Ctx], Coroutine[Any, Any, object]]] = {
    Action.ENTRY: users.open_entry,
    Action.OTHER_QUESTION: users.answer_other_question,
    Action.MENU: users.back_to_menu,
    Action.LANGUAGE: users.choose_language,
    Action.TRANSLATION: users.show_translation,
    Action.FEEDBACK: handover.on_feedback,
    Action.HANDOVER_ASK: handover.ask_consent,
    Action.HANDOVER_YES: handover.hand_over,
    Action.HANDOVER_NO: handover.decline,
    Action.EDIT_SAVE: staff.outdated_dialogue_button,
    Action.DIALOGUE_CANCEL: staff.cancel_button,
    Action.NEW_ENTRY_FIELD: staff.outdated_dialogue_button,
    Action.UNANSWERED_ADD: staff.add_unanswered,
    Action.UNANSWERED_PICK: staff.pick_entry,
    Action.UNANSWERED_DISMISS: staff.dismiss_unanswered,
    Action.THREAD_QUESTION: staff.add_thread_question,
    Action.THREAD_ENTRY: staff.entry_from_thread,
}


def build_services(settings: Settings) -> Services:
    answerer = build_answerer(settings, background=True)
    return Services.create(settings, answerer, Store.in_folder(settings.data_dir))


def build_application(
    services: Services,
    *,
    flood_guard: FloodGuard | None = None,
    throttle: bool = True,
    concurrent_updates: int = CONCURRENT_UPDATES,
) -> App:
    """Wire handlers, defaults, rate limiting and error handling around the services."""
    settings = services.settings
    if settings.token is None:
        raise ValueError("a bot token is required")
    install_log_redaction(settings.token.value)
    calls, updates = bot_requests(concurrent_updates, READ_TIMEOUT)
    application = (
        ApplicationBuilder()
        .token(settings.token.value)
        .base_url(settings.base_url)
        .base_file_url(settings.base_url.replace("/bot", "/file/bot"))
        .context_types(ContextTypes(context=Ctx, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(RetryingRateLimiter(throttle=throttle))
        .concurrent_updates(concurrent_updates)
        .updater(None)  # polling.py fetches updates, through a durable inbox
        .request(calls)
        .get_updates_request(updates)
        .build()
    )
    application.bot_data.services = services
    guard = flood_guard or FloodGuard()

    # Before everything else, one gate: answer buttons without data, drop floods from one user.
    async def gate(update: Update, ctx: Ctx) -> None:
        await _answer_empty_button(update, ctx)
        await guard.check(update, ctx)

    application.add_handler(TypeHandler(Update, gate), group=-1)

    # Staff dialogues (/edit, /new) before everything else: their text and buttons.
    staff_members = filters.User(user_id=settings.admin_ids)
    application.add_handler(_staff_dialogue(staff_members))

    # Commands (in groups too, as /command@bot).
    application.add_handler(CommandHandler("start", users.start))
    application.add_handler(CommandHandler("language", users.show_language_menu))
    application.add_handler(CommandHandler("help", users.show_help))
    application.add_handler(CommandHandler("hours", users.show_hours))
    application.add_handler(CommandHandler("contact", users.show_contact))
    application.add_handler(CommandHandler("privacy", users.show_privacy))
    application.add_handler(CommandHandler("forget", users.forget))
    application.add_handler(CommandHandler("id", users.show_ids))  # for the operator's setup

    # Staff commands: each checks the numeric user id (staff.staff_only) and shows anyone else
    # the help; for staff, /edit and /new start the dialogue above.
    application.add_handler(CommandHandler("edit", staff.edit))
    application.add_handler(CommandHandler("addq", staff.add_question))
    application.add_handler(CommandHandler("undo", staff.undo))
    application.add_handler(CommandHandler("new", staff.new))
    application.add_handler(CommandHandler("reload", staff.reload))
    application.add_handler(CommandHandler("outdated", staff.outdated))
    application.add_handler(CommandHandler("unanswered", staff.unanswered))
    application.add_handler(CommandHandler("stats", staff.show_stats))
    application.add_handler(CommandHandler("cancel", staff.cancel))

    # Buttons: one handler per action of their callback data (buttons.py); anything else (old
    # or foreign data) is answered as outdated, last.
    for action, on_press in BUTTON_HANDLERS.items():
        application.add_handler(CallbackQueryHandler(on_press, pattern=buttons.pattern(action)))
    application.add_handler(CallbackQueryHandler(buttons.answer_outdated))
    application.add_handler(InlineQueryHandler(guides.answer_inline))

    # The staff group: replies to hand-over questions go back to the asker.
    if settings.staff_chat_id is not None:
        staff_group = filters.Chat(settings.staff_chat_id)
        application.add_handler(
            MessageHandler(
                staff_group & filters.REPLY & filters.TEXT & ~filters.COMMAND,
                handover.relay_staff_reply,
            )
        )

    # Text: forwarded messages first (order matters), then questions; in groups only when the
    # bot is mentioned or replied to.
    private = filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(
            private & filters.FORWARDED & (filters.TEXT | filters.CAPTION), guides.answer_forwarded
        )
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, users.answer_question))

    # An unknown command in a private chat: the help.
    application.add_handler(MessageHandler(private & filters.COMMAND, users.show_help))

    # Anything else in a private chat: voice, photos, stickers, documents, locations...
    application.add_handler(
        MessageHandler(
            private & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
            users.explain_text_only,
        )
    )

    application.add_error_handler(handle_error)
    return application


def _staff_dialogue(staff_members: filters.User) -> ConversationHandler[Ctx]:
    """/edit and /new as one conversation per staff member, in the states of staff.py: per user,
    not per chat (/edit may be sent in the staff group, the text in the private chat); /edit or
    /new again starts over, /cancel or the Cancel button ends it. No persistence and no timeout,
    as before: a restart ends a dialogue."""
    text = (
        filters.ChatType.PRIVATE
        & filters.TEXT
        & ~filters.COMMAND
        & ~filters.FORWARDED  # a forwarded message is a guide's question, also mid-dialogue
        & staff_members
    )

    def button(
        action: Action, callback: Callable[[Update, Ctx], Coroutine[Any, Any, object]]
    ) -> CallbackQueryHandler[Ctx, object]:
        return CallbackQueryHandler(callback, pattern=buttons.pattern(action))

    with warnings.catch_warnings():
        # PTB warns that with per_message=False a button is not tracked per message; meant
        # here: the dialogue follows the staff member, whichever message the button is on.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("edit", staff.edit, filters=staff_members),
                CommandHandler("new", staff.new, filters=staff_members),
            ],
            states={
                staff.EDIT_TEXT: [MessageHandler(text, staff.preview_edit)],
                staff.EDIT_PREVIEWED: [
                    MessageHandler(text, staff.preview_edit),  # another version
                    button(Action.EDIT_SAVE, staff.save_edit),
                ],
                staff.NEW_ID: [MessageHandler(text, staff.new_entry_id)],
                staff.NEW_ANSWER: [MessageHandler(text, staff.new_entry_answer)],
                staff.NEW_QUESTIONS: [MessageHandler(text, staff.new_entry_questions)],
                staff.NEW_FIELD: [
                    button(Action.NEW_ENTRY_FIELD, staff.choose_field),
                    MessageHandler(text, staff.await_field),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", staff.cancel, filters=staff_members),
                button(Action.DIALOGUE_CANCEL, staff.cancel_button),
            ],
            allow_reentry=True,
            per_chat=False,
            name="staff dialogue",
        )


async def _answer_empty_button(update: Update, ctx: Ctx) -> None:
    """A button without data matches no handler: answer it so its spinner stops."""
    query = update.callback_query
    if query is not None and not query.data:
        await query.answer()
        raise ApplicationHandlerStop


async def register_commands(application: App) -> None:
    """Register the command menu in every supported language; staff see their commands too."""
    services: Services = application.bot_data.services
    for language in (None, *services.languages):
        gettext = services.translations.gettext(language or services.answerer.knowledge.fallback)
        commands = [BotCommand(name, gettext(description)) for name, description in USER_COMMANDS]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language
        )
    settings = services.settings
    staff_commands = [BotCommand(name, description) for name, description in USER_COMMANDS] + [
        BotCommand(name, description) for name, description in staff.STAFF_COMMANDS
    ]
    chats = sorted(settings.admin_ids) + (
        [settings.staff_chat_id] if settings.staff_chat_id is not None else []
    )
    for chat_id in chats:
        try:
            await application.bot.set_my_commands(
                staff_commands, scope=BotCommandScopeChat(chat_id)
            )
        except TelegramError as error:  # e.g. a staff member who has not started the bot yet
            log.warning("could not set staff commands for chat %s: %s", chat_id, error)


async def _housekeeping(services: Services) -> None:
    """Purge what is past the retention period, on start and then daily."""
    while True:
        removed = services.store.purge(services.settings.retention_days, THREAD_TIMEOUT_DAYS)
        log.info("purged %s", removed)
        await asyncio.sleep(24 * 3600)


async def _heartbeat(folder: Path) -> None:
    """Touch a file regularly so a container health check can see the bot is alive."""
    while True:
        beat(folder)
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def _warm_classifiers(services: Services) -> None:
    """Build every language's second opinion (bot.core.classifier) once the bot is serving:
    about 0.4 s a language, which need not delay the first update (an unsure question in a
    language not yet built builds its own)."""
    await asyncio.to_thread(services.answerer.matcher.warm)
    settle_memory()


def _background_tasks(application: App, heartbeat_dir: Path | None) -> list[asyncio.Task[None]]:
    services: Services = application.bot_data.services
    tasks = [
        asyncio.create_task(_housekeeping(services)),
        asyncio.create_task(_warm_classifiers(services)),
    ]
    if heartbeat_dir is not None:
        tasks.append(asyncio.create_task(_heartbeat(heartbeat_dir)))
    return tasks


async def _get_ready(application: App, stop: asyncio.Event) -> bool:
    """Build every language's index before the first update rather than on a user's question,
    then reach Telegram; False if stopped first."""
    services: Services = application.bot_data.services
    await asyncio.to_thread(services.answerer.matcher.warm, classifiers=False)
    settle_memory()
    return await reach_telegram(application, stop)


def run_bot(services: Services) -> int:
    """Run until SIGINT/SIGTERM: long polling, or a webhook behind a reverse proxy."""
    settings = services.settings
    webhook = settings.webhook
    install_log_redaction(
        settings.token.value if settings.token else "",
        webhook.secret.value if webhook else "",
    )
    logging.getLogger().setLevel(settings.log_level or logging.INFO)
    application = build_application(services)
    knowledge = services.answerer.knowledge
    log.info(
        "kik-bot %s starting: %s; %d entries in %d languages (%s); %d staff; staff group %s",
        __version__,
        "long polling"
        if webhook is None
        else f"webhook {webhook.url}/telegram, listening on {webhook.listen}:{webhook.port}",
        len(knowledge.entries),
        len(knowledge.languages),
        " ".join(knowledge.languages),
        len(settings.admin_ids),
        settings.staff_chat_id if settings.staff_chat_id is not None else "not set",
    )
    receiver: Receiver = Polling()
    if webhook is not None:
        try:
            # Bound before anything starts: a taken port is one line, not a half-started bot.
            sockets = tornado.netutil.bind_sockets(webhook.port, address=webhook.listen)
        except OSError as error:
            print(
                f"kik-bot: cannot listen on {webhook.listen}:{webhook.port} "
                f"({error.strerror}); is another program using the port? (--port)",
                file=sys.stderr,
            )
            return EXIT_PORT_IN_USE
        receiver = WebhookServer(webhook.url, webhook.secret.value, sockets)
    try:
        asyncio.run(_serve_until_signalled(application, receiver, settings.data_dir))
    except InvalidToken:
        print(
            "kik-bot: Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)",
            file=sys.stderr,
        )
        return EXIT_REJECTED_TOKEN
    except SecondInstance:
        log.info("kik-bot stopped: another instance is polling")
        print(
            "kik-bot: another bot is already receiving this token's updates (Telegram answered "
            "409 Conflict); stop it first - only one instance may poll at a time",
            file=sys.stderr,
        )
        return EXIT_SECOND_INSTANCE
    log.info("kik-bot stopped")
    return 0


class Receiver(Protocol):
    """How updates reach the inbox: long polling or the webhook server."""

    async def receive(self, application: App, inbox: Inbox, stop: asyncio.Event) -> None:
        """Hand received updates to `inbox.accept` until `stop` is set."""


@dataclass(frozen=True)
class Polling:
    """getUpdates in a loop (polling.py); the next call confirms what the inbox keeps."""

    timeout: int = 10

    async def receive(self, application: App, inbox: Inbox, stop: asyncio.Event) -> None:
        await application.bot.delete_webhook()
        await poll(application, stop, inbox, timeout=self.timeout)


@dataclass(frozen=True)
class WebhookServer:
    """Our own small tornado server behind the reverse proxy (bot/telegram/webhook.py) on
    already bound `sockets`: POST /telegram takes updates carrying the secret, GET /healthz
    answers health checks."""

    url: str
    secret: str
    sockets: list[socket.socket]

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a webhook needs a secret")

    async def receive(self, application: App, inbox: Inbox, stop: asyncio.Event) -> None:
        routes = webhook_routes(application, self.secret, inbox.accept)
        http = tornado.httpserver.HTTPServer(routes, max_body_size=MAX_BODY_BYTES)
        http.add_sockets(self.sockets)  # listen first: Telegram delivers right away
        try:
            await application.bot.set_webhook(
                url=self.url.rstrip("/") + "/telegram",
                secret_token=self.secret,
                allowed_updates=Update.ALL_TYPES,
            )
            await stop.wait()
        finally:
            http.stop()


async def serve(
    application: App, stop: asyncio.Event, receiver: Receiver, *, heartbeat_dir: Path | None = None
) -> None:
    """The bot's one lifecycle, however updates arrive: get ready (indexes, Telegram), start,
    handle what the inbox kept from before, receive until `stop` is set; then, whatever
    happened, stop the background tasks, let the updates in hand finish (the rest stay in the
    inbox) and stop the application."""
    services: Services = application.bot_data.services
    if not await _get_ready(application, stop):
        return
    async with application:
        await register_commands(application)
        await application.start()
        inbox = Inbox(application, services.store, application.concurrent_updates)
        tasks = _background_tasks(application, heartbeat_dir)
        try:
            inbox.resume()
            await receiver.receive(application, inbox, stop)
        finally:
            for task in tasks:
                task.cancel()
            await inbox.drain()
            await application.stop()


async def _serve_until_signalled(
    application: App, receiver: Receiver, heartbeat_dir: Path
) -> None:
    """Serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(application, stop, receiver, heartbeat_dir=heartbeat_dir)


async def serve_polling(
    application: App,
    stop: asyncio.Event,
    *,
    poll_timeout: int = 10,
    heartbeat_dir: Path | None = None,
) -> None:
    """Poll until `stop` is set; fetched updates stay in the store's inbox until handled."""
    await serve(application, stop, Polling(poll_timeout), heartbeat_dir=heartbeat_dir)


async def serve_webhook(
    application: App,
    stop: asyncio.Event,
    *,
    url: str,
    secret: str,
    sockets: list[socket.socket],
    heartbeat_dir: Path | None = None,
) -> None:
    """Take updates by webhook on already bound `sockets` until `stop` is set."""
    await serve(
        application, stop, WebhookServer(url, secret, sockets), heartbeat_dir=heartbeat_dir
    )
