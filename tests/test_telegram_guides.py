"""End to end: integration guides forwarding, inline mode, and the bot in group chats."""

from __future__ import annotations

import json

from bot.telegram.buttons import CALLBACK_VERSION

from .conftest import RunningBot
from .fake_telegram import BOT_ID, BOT_USERNAME, button, forwarded, inline, message


async def test_forwarded_message_is_answered_in_the_clients_language(telegram: RunningBot) -> None:
    telegram.api.push(
        forwarded(31, "Yabancılar dairesinden nasıl randevu alırım?", language_code="de")
    )
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=31)
    assert "Ausländerbehörde" in reply.text and "randevu" in reply.text.lower()
    switch = reply.buttons[-1]
    assert switch["callback_data"] == f"{CALLBACK_VERSION}|t|immigration-office|de"
    telegram.api.push(button(31, switch["callback_data"]))
    replies = await telegram.api.wait_for("sendMessage", 2, chat_id=31)
    assert "Termin" in replies[1].text and "nur mit Termin" in replies[1].text
    assert not telegram.api.sent("editMessageText")  # the client's answer stays, ready to forward


async def test_inline_query_with_language_prefix(telegram: RunningBot) -> None:
    telegram.api.push(inline(32, "ar: Öffnungszeiten"))
    (call,) = await telegram.api.wait_for("answerInlineQuery")
    results = (
        call.params["results"]
        if isinstance(call.params["results"], list)
        else json.loads(call.params["results"])
    )
    assert results[0]["id"] == "hours:ar"
    content = results[0]["input_message_content"]
    assert "الاثنين" in content["message_text"] and content["parse_mode"] == "HTML"


async def test_inline_query_in_the_language_of_the_query(telegram: RunningBot) -> None:
    telegram.api.push(inline(33, "gdzie mogę nauczyć się niemieckiego"))
    (call,) = await telegram.api.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert results and all(r["id"].endswith(":pl") for r in results)


async def test_empty_inline_query_offers_the_main_topics(telegram: RunningBot) -> None:
    telegram.api.push(inline(34, "", language_code="fr"))
    (call,) = await telegram.api.wait_for("answerInlineQuery")
    assert [r["id"] for r in call.params["results"]] == [
        "hours:fr",
        "contact:fr",
        "address:fr",
        "about:fr",
    ]


async def test_group_chatter_is_ignored(telegram: RunningBot) -> None:
    telegram.api.push(message(35, "Wann habt ihr offen?", chat_id=-100, chat_type="supergroup"))
    telegram.api.push(
        message(35, f"@{BOT_USERNAME} Wann habt ihr offen?", chat_id=-100, chat_type="supergroup")
    )
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=-100)
    assert "Montag" in reply.text
    assert reply.params.get("reply_to_message_id") or reply.params.get("reply_parameters")
    assert len(telegram.api.sent("sendMessage", chat_id=-100)) == 1


async def test_group_reply_to_the_bot_is_answered(telegram: RunningBot) -> None:
    bot_message = {
        "message_id": 7,
        "date": 0,
        "chat": {"id": -101, "type": "supergroup", "title": "G"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "KIK", "username": BOT_USERNAME},
        "text": "...",
    }
    telegram.api.push(
        message(
            36,
            "Und wo ist das Amt?",
            chat_id=-101,
            chat_type="supergroup",
            reply_to_message=bot_message,
        )
    )
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=-101)
    assert "Rathausplatz 22" in reply.text


async def test_group_commands_work(telegram: RunningBot) -> None:
    telegram.api.push(message(37, f"/hours@{BOT_USERNAME}", chat_id=-102, chat_type="group"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=-102)
    assert "Montag" in reply.text
