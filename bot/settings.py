"""Configuration from the environment (and an optional `.env` file) and the command line's
webhook options, read once and validated.

Everything else receives a frozen Settings object; nothing else reads os.environ, and nothing
writes it. README.md lists every variable read here (tests/test_cli.py checks it).
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,60}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


class Secret(str):
    """A string that does not show itself in logs, tracebacks or reprs."""

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    @property
    def value(self) -> str:
        return str.__str__(self)


def _default_dir(name: str) -> Path:
    candidate = PROJECT_ROOT / name
    return candidate if candidate.is_dir() else Path.cwd() / name


@dataclass(frozen=True)
class Settings:
    token: Secret | None = None
    base_url: str = DEFAULT_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    data_dir: Path = field(default_factory=lambda: Path.cwd() / "data")
    knowledge_dir: Path = field(default_factory=lambda: _default_dir("knowledge"))
    locales_dir: Path = field(default_factory=lambda: _default_dir("locales"))
    retention_days: int = 90
    webhook_secret: Secret | None = None  # KIK_WEBHOOK_SECRET; `run --secret` overrides it
    # `run --webhook`: where Telegram delivers updates (with_webhook); None: long polling.
    webhook: Webhook | None = None
    log_level: str | None = None  # None: INFO while the bot runs, WARNING for other commands
    # Containers: the knowledge the image ships (read-only); knowledge_dir is seeded from it.
    shipped_knowledge_dir: Path | None = None

    @property
    def classifier_dir(self) -> Path:
        """Where trained classifiers are kept between runs (bot.classifier_cache)."""
        return self.data_dir / "classifiers"

    def is_staff(self, user_id: int | None) -> bool:
        """Staff are recognised by numeric user id only, never by username."""
        return user_id is not None and user_id in self.admin_ids

    def with_webhook(
        self,
        *,
        url: str | None,
        secret: str | None,
        listen: str = "0.0.0.0",
        port: int = 8080,
    ) -> Settings:
        """These settings with updates by webhook: the options of `run --webhook`, checked
        before anything starts (Webhook.configure)."""
        webhook = Webhook.configure(self, url=url, secret=secret, listen=listen, port=port)
        return dataclasses.replace(self, webhook=webhook)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, require_token: bool = False
    ) -> Settings:
        if env is None:
            from dotenv import dotenv_values

            env = {
                **{k: v for k, v in dotenv_values(".env").items() if v is not None},
                **os.environ,
            }
        env = dict(env)
        raw_token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if require_token and not raw_token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)")
        if raw_token and not _TOKEN.match(raw_token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed (expected digits:letters from @BotFather)"
            )
        try:
            admins = frozenset(
                int(x) for x in re.split(r"[,\s]+", env.get("KIK_ADMIN_IDS", "").strip()) if x
            )
        except ValueError:
            raise SettingsError(
                "KIK_ADMIN_IDS must be numeric Telegram user ids, separated by commas"
            ) from None
        staff_chat = env.get("KIK_STAFF_CHAT_ID", "").strip()
        if staff_chat and not re.fullmatch(r"-?\d+", staff_chat):
            raise SettingsError(
                "KIK_STAFF_CHAT_ID must be a numeric chat id (groups start with -100)"
            )
        retention = env.get("KIK_RETENTION_DAYS", "").strip() or "90"
        if not retention.isdigit() or int(retention) < 1:
            raise SettingsError("KIK_RETENTION_DAYS must be a whole number of days (1 or more)")
        secret = env.get("KIK_WEBHOOK_SECRET", "").strip()
        if secret and not _WEBHOOK_SECRET.match(secret):
            raise SettingsError(
                "KIK_WEBHOOK_SECRET may only contain letters, digits, '_' and '-' (1-256)"
            )
        log_level = env.get("KIK_LOG_LEVEL", "").strip().upper() or None
        if log_level is not None and log_level not in LOG_LEVELS:
            raise SettingsError(f"KIK_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        shipped = env.get("KIK_SHIPPED_KNOWLEDGE_DIR", "").strip()
        defaults = cls()
        return cls(
            token=Secret(raw_token) if raw_token else None,
            base_url=env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL,
            admin_ids=admins,
            staff_chat_id=int(staff_chat) if staff_chat else None,
            data_dir=Path(env["KIK_DATA_DIR"]) if env.get("KIK_DATA_DIR") else defaults.data_dir,
            knowledge_dir=Path(env["KIK_KNOWLEDGE_DIR"])
            if env.get("KIK_KNOWLEDGE_DIR")
            else defaults.knowledge_dir,
            locales_dir=Path(env["KIK_LOCALES_DIR"])
            if env.get("KIK_LOCALES_DIR")
            else defaults.locales_dir,
            retention_days=int(retention),
            webhook_secret=Secret(secret) if secret else None,
            log_level=log_level,
            shipped_knowledge_dir=Path(shipped) if shipped else None,
        )


@dataclass(frozen=True)
class Webhook:
    """Where Telegram delivers updates (`run --webhook`), checked before anything starts."""

    url: str
    secret: Secret
    listen: str = "0.0.0.0"
    port: int = 8080

    @classmethod
    def configure(
        cls,
        settings: Settings,
        *,
        url: str | None,
        secret: str | None,
        listen: str = "0.0.0.0",
        port: int = 8080,
    ) -> Webhook:
        """No public https URL or no secret: no webhook (anyone reaching the port could forge
        updates "from" a staff member). The secret is --secret, else KIK_WEBHOOK_SECRET."""
        if not url:
            raise SettingsError(
                "--url is required with --webhook (the public https:// address of the bot)"
            )
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise SettingsError(
                "--url must be an https:// address (Telegram delivers webhooks over TLS only)"
            )
        if secret is not None and not _WEBHOOK_SECRET.match(secret):
            raise SettingsError("--secret may only contain letters, digits, '_' and '-' (1-256)")
        chosen = Secret(secret) if secret else settings.webhook_secret
        if chosen is None:
            raise SettingsError(
                "a webhook needs a secret: set KIK_WEBHOOK_SECRET (or --secret), "
                "for example to the output of `openssl rand -hex 32`"
            )
        if not 0 < port < 65536:
            raise SettingsError("--port must be between 1 and 65535")
        return cls(url.rstrip("/"), chosen, listen, port)
