"""The SQLite store: a failed transaction leaves nothing behind, and records have names."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.store import DATABASE_FILE, LanguagePreference, Store


def test_a_failed_statement_rolls_its_transaction_back_and_the_next_write_commits(
    tmp_path: Path,
) -> None:
    store = Store.in_folder(tmp_path)
    with pytest.raises(sqlite3.Error):  # the second update's body cannot be stored
        store.enqueue([(1, "{}"), (2, ["not", "text"])])  # type: ignore[list-item]
    assert store.inbox() == []  # nothing of the failed batch, not even its first row
    store.set_language(7, "uk", explicit=True)
    with contextlib.closing(sqlite3.connect(tmp_path / DATABASE_FILE)) as other:
        rows = other.execute("SELECT language FROM preferences WHERE user_id = 7").fetchall()
    assert rows == [("uk",)]  # committed: another connection sees it
    store.enqueue([(3, "{}")])  # and the next transaction begins
    assert store.inbox() == [(3, "{}")]


def test_the_language_preference_is_a_named_record(tmp_path: Path) -> None:
    store = Store.in_folder(tmp_path)
    assert store.language(7) is None
    store.set_language(7, "fa", explicit=False)
    stored = store.language(7)
    assert stored == LanguagePreference(language="fa", explicit=False)
    assert stored is not None and stored.language == "fa" and stored.explicit is False
