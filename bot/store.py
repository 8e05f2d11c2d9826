"""SQLite storage in KIK_DATA_DIR: what the bot must remember between restarts.

The schema is versioned (PRAGMA user_version) and migrated on start, one numbered step at a
time, so an old database is upgraded in place and never recreated.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

DATABASE_FILE = "kik-bot.sqlite3"

MIGRATIONS: tuple[str, ...] = (
    # 1: the user's language: explicit (/language) or remembered from the first question.
    """
    CREATE TABLE preferences (
        user_id INTEGER PRIMARY KEY,
        language TEXT NOT NULL,
        explicit INTEGER NOT NULL,
        updated TEXT NOT NULL
    );
    """,
)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """A small, thread-safe wrapper over one SQLite database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable on checkpoint, no fsync per write
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    @classmethod
    def in_folder(cls, folder: Path) -> Store:
        return cls(folder / DATABASE_FILE)

    def _migrate(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.executescript(f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- language preferences ----------------------------------------------------------------

    def language(self, user_id: int) -> tuple[str, bool] | None:
        """The user's language and whether they chose it explicitly."""
        with self._lock:
            row = self._db.execute(
                "SELECT language, explicit FROM preferences WHERE user_id = ?", (user_id,)
            ).fetchone()
        return (row[0], bool(row[1])) if row else None

    def set_language(self, user_id: int, language: str, *, explicit: bool) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO preferences (user_id, language, explicit, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET language = excluded.language, "
                "explicit = excluded.explicit, updated = excluded.updated",
                (user_id, language, int(explicit), _now()),
            )

    def remember_first_language(self, user_id: int, language: str) -> None:
        """Keep the language of a user's first question, unless something is stored already."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO preferences (user_id, language, explicit, updated) VALUES (?, ?, 0, ?)",
                (user_id, language, _now()),
            )

    def forget_user(self, user_id: int) -> None:
        """Delete everything stored about one user."""
        with self._lock:
            self._db.execute("DELETE FROM preferences WHERE user_id = ?", (user_id,))
