"""Throughput of the Telegram bot through the fake Bot API, beside a minimal echo bot.

The fake Bot API runs in its own process (as Telegram would), N text updates from many users in
the fourteen languages are queued in it, and the clock runs until every one is answered. The
echo bot (same PTB settings, no work) against the same fake shows the ceiling of
python-telegram-bot on this machine. Telegram's own send limit (~30 messages/s) is switched off
in both to measure capacity; retries stay on. Latency is per update, from getUpdates handing it
out to its answer arriving, under that burst.

    python bench/bench_telegram.py --updates 2000 --users 200
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, MessageHandler, filters  # noqa: E402

from bot.evaluate import evaluation_files, load_cases  # noqa: E402
from bot.settings import Secret, Settings  # noqa: E402
from bot.telegram.app import CONCURRENT_UPDATES, build_application, build_services, serve_polling  # noqa: E402
from bot.telegram.resilience import FloodGuard  # noqa: E402
from tests.fake_telegram import TOKEN, in_own_process, message  # noqa: E402

App = Application  # type: ignore[type-arg]


def echo_application(base_url: str, concurrency: int) -> App:
    async def echo(update: Update, _context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0))
        .concurrent_updates(concurrency)
        .build()
    )
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


async def measure(
    make_app: Callable[[str], App],
    run: Callable[[App, asyncio.Event], Awaitable[None]],
    questions: list[str],
    users: int,
) -> tuple[float, float, float]:
    async with in_own_process() as (base_url, control):
        rng = random.Random(3)
        await control.post("/push", json=[message(rng.randint(1, users), q) for q in questions])
        application = make_app(base_url)
        stop = asyncio.Event()
        started = time.perf_counter()
        runner = asyncio.create_task(run(application, stop))
        while (await control.get("/count/sendMessage")).json()["count"] < len(questions):
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        stop.set()
        await runner
        record = (await control.get("/calls")).json()
    waiting: dict[int, list[float]] = {}
    for update_id, delivered in sorted(record["delivered"].items(), key=lambda kv: int(kv[0])):
        waiting.setdefault(record["chats"][update_id], []).append(delivered)
    latencies = sorted(
        c["at"] - waiting[c["chat_id"]].pop(0)
        for c in record["calls"]
        if c["method"] == "sendMessage"
    )
    return (
        len(questions) / elapsed,
        statistics.median(latencies) * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
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

    with tempfile.TemporaryDirectory() as data:
        services = build_services(Settings(token=Secret(TOKEN), data_dir=Path(data)))

        def ours(base_url: str) -> App:
            services.settings = Settings(
                token=Secret(TOKEN), base_url=base_url, data_dir=Path(data)
            )
            return build_application(
                services,
                flood_guard=FloodGuard(rate=10**6),
                throttle=False,
                concurrent_updates=args.concurrency,
            )

        echo = asyncio.run(
            measure(
                lambda url: echo_application(url, args.concurrency),
                run_echo,
                questions,
                args.users,
            )
        )
        kik = asyncio.run(measure(ours, run_ours, questions, args.users))
    print(
        f"{args.updates} text updates queued at once, {args.users} users, 14 languages, concurrent_updates={args.concurrency}"
    )
    print(
        f"  echo bot: {echo[0]:7.1f} updates/s   latency p50 {echo[1]:7.1f} ms  p99 {echo[2]:7.1f} ms"
    )
    print(
        f"  KIK-Bot:  {kik[0]:7.1f} updates/s   latency p50 {kik[1]:7.1f} ms  p99 {kik[2]:7.1f} ms   ({100 * kik[0] / echo[0]:.0f}% of echo)"
    )


if __name__ == "__main__":
    main()
