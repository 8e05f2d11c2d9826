"""Running the bot: webhook mode with its health endpoint, configuration errors, heartbeat."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from bot.core.answer import Answerer
from bot.i18n import Translations
from bot.settings import Secret, Settings
from bot.store import Store
from bot.telegram.app import build_application, heartbeat_age, serve_polling, serve_webhook
from bot.telegram.context import Services

from .conftest import ROOT
from .fake_telegram import TOKEN, FakeTelegram, message


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_takes_updates_with_the_secret_and_reports_health(
    tmp_path: Path, answerer: Answerer, translations: Translations
) -> None:
    port = _free_port()
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
                secret="s3cret",
                listen="127.0.0.1",
                port=port,
                heartbeat_dir=tmp_path,
            )
        )
        (hook,) = await api.wait_for("setWebhook")
        assert hook.params["url"] == "https://bot.example.org/telegram"
        assert hook.params["secret_token"] == "s3cret"
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as client:
            health = await client.get(f"{base}/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            update = {"update_id": 1, **message(51, "Wann habt ihr offen?")}
            refused = await client.post(
                f"{base}/telegram",
                content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert refused.status_code == 403
            accepted = await client.post(
                f"{base}/telegram",
                content=json.dumps(update),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
            assert accepted.status_code == 200
            garbage = await client.post(
                f"{base}/telegram",
                content=b"\\xff not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
            assert garbage.status_code == 400
        (reply,) = await api.wait_for("sendMessage", chat_id=51)
        assert "Montag" in reply.text
        assert heartbeat_age(tmp_path) is not None and heartbeat_age(tmp_path) < 5
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        services.store.close()


async def test_a_bot_started_before_telegram_is_reachable_waits_and_then_answers(
    tmp_path: Path, answerer: Answerer, translations: Translations
) -> None:
    port = _free_port()  # nothing listens here yet
    services = Services.create(
        Settings(token=Secret(TOKEN), base_url=f"http://127.0.0.1:{port}/bot", data_dir=tmp_path),
        answerer,
        Store.in_folder(tmp_path),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve_polling(build_application(services), stop, poll_timeout=1))
    await asyncio.sleep(1.5)  # the first attempt failed, the bot is waiting to retry
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
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIK_"))},
                "TELEGRAM_BOT_TOKEN": wrong,
                "TELEGRAM_BASE_URL": api.base_url,
                "KIK_DATA_DIR": str(tmp_path),
            },
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "kik-bot: Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)"
    )
    assert "Traceback" not in result.stderr
    assert wrong.split(":")[1] not in result.stderr + result.stdout
