"""The aiohttp transport fails the way the retry logic expects: a Telegram answer that never
comes is a timeout (the message may have arrived, so it is not sent again), an unreachable
server is a network error (safe to retry), and neither error carries the token."""

from __future__ import annotations

import asyncio
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


async def _send(port: int, read_timeout: float) -> None:
    """Send a message through the transport, as the bot does (without its getMe first)."""
    request = AiohttpRequest(pool_size=2, read_timeout=read_timeout)
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    async with request:
        await bot.send_message(1, "Hallo")


async def test_an_answer_that_never_comes_is_a_timeout(silent_server: int) -> None:
    with pytest.raises(TimedOut):
        await _send(silent_server, read_timeout=0.3)


async def test_an_unreachable_server_is_a_network_error_without_the_token() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(NetworkError) as raised:
        await _send(port, read_timeout=1)
    assert not isinstance(raised.value, TimedOut)
    assert TOKEN not in str(raised.value)
    assert TOKEN.split(":")[1] not in str(raised.value)
