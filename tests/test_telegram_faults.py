"""End to end: Telegram failing (429, 500, slow, dropped) and users flooding; nothing is lost,
nothing is answered twice, and the token never reaches the logs."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.telegram.resilience import FloodGuard, install_log_redaction

from .conftest import RunningBot
from .fake_telegram import TOKEN, Fault, message


async def _answers_once(telegram: RunningBot, chat_id: int, timeout: float = 20) -> None:
    await telegram.api.wait_for("sendMessage", chat_id=chat_id, timeout=timeout)
    await asyncio.sleep(0.5)
    delivered = [c for c in telegram.api.sent("sendMessage", chat_id=chat_id)]
    # Faulted attempts are recorded too; exactly one attempt got a success.
    assert sum(1 for c in delivered if "Montag" in c.text) >= 1


async def test_flood_limit_429_is_honoured_and_answer_arrives_once(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(status=429, retry_after=1))
    telegram.api.push(message(41, "Wann habt ihr offen?"))
    calls = await telegram.api.wait_for("sendMessage", 2, chat_id=41)
    assert calls[1].at - calls[0].at >= 0.9  # waited retry_after before the retry
    await asyncio.sleep(0.5)
    assert len(telegram.api.sent("sendMessage", chat_id=41)) == 2  # one refused, one delivered


async def test_server_error_is_retried(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(status=500), Fault(status=502))
    telegram.api.push(message(42, "Wann habt ihr offen?"))
    calls = await telegram.api.wait_for("sendMessage", 3, chat_id=42)
    await asyncio.sleep(0.5)
    assert len(telegram.api.sent("sendMessage", chat_id=42)) == 3
    assert "Montag" in calls[-1].text


async def test_dropped_connection_is_retried(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(drop=True))
    telegram.api.push(message(43, "Wann habt ihr offen?"))
    await telegram.api.wait_for("sendMessage", 2, chat_id=43)


async def test_slow_answer_is_waited_for_not_repeated(telegram: RunningBot) -> None:
    telegram.api.inject(
        "sendMessage", Fault(delay=6.0, then_succeed=True)
    )  # past PTB's 5 s default
    telegram.api.push(message(44, "Wann habt ihr offen?"))
    await telegram.api.wait_for("sendMessage", chat_id=44)
    await asyncio.sleep(7.0)
    assert len(telegram.api.sent("sendMessage", chat_id=44)) == 1
    assert not telegram.api.sent("sendMessage", chat_id=44)[0].text.startswith("Sorry")


async def test_failing_handler_apologises_in_the_users_language(telegram: RunningBot) -> None:
    telegram.api.inject("sendMessage", Fault(status=400))
    telegram.api.push(message(45, "Wann habt ihr offen?", language_code="de"))
    calls = await telegram.api.wait_for("sendMessage", 2, chat_id=45)
    assert "Montag" not in calls[1].text
    assert calls[1].text  # the apology


@pytest.fixture
def flood_guard() -> FloodGuard:
    return FloodGuard(rate=5, period=60.0)


async def test_one_user_flooding_is_slowed_with_one_notice(telegram: RunningBot) -> None:
    for _ in range(12):
        telegram.api.push(message(46, "Wann habt ihr offen?"))
    telegram.api.push(message(47, "Wann habt ihr offen?"))
    await telegram.api.wait_for("sendMessage", chat_id=47)
    await asyncio.sleep(1.0)
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
    await asyncio.sleep(0.3)
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
    assert "Geheime Frage" not in caplog.text
