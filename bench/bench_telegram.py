"""Throughput of the Telegram bot through the fake Bot API, beside a minimal echo bot.

The fake Bot API runs in its own process (as Telegram would), N text updates from many users in
the fourteen languages are queued in it, and the clock runs from getUpdates handing out the first
one until every one is answered (start-up, reported apart, is not throughput). Two echo bots
(same concurrency, no work) against the same fake show the ceiling: one as python-telegram-bot
ships (httpx), one on our aiohttp transport (bot/telegram/transport.py). Telegram's own send
limit (~30 messages/s) is switched off to measure capacity; retries stay on. Latency is per
update, from getUpdates handing it out to its answer arriving, under that burst.

    python bench/bench_telegram.py --updates 2000 --users 200
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, MessageHandler, filters  # noqa: E402

from bot.evaluate import evaluation_files, load_cases  # noqa: E402
from bot.settings import Secret, Settings  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.telegram.app import (  # noqa: E402
    CONCURRENT_UPDATES,
    READ_TIMEOUT,
    build_application,
    build_services,
    serve_polling,
)
from bot.telegram.context import Services  # noqa: E402
from bot.telegram.resilience import FloodGuard  # noqa: E402
from bot.telegram.transport import bot_requests  # noqa: E402
from tests.fake_telegram import TOKEN, in_own_process, message  # noqa: E402

App = Application  # type: ignore[type-arg]


def echo_application(base_url: str, concurrency: int, *, our_transport: bool) -> App:
    async def echo(update: Update, _context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0))
        .concurrent_updates(concurrency)
    )
    if our_transport:
        calls, updates = bot_requests(concurrency, READ_TIMEOUT)
        builder.request(calls).get_updates_request(updates)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


async def run_echo(application: App, stop: asyncio.Event) -> None:
    """PTB's own Updater, as an ordinary bot would run."""
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


async def run_ours(application: App, stop: asyncio.Event) -> None:
    await serve_polling(application, stop, poll_timeout=1)


@dataclass
class Figures:
    rate: float  # updates per second
    p50_ms: float
    p99_ms: float
    startup_s: float  # from starting the bot to getUpdates handing out the first update

    def line(self, name: str, echo: Figures | None = None) -> str:
        share = f"   ({100 * self.rate / echo.rate:.0f}% of the first echo)" if echo else ""
        return (
            f"  {name:<34} {self.rate:7.1f} updates/s   latency p50 {self.p50_ms:7.1f} ms"
            f"  p99 {self.p99_ms:7.1f} ms   start-up {self.startup_s:4.1f} s{share}"
        )


async def measure(
    make_app: Callable[[str], App],
    run: Callable[[App, asyncio.Event], Awaitable[None]],
    questions: list[str],
    users: int,
) -> Figures:
    async with in_own_process() as (base_url, control):
        rng = random.Random(3)
        await control.post("/push", json=[message(rng.randint(1, users), q) for q in questions])
        application = make_app(base_url)
        stop = asyncio.Event()
        started = time.monotonic()  # the fake's clock too (same machine, CLOCK_MONOTONIC)
        runner = asyncio.create_task(run(application, stop))
        while (await control.get("/count/sendMessage")).json()["count"] < len(questions):
            await asyncio.sleep(0.02)
        stop.set()
        await runner
        record = (await control.get("/calls")).json()
    waiting: dict[int, list[float]] = {}
    for update_id, delivered in sorted(record["delivered"].items(), key=lambda kv: int(kv[0])):
        waiting.setdefault(record["chats"][update_id], []).append(delivered)
    answers = [c for c in record["calls"] if c["method"] == "sendMessage"]
    latencies = sorted(c["at"] - waiting[c["chat_id"]].pop(0) for c in answers)
    first = min(record["delivered"].values())
    return Figures(
        rate=len(questions) / (max(c["at"] for c in answers) - first),
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
        startup_s=first - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=CONCURRENT_UPDATES)
    args = parser.parse_args()
    cases = [
        c.question for path in evaluation_files(ROOT / "tests" / "data") for c in load_cases(path)
    ]
    questions = [cases[i % len(cases)] for i in range(args.updates)]

    with (
        tempfile.TemporaryDirectory() as data,
        tempfile.TemporaryDirectory() as again,
        tempfile.TemporaryDirectory() as restart,
    ):
        services = build_services(Settings(token=Secret(TOKEN), data_dir=Path(data)))
        # The same answerer, settled (its classifiers built), behind a fresh inbox.
        settled = Services.create(
            Settings(token=Secret(TOKEN), data_dir=Path(again)),
            services.answerer,
            Store.in_folder(Path(again)),
        )

        def bot_on(serving: Services, base_url: str) -> App:
            serving.settings = Settings(
                token=Secret(TOKEN), base_url=base_url, data_dir=serving.settings.data_dir
            )
            return build_application(
                serving,
                flood_guard=FloodGuard(rate=10**6),
                throttle=False,
                concurrent_updates=args.concurrency,
            )

        echoes = [
            asyncio.run(
                measure(
                    functools.partial(
                        echo_application, concurrency=args.concurrency, our_transport=ours_too
                    ),
                    run_echo,
                    questions,
                    args.users,
                )
            )
            for ours_too in (False, True)
        ]
        kik = asyncio.run(
            measure(functools.partial(bot_on, services), run_ours, questions, args.users)
        )
        # A restart: a new process's answerer, with the classifiers the first start kept.
        shutil.copytree(
            services.settings.classifier_dir, Settings(data_dir=Path(restart)).classifier_dir
        )
        restarted = build_services(Settings(token=Secret(TOKEN), data_dir=Path(restart)))
        kik_restarted = asyncio.run(
            measure(functools.partial(bot_on, restarted), run_ours, questions, args.users)
        )
        kik_settled = asyncio.run(
            measure(functools.partial(bot_on, settled), run_ours, questions, args.users)
        )
    print(
        f"{args.updates} text updates queued at once, {args.users} users, 14 languages, "
        f"concurrent_updates={args.concurrency}"
    )
    print(echoes[0].line("echo bot, PTB as shipped (httpx)"))
    print(echoes[1].line("echo bot, our aiohttp transport", echoes[0]))
    print(kik.line("KIK-Bot, first start", echoes[0]))
    print(kik_restarted.line("KIK-Bot, restarted", echoes[0]))
    print(kik_settled.line("KIK-Bot, settled", echoes[0]))
    print(
        "  first start: the first seconds also train the classifiers (bot.core.classifier);\n"
        "  restarted: they are loaded from KIK_DATA_DIR (bot.classifier_cache);\n"
        f"  settled, KIK-Bot reaches {100 * kik_settled.rate / echoes[1].rate:.0f}% of the echo "
        "bot on the same transport; per update it spends "
        f"{1000 / kik_settled.rate - 1000 / echoes[1].rate:.2f} ms more."
    )


if __name__ == "__main__":
    main()
