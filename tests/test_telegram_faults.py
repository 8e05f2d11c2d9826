"""End to end: Telegram failing (429, 500, slow, dropped) and users flooding; nothing is lost,
nothing is answered twice, and the token never reaches the logs."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import Translations
from bot.telegram.resilience import FloodGuard, install_log_redaction

from .conftest import RunningBot
from .fake_telegram import TOKEN, Fault, message


async def test_flood_limit_429_is_honoured_and_answer_arrives_once(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(status=429, retry_after=1))
    telegram.api.push(message(41, "Wann habt ihr offen?"))
    calls = await telegram.api.wait_for("sendMessage", 2, chat_id=41)
    assert calls[1].at - calls[0].at >= 0.9  # waited retry_after before the retry
    await telegram.settled()
    assert len(telegram.api.sent("sendMessage", chat_id=41)) == 2  # one refused, one delivered


async def test_server_error_is_retried(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(status=500), Fault(status=502))
    telegram.api.push(message(42, "Wann habt ihr offen?"))
    calls = await telegram.api.wait_for("sendMessage", 3, chat_id=42)
    await telegram.settled()
    assert len(telegram.api.sent("sendMessage", chat_id=42)) == 3
    assert "Montag" in calls[-1].text


async def test_dropped_connection_is_retried(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(drop=True))
    telegram.api.push(message(43, "Wann habt ihr offen?"))
    await telegram.api.wait_for("sendMessage", 2, chat_id=43)
    await telegram.settled()
    (_dropped, delivered) = telegram.api.sent("sendMessage", chat_id=43)
    assert "Montag" in delivered.text


async def test_slow_answer_is_waited_for_not_repeated(telegram: RunningBot) -> None:
    telegram.api.inject(
        "sendMessage", Fault(delay=6.0, then_succeed=True)
    )  # past PTB's 5 s default
    telegram.api.push(message(44, "Wann habt ihr offen?"))
    await telegram.api.wait_for("sendMessage", chat_id=44)
    await telegram.settled()  # the slow reply has arrived; nothing was sent again meanwhile
    assert len(telegram.api.sent("sendMessage", chat_id=44)) == 1
    assert not telegram.api.sent("sendMessage", chat_id=44)[0].text.startswith("Sorry")


APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."


async def test_failing_handler_apologises_in_the_users_language(
    telegram: RunningBot, translations: Translations
) -> None:
    telegram.api.inject("sendMessage", Fault(status=400))
    telegram.api.push(message(45, "Ofis ne zaman açık?", language_code="de"))
    calls = await telegram.api.wait_for("sendMessage", 2, chat_id=45)
    await telegram.settled()
    assert len(telegram.api.sent("sendMessage", chat_id=45)) == 2
    apology = calls[1].text
    assert "Pazartesi" not in apology  # not the answer again
    assert apology == translations.gettext("tr")(APOLOGY)


@pytest.fixture
def flood_guard() -> FloodGuard:
    return FloodGuard(rate=5, period=60.0)


async def test_one_user_flooding_is_slowed_with_one_notice(telegram: RunningBot) -> None:
    for _ in range(12):
        telegram.api.push(message(46, "Wann habt ihr offen?"))
    telegram.api.push(message(47, "Wann habt ihr offen?"))
    await telegram.api.wait_for("sendMessage", chat_id=47)
    await telegram.settled()
    texts = [c.text for c in telegram.api.sent("sendMessage", chat_id=46)]
    assert sum("Montag" in t for t in texts) == 5
    assert len(texts) == 6  # five answers and one notice


async def test_token_never_reaches_the_logs(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_redaction(TOKEN)
    caplog.set_level(logging.INFO)  # debug logging may show message texts, by design
    telegram.api.inject("sendMessage", Fault(status=500))
    telegram.api.push(message(48, "Geheime Frage zu meinem Aufenthalt"))
    await telegram.api.wait_for("sendMessage", 2, chat_id=48)
    await telegram.settled()
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
    assert "Geheime Frage" not in caplog.text
