"""SQLite storage in KIK_DATA_DIR: what the bot must remember between restarts.

The schema is versioned (PRAGMA user_version) and migrated on start, one numbered step at a
time, so an old database is upgraded in place and never recreated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

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
    # 2: what was asked (no text, no user), what could not be answered (text, no user),
    # feedback, the staff audit log, hand-over threads.
    """
    CREATE TABLE asked (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, language TEXT, outcome TEXT NOT NULL, entry TEXT
    );
    CREATE INDEX asked_at ON asked (at);
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, text TEXT NOT NULL, detected TEXT,
        best_guess TEXT, confidence REAL NOT NULL, status TEXT NOT NULL DEFAULT 'open'
    );
    CREATE INDEX unanswered_at ON unanswered (at);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, entry TEXT NOT NULL, language TEXT, useful INTEGER NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, staff_id INTEGER NOT NULL, action TEXT NOT NULL,
        entry TEXT NOT NULL, field TEXT NOT NULL, before TEXT, after TEXT, undone INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE threads (
        id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, chat_id INTEGER NOT NULL, language TEXT NOT NULL,
        question TEXT NOT NULL, best_guess TEXT, staff_message_id INTEGER, status TEXT NOT NULL,
        opened TEXT NOT NULL, closed TEXT, answer TEXT
    );
    CREATE INDEX threads_staff_message ON threads (staff_message_id);
    """,
    # 3: the inbox: updates fetched from Telegram and not yet handled, kept across a crash.
    """
    CREATE TABLE inbox (update_id INTEGER PRIMARY KEY, body TEXT NOT NULL, at TEXT NOT NULL);
    """,
    # 4: the entry's outdated marks before a change (a JSON list), so /undo restores them.
    """
    ALTER TABLE audit ADD COLUMN outdated_before TEXT;
    """,
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _since(days: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="seconds")


class LanguagePreference(NamedTuple):
    """A user's language, and whether they chose it (/language) or it was their last question's."""

    language: str
    explicit: bool


@dataclass(frozen=True)
class Unanswered:
    id: int
    at: str
    text: str
    detected: str | None
    best_guess: str | None
    confidence: float


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: str
    staff_id: int
    action: str
    entry: str
    field: str
    before: str | None
    after: str | None
    # The entry's outdated marks before the change; None where not recorded (before schema 4).
    outdated_before: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Thread:
    id: int
    user_id: int
    chat_id: int
    language: str
    question: str
    best_guess: str | None
    staff_message_id: int | None
    status: str


def _columns(record: type[Any]) -> str:
    """The columns a record is read from: its fields, in order (one list for every query)."""
    return ", ".join(field.name for field in fields(record))


_UNANSWERED = _columns(Unanswered)
_AUDIT = _columns(AuditRecord)
_THREAD = _columns(Thread)


def _audit_record(row: tuple[Any, ...]) -> AuditRecord:
    values = dict(zip((field.name for field in fields(AuditRecord)), row, strict=True))
    marks = values.pop("outdated_before")  # a JSON list
    return AuditRecord(
        **values, outdated_before=None if marks is None else tuple(json.loads(marks))
    )


class Store:
    """A small, thread-safe wrapper over one SQLite database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "PRAGMA synchronous=NORMAL"
        )  # with WAL: durable on checkpoint, no fsync per write
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    @classmethod
    def in_folder(cls, folder: Path) -> Store:
        return cls(folder / DATABASE_FILE)

    def _migrate(self) -> None:
        with self._lock:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                try:
                    self._db.executescript(
                        f"BEGIN; {script} PRAGMA user_version = {number}; COMMIT;"
                    )
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- language preferences ----------------------------------------------------------------

    def language(self, user_id: int) -> LanguagePreference | None:
        """The user's language and whether they chose it explicitly."""
        rows = self._query(
            "SELECT language, explicit FROM preferences WHERE user_id = ?", (user_id,)
        )
        return LanguagePreference(rows[0][0], bool(rows[0][1])) if rows else None

    def set_language(self, user_id: int, language: str, *, explicit: bool) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO preferences (user_id, language, explicit, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET language = excluded.language, "
                "explicit = excluded.explicit, updated = excluded.updated",
                (user_id, language, int(explicit), _now()),
            )

    def forget_user(self, user_id: int) -> None:
        """Delete everything stored about one user: preferences, offers and threads."""
        with self._transaction() as db:
            for table in ("preferences", "threads"):
                db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))

    def rows_about_user(self, user_id: int) -> int:
        """How many rows anywhere carry this user id (for tests and audits of /forget)."""
        with self._lock:
            return sum(
                self._db.execute(
                    f"SELECT COUNT(*) FROM {t} WHERE user_id = ?", (user_id,)
                ).fetchone()[0]
                for t in ("preferences", "threads")
            )

    # -- what people ask ----------------------------------------------------------------------

    def log_question(self, language: str | None, outcome: str, entry: str | None) -> None:
        self._execute(
            "INSERT INTO asked (at, language, outcome, entry) VALUES (?, ?, ?, ?)",
            (_now(), language, outcome, entry),
        )

    def add_unanswered(
        self, text: str, detected: str | None, best_guess: str | None, confidence: float
    ) -> None:
        self._execute(
            "INSERT INTO unanswered (at, text, detected, best_guess, confidence) VALUES (?, ?, ?, ?, ?)",
            (_now(), text, detected, best_guess, confidence),
        )

    def open_unanswered(self, days: float) -> list[Unanswered]:
        rows = self._query(
            f"SELECT {_UNANSWERED} FROM unanswered WHERE status = 'open' AND at >= ? ORDER BY at",
            (_since(days),),
        )
        return [Unanswered(*row) for row in rows]

    def unanswered_by_ids(self, ids: Sequence[int]) -> list[Unanswered]:
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT {_UNANSWERED} FROM unanswered WHERE id IN ({marks})",
            tuple(ids),
        )
        return [Unanswered(*row) for row in rows]

    def close_unanswered(self, ids: Sequence[int], status: str) -> None:
        marks = ",".join("?" * len(ids))
        self._execute(f"UPDATE unanswered SET status = ? WHERE id IN ({marks})", (status, *ids))

    def add_feedback(self, entry: str, language: str | None, useful: bool) -> None:
        self._execute(
            "INSERT INTO feedback (at, entry, language, useful) VALUES (?, ?, ?, ?)",
            (_now(), entry, language, int(useful)),
        )

    def asked_since(self, days: float) -> list[tuple[str, str | None, str, str | None]]:
        """(day, language, outcome, entry) of every question in the period."""
        return [
            tuple(r)
            for r in self._query(
                "SELECT substr(at, 1, 10), language, outcome, entry FROM asked WHERE at >= ? ORDER BY at",
                (_since(days),),
            )
        ]

    def feedback_since(self, days: float) -> list[tuple[str, int, int]]:
        """(entry, useful, not useful) per entry in the period."""
        return [
            tuple(r)
            for r in self._query(
                "SELECT entry, SUM(useful), SUM(1 - useful) FROM feedback WHERE at >= ? GROUP BY entry ORDER BY entry",
                (_since(days),),
            )
        ]

    # -- staff audit --------------------------------------------------------------------------

    def audit(
        self,
        staff_id: int,
        action: str,
        entry: str,
        field: str,
        before: str | None,
        after: str | None,
        outdated_before: Sequence[str] | None = None,
    ) -> int:
        marks = None if outdated_before is None else json.dumps(list(outdated_before))
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO audit (at, staff_id, action, entry, field, before, after, outdated_before) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), staff_id, action, entry, field, before, after, marks),
            )
            return int(cursor.lastrowid or 0)

    def last_change(self, staff_id: int) -> AuditRecord | None:
        rows = self._query(
            f"SELECT {_AUDIT} FROM audit "
            "WHERE staff_id = ? AND undone = 0 AND action != 'undo' ORDER BY id DESC LIMIT 1",
            (staff_id,),
        )
        return _audit_record(rows[0]) if rows else None

    def mark_undone(self, audit_id: int) -> None:
        self._execute("UPDATE audit SET undone = 1 WHERE id = ?", (audit_id,))

    def audit_log(self, limit: int = 50) -> list[AuditRecord]:
        rows = self._query(
            f"SELECT {_AUDIT} FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [_audit_record(row) for row in rows]

    # -- hand-over ----------------------------------------------------------------------------

    def open_thread(
        self, user_id: int, chat_id: int, language: str, question: str, best_guess: str | None
    ) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO threads (user_id, chat_id, language, question, best_guess, status, opened) "
                "VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (user_id, chat_id, language, question, best_guess, _now()),
            )
            return int(cursor.lastrowid or 0)

    def attach_staff_message(self, thread_id: int, message_id: int) -> None:
        self._execute(
            "UPDATE threads SET staff_message_id = ? WHERE id = ?", (message_id, thread_id)
        )

    def thread_for_staff_message(self, message_id: int) -> Thread | None:
        rows = self._query(
            f"SELECT {_THREAD} FROM threads WHERE staff_message_id = ?", (message_id,)
        )
        return Thread(*rows[0]) if rows else None

    def thread(self, thread_id: int) -> Thread | None:
        rows = self._query(
            f"SELECT {_THREAD} FROM threads WHERE id = ?",
            (thread_id,),
        )
        return Thread(*rows[0]) if rows else None

    def close_thread(self, thread_id: int, status: str, answer: str | None = None) -> None:
        self._execute(
            "UPDATE threads SET status = ?, closed = ?, answer = ? WHERE id = ?",
            (status, _now(), answer, thread_id),
        )

    def thread_answer(self, thread_id: int) -> str | None:
        rows = self._query("SELECT answer FROM threads WHERE id = ?", (thread_id,))
        return rows[0][0] if rows else None

    # -- updates ------------------------------------------------------------------------------

    def enqueue(self, updates: Sequence[tuple[int, str]]) -> None:
        """Keep fetched updates (id, JSON) until handled; one transaction per batch."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, body, at) VALUES (?, ?, ?)",
                [(update_id, body, _now()) for update_id, body in updates],
            )

    def dequeue(self, update_id: int) -> None:
        self._execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    def inbox(self) -> list[tuple[int, str]]:
        """Updates fetched before a crash and not handled yet, oldest first."""
        rows = self._query("SELECT update_id, body FROM inbox ORDER BY update_id", ())
        return [(int(row[0]), str(row[1])) for row in rows]

    # -- retention ----------------------------------------------------------------------------

    def purge(self, retention_days: float, thread_timeout_days: float) -> dict[str, int]:
        """Delete what is older than the retention period; close threads nobody answered."""
        cutoff = _since(retention_days)
        removed: dict[str, int] = {}
        with self._transaction() as db:
            db.execute(
                "UPDATE threads SET status = 'timeout', closed = ? WHERE status = 'open' AND opened < ?",
                (_now(), _since(thread_timeout_days)),
            )
            for table, column in (
                ("asked", "at"),
                ("unanswered", "at"),
                ("feedback", "at"),
                ("threads", "opened"),
            ):
                cursor = db.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,))
                removed[table] = cursor.rowcount
        return removed

    def integrity_ok(self) -> bool:
        return bool(self._query("PRAGMA integrity_check", ())[0][0] == "ok")

    # -- helpers ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Statements as one transaction, under the lock: committed at the end, rolled back on
        any error, so that a failed statement never leaves the shared connection inside an open
        transaction (where every later write would wait for a COMMIT that never comes)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(sql, params)

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())


class BackupError(Exception):
    """The backup could not be made; the message says why (nothing was written)."""


def backup_database(source: Path, target: Path) -> int:
    """A consistent copy of the database, also while the bot writes to it (SQLite's online
    backup API), as one self-contained file written beside the target and renamed into place.
    Returns the number of pages copied."""
    if not source.is_file():
        raise BackupError(f"no database at {source} (is KIK_DATA_DIR right?)")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; name the backup file")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=30)) as origin,
            contextlib.closing(sqlite3.connect(temporary)) as copy,
        ):
            origin.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the copy
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("the copy failed SQLite's integrity check")
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except sqlite3.Error as error:
        raise BackupError(f"cannot back up {source}: {error}") from None
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return pages
