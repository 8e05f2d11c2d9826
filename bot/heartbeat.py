"""The heartbeat file a running bot touches, so a health check can see it is alive.

Kept free of heavy imports: `kik-bot health` reads it without loading Telegram or the knowledge.
The container's HEALTHCHECK does the same comparison in the shell (see Dockerfile).
"""

from __future__ import annotations

import time
from pathlib import Path

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_SECONDS = 30.0
MAX_AGE_SECONDS = 4 * HEARTBEAT_SECONDS  # four missed beats: unhealthy


def beat(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / HEARTBEAT_FILE).write_text(str(time.time()), encoding="utf-8")


def heartbeat_age(folder: Path) -> float | None:
    """Seconds since the last beat; None if there was none."""
    try:
        return time.time() - float((folder / HEARTBEAT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
