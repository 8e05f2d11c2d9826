"""Running the bot: webhook mode with its health endpoint, configuration errors, heartbeat."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import httpx

from bot.core.answer import Answerer
from bot.i18n import Translations
from bot.settings import Secret, Settings
from bot.store import Store
from bot.telegram.app import build_application, heartbeat_age, serve_webhook
from bot.telegram.context import Services

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
