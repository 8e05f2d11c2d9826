"""Hostile and broken input, through the real handlers: no exception escapes, nothing is
injected into messages, no staff action is reached, nothing secret reaches the logs."""

from __future__ import annotations

import logging

import pytest

from .conftest import RunningBot
from .fake_telegram import TOKEN, button, forwarded, inline, message

NASTY = [
    "%s %d %(name)s {0} {day} {} {{}} $x ${x} \\n \\x00",
    "<b>bold</b> <a href='javascript:alert(1)'>x</a> <script>alert(1)</script> &amp; &lt;",
    "*bold* _it_ [link](http://x) `code` ~strike~ ||spoiler|| \\ > # + - = | { } . !",
    "\u200b\u200c\u200d\u2060\ufeff zero width \u202e\u202d\u2066\u2069 bidi",
    "Öffnungszeiten " * 400,  # 6,000 characters
    "\ud800\udfff lone surrogates \udc00",
    "😀" * 500,
    "\x00\x01\x02\x1b[31m",
    "مرحبا 你好 שלום Здравствуйте γειά σου",
    " ",
]


async def test_nasty_messages_each_get_one_safe_answer(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for index, text in enumerate(NASTY):
        telegram.api.push(message(200 + index, text))
        telegram.api.push(forwarded(300 + index, text))
    for index in range(len(NASTY)):
        await telegram.api.wait_for("sendMessage", chat_id=200 + index)
        await telegram.api.wait_for("sendMessage", chat_id=300 + index)
    await telegram.settled()
    for index in range(len(NASTY)):
        for chat in (200 + index, 300 + index):
            (reply,) = telegram.api.sent("sendMessage", chat_id=chat)
            assert (
                "<script" not in reply.text
                and "<a " not in reply.text
                and "<b>bold" not in reply.text
            )
            assert len(reply.text) <= 4096
    assert "error while handling" not in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    "data",
    [
        "",
        "x" * 64,
        "k1|e|no-such-entry|de",
        "k1|e|hours|xx",
        "k0|e|hours|de",
        "k1|l|zz",
        "k1|t",
        "k1|ua|add|1|hours",
        "k1|st|save",
        "k1|tn|1",
        "k1|ho|yes|de",
        "k1|fb|hours",
        "||||",
        "k1|e|" + "a" * 58,
    ],
)
async def test_unknown_or_foreign_button_data_is_harmless(
    telegram: RunningBot, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    before = {p.name: p.read_bytes() for p in telegram.services.settings.knowledge_dir.iterdir()}
    telegram.api.push(button(400, data))
    (_answer,) = await telegram.api.wait_for("answerCallbackQuery")
    await telegram.settled()
    assert "error while handling" not in caplog.text
    assert {
        p.name: p.read_bytes() for p in telegram.services.settings.knowledge_dir.iterdir()
    } == before
    assert telegram.services.store.audit_log() == []
    assert len(telegram.api.sent("answerCallbackQuery")) == 1


async def test_nasty_inline_queries(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    for index, text in enumerate(NASTY):
        telegram.api.push(inline(500 + index, text[:256]))
    calls = await telegram.api.wait_for("answerInlineQuery", len(NASTY))
    assert len(calls) == len(NASTY)
    assert "error while handling" not in caplog.text


async def test_hand_over_escapes_the_question_for_staff(telegram: RunningBot) -> None:
    telegram.api.push(message(600, "<b>Hilfe</b> beim Wohngeld-Antrag <script>x</script>"))
    (fallback,) = await telegram.api.wait_for("sendMessage", chat_id=600)
    ask = next(b["callback_data"] for b in fallback.buttons if "|ho|ask|" in b["callback_data"])
    telegram.api.push(button(600, ask))
    consent = (await telegram.api.wait_for("sendMessage", 2, chat_id=600))[1]
    telegram.api.push(button(600, consent.buttons[0]["callback_data"]))
    from .conftest import STAFF_CHAT

    (posted,) = await telegram.api.wait_for("sendMessage", chat_id=STAFF_CHAT)
    assert "&lt;script&gt;" in posted.text and "<script>" not in posted.text


async def test_generated_texts_through_the_handlers(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Property: any text a user can send gets exactly one reply and no error (hypothesis)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    caplog.set_level(logging.ERROR)
    texts: list[str] = []

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.text(min_size=1, max_size=600))
    def collect(text: str) -> None:
        texts.append(text)

    collect()
    texts += ["/unknowncommand", "/", "/start@other_bot x"]
    for index, text in enumerate(texts):
        telegram.api.push(message(700 + index, text))
    for index in range(len(texts)):
        await telegram.api.wait_for("sendMessage", chat_id=700 + index)
    await telegram.settled()
    assert all(
        len(telegram.api.sent("sendMessage", chat_id=700 + i)) == 1 for i in range(len(texts))
    )
    assert "error while handling" not in caplog.text


@pytest.mark.parametrize(
    "command",
    [
        "/edit <script>x</script>",
        "/edit hours zz",
        "/addq hours de <b>x</b> %s {0}",
        "/addq nope de x",
        "/unanswered -1",
        "/stats 99999999999999999999",
        "/edit " + "h" * 3000,
        "/addq hours de " + "\u202e" * 10,
    ],
)
async def test_staff_commands_with_nasty_arguments(
    telegram: RunningBot, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    from .conftest import STAFF_ID

    caplog.set_level(logging.ERROR)
    telegram.api.push(message(STAFF_ID, command))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=STAFF_ID)
    assert "<script>" not in reply.text and "<b>x</b>" not in reply.text
    assert "error while handling" not in caplog.text
