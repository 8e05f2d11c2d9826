"""Answers and menus as Telegram messages: HTML text (escaped), inline keyboards, message
splitting at 4,096 characters, right-to-left marks; the buttons' data is bot/telegram/buttons.py."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.answer import Answer, Answerer, Outcome
from bot.core.bidi import is_right_to_left
from bot.i18n import Gettext, _, native_name
from bot.telegram import buttons

MAX_MESSAGE = 4096
RLM = "\u200f"


@dataclass(frozen=True)
class Reply:
    """What to send: one or more HTML messages, the keyboard on the last one."""

    parts: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None = None


# -- text ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def direction(text: str, language: str) -> str:
    """Start every line with a right-to-left mark in Arabic and Persian, so lines that begin
    with a number, a bullet or a Latin name still read right to left."""
    if not is_right_to_left(language):
        return text
    return "\n".join(RLM + line if line else line for line in text.split("\n"))


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split at paragraph boundaries (then lines, then words) so each part fits Telegram."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in text.split("\n\n"):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(piece) > limit:  # one paragraph longer than a message: lines, then words
            cut = piece.rfind("\n", 0, limit)
            cut = cut if cut > 0 else piece.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            parts.append(piece[:cut])
            piece = piece[cut:].lstrip("\n ")
        current = piece
    if current:
        parts.append(current)
    return parts


# -- keyboards -------------------------------------------------------------------------------


def _rows(keys: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(keys[i : i + width]) for i in range(0, len(keys), width)]


def entry_buttons(
    answerer: Answerer,
    entry_ids: Iterable[str],
    language: str,
    kind: type[buttons.Entry | buttons.OtherQuestion] = buttons.Entry,
) -> list[InlineKeyboardButton]:
    """A button per entry, titled in the language; `kind` says what pressing it does."""
    knowledge = answerer.knowledge
    return [
        InlineKeyboardButton(
            knowledge.entries[i].title(language, knowledge.fallback),
            callback_data=buttons.encode(kind(i, language)),
        )
        for i in entry_ids
        if i in knowledge.entries
    ]


def menu_button(gettext: Gettext, language: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        gettext(_("◀ Topics")), callback_data=buttons.encode(buttons.Menu(language))
    )


def menu(answerer: Answerer, language: str, gettext: Gettext) -> Reply:
    text = gettext(_("Choose a topic, or simply type your question in your language."))
    keys = entry_buttons(answerer, answerer.knowledge.menu, language)
    return Reply((direction(html.escape(text), language),), InlineKeyboardMarkup(_rows(keys, 2)))


def language_menu(languages: Iterable[str], gettext: Gettext, language: str) -> Reply:
    text = gettext(_("Choose your language:"))
    keys = [
        InlineKeyboardButton(
            native_name(lang), callback_data=buttons.encode(buttons.Language(lang))
        )
        for lang in languages
    ]
    return Reply((direction(html.escape(text), language),), InlineKeyboardMarkup(_rows(keys, 3)))


def answer_reply(
    answerer: Answerer,
    answer: Answer,
    gettext: Gettext,
    *,
    extra: Sequence[InlineKeyboardButton] = (),
    handover: bool = False,
) -> Reply:
    """An answer as messages: the text, then buttons to suggested entries, to the message's
    other questions, or to related entries."""
    language = answer.language
    rows: list[list[InlineKeyboardButton]] = []
    if answer.outcome is Outcome.SUGGEST:
        rows += _rows(entry_buttons(answerer, answer.suggestions, language), 1)
    elif answer.also:  # the message's other questions first: they were asked
        rows += _rows(entry_buttons(answerer, answer.also, language, buttons.OtherQuestion), 1)
    elif answer.entry is not None:
        rows += _rows(entry_buttons(answerer, answer.entry.related, language), 2)
    if answer.outcome is Outcome.ANSWER and answer.entry is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    "👍",
                    callback_data=buttons.encode(
                        buttons.Feedback(answer.entry.id, True, language)
                    ),
                ),
                InlineKeyboardButton(
                    "👎",
                    callback_data=buttons.encode(
                        buttons.Feedback(answer.entry.id, False, language)
                    ),
                ),
            ]
        )
    if handover and answer.outcome in (Outcome.FALLBACK, Outcome.SUGGEST):
        rows.append(
            [
                InlineKeyboardButton(
                    gettext(_("💬 Ask a person")),
                    callback_data=buttons.encode(buttons.HandoverAsk(language)),
                )
            ]
        )
    if extra:
        rows.append(list(extra))
    parts = tuple(direction(part, language) for part in split_message(answer.html))
    return Reply(parts, InlineKeyboardMarkup(rows) if rows else None)


def entry_reply(answerer: Answerer, entry_id: str, language: str, gettext: Gettext) -> Reply:
    """An entry opened from a button: its answer, related entries and the way back."""
    entry = answerer.knowledge.entries[entry_id]
    text = answerer.render_entry(entry_id, language, as_html=True)
    rows = _rows(entry_buttons(answerer, entry.related, language), 2)
    rows.append([menu_button(gettext, language)])
    parts = tuple(direction(part, language) for part in split_message(text))
    return Reply(parts, InlineKeyboardMarkup(rows))


def plain_reply(text: str, language: str, keyboard: InlineKeyboardMarkup | None = None) -> Reply:
    """A UI string (already translated) as an escaped message."""
    parts = tuple(
        direction(part, language) for part in split_message(html.escape(text, quote=False))
    )
    return Reply(parts, keyboard)
