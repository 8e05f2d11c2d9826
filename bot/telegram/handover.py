"""Hand-over to a person: the asker consents, the question goes to the staff group, a staff
member replies to it there, and the reply reaches the asker marked as from the office.

What a user may hand over is kept in memory only (the last unanswered question); a thread
row holds what staff need to route the reply and is deleted by /forget and the retention purge.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import _
from bot.telegram import views
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


async def on_handover_button(update: Update, ctx: Ctx) -> None:
    """ask -> consent note; yes -> send to the staff group; no -> nothing is sent."""
    query, user = update.callback_query, update.effective_user
    parsed = views.parse_callback(query.data if query else None)
    if query is None or parsed is None or user is None:
        return
    _action, args = parsed
    step = args[0] if args else ""
    language = (
        args[1] if len(args) > 1 and args[1] in ctx.services.languages else ctx.language_of(user)
    )
    gettext = ctx.gettext_for(language)
    offer = ctx.state.get(OFFER)
    await query.answer()
    staff_chat = ctx.services.settings.staff_chat_id
    if offer is None or staff_chat is None:
        text = views.direction(ctx.answerer.fallback_text(language, as_html=True), language)
        await replace(ctx, query, views.Reply((text,)))
        return
    if step == "ask":
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
                        callback_data=views.callback("ho", "yes", language),
                    ),
                    InlineKeyboardButton(
                        gettext(_("No")), callback_data=views.callback("ho", "no", language)
                    ),
                ]
            ]
        )
        await send(ctx, user.id, views.plain_reply(note, language, keyboard))
    elif step == "no":
        ctx.state.pop(OFFER, None)
        await replace(
            ctx, query, views.plain_reply(gettext(_("All right, nothing was sent.")), language)
        )
    elif step == "yes":
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
        done = gettext(_("Sent. The integration office will answer you here."))
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
    buttons = []
    knowledge = ctx.answerer.knowledge
    guess = thread.best_guess
    if guess is not None and guess in knowledge.entries:
        title = knowledge.entries[guess].title(knowledge.authoritative, knowledge.fallback)
        buttons.append(
            InlineKeyboardButton(
                f"➕ Question → {title}",
                callback_data=views.callback("tv", str(thread.id), guess),
            )
        )
    buttons.append(
        InlineKeyboardButton(
            "📝 New entry from this reply", callback_data=views.callback("tn", str(thread.id))
        )
    )
    await message.reply_text(
        f"Sent to the asker (#{thread.id}).", reply_markup=InlineKeyboardMarkup([buttons])
    )


async def on_feedback(update: Update, ctx: Ctx) -> None:
    """👍/👎 under an answer."""
    query = update.callback_query
    parsed = views.parse_callback(query.data if query else None)
    if query is None or parsed is None:
        return
    _action, args = parsed
    if len(args) >= 2 and args[0] in ctx.answerer.knowledge.entries:
        language = args[2] if len(args) > 2 else None
        ctx.store.add_feedback(args[0], language, args[1] == "1")
        await query.answer(
            ctx.gettext_for(language or ctx.language_of(update.effective_user))(
                _("Thank you for your feedback!")
            )
        )
    else:
        await query.answer()
