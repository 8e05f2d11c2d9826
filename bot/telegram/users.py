"""Handlers for people asking questions in a private chat (and addressing the bot in groups)."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, Message, Update
from telegram.constants import ChatType

from bot.core.answer import Answer, Hints
from bot.i18n import Gettext, _, native_name
from bot.staff import learning
from bot.telegram import buttons, handover, views
from bot.telegram.context import Ctx
from bot.telegram.sending import replace, send

log = logging.getLogger(__name__)


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat else None


async def start(update: Update, ctx: Ctx) -> None:
    """Greet and show the topics, or open the entry named in a deep link (/start hours)."""
    chat_id = _chat_id(update)
    if chat_id is None:
        return
    language, gettext = ctx.gettext(update)
    wanted = ctx.args[0].strip().lower() if ctx.args else ""
    if wanted in ctx.answerer.knowledge.entries:
        await send(ctx, chat_id, views.entry_reply(ctx.answerer, wanted, language, gettext))
        return
    welcome = gettext(
        _(
            "Hello! I answer questions about the integration concept of the city of Kempten (KIK) "
            "and the integration office – in your language."
        )
    )
    await send(ctx, chat_id, views.plain_reply(welcome, language))
    await send(ctx, chat_id, views.menu(ctx.answerer, language, gettext))


async def show_language_menu(update: Update, ctx: Ctx) -> None:
    """Offer the supported languages by their native names."""
    chat_id = _chat_id(update)
    if chat_id is not None:
        language, gettext = ctx.gettext(update)
        await send(ctx, chat_id, views.language_menu(ctx.services.languages, gettext, language))


async def show_help(update: Update, ctx: Ctx) -> None:
    """Explain what the bot can do."""
    chat_id = _chat_id(update)
    if chat_id is None:
        return
    language, gettext = ctx.gettext(update)
    text = gettext(
        _(
            'Type your question in your own language, for example: "Where can I learn German?" '
            'or "When is the office open?".\n\n'
            "/start – topics\n/hours – office hours\n/contact – contact the integration office\n"
            "/language – choose your language\n/privacy – what is stored about you\n"
            "/forget – delete what is stored about you\n\n"
            "In any chat you can also type @{bot} and a question to share an answer."
        )
    ).format(bot=ctx.bot.username or "bot")
    await send(ctx, chat_id, views.plain_reply(text, language))


async def show_hours(update: Update, ctx: Ctx) -> None:
    """Show the office hours, whether it is open now and when it opens next."""
    await _show_entry(update, ctx, ctx.answerer.knowledge.roles.hours)


async def show_contact(update: Update, ctx: Ctx) -> None:
    """Send the staff phone numbers as contact cards, then the contact answer."""
    chat_id = _chat_id(update)
    if chat_id is None:
        return
    for phone in ctx.answerer.knowledge.directory.phones.values():
        if phone.person:
            first, _space, last = phone.person.partition(" ")
            await ctx.bot.send_contact(
                chat_id, phone_number=phone.dial, first_name=first, last_name=last or None
            )
    await _show_entry(update, ctx, ctx.answerer.knowledge.roles.contact)


async def show_privacy(update: Update, ctx: Ctx) -> None:
    """Explain what is stored and for how long."""
    chat_id = _chat_id(update)
    if chat_id is None:
        return
    language, gettext = ctx.gettext(update)
    text = gettext(
        _(
            "What this bot stores:\n"
            "• your language, so that answers come in it – until you change it or send /forget;\n"
            "• questions it could not answer well, without your name or user id, for {days} days, so that "
            "the integration office can improve the answers;\n"
            "• if you ask for a person: your question, first name and chat, until the office has answered "
            "(at most {days} days).\n"
            "Messages are not used for anything else and not passed on. /forget deletes everything "
            "stored about you."
        )
    ).format(days=ctx.services.settings.retention_days)
    await send(ctx, chat_id, views.plain_reply(text, language))


async def forget(update: Update, ctx: Ctx) -> None:
    """Delete everything stored about the user and confirm."""
    chat_id, user = _chat_id(update), update.effective_user
    if chat_id is None or user is None:
        return
    language, gettext = ctx.gettext(update)
    ctx.store.forget_user(user.id)
    await send(
        ctx,
        chat_id,
        views.plain_reply(
            gettext(_("Done: everything stored about you has been deleted.")), language
        ),
    )


async def show_ids(update: Update, ctx: Ctx) -> None:
    """Tell the person their user id and the chat's id (KIK_ADMIN_IDS, KIK_STAFF_CHAT_ID)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None:
        return
    language, gettext = ctx.gettext(update)
    text = gettext(_("Your user id: {user_id}\nThis chat's id: {chat_id}")).format(
        user_id=user.id, chat_id=chat.id
    )
    reply_to = message.message_id if message and chat.type != ChatType.PRIVATE else None
    await send(ctx, chat.id, views.plain_reply(text, language), reply_to=reply_to)


async def _show_entry(update: Update, ctx: Ctx, entry_id: str) -> None:
    chat_id = _chat_id(update)
    if chat_id is not None and entry_id in ctx.answerer.knowledge.entries:
        language, gettext = ctx.gettext(update)
        await send(ctx, chat_id, views.entry_reply(ctx.answerer, entry_id, language, gettext))


def question_text(message: Message, bot_username: str | None) -> str | None:
    """The question in a message; in groups only when the bot is mentioned or replied to."""
    text = message.text or message.caption or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".lower() if bot_username else None
    replied_to_bot = bool(
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.username
        and bot_username
        and message.reply_to_message.from_user.username.lower() == bot_username.lower()
    )
    if mention and mention in text.lower():
        start = text.lower().index(mention)
        return (text[:start] + text[start + len(mention) :]).strip()
    return text if replied_to_bot else None


async def answer_question(update: Update, ctx: Ctx) -> None:
    """Answer a typed question in the asker's language."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    question = question_text(message, ctx.bot.username)
    if question is None:
        return
    stored = ctx.store.language(user.id) if user is not None else None
    explicit = stored.language if stored and stored.explicit else None
    recent = stored.language if stored and not stored.explicit else None
    answer = ctx.answerer.answer(
        question,
        Hints(preferred=explicit, recent=recent, client=user.language_code if user else None),
    )
    spoken = answer.question_language
    if (
        user is not None
        and explicit is None
        and spoken in ctx.services.languages
        and spoken != recent
    ):
        ctx.store.set_language(user.id, spoken, explicit=False)
    learning.record(ctx.store, answer)
    private = message.chat.type == ChatType.PRIVATE
    can_hand_over = (
        private and ctx.services.settings.staff_chat_id is not None and not answer.understood
    )
    if can_hand_over:
        handover.remember_offer(ctx, question, answer.language, answer.best_guess)
    await reply_with_answer(ctx, message, answer, handover=can_hand_over)


async def reply_with_answer(
    ctx: Ctx,
    message: Message,
    answer: Answer,
    extra: tuple[InlineKeyboardButton, ...] = (),
    *,
    handover: bool = False,
) -> None:
    gettext = ctx.gettext_for(answer.language)
    reply = views.answer_reply(ctx.answerer, answer, gettext, extra=extra, handover=handover)
    reply_to = message.message_id if message.chat.type != ChatType.PRIVATE else None
    await send(ctx, message.chat.id, reply, reply_to=reply_to)


async def explain_text_only(update: Update, ctx: Ctx) -> None:
    """Politely say that only typed questions are understood, and how to reach a person."""
    chat_id = _chat_id(update)
    if chat_id is None or (
        update.effective_chat and update.effective_chat.type != ChatType.PRIVATE
    ):
        return
    language, gettext = ctx.gettext(update)
    note = html.escape(
        gettext(
            _(
                "I can only read typed questions – please write your question as text. "
                "To talk to a person at the integration office:"
            )
        )
    )
    contact = ctx.answerer.render_entry(
        ctx.answerer.knowledge.roles.fallback_contact, language, as_html=True
    )
    await send(
        ctx, chat_id, views.Reply((views.direction(f"{note}\n\n{contact}".strip(), language),))
    )


def _button_language(ctx: Ctx, update: Update, language: str) -> tuple[str, Gettext]:
    """The language a button was made for, if still supported; else the user's."""
    if language not in ctx.answerer.knowledge.languages:
        language = ctx.language_of(update.effective_user)
    return language, ctx.gettext_for(language)


@buttons.pressed(buttons.Entry)
async def open_entry(update: Update, ctx: Ctx, button: buttons.Entry) -> None:
    """Show an entry in place of the message whose button was pressed."""
    await _entry_from_button(update, ctx, button.entry_id, button.language, in_place=True)


@buttons.pressed(buttons.OtherQuestion)
async def answer_other_question(update: Update, ctx: Ctx, button: buttons.OtherQuestion) -> None:
    """Answer another question of a message as a new message, below the first answer."""
    await _entry_from_button(update, ctx, button.entry_id, button.language, in_place=False)


async def _entry_from_button(
    update: Update, ctx: Ctx, entry_id: str, language: str, *, in_place: bool
) -> None:
    """An entry's answer from a button: in place of the button's message, or below it."""
    query = update.callback_query
    if query is None:
        return
    language, gettext = _button_language(ctx, update, language)
    if entry_id not in ctx.answerer.knowledge.entries or (not in_place and query.message is None):
        await buttons.answer_outdated(update, ctx, language)
        return
    await query.answer()
    reply = views.entry_reply(ctx.answerer, entry_id, language, gettext)
    if in_place:
        await replace(ctx, query, reply)
    elif query.message is not None:
        await send(ctx, query.message.chat.id, reply)


@buttons.pressed(buttons.Menu)
async def back_to_menu(update: Update, ctx: Ctx, button: buttons.Menu) -> None:
    """Show the topics in place of the message whose button was pressed."""
    query = update.callback_query
    if query is None:
        return
    language, gettext = _button_language(ctx, update, button.language)
    await query.answer()
    await replace(ctx, query, views.menu(ctx.answerer, language, gettext))


@buttons.pressed(buttons.Language)
async def choose_language(update: Update, ctx: Ctx, button: buttons.Language) -> None:
    """Remember the chosen language, confirm it and show the topics in it."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or button.language not in ctx.answerer.knowledge.languages:
        await buttons.answer_outdated(update, ctx)
        return
    language, gettext = button.language, ctx.gettext_for(button.language)
    ctx.store.set_language(user.id, language, explicit=True)
    confirmation = gettext(_("Language set: {language}.")).format(language=native_name(language))
    await query.answer(confirmation)
    await replace(ctx, query, views.menu(ctx.answerer, language, gettext))


@buttons.pressed(buttons.Translation)
async def show_translation(update: Update, ctx: Ctx, button: buttons.Translation) -> None:
    """Send a guide the answer to a forwarded message again, in the guide's language."""
    query = update.callback_query
    language, gettext = _button_language(ctx, update, button.language)
    if query is None or query.message is None:
        await buttons.answer_outdated(update, ctx, language)
        return
    await query.answer()
    if button.entry_id is not None and button.entry_id in ctx.answerer.knowledge.entries:
        reply = views.entry_reply(ctx.answerer, button.entry_id, language, gettext)
    else:
        text = views.direction(ctx.answerer.fallback_text(language, as_html=True), language)
        reply = views.Reply((text,))
    await send(ctx, query.message.chat.id, reply)
