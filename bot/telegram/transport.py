"""HTTP to the Bot API over aiohttp, python-telegram-bot's documented way to swap its networking.

python-telegram-bot's default transport (httpx) spends most of a request in its connection
pool: every request and every response checks each pooled connection for expiry, and with
16 updates in flight that bookkeeping costs more than the rest of a minimal bot. Measured here
(`python bench/bench_telegram.py`): an echo bot does ~750 updates/s on httpx, ~2,900/s on this
transport. Requests go as JSON bodies (the Bot API accepts them, and it saves URL-encoding long
answers); the bot uploads no files. Errors map to the same exceptions as the default transport:
a timeout is `TimedOut` (the request may have arrived: callers must not blindly retry it), any
other failure `NetworkError`; HTTP statuses are turned into errors by python-telegram-bot.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool; timeouts in seconds (None: none)."""

    def __init__(
        self,
        *,
        pool_size: int,
        read_timeout: float | None,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = None,  # waiting for a free connection: not sent yet
    ) -> None:
        self.pool_size = pool_size
        self._read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # scheme://host -> proxy URL

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        connect = _given(connect_timeout, self.connect_timeout)
        pool = _given(pool_timeout, self.pool_timeout)
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` covers waiting for a pooled connection and connecting.
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_given(read_timeout, self._read_timeout),
        )
        body: bytes | None = None
        headers = None
        if request_data is not None and request_data.contains_files:
            raise NotImplementedError("the bot sends no files; add multipart here when it does")
        if request_data is not None and request_data.parameters:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
            headers = JSON
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # before ClientError: some timeouts are both
            raise TimedOut from error
        except aiohttp.ClientError as error:
            detail = str(error).replace(url, "<Bot API URL>")  # the URL holds the token
            raise NetworkError(f"aiohttp.{type(error).__name__}: {detail}") from error

    def _proxy(self, url: str) -> str | None:
        """The proxy from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (city networks often require one),
        looked up once per host: aiohttp's own trust_env reads them on every request, which
        cost a quarter of the bot's throughput."""
        parts = urllib.parse.urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            bypass = proxy and urllib.request.proxy_bypass(parts.hostname or "")
            self._proxies[key] = None if bypass else proxy
        return self._proxies[key]


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def bot_requests(concurrency: int, read_timeout: float) -> tuple[AiohttpRequest, AiohttpRequest]:
    """The two transports an Application needs: one for Bot API calls (a connection per update
    in flight, and a few for answers to buttons), one for getUpdates (one poll at a time)."""
    return (
        AiohttpRequest(pool_size=concurrency + 4, read_timeout=read_timeout),
        AiohttpRequest(pool_size=1, read_timeout=read_timeout),
    )
