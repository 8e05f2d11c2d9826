"""Soak run: many mixed updates from many users, with Telegram failing at random, through the
fake Bot API in its own process. Checks that every update is answered exactly once, that the
process memory stays flat, and that no error is logged.

    python bench/bench_soak.py --updates 50000 --users 2000 --fault-rate 0.01

Telegram's ~30 messages/s send limit is switched off (it would stretch 50,000 answers over half
an hour); retries, timeouts and everything else run as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluate import evaluation_files, load_cases  # noqa: E402
from bot.settings import Secret, Settings  # noqa: E402
from bot.telegram.app import build_application, build_services, serve_polling  # noqa: E402
from bot.telegram.buttons import CALLBACK_VERSION  # noqa: E402
from tests.fake_telegram import TOKEN, button, forwarded, in_own_process, inline, message  # noqa: E402

ANSWER_METHOD = {
    "text": "sendMessage",
    "forwarded": "sendMessage",
    "button": "answerCallbackQuery",
    "inline": "answerInlineQuery",
}
ENTRIES = ("hours", "contact", "address", "about", "field-work-training", "german-courses")


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def make_updates(
    count: int, users: int, seed: int = 5
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Round-robin over users (no one floods), a mix of kinds, questions in all languages."""
    rng = random.Random(seed)
    questions = [
        c.question for p in evaluation_files(ROOT / "tests" / "data") for c in load_cases(p)
    ]
    kinds: Counter[str] = Counter()
    updates = []
    for number in range(count):
        user = 10_000 + number % users
        kind = rng.choices(("text", "forwarded", "button", "inline"), weights=(70, 10, 10, 10))[0]
        kinds[kind] += 1
        if kind == "text":
            updates.append(message(user, rng.choice(questions), language_code=None))
        elif kind == "forwarded":
            updates.append(forwarded(user, rng.choice(questions)))
        elif kind == "button":
            entry = rng.choice(ENTRIES)
            updates.append(
                button(
                    user, f"{CALLBACK_VERSION}|e|{entry}|{rng.choice(('de', 'tr', 'ar', 'uk'))}"
                )
            )
        else:
            updates.append(inline(user, rng.choice(questions)[:200]))
    return updates, kinds


async def soak(args: argparse.Namespace) -> None:
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    logging.getLogger().setLevel(logging.WARNING)
    updates, kinds = make_updates(args.updates, args.users)
    expected = {
        method: sum(n for kind, n in kinds.items() if ANSWER_METHOD[kind] == method)
        for method in set(ANSWER_METHOD.values())
    }
    async with in_own_process(args.fault_rate, seed=11) as (base_url, control):
        for start in range(0, len(updates), 5000):
            await control.post("/push", json=updates[start : start + 5000])
        with tempfile.TemporaryDirectory() as data:
            services = build_services(
                Settings(token=Secret(TOKEN), base_url=base_url, data_dir=Path(data))
            )
            services.answerer.matcher.warm()
            application = build_application(services, throttle=False)
            memory_start = resident_mb()
            memory_warm = None
            stop = asyncio.Event()
            started = time.perf_counter()
            runner = asyncio.create_task(serve_polling(application, stop, poll_timeout=1))
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                done = {m: (await control.get(f"/ok/{m}")).json()["count"] for m in expected}
                if memory_warm is None and sum(done.values()) >= len(updates) // 10:
                    memory_warm = resident_mb()  # after the first tenth: caches are filled
                if all(done[m] >= n for m, n in expected.items()):
                    break
                await asyncio.sleep(1)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(3)  # anything answered twice would arrive now
            stop.set()
            await runner
            memory_end = resident_mb()
            integrity = services.store.integrity_ok()
            services.store.close()
        record = (await control.get("/calls")).json()
    calls = [c for c in record["calls"] if c["ok"]]
    per_key = Counter(str(c["key"]) for c in calls if c["key"])  # ids arrive JSON-decoded
    per_chat = Counter(c["chat_id"] for c in calls if c["method"] == "sendMessage")
    asked = Counter(u["message"]["chat"]["id"] for u in updates if "message" in u)
    lost_messages = sum(max(0, n - per_chat[chat]) for chat, n in asked.items())
    twice_messages = sum(max(0, per_chat[chat] - n) for chat, n in asked.items())
    keys = [str(u["callback_query"]["id"]) for u in updates if "callback_query" in u] + [
        str(u["inline_query"]["id"]) for u in updates if "inline_query" in u
    ]
    lost_keys = sum(1 for k in keys if per_key[k] == 0)
    twice_keys = sum(1 for k in keys if per_key[k] > 1)
    mix = ", ".join(f"{k} {n:,}" for k, n in kinds.most_common())
    faults = ", ".join(f"{k} {n}" for k, n in sorted(record["injected"].items()))
    print(f"{len(updates):,} updates from {args.users:,} users ({mix})")
    print(f"answered in {elapsed:.0f} s ({len(updates) / elapsed:.0f} updates/s)")
    print(f"faults injected: {sum(record['injected'].values()):,} ({faults})")
    print(
        f"lost: {lost_messages + lost_keys}, answered twice: {twice_messages + twice_keys}, errors logged: {errors.count}"
    )
    print(
        f"resident memory: {memory_start:.0f} MB before the first update, {memory_warm or 0:.0f} MB after "
        f"the first tenth, {memory_end:.0f} MB at the end; SQLite integrity: {'ok' if integrity else 'FAILED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--fault-rate", type=float, default=0.01)
    parser.add_argument("--timeout", type=float, default=1800)
    asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
