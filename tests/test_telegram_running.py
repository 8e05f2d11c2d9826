"""Running the bot: webhook mode with its health endpoint, configuration errors, heartbeat."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import tornado.netutil

from bot.core.answer import Answerer
from bot.heartbeat import heartbeat_age
from bot.settings import Secret, Settings
from bot.store import Store
from bot.telegram.app import build_application, serve_polling, serve_webhook
from bot.telegram.context import Services

from .conftest import ROOT
from .fake_telegram import TOKEN, FakeTelegram, message


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SECRET = "s3cret-Token_1"


@contextlib.asynccontextmanager
async def webhook_bot(
    tmp_path: Path, answerer: Answerer
) -> AsyncIterator[tuple[FakeTelegram, str, httpx.AsyncClient]]:
    """A bot serving its webhook on 127.0.0.1: (the fake Bot API, its base URL, a client)."""
    listening = tornado.netutil.bind_sockets(0, address="127.0.0.1")
    port = int(listening[0].getsockname()[1])
    with FakeTelegram() as api:
        services = Services.create(
            Settings(token=Secret(TOKEN), base_url=api.base_url, data_dir=tmp_path),
            answerer,
            Store.in_folder(tmp_path),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(
            serve_webhook(
                build_application(services),
                stop,
                url="https://bot.example.org/",
                secret=SECRET,
                sockets=listening,
                heartbeat_dir=tmp_path,
            )
        )
        await api.wait_for("setWebhook")
        try:
            async with httpx.AsyncClient() as client:
                yield api, f"http://127.0.0.1:{port}", client
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=20)
            services.store.close()


def _update(chat_id: int, text: str) -> bytes:
    return json.dumps({"update_id": chat_id, **message(chat_id, text)}).encode()


async def test_webhook_takes_updates_with_the_secret_and_reports_health(
    tmp_path: Path, answerer: Answerer
) -> None:
    async with webhook_bot(tmp_path, answerer) as (api, base, client):
        (hook,) = api.sent("setWebhook")
        assert hook.params["url"] == "https://bot.example.org/telegram"
        assert hook.params["secret_token"] == SECRET
        health = await client.get(f"{base}/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        accepted = await client.post(
            f"{base}/telegram",
            content=_update(51, "Wann habt ihr offen?"),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert accepted.status_code == 200
        garbage = await client.post(
            f"{base}/telegram",
            content=b"\xff not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert garbage.status_code == 400
        (reply,) = await api.wait_for("sendMessage", chat_id=51)
        assert "Montag" in reply.text
        assert heartbeat_age(tmp_path) is not None and heartbeat_age(tmp_path) < 5


async def test_forged_updates_without_the_secret_are_refused_and_not_answered(
    tmp_path: Path, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with webhook_bot(tmp_path, answerer) as (api, base, client):
        forged = {
            61: {},  # no secret at all
            62: {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            63: {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},  # all but the last character
        }
        for chat_id, headers in forged.items():
            refused = await client.post(
                f"{base}/telegram", content=_update(chat_id, "/reload"), headers=headers
            )
            assert refused.status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:  # refused at the headers: 400, and the connection closed while it uploads
            too_large = await client.post(
                f"{base}/telegram",
                content=_update(65, "Wann habt ihr offen?" + " " * 2 * 1024 * 1024),
                headers=right,
            )
            assert too_large.status_code == 400
        except httpx.TransportError:
            pass
        assert (await client.get(f"{base}/telegram", headers=right)).status_code == 405
        assert (await client.post(f"{base}/admin", headers=right)).status_code == 404
        assert (await client.post(f"{base}/", headers=right)).status_code == 404
        # A genuine update after them is answered, and it is the only one.
        await client.post(
            f"{base}/telegram", content=_update(64, "Wann habt ihr offen?"), headers=right
        )
        await api.wait_for("sendMessage", chat_id=64)
    assert [call.chat_id for call in api.sent("sendMessage")] == [64]
    assert SECRET not in caplog.text


async def test_a_webhook_bot_first_answers_what_it_received_before_a_crash(
    tmp_path: Path, answerer: Answerer
) -> None:
    left = Store.in_folder(tmp_path)  # what a killed bot had received but not answered
    left.enqueue([(53, _update(53, "Wann habt ihr offen?").decode())])
    left.close()
    async with webhook_bot(tmp_path, answerer) as (api, _base, _client):
        (reply,) = await api.wait_for("sendMessage", chat_id=53)
        assert "Montag" in reply.text
    kept = Store.in_folder(tmp_path)
    assert kept.inbox() == []
    kept.close()


async def _until_logged(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """Until a log record says `text` (at most 5 s)."""
    for _ in range(500):
        if any(text in r.getMessage() for r in caplog.records):
            return
        await asyncio.sleep(0.01)


def _poll_at(
    port: int, tmp_path: Path, answerer: Answerer
) -> tuple[Services, asyncio.Event, asyncio.Task[None]]:
    """The bot polling a Bot API at this local port (where nothing may listen yet)."""
    services = Services.create(
        Settings(token=Secret(TOKEN), base_url=f"http://127.0.0.1:{port}/bot", data_dir=tmp_path),
        answerer,
        Store.in_folder(tmp_path),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve_polling(build_application(services), stop, poll_timeout=1))
    return services, stop, task


async def test_a_bot_started_before_telegram_is_reachable_waits_and_then_answers(
    tmp_path: Path, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    port = _free_port()  # nothing listens here yet
    services, stop, task = _poll_at(port, tmp_path, answerer)
    await _until_logged(caplog, "cannot reach")  # the first attempt failed, the bot waits
    assert not task.done()
    with FakeTelegram(port=port) as api:
        api.push(message(52, "Wann habt ihr offen?"))
        (reply,) = await api.wait_for("sendMessage", chat_id=52, timeout=15)
        assert "Montag" in reply.text
        stop.set()
        await asyncio.wait_for(task, timeout=20)
    services.store.close()


def test_a_token_telegram_rejects_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    wrong = "999999:" + "B" * 35
    with FakeTelegram() as api:
        result = _run_bot(api, tmp_path, token=wrong)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "kik-bot: Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)"
    )
    assert "Traceback" not in result.stderr
    assert wrong.split(":")[1] not in result.stderr + result.stdout


def _run_bot(
    api: FakeTelegram,
    data: Path,
    *args: str,
    token: str = TOKEN,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIK_"))},
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_BASE_URL": api.base_url,
            "KIK_DATA_DIR": str(data),
            **(env or {}),
        },
        timeout=60,
        check=False,
    )


def test_a_second_bot_on_the_same_token_is_one_line_and_stops(tmp_path: Path) -> None:
    with FakeTelegram() as api:
        api.second_poller = True
        result = _run_bot(api, tmp_path, env={"KIK_LOG_LEVEL": "debug"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("kik-bot: another bot is already receiving this token's updates")
    )
    assert api.polls == 1  # no retry loop
    assert "starting: long polling" in result.stderr  # the log line at start
    assert " DEBUG " in result.stderr  # KIK_LOG_LEVEL
    assert TOKEN.split(":")[1] not in result.stderr  # not even in debug logging


async def test_unreachable_telegram_is_logged_with_its_host_but_never_the_token(
    tmp_path: Path, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    port = _free_port()  # nothing listens here
    services, stop, task = _poll_at(port, tmp_path, answerer)
    try:
        await _until_logged(caplog, "cannot reach")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        services.store.close()
    (record,) = [r for r in caplog.records if "cannot reach" in r.getMessage()]
    assert f"cannot reach 127.0.0.1:{port} (" in record.getMessage()
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


def test_a_webhook_port_already_taken_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    with socket.socket() as taken, FakeTelegram() as api:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = _run_bot(
            api,
            tmp_path,
            *("--webhook", "--url", "https://bot.example.org", "--secret", SECRET),
            *("--listen", "127.0.0.1", "--port", port),
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"kik-bot: cannot listen on 127.0.0.1:{port} ")
    )
    assert api.calls == []  # nothing started
