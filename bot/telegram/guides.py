"""Handlers for integration guides: forwarded client messages and inline mode.

A guide forwards a client's message and gets the answer in the client's language, ready to
forward back, with one button for the same answer in the guide's own language. In any chat,
`@bot question` (or `@bot ar: question`) offers answers to drop into the conversation.
"""

from __future__ import annotations

import re

from telegram import (
    InlineKeyboardButton,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from bot.core.answer import Hints, Outcome
from bot.i18n import _, native_name
from bot.staff import learning
from bot.telegram import buttons, views
from bot.telegram.context import Ctx
from bot.telegram.users import reply_with_answer

_LANGUAGE_PREFIX = re.compile(r"^\s*([a-zA-Z]{2,3})\s*:\s*(.*)$", re.S)
MAX_INLINE_RESULTS = 4


async def answer_forwarded(update: Update, ctx: Ctx) -> None:
    """Answer a forwarded client message in the client's language, with a button for the guide."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    answer = ctx.answerer.answer(message.text or message.caption or "", Hints())
    learning.record(ctx.store, answer)
    guide_language = ctx.language_of(user)
    extra: tuple[InlineKeyboardButton, ...] = ()
    if answer.language != guide_language and answer.outcome is not Outcome.EMPTY:
        target = answer.entry.id if answer.entry is not None else None
        label = ctx.gettext_for(guide_language)(_("Show in {language}")).format(
            language=native_name(guide_language)
        )
        extra = (
            InlineKeyboardButton(
                label, callback_data=buttons.encode(buttons.Translation(target, guide_language))
            ),
        )
    await reply_with_answer(ctx, message, answer, extra=extra)


def split_language_prefix(query: str, languages: tuple[str, ...]) -> tuple[str | None, str]:
    """'ar: Öffnungszeiten' -> ('ar', 'Öffnungszeiten'); no known code -> (None, query)."""
    match = _LANGUAGE_PREFIX.match(query)
    if match and match.group(1).lower() in languages:
        return match.group(1).lower(), match.group(2)
    return None, query


async def answer_inline(update: Update, ctx: Ctx) -> None:
    """Offer the best answers to an inline query, in the language of the query."""
    query = update.inline_query
    if query is None:
        return
    knowledge = ctx.answerer.knowledge
    language, text = split_language_prefix(query.query, knowledge.languages)
    entry_ids: list[str]
    if text.strip():
        answer = ctx.answerer.answer(
            text, Hints(preferred=language, client=query.from_user.language_code)
        )
        language = answer.language
        if answer.entry is not None:
            entry_ids = [answer.entry.id]
        else:
            entry_ids = list(answer.suggestions) or [
                c.entry_id for c in answer.candidates[:MAX_INLINE_RESULTS]
            ]
    else:
        language = language or ctx.language_of(query.from_user)
        entry_ids = list(knowledge.roles.quick_answers)
    results = []
    for entry_id in entry_ids[:MAX_INLINE_RESULTS]:
        if entry_id not in knowledge.entries or knowledge.entries[entry_id].kind == "smalltalk":
            continue
        entry = knowledge.entries[entry_id]
        body = ctx.answerer.render_entry(entry_id, language, as_html=True)
        plain = ctx.answerer.render_entry(entry_id, language)
        results.append(
            InlineQueryResultArticle(
                id=f"{entry_id}:{language}",
                title=entry.title(language, knowledge.fallback),
                description=plain.split("\n", 1)[0][:100],
                input_message_content=InputTextMessageContent(
                    views.direction(views.split_message(body)[0], language),
                    parse_mode=ParseMode.HTML,
                ),
            )
        )
    await query.answer(results, cache_time=30, is_personal=True)
