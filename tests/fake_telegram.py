"""A small fake Telegram Bot API on 127.0.0.1 for end-to-end tests.

The real python-telegram-bot Application talks HTTP to it (TELEGRAM_BASE_URL), so what the
tests read here is what Telegram would receive. It serves queued updates through getUpdates,
records every call with its decoded parameters, and injects faults on demand: HTTP 429 with
retry_after, 500, answers slower than the client's timeout, dropped connections; and, with
`second_poller`, the 409 Conflict Telegram answers getUpdates with while another bot polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

BOT_USERNAME = "kik_test_bot"
BOT_ID = 4242
TOKEN = "123456:" + "A" * 35


CONFLICT = {
    "ok": False,
    "error_code": 409,
    "description": "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    ok: bool = True  # False when a fault was injected instead of an answer

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0
    drop: bool = False
    then_succeed: bool = False  # with delay: answer normally after the delay


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # the default backlog of 5 resets connections under load
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that goes away (a killed bot, a dropped connection) is not an error here."""


class FakeTelegram:
    """Start with `with FakeTelegram() as api:`; point the bot at `api.base_url`."""

    def __init__(self, port: int = 0, fault_rate: float = 0.0, seed: int = 0) -> None:
        self.calls: list[Call] = []
        self.fault_rate = fault_rate
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.faults: dict[str, list[Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._chats: dict[int, int | None] = {}
        self._message_ids = itertools.count(1000)
        self._condition = threading.Condition()
        self.confirmed_offset = 0
        self.last_pushed = 0
        self.in_flight = 0  # requests other than getUpdates being answered now
        self.polls = 0  # getUpdates requests received
        self.second_poller = False  # True: another bot polls this token (409 Conflict)
        self.delivered: dict[int, float] = {}  # update_id -> when getUpdates first handed it out
        self._server = _Server(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # -- what tests do -------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> int:
        with self._condition:
            update = {"update_id": next(self._update_ids), **update}
            body = update.get("message") or update.get("callback_query", {}).get("message") or {}
            self._chats[update["update_id"]] = body.get("chat", {}).get("id")
            self._updates.append(update)
            self.last_pushed = int(update["update_id"])
            self._condition.notify_all()
            return int(update["update_id"])

    def inject(self, method: str, *faults: Fault) -> None:
        with self._condition:
            self.faults.setdefault(method, []).extend(faults)

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        with self._condition:
            return [
                c
                for c in self.calls
                if (method is None or c.method == method)
                and (chat_id is None or c.chat_id == chat_id)
            ]

    @property
    def quiet(self) -> bool:
        """Every update pushed was fetched and confirmed, and no request is being answered."""
        with self._condition:
            return self.confirmed_offset > self.last_pushed and self.in_flight == 0

    async def settled(self, inbox_empty: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until the bot has nothing left to do: `quiet` and its inbox empty (the bot's
        store says), twice in a row, a poll apart."""
        deadline = time.monotonic() + timeout
        calm = 0
        while time.monotonic() < deadline:
            calm = calm + 1 if self.quiet and inbox_empty() else 0
            if calm >= 2:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot was still busy after {timeout} s")

    async def wait_for(
        self, method: str, count: int = 1, chat_id: int | None = None, timeout: float = 15.0
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.sent(method, chat_id)
            if len(calls) >= count:
                return calls
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"expected {count} {method} call(s), got {len(self.sent(method, chat_id))}: {[c.method for c in self.calls]}"
        )

    # -- the Bot API ---------------------------------------------------------------------

    def _random_fault(self, method: str) -> Fault:
        """The faults of a bad day at Telegram, at random (getUpdates: server errors only)."""
        if method == "getUpdates":
            return Fault(status=502)
        return self._random.choice(
            [
                Fault(status=429, retry_after=1),
                Fault(status=500),
                Fault(status=502),
                Fault(drop=True),
                Fault(
                    delay=21.0, then_succeed=True
                ),  # past the bot's 20 s read timeout, then delivered
            ]
        )

    @staticmethod
    def _describe(fault: Fault) -> str:
        if fault.drop:
            return "dropped connection"
        if fault.then_succeed:
            return "stall past the timeout"
        return f"HTTP {fault.status}"

    def _respond(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "KIK",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("sendMessage", "sendContact", "editMessageText"):
            chat_id = int(params.get("chat_id", 0))
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "KIK",
                    "username": BOT_USERNAME,
                },
            }
            if "text" in params:
                message["text"] = str(params["text"])
            if method == "sendContact":
                message["contact"] = {
                    "phone_number": params.get("phone_number"),
                    "first_name": params.get("first_name"),
                }
            return message
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.3)
        with self._condition:
            if offset:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait:
                self._condition.wait(wait)
            batch = list(self._updates[: int(params.get("limit") or 100)])
            now = time.monotonic()
            for update in batch:
                self.delivered.setdefault(update["update_id"], now)
            return batch

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait ~40 ms for delayed ACKs

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/_control/calls":
                    with api._condition:
                        calls = [
                            {
                                "method": c.method,
                                "chat_id": c.chat_id,
                                "at": c.at,
                                "ok": c.ok,
                                "text": c.text,
                                "key": c.params.get("callback_query_id")
                                or c.params.get("inline_query_id"),
                            }
                            for c in api.calls
                        ]
                        delivered = {str(k): v for k, v in api.delivered.items()}
                        chats = {str(k): v for k, v in api._chats.items()}
                    self._send(
                        200,
                        {
                            "calls": calls,
                            "delivered": delivered,
                            "chats": chats,
                            "injected": dict(api.injected),
                        },
                    )
                elif self.path.startswith("/_control/ok/"):
                    method = self.path.rsplit("/", 1)[-1]
                    self._send(200, {"count": sum(1 for c in api.sent(method) if c.ok)})
                elif self.path.startswith("/_control/count/"):
                    self._send(200, {"count": len(api.sent(self.path.rsplit("/", 1)[-1]))})
                else:
                    self._send(404, {"ok": False})

            def do_POST(self) -> None:
                busy = not self.path.endswith("/getUpdates")
                if busy:
                    with api._condition:
                        api.in_flight += 1
                try:
                    self._post()
                finally:
                    if busy:
                        with api._condition:
                            api.in_flight -= 1

            def _post(self) -> None:
                if self.path == "/_control/push":
                    length = int(self.headers.get("Content-Length") or 0)
                    for update in json.loads(self.rfile.read(length)):
                        api.push(update)
                    self._send(200, {"ok": True})
                    return
                method = self.path.rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                if not self.path.startswith(f"/bot{TOKEN}/"):  # as Telegram: 401 for a bad token
                    self._send(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    params = json.loads(body or "{}")
                else:
                    params = {
                        k: _decode(v[0]) for k, v in parse_qs(body, keep_blank_values=True).items()
                    }
                fault = None
                call = Call(method, params)
                if method == "getUpdates":
                    with api._condition:
                        api.polls += 1
                    if api.second_poller:
                        self._send(409, CONFLICT)
                        return
                with api._condition:
                    if method != "getUpdates":
                        api.calls.append(call)
                    if api.faults.get(method):
                        fault = api.faults[method].pop(0)
                    elif api.fault_rate and api._random.random() < api.fault_rate:
                        fault = api._random_fault(method)
                    if fault is not None:
                        call.ok = fault.then_succeed
                        api.injected[api._describe(fault)] += 1
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault is not None and not fault.then_succeed:
                    payload: dict[str, Any] = {
                        "ok": False,
                        "error_code": fault.status,
                        "description": "injected fault",
                    }
                    if fault.retry_after is not None:
                        payload["parameters"] = {"retry_after": fault.retry_after}
                    self._send(fault.status, payload)
                    return
                self._send(200, {"ok": True, "result": api._respond(method, params)})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        return Handler


@contextlib.asynccontextmanager
async def in_own_process(
    fault_rate: float = 0.0, seed: int = 0
) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The fake in a process of its own (benchmarks: it must not share the bot's CPU and GIL).
    Yields its Bot API base URL and a client for its /_control/ endpoints, once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    code = f"from tests.fake_telegram import serve; serve({port}, {fault_rate}, {seed})"
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-c", code], cwd=root)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}/_control", timeout=120
        ) as control:
            for _ in range(200):
                try:
                    await control.get("/count/sendMessage")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            yield f"http://127.0.0.1:{port}/bot", control
    finally:
        process.terminate()
        process.wait()


def serve(port: int, fault_rate: float = 0.0, seed: int = 0) -> None:
    """Run the fake in its own process (benchmarks), controlled over /_control/*."""
    with FakeTelegram(port, fault_rate, seed):
        threading.Event().wait()


# -- update factories ----------------------------------------------------------------------

_message_ids = itertools.count(1)


def user(
    user_id: int, language_code: str | None = "de", username: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if language_code:
        data["language_code"] = language_code
    if username:
        data["username"] = username
    return data


def message(
    user_id: int,
    text: str | None = None,
    *,
    chat_id: int | None = None,
    chat_type: str = "private",
    language_code: str | None = "de",
    **extra: Any,
) -> dict[str, Any]:
    chat_id = chat_id if chat_id is not None else user_id
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {
            "id": chat_id,
            "type": chat_type,
            **({"title": "Group"} if chat_type != "private" else {}),
        },
        "from": user(user_id, language_code),
    }
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        elif "@" + BOT_USERNAME in text:
            at = text.index("@" + BOT_USERNAME)
            body["entities"] = [{"type": "mention", "offset": at, "length": len(BOT_USERNAME) + 1}]
    body.update(extra)
    return {"message": body}


def forwarded(user_id: int, text: str, language_code: str = "de") -> dict[str, Any]:
    update = message(user_id, text, language_code=language_code)
    update["message"]["forward_origin"] = {
        "type": "hidden_user",
        "sender_user_name": "Client",
        "date": int(time.time()),
    }
    return update


def button(
    user_id: int,
    data: str,
    *,
    message_id: int = 1000,
    language_code: str = "de",
    chat_id: int | None = None,
) -> dict[str, Any]:
    chat = (
        {"id": user_id, "type": "private"}
        if chat_id is None
        else {"id": chat_id, "type": "supergroup", "title": "G"}
    )
    return {
        "callback_query": {
            "id": str(next(_message_ids)),
            "from": user(user_id, language_code),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "KIK",
                    "username": BOT_USERNAME,
                },
                "text": "menu",
            },
        }
    }


def inline(user_id: int, query: str, language_code: str = "de") -> dict[str, Any]:
    return {
        "inline_query": {
            "id": str(next(_message_ids)),
            "from": user(user_id, language_code),
            "query": query,
            "offset": "",
        }
    }
