"""The callback data of our inline buttons: one typed button per action, as `k1|<tag>|<args>`.

Every action has a frozen dataclass for its arguments and one handler, routed by
`pattern(action)` (bot/telegram/app.py). `encode` refuses data over Telegram's 64 bytes
instead of cutting it; `decode` gives None for anything that is not a current button of ours.
The version tag marks the layout: a button sent before a change of layout (or forged) does not
decode and is answered as outdated (`answer_outdated`), never acted upon.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Coroutine
from enum import StrEnum
from functools import wraps
from typing import Any, ClassVar, TypeVar, get_type_hints

from telegram import Update

from bot.i18n import _
from bot.telegram.context import Ctx

CALLBACK_VERSION = "k1"
MAX_BYTES = 64  # Telegram's limit for callback_data
SEPARATOR = "|"
NONE = "-"  # an optional argument that is not set
_INT = re.compile(r"\d{1,18}")


class Action(StrEnum):
    """What a button does; the value is its tag in the data (unchanged, so buttons already in
    people's chats keep working)."""

    ENTRY = "e"
    OTHER_QUESTION = "q"
    MENU = "m"
    LANGUAGE = "l"
    TRANSLATION = "t"
    FEEDBACK = "fb"
    HANDOVER_ASK = "ho|ask"
    HANDOVER_YES = "ho|yes"
    HANDOVER_NO = "ho|no"
    EDIT_SAVE = "st|save"
    DIALOGUE_CANCEL = "st|cancel"
    NEW_ENTRY_FIELD = "st|field"
    UNANSWERED_ADD = "ua|add"
    UNANSWERED_PICK = "ua|pick"
    UNANSWERED_DISMISS = "ua|dis"
    THREAD_QUESTION = "tv"
    THREAD_ENTRY = "tn"


@dataclasses.dataclass(frozen=True)
class Entry:
    """Open an entry in place (topics, related and suggested entries)."""

    action: ClassVar[Action] = Action.ENTRY
    entry_id: str
    language: str


@dataclasses.dataclass(frozen=True)
class OtherQuestion:
    """The answer to another question of the same message, sent as a new message so the first
    answer stays."""

    action: ClassVar[Action] = Action.OTHER_QUESTION
    entry_id: str
    language: str


@dataclasses.dataclass(frozen=True)
class Menu:
    """Back to the topics."""

    action: ClassVar[Action] = Action.MENU
    language: str


@dataclasses.dataclass(frozen=True)
class Language:
    """Choose the interface and answer language."""

    action: ClassVar[Action] = Action.LANGUAGE
    language: str


@dataclasses.dataclass(frozen=True)
class Translation:
    """An integration guide's "show in my language" under a forwarded message's answer; no
    entry: the fallback answer."""

    action: ClassVar[Action] = Action.TRANSLATION
    entry_id: str | None
    language: str


@dataclasses.dataclass(frozen=True)
class Feedback:
    """👍 or 👎 under an answer."""

    action: ClassVar[Action] = Action.FEEDBACK
    entry_id: str
    helpful: bool
    language: str


@dataclasses.dataclass(frozen=True)
class HandoverAsk:
    """ "Ask a person": explain what is sent, and ask for consent."""

    action: ClassVar[Action] = Action.HANDOVER_ASK
    language: str


@dataclasses.dataclass(frozen=True)
class HandoverYes:
    """Consent: send the question to the staff group."""

    action: ClassVar[Action] = Action.HANDOVER_YES
    language: str


@dataclasses.dataclass(frozen=True)
class HandoverNo:
    """No consent: nothing is sent."""

    action: ClassVar[Action] = Action.HANDOVER_NO
    language: str


@dataclasses.dataclass(frozen=True)
class EditSave:
    """Staff: save the previewed answer."""

    action: ClassVar[Action] = Action.EDIT_SAVE


@dataclasses.dataclass(frozen=True)
class DialogueCancel:
    """Staff: end the dialogue, nothing saved."""

    action: ClassVar[Action] = Action.DIALOGUE_CANCEL


@dataclasses.dataclass(frozen=True)
class NewEntryField:
    """Staff: the field of action of a new entry (None: no field), which creates it."""

    action: ClassVar[Action] = Action.NEW_ENTRY_FIELD
    field: str | None


@dataclasses.dataclass(frozen=True)
class UnansweredAdd:
    """Staff: add a group of unanswered questions to an entry."""

    action: ClassVar[Action] = Action.UNANSWERED_ADD
    group: int
    entry_id: str


@dataclasses.dataclass(frozen=True)
class UnansweredPick:
    """Staff: choose the entry for a group of unanswered questions."""

    action: ClassVar[Action] = Action.UNANSWERED_PICK
    group: int


@dataclasses.dataclass(frozen=True)
class UnansweredDismiss:
    """Staff: dismiss a group of unanswered questions."""

    action: ClassVar[Action] = Action.UNANSWERED_DISMISS
    group: int


@dataclasses.dataclass(frozen=True)
class ThreadQuestion:
    """Staff: add a handed-over question to the entry that was the best guess."""

    action: ClassVar[Action] = Action.THREAD_QUESTION
    thread: int
    entry_id: str


@dataclasses.dataclass(frozen=True)
class ThreadEntry:
    """Staff: create a new entry from the reply to a handed-over question."""

    action: ClassVar[Action] = Action.THREAD_ENTRY
    thread: int


Button = (
    Entry
    | OtherQuestion
    | Menu
    | Language
    | Translation
    | Feedback
    | HandoverAsk
    | HandoverYes
    | HandoverNo
    | EditSave
    | DialogueCancel
    | NewEntryField
    | UnansweredAdd
    | UnansweredPick
    | UnansweredDismiss
    | ThreadQuestion
    | ThreadEntry
)
KINDS: dict[Action, type[Button]] = {
    kind.action: kind
    for kind in (
        Entry,
        OtherQuestion,
        Menu,
        Language,
        Translation,
        Feedback,
        HandoverAsk,
        HandoverYes,
        HandoverNo,
        EditSave,
        DialogueCancel,
        NewEntryField,
        UnansweredAdd,
        UnansweredPick,
        UnansweredDismiss,
        ThreadQuestion,
        ThreadEntry,
    )
}
B = TypeVar("B", bound=Button)
R = TypeVar("R")


def _arguments(kind: type[Any]) -> tuple[tuple[str, Any], ...]:
    """(name, type) of a button's arguments, in the order they are encoded."""
    hints = get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind))


ARGUMENTS = {kind: _arguments(kind) for kind in KINDS.values()}


def _encode_value(value: object) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if not text or SEPARATOR in text or text == NONE:
        raise ValueError(f"{text!r} cannot be a button argument")
    return text


def _decode_value(text: str, kind: Any) -> Any:
    """The argument as its type; ValueError if the text is not one."""
    if kind == str | None:
        return None if text == NONE else _decode_value(text, str)
    if kind is bool and text in ("0", "1"):
        return text == "1"
    if kind is int and _INT.fullmatch(text):
        return int(text)
    if kind is str and text and text != NONE:
        return text
    raise ValueError(text)


def encode(button: Button) -> str:
    """The callback data of a button; ValueError if it does not fit Telegram's 64 bytes."""
    values = [getattr(button, name) for name, _kind in ARGUMENTS[type(button)]]
    data = SEPARATOR.join((CALLBACK_VERSION, button.action, *map(_encode_value, values)))
    size = len(data.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is {size} bytes; Telegram allows {MAX_BYTES}")
    return data


def decode(data: str | None) -> Button | None:
    """The button of our own current callback data; None for anything else."""
    if not data:
        return None
    version, _sep, rest = data.partition(SEPARATOR)
    if version != CALLBACK_VERSION:
        return None
    for action, kind in KINDS.items():
        if rest == action or rest.startswith(action + SEPARATOR):
            texts = rest[len(action) + 1 :].split(SEPARATOR) if rest != action else []
            arguments = ARGUMENTS[kind]
            if len(texts) != len(arguments):
                return None
            try:
                values = [
                    _decode_value(t, k) for t, (_name, k) in zip(texts, arguments, strict=True)
                ]
            except ValueError:
                return None
            return kind(*values)
    return None


def pattern(action: Action) -> str:
    """The regular expression of an action's callback data, for CallbackQueryHandler."""
    return rf"^{re.escape(CALLBACK_VERSION + SEPARATOR + action)}(?:{re.escape(SEPARATOR)}|$)"


# -- handlers ------------------------------------------------------------------------------


async def answer_outdated(update: Update, ctx: Ctx, language: str | None = None) -> None:
    """Answer a button that is not (or no longer) ours, so that its spinner stops; in the
    user's language unless told."""
    query = update.callback_query
    if query is not None:
        gettext = ctx.gettext_for(language) if language else ctx.gettext(update)[1]
        await query.answer(
            gettext(_("This button is outdated. Please send /start.")), show_alert=True
        )


def pressed(
    kind: type[B],
) -> Callable[
    [Callable[[Update, Ctx, B], Awaitable[R]]],
    Callable[[Update, Ctx], Coroutine[Any, Any, R | None]],
]:
    """A button handler receives its decoded button; data that does not decode as `kind` is
    answered as outdated."""

    def decorate(
        handler: Callable[[Update, Ctx, B], Awaitable[R]],
    ) -> Callable[[Update, Ctx], Coroutine[Any, Any, R | None]]:
        @wraps(handler)
        async def decoded(update: Update, ctx: Ctx) -> R | None:
            query = update.callback_query
            button = decode(query.data if query is not None else None)
            if not isinstance(button, kind):
                await answer_outdated(update, ctx)
                return None
            return await handler(update, ctx, button)

        return decoded

    return decorate
