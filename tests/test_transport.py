"""The aiohttp transport fails the way the retry logic expects: a Telegram answer that never
comes is a timeout (the message may have arrived, so it is not sent again), an unreachable
server is a network error (safe to retry), and neither error carries the token."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.transport import AiohttpRequest

from .fake_telegram import TOKEN


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and reads requests, but never answers."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


async def _send(base_url: str, read_timeout: float = 5) -> str | None:
    """Send a message through the transport, as the bot does (without its getMe first)."""
    request = AiohttpRequest(pool_size=1, read_timeout=read_timeout)
    async with request:
        sent = await Bot(TOKEN, base_url=base_url, request=request).send_message(1, "Hallo")
    return sent.text


async def test_an_answer_that_never_comes_is_a_timeout(silent_server: int) -> None:
    with pytest.raises(TimedOut):
        await _send(f"http://127.0.0.1:{silent_server}/bot", read_timeout=0.3)


async def test_an_unreachable_server_is_a_network_error_without_the_token() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(NetworkError) as raised:
        await _send(f"http://127.0.0.1:{port}/bot", read_timeout=1)
    assert not isinstance(raised.value, TimedOut)
    assert TOKEN not in str(raised.value)
    assert TOKEN.split(":")[1] not in str(raised.value)


@pytest.fixture
async def telegram_stub() -> AsyncIterator[tuple[int, list[bytes]]]:
    """A Bot API (or proxy) answering every request with a sent message; keeps request lines."""
    seen: list[bytes] = []
    reply = json.dumps(
        {
            "ok": True,
            "result": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "Hallo",
            },
        }
    ).encode()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.readline())  # e.g. b"POST http://telegram.example/... HTTP/1.1"
        while (await reader.readline()).strip():
            pass
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(reply)}\r\nConnection: close\r\n\r\n".encode()
            + reply
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1], seen
    server.close()


async def test_requests_go_through_the_proxy_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, telegram_stub: tuple[int, list[bytes]]
) -> None:
    """City networks often allow the internet only through a proxy (HTTPS_PROXY/HTTP_PROXY)."""
    port, seen = telegram_stub
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert await _send("http://telegram.example/bot") == "Hallo"
    assert seen and seen[0].startswith(b"POST http://telegram.example/bot")


async def test_hosts_in_no_proxy_are_reached_directly(
    monkeypatch: pytest.MonkeyPatch, telegram_stub: tuple[int, list[bytes]]
) -> None:
    """A local Bot API server next to the bot, with the internet proxy still set."""
    port, seen = telegram_stub
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")  # nothing there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for name in ("no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert await _send(f"http://127.0.0.1:{port}/bot") == "Hallo"
    assert seen and seen[0].startswith(b"POST /bot")
