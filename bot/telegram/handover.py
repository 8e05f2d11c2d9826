"""Hand-over to a person: the asker consents, the question goes to the staff group, a staff
member replies to it there, and the reply reaches the asker marked as from the office.

What a user may hand over is kept in memory only (the last unanswered question); a thread
row holds what staff need to route the reply and is deleted by /forget and the retention purge.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import _
from bot.telegram import buttons, views
from bot.telegram.context import Ctx
from bot.telegram.sending import replace, send

log = logging.getLogger(__name__)

OFFER = "handover_offer"


def remember_offer(ctx: Ctx, question: str, language: str, best_guess: str | None) -> None:
    """Keep the user's last unanswered question, in memory, in case they want a person."""
    if ctx.user_data is not None:
        ctx.user_data[OFFER] = {
            "question": question,
            "language": language,
            "best_guess": best_guess,
        }


async def _offer(update: Update, ctx: Ctx, language: str) -> tuple[str, dict[str, Any]] | None:
    """Answer the button; the language to go on in (the button's, if supported) and the user's
    offer. Without an offer (expired, e.g. after a restart) or a staff group: the fallback
    answer in place, and None."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return None
    if language not in ctx.services.languages:
        language = ctx.language_of(update.effective_user)
    offer = ctx.state.get(OFFER)
    await query.answer()
    if offer is None or ctx.services.settings.staff_chat_id is None:
        text = views.direction(ctx.answerer.fallback_text(language, as_html=True), language)
        await replace(ctx, query, views.Reply((text,)))
        return None
    return language, offer


@buttons.pressed(buttons.HandoverAsk)
async def ask_consent(update: Update, ctx: Ctx, button: buttons.HandoverAsk) -> None:
    """Explain what a person at the office would see, and ask whether to send it."""
    offered = await _offer(update, ctx, button.language)
    if offered is None or update.effective_user is None:
        return
    language = offered[0]
    gettext = ctx.gettext_for(language)
    note = gettext(
        _(
            "I can send your question to the staff of the integration office. They will see your "
            "question and your first name, and answer you here in this chat. Send it?"
        )
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    gettext(_("Yes, send it")),
                    callback_data=buttons.encode(buttons.HandoverYes(language)),
                ),
                InlineKeyboardButton(
                    gettext(_("No")), callback_data=buttons.encode(buttons.HandoverNo(language))
                ),
            ]
        ]
    )
    await send(ctx, update.effective_user.id, views.plain_reply(note, language, keyboard))


@buttons.pressed(buttons.HandoverNo)
async def decline(update: Update, ctx: Ctx, button: buttons.HandoverNo) -> None:
    """Send nothing, and say so."""
    offered = await _offer(update, ctx, button.language)
    if offered is None or update.callback_query is None:
        return
    language = offered[0]
    ctx.state.pop(OFFER, None)
    text = ctx.gettext_for(language)(_("All right, nothing was sent."))
    await replace(ctx, update.callback_query, views.plain_reply(text, language))


@buttons.pressed(buttons.HandoverYes)
async def hand_over(update: Update, ctx: Ctx, button: buttons.HandoverYes) -> None:
    """Post the question to the staff group and tell the asker it is on its way."""
    query, user = update.callback_query, update.effective_user
    offered = await _offer(update, ctx, button.language)
    staff_chat = ctx.services.settings.staff_chat_id
    if offered is None or query is None or user is None or staff_chat is None:
        return
    language, offer = offered
    ctx.state.pop(OFFER, None)
    chat_id = query.message.chat.id if query.message else user.id
    thread_id = ctx.store.open_thread(
        user.id, chat_id, language, offer["question"], offer["best_guess"]
    )
    posted = await ctx.bot.send_message(
        staff_chat,
        f"❓ <b>#{thread_id}</b> {html.escape(user.first_name)} ({language}):\n{html.escape(offer['question'])}\n\n"
        "Reply to this message to answer.",
    )
    ctx.store.attach_staff_message(thread_id, posted.message_id)
    done = ctx.gettext_for(language)(_("Sent. The integration office will answer you here."))
    await replace(ctx, query, views.plain_reply(done, language))


async def relay_staff_reply(update: Update, ctx: Ctx) -> None:
    """A reply in the staff group to a hand-over message goes to the asker."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not message.text:
        return
    thread = ctx.store.thread_for_staff_message(message.reply_to_message.message_id)
    if thread is None:
        return
    if thread.status != "open":
        await message.reply_text("This question was already answered or has expired.")
        return
    gettext = ctx.gettext_for(thread.language)
    header = html.escape(gettext(_("Answer from the integration office:")))
    await ctx.bot.send_message(
        thread.chat_id,
        views.direction(f"<b>{header}</b>\n\n{html.escape(message.text)}", thread.language),
    )
    ctx.store.close_thread(thread.id, "answered", message.text)
    keys: list[InlineKeyboardButton] = []
    knowledge = ctx.answerer.knowledge
    guess = thread.best_guess
    if guess is not None and guess in knowledge.entries:
        title = knowledge.entries[guess].title(knowledge.authoritative, knowledge.fallback)
        keys.append(
            InlineKeyboardButton(
                f"➕ Question → {title}",
                callback_data=buttons.encode(buttons.ThreadQuestion(thread.id, guess)),
            )
        )
    keys.append(
        InlineKeyboardButton(
            "📝 New entry from this reply",
            callback_data=buttons.encode(buttons.ThreadEntry(thread.id)),
        )
    )
    await message.reply_text(
        f"Sent to the asker (#{thread.id}).", reply_markup=InlineKeyboardMarkup([keys])
    )


@buttons.pressed(buttons.Feedback)
async def on_feedback(update: Update, ctx: Ctx, button: buttons.Feedback) -> None:
    """👍/👎 under an answer."""
    query = update.callback_query
    if query is None:
        return
    if button.entry_id not in ctx.answerer.knowledge.entries:
        await query.answer()
        return
    ctx.store.add_feedback(button.entry_id, button.language, button.helpful)
    language = (
        button.language
        if button.language in ctx.services.languages
        else ctx.language_of(update.effective_user)
    )
    await query.answer(ctx.gettext_for(language)(_("Thank you for your feedback!")))
