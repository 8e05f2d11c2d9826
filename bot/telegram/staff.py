"""Staff commands and dialogues in Telegram (thin: the work is in bot/staff/*).

Every staff command and button checks the numeric user id against KIK_ADMIN_IDS; anyone else
gets the ordinary help and the attempt is logged. The dialogues (/edit, /new) are one
ConversationHandler (wired in app.py) with the states below, one dialogue per staff member at a
time; the draft is in `user_data`. Both are kept in memory only: a restart ends a dialogue (its
buttons are then outdated), and there is no time limit. /cancel ends it.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ConversationHandler

from bot.core.knowledge import PLACEHOLDER, Problem
from bot.core.normalize import normalize
from bot.staff import learning
from bot.staff.editing import EditConflict, EditError, Saved
from bot.telegram import buttons, users, views
from bot.telegram.context import Ctx
from bot.telegram.sending import send

log = logging.getLogger(__name__)

R = TypeVar("R")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID = 40  # every button naming the entry stays within Telegram's 64 bytes (buttons.py)
DRAFT = "staff_draft"
GROUPS = "staff_groups"
UNANSWERED_DAYS = 30
SHOWN_GROUPS = 10
MAX_DAYS = 3650
_NUMBER = re.compile(r"\d+")  # decimal digits, which int() reads in any script
STAFF_COMMANDS = (
    ("edit", "Edit an answer: /edit <id> [lang]"),
    ("addq", "Add a question: /addq <id> <lang> <question>"),
    ("undo", "Undo your last change"),
    ("new", "Create a new entry"),
    ("reload", "Reload the knowledge from disk"),
    ("outdated", "List outdated translations"),
    ("unanswered", "Questions the bot could not answer"),
    ("stats", "Statistics: /stats [days]"),
    ("cancel", "Cancel the current dialogue"),
)


async def _days(update: Update, ctx: Ctx, command: str, default: int) -> int | None:
    """The period argument in days: none, the default; a whole number, within 1 to MAX_DAYS;
    anything else (also "²", a digit to str.isdigit but not to int), a clear message and None."""
    args = ctx.args or []
    if not args:
        return default
    if _NUMBER.fullmatch(args[0]):
        return max(1, min(int(args[0][:6]), MAX_DAYS))
    await _say(
        ctx,
        update,
        f"Not a number of days: {html.escape(args[0][:20])}. "
        f"Usage: /{command} [days], e.g. /{command} {default}.",
    )
    return None


# The dialogue's states (ConversationHandler in app.py).
EDIT_TEXT, EDIT_PREVIEWED, NEW_ID, NEW_ANSWER, NEW_QUESTIONS, NEW_FIELD = range(6)
END = ConversationHandler.END


@dataclass
class EditDraft:
    """/edit: the answer being edited, as it was, and the new text once sent."""

    entry: str
    language: str
    before: str | None
    text: str | None = None


@dataclass
class NewEntryDraft:
    """/new: what has been sent so far."""

    id: str = ""
    answer: str = ""
    questions: tuple[str, ...] = ()


def staff_only(
    handler: Callable[[Update, Ctx], Awaitable[R]],
) -> Callable[[Update, Ctx], Coroutine[Any, Any, R | None]]:
    """Run the handler for staff; show anyone else the ordinary help and log the attempt."""

    @wraps(handler)
    async def guarded(update: Update, ctx: Ctx) -> R | None:
        user = update.effective_user
        if ctx.services.settings.is_staff(user.id if user else None):
            return await handler(update, ctx)
        log.warning(
            "non-staff user %s tried a staff action (%s)",
            user.id if user else "?",
            handler.__name__,
        )
        if update.callback_query is not None:
            await update.callback_query.answer()
        elif update.effective_message is not None:
            await users.show_help(update, ctx)
        return None

    return guarded


async def _say(
    ctx: Ctx, update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await send(ctx, chat.id, views.Reply((text,), keyboard))


def _problems(problems: list[Problem]) -> str:
    return "\n".join(f"• {html.escape(str(p))}" for p in problems[:10])


async def _saved(ctx: Ctx, update: Update, work: Callable[[], Saved], done: str) -> bool:
    """Run an editor action off the event loop, put the result live, and report."""
    try:
        await asyncio.to_thread(ctx.services.live.put_live, work, lambda saved: saved.knowledge)
    except EditConflict as conflict:
        current = html.escape(conflict.current or "")
        await _say(
            ctx,
            update,
            f"Not saved: someone else changed this meanwhile. Current text:\n<pre>{current}</pre>",
        )
        return False
    except EditError as error:
        await _say(
            ctx, update, f"Not saved: {html.escape(str(error))}\n{_problems(error.problems)}"
        )
        return False
    await _say(ctx, update, f"{done} It is live now.")
    return True


# -- commands ------------------------------------------------------------------------------


@staff_only
async def edit(update: Update, ctx: Ctx) -> int | None:
    """Start editing an answer: /edit <entry-id> [lang]."""
    knowledge = ctx.answerer.knowledge
    args = ctx.args or []
    if not args or args[0] not in knowledge.entries:
        await _say(
            ctx,
            update,
            "Usage: /edit &lt;entry-id&gt; [language]. Ids: "
            + html.escape(", ".join(knowledge.entries)),
        )
        return None
    entry = knowledge.entries[args[0]]
    language = args[1] if len(args) > 1 else knowledge.authoritative
    if language not in knowledge.languages:
        await _say(ctx, update, f"Unknown language. Languages: {', '.join(knowledge.languages)}")
        return None
    current = entry.answers.get(language)
    ctx.state[DRAFT] = EditDraft(entry.id, language, current)
    placeholders = ", ".join(sorted({m.group(0) for m in PLACEHOLDER.finditer(current or "")}))
    await _say(
        ctx,
        update,
        f"Current answer of <b>{entry.id}</b> [{language}]:\n<pre>{html.escape(current or '(none)')}</pre>\n"
        f"Send the new text. Keep placeholders such as {html.escape(placeholders or '{tel:hecht}')}. /cancel stops.",
    )
    return EDIT_TEXT


@staff_only
async def add_question(update: Update, ctx: Ctx) -> None:
    """Add a way of asking: /addq <entry-id> <lang> <question>."""
    args = ctx.args or []
    knowledge = ctx.answerer.knowledge
    if len(args) < 3 or args[0] not in knowledge.entries or args[1] not in knowledge.languages:
        await _say(ctx, update, "Usage: /addq &lt;entry-id&gt; &lt;language&gt; &lt;question&gt;")
        return
    staff_id = update.effective_user.id if update.effective_user else 0
    question = " ".join(args[2:])
    await _saved(
        ctx,
        update,
        lambda: ctx.services.editor.add_question(staff_id, args[0], args[1], question),
        f"Added to <b>{args[0]}</b> [{args[1]}]: {html.escape(question)}.",
    )


@staff_only
async def undo(update: Update, ctx: Ctx) -> None:
    """Revert your last change."""
    staff_id = update.effective_user.id if update.effective_user else 0
    try:
        record, _ = await asyncio.to_thread(
            ctx.services.live.put_live,
            lambda: ctx.services.editor.undo(staff_id),
            lambda undone: undone[1].knowledge,
        )
    except EditError as error:
        await _say(
            ctx, update, f"Not undone: {html.escape(str(error))}\n{_problems(error.problems)}"
        )
        return
    await _say(
        ctx,
        update,
        f"Undone: {record.action} of <b>{record.entry}</b> ({record.field}). It is live now.",
    )


@staff_only
async def new(update: Update, ctx: Ctx) -> int:
    """Start creating an entry: id, answer, questions, field."""
    ctx.state[DRAFT] = NewEntryDraft()
    await _say(
        ctx,
        update,
        "New entry. Send its id: lower-case words joined by '-', e.g. <code>library-opening-hours</code>. /cancel stops.",
    )
    return NEW_ID


@staff_only
async def reload(update: Update, ctx: Ctx) -> None:
    """Reload the knowledge from disk; keep the old one if the files are invalid."""
    problems = await asyncio.to_thread(
        ctx.services.live.reload, ctx.services.settings.knowledge_dir
    )
    if problems:
        await _say(
            ctx,
            update,
            "Not reloaded; the previous knowledge is still in service. Errors:\n"
            + _problems(problems),
        )
    else:
        await _say(ctx, update, f"Reloaded: {len(ctx.answerer.knowledge.entries)} entries.")


@staff_only
async def outdated(update: Update, ctx: Ctx) -> None:
    """List translations marked outdated after a German change."""
    lines = [
        f"• <b>{e.id}</b>: {', '.join(e.outdated)}" for e in ctx.answerer.knowledge if e.outdated
    ]
    await _say(ctx, update, "\n".join(lines) if lines else "No outdated translations.")


@staff_only
async def cancel(update: Update, ctx: Ctx) -> int:
    """End the current dialogue."""
    ctx.state.pop(DRAFT, None)
    await _say(ctx, update, "Cancelled.")
    return END


@staff_only
async def unanswered(update: Update, ctx: Ctx) -> None:
    """Show the most frequent unanswered questions, grouped, with one-tap actions."""
    days = await _days(update, ctx, "unanswered", UNANSWERED_DAYS)
    if days is None:
        return
    groups = learning.group_unanswered(ctx.store.open_unanswered(days))
    if not groups:
        await _say(ctx, update, f"No unanswered questions in the last {days} days.")
        return
    remembered: dict[int, list[int]] = ctx.state.setdefault(GROUPS, {})
    knowledge = ctx.answerer.knowledge
    for group in groups[:SHOWN_GROUPS]:
        key = group.ids[0]
        remembered[key] = group.ids
        languages = ", ".join(f"{k} {v}" for k, v in group.languages.most_common())
        keys: list[InlineKeyboardButton] = []
        suggested = group.suggested
        if suggested is not None and suggested in knowledge.entries:
            title = knowledge.entries[suggested].title(knowledge.authoritative, knowledge.fallback)
            keys.append(
                InlineKeyboardButton(
                    f"➕ {title}",
                    callback_data=buttons.encode(buttons.UnansweredAdd(key, suggested)),
                )
            )
        keys.append(
            InlineKeyboardButton(
                "Other entry…", callback_data=buttons.encode(buttons.UnansweredPick(key))
            )
        )
        keys.append(
            InlineKeyboardButton(
                "✖ Dismiss", callback_data=buttons.encode(buttons.UnansweredDismiss(key))
            )
        )
        await _say(
            ctx,
            update,
            f"{group.count}× ({languages}): {html.escape(group.example)}",
            InlineKeyboardMarkup([keys]),
        )


@staff_only
async def show_stats(update: Update, ctx: Ctx) -> None:
    """Questions per day and language, share answered, most asked entries, feedback."""
    days = await _days(update, ctx, "stats", 7)
    if days is None:
        return
    await _say(ctx, update, html.escape(learning.format_stats(learning.stats(ctx.store, days))))


# -- dialogues (the states' handlers) -----------------------------------------------------


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "").strip() if message is not None else ""


def _draft(ctx: Ctx, kind: type[R]) -> R | None:
    draft = ctx.state.get(DRAFT)
    return draft if isinstance(draft, kind) else None


async def _finished_draft(
    update: Update, ctx: Ctx, kind: type[R], complete: Callable[[R], bool]
) -> R | None:
    """The draft a Save-like button ends the dialogue with; None (and "outdated") if it has
    none, or one not yet complete."""
    await _answered(update)
    draft = _draft(ctx, kind)
    ctx.state.pop(DRAFT, None)
    if draft is None or not complete(draft):
        await _say(ctx, update, "This button is outdated.")
        return None
    return draft


async def preview_edit(update: Update, ctx: Ctx) -> int:
    """Show the new text exactly as users will see it, with Save and Cancel."""
    draft = _draft(ctx, EditDraft)
    if draft is None:
        return END
    draft.text = _text(update)
    preview = ctx.answerer.renderer.render_template(
        draft.text, draft.language, ctx.gettext_for(draft.language), as_html=True
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Save", callback_data=buttons.encode(buttons.EditSave())),
                InlineKeyboardButton(
                    "✖ Cancel", callback_data=buttons.encode(buttons.DialogueCancel())
                ),
            ]
        ]
    )
    await _say(ctx, update, "Preview, exactly as users will see it:")
    await _say(ctx, update, views.direction(preview, draft.language), keyboard)
    return EDIT_PREVIEWED


async def new_entry_id(update: Update, ctx: Ctx) -> int | None:
    """Take the new entry's id, if it is valid and free."""
    draft, text = _draft(ctx, NewEntryDraft), _text(update)
    if draft is None:
        return END
    knowledge = ctx.answerer.knowledge
    if not _ID.match(text) or len(text) > MAX_ID or text in knowledge.entries:
        await _say(
            ctx,
            update,
            "That id is not valid or already used. Lower-case words joined by '-', "
            f"at most {MAX_ID} characters, please.",
        )
        return None
    draft.id = text
    await _say(
        ctx,
        update,
        f"Send the answer in {knowledge.authoritative} (placeholders like {{tel:hecht}} work).",
    )
    return NEW_ANSWER


async def new_entry_answer(update: Update, ctx: Ctx) -> int:
    """Take the new entry's answer."""
    draft = _draft(ctx, NewEntryDraft)
    if draft is None:
        return END
    draft.answer = _text(update)
    await _say(ctx, update, "Send ways people ask for it, one per line (at least one).")
    return NEW_QUESTIONS


async def new_entry_questions(update: Update, ctx: Ctx) -> int | None:
    """Take the ways of asking, one per line, and offer the fields of action."""
    draft = _draft(ctx, NewEntryDraft)
    if draft is None:
        return END
    questions = tuple(q for q in _text(update).splitlines() if q.strip())
    if not questions:
        await _say(ctx, update, "Please send at least one question.")
        return None
    draft.questions = questions
    knowledge = ctx.answerer.knowledge
    rows = [
        [
            InlineKeyboardButton(
                knowledge.entries[f].title(knowledge.authoritative, knowledge.fallback),
                callback_data=buttons.encode(buttons.NewEntryField(f)),
            )
        ]
        for f in knowledge.field_ids
    ]
    rows.append(
        [
            InlineKeyboardButton(
                "No field", callback_data=buttons.encode(buttons.NewEntryField(None))
            )
        ]
    )
    await _say(ctx, update, "Which field of action does it belong to?", InlineKeyboardMarkup(rows))
    return NEW_FIELD


async def await_field(update: Update, ctx: Ctx) -> None:
    """Text while the field buttons are shown: say that the dialogue waits for a button."""
    await _say(ctx, update, "Please choose the field with one of the buttons above, or /cancel.")


# -- buttons -------------------------------------------------------------------------------


async def _answered(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


@staff_only
@buttons.pressed(buttons.EditSave)
async def save_edit(update: Update, ctx: Ctx, _button: buttons.EditSave) -> int:
    """Save the previewed answer."""
    draft = await _finished_draft(update, ctx, EditDraft, lambda d: d.text is not None)
    if draft is None or draft.text is None:
        return END
    staff_id = update.effective_user.id if update.effective_user else 0
    text = draft.text
    await _saved(
        ctx,
        update,
        lambda: ctx.services.editor.edit_answer(
            staff_id, draft.entry, draft.language, text, draft.before
        ),
        f"Saved <b>{draft.entry}</b> [{draft.language}].",
    )
    return END


@staff_only
@buttons.pressed(buttons.NewEntryField)
async def choose_field(update: Update, ctx: Ctx, button: buttons.NewEntryField) -> int:
    """Create the new entry in the chosen field of action."""
    draft = await _finished_draft(update, ctx, NewEntryDraft, lambda d: bool(d.questions))
    if draft is None:
        return END
    staff_id = update.effective_user.id if update.effective_user else 0
    questions = {ctx.answerer.knowledge.authoritative: list(draft.questions)}
    await _saved(
        ctx,
        update,
        lambda: ctx.services.editor.new_entry(
            staff_id, draft.id, draft.answer, questions, button.field
        ),
        f"Created <b>{draft.id}</b>; translations are marked as pending (/outdated).",
    )
    return END


@staff_only
@buttons.pressed(buttons.DialogueCancel)
async def cancel_button(update: Update, ctx: Ctx, _button: buttons.DialogueCancel) -> int:
    """End the current dialogue from its Cancel button."""
    await _answered(update)
    ctx.state.pop(DRAFT, None)
    await _say(ctx, update, "Cancelled. Nothing was saved.")
    return END


@staff_only
async def outdated_dialogue_button(update: Update, ctx: Ctx) -> None:
    """Save or a field from a dialogue that is over (ended, replaced, or before a restart)."""
    await _answered(update)
    await _say(ctx, update, "This button is outdated.")


async def _group(update: Update, ctx: Ctx, key: int) -> list[int] | None:
    """The question ids of a group listed by /unanswered; None (and a note) if forgotten."""
    await _answered(update)
    groups: dict[int, list[int]] = ctx.state.get(GROUPS, {})
    ids = groups.get(key)
    if not ids:
        await _say(ctx, update, "This list is outdated; send /unanswered again.")
        return None
    return ids


@staff_only
@buttons.pressed(buttons.UnansweredDismiss)
async def dismiss_unanswered(update: Update, ctx: Ctx, button: buttons.UnansweredDismiss) -> None:
    """Dismiss a group of unanswered questions."""
    ids = await _group(update, ctx, button.group)
    if ids:
        ctx.store.close_unanswered(ids, "dismissed")
        await _say(ctx, update, f"Dismissed {len(ids)} question(s).")


@staff_only
@buttons.pressed(buttons.UnansweredPick)
async def pick_entry(update: Update, ctx: Ctx, button: buttons.UnansweredPick) -> None:
    """Offer every entry for a group of unanswered questions."""
    if not await _group(update, ctx, button.group):
        return
    knowledge = ctx.answerer.knowledge
    rows = [
        [
            InlineKeyboardButton(
                e.title(knowledge.authoritative, knowledge.fallback),
                callback_data=buttons.encode(buttons.UnansweredAdd(button.group, e.id)),
            )
        ]
        for e in knowledge
        if e.kind != "smalltalk"
    ]
    await _say(ctx, update, "Add to which entry?", InlineKeyboardMarkup(rows))


@staff_only
@buttons.pressed(buttons.UnansweredAdd)
async def add_unanswered(update: Update, ctx: Ctx, button: buttons.UnansweredAdd) -> None:
    """Add a group of unanswered questions to an entry."""
    ids = await _group(update, ctx, button.group)
    if ids and button.entry_id in ctx.answerer.knowledge.entries:
        staff_id = update.effective_user.id if update.effective_user else 0
        await _assign(update, ctx, staff_id, ids, button.entry_id)


@staff_only
@buttons.pressed(buttons.ThreadQuestion)
async def add_thread_question(update: Update, ctx: Ctx, button: buttons.ThreadQuestion) -> None:
    """Add a handed-over question to the entry that was the best guess."""
    await _answered(update)
    thread = ctx.store.thread(button.thread)
    if thread is None:
        return
    staff_id = update.effective_user.id if update.effective_user else 0
    language, question = thread.language, thread.question
    await _saved(
        ctx,
        update,
        lambda: ctx.services.editor.add_question(staff_id, button.entry_id, language, question),
        f"Added the question to <b>{button.entry_id}</b> [{language}].",
    )


@staff_only
@buttons.pressed(buttons.ThreadEntry)
async def entry_from_thread(update: Update, ctx: Ctx, button: buttons.ThreadEntry) -> None:
    """Create a new entry from a staff member's reply to a handed-over question."""
    await _answered(update)
    thread = ctx.store.thread(button.thread)
    answer = ctx.store.thread_answer(button.thread) if thread else None
    if thread is None or not answer:
        return
    staff_id = update.effective_user.id if update.effective_user else 0
    entry_id = f"staff-answer-{thread.id}"
    await _saved(
        ctx,
        update,
        lambda: ctx.services.editor.new_entry(
            staff_id, entry_id, answer, {thread.language: [thread.question]}
        ),
        f"Created <b>{entry_id}</b> from the reply; edit it with /edit {entry_id}.",
    )


async def _assign(update: Update, ctx: Ctx, staff_id: int, ids: list[int], entry_id: str) -> None:
    """Add each distinct question of a group as a variant in its language, as one change."""
    knowledge = ctx.answerer.knowledge
    questions: dict[tuple[str, str], str] = {}
    for row in ctx.store.unanswered_by_ids(ids):
        language = row.detected if row.detected in knowledge.languages else knowledge.authoritative
        questions.setdefault((language, normalize(row.text)), row.text)
    pairs = [(language, text) for (language, _key), text in questions.items()]
    if await _saved(
        ctx,
        update,
        lambda: ctx.services.editor.add_questions(staff_id, entry_id, pairs),
        f"Added {len(pairs)} question(s) to <b>{entry_id}</b>.",
    ):
        ctx.store.close_unanswered(ids, "assigned")
