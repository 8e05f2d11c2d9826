"""The bot process stopped mid-run and started again: it resumes from the right update offset,
loses nothing, and the database stays intact."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from .conftest import ROOT
from .fake_telegram import TOKEN, FakeTelegram, message

USERS, PER_USER = 20, 4


def start_bot(api: FakeTelegram, data: Path, knowledge: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=api.base_url,
        KIK_DATA_DIR=str(data),
        KIK_KNOWLEDGE_DIR=str(knowledge),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def answers_per_user(api: FakeTelegram) -> Counter[int]:
    return Counter(c.chat_id for c in api.sent("sendMessage") if c.chat_id is not None)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL])
async def test_stopped_mid_run_and_restarted(
    tmp_path: Path, knowledge_copy: Path, stop_signal: int
) -> None:
    with FakeTelegram() as api:
        for round_ in range(PER_USER):
            for user in range(1, USERS + 1):
                api.push(
                    message(
                        1000 + user,
                        "Wann habt ihr offen?" if round_ % 2 else "Wo kann ich Deutsch lernen?",
                    )
                )
        bot = start_bot(api, tmp_path, knowledge_copy)
        await api.wait_for("sendMessage", USERS, timeout=60)
        bot.send_signal(stop_signal)
        bot.wait(timeout=30)
        with sqlite3.connect(tmp_path / "kik-bot.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        confirmed = api.confirmed_offset
        bot = start_bot(api, tmp_path, knowledge_copy)
        try:
            await api.wait_for("sendMessage", USERS * PER_USER, timeout=60)
            # A late duplicate would show: wait until the bot in its process has nothing left.
            await api.settled(lambda: _inbox_empty(tmp_path / "kik-bot.sqlite3"))
        finally:
            bot.terminate()
            bot.wait(timeout=30)
        counts = answers_per_user(api)
        assert all(counts[1000 + user] >= PER_USER for user in range(1, USERS + 1))  # nothing lost
        extra = sum(counts.values()) - USERS * PER_USER
        if stop_signal == signal.SIGTERM:
            assert extra == 0  # a graceful stop confirms its offset: nothing is answered twice
        else:
            assert (
                extra <= 16
            )  # only updates in flight at the kill (concurrent_updates) may repeat
        assert api.confirmed_offset >= confirmed
        with sqlite3.connect(tmp_path / "kik-bot.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _inbox_empty(database: Path) -> bool:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]) == 0
