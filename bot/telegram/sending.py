"""Sending and editing replies: one place that turns a Reply into Bot API calls."""

from __future__ import annotations

from telegram import CallbackQuery, Message
from telegram.error import BadRequest

from bot.telegram.context import Ctx
from bot.telegram.views import Reply


async def send(
    ctx: Ctx, chat_id: int, reply: Reply, *, reply_to: int | None = None
) -> Message | None:
    """Send each part; the keyboard goes on the last one. Returns the last message."""
    last: Message | None = None
    for index, part in enumerate(reply.parts):
        is_last = index == len(reply.parts) - 1
        last = await ctx.bot.send_message(
            chat_id,
            part,
            reply_markup=reply.keyboard if is_last else None,
            reply_to_message_id=reply_to if index == 0 else None,
        )
    return last


async def replace(ctx: Ctx, query: CallbackQuery, reply: Reply) -> None:
    """Show a reply in place of the message whose button was pressed (menus, navigation)."""
    message = query.message
    if not isinstance(message, Message) or len(reply.parts) > 1:
        if message is not None:
            await send(ctx, message.chat.id, reply)
        return
    try:
        await query.edit_message_text(reply.parts[0], reply_markup=reply.keyboard)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
