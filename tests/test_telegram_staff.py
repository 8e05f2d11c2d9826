"""End to end: city staff keep answers current, learn from questions and take over — and
nobody else can."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.core.matcher import Matcher
from bot.store import Store

from .conftest import STAFF_CHAT, STAFF_ID, STAFF_ID_2, RunningBot
from .fake_telegram import BOT_ID, BOT_USERNAME, button, message

NONSENSE = "zzqx blorf wumpel"


def _buttons(call, text: str) -> str:  # type: ignore[no-untyped-def]
    return next(b["callback_data"] for b in call.buttons if text in b["text"])


async def _say(bot: RunningBot, user: int, text: str, count: int) -> list:  # type: ignore[type-arg]
    bot.api.push(message(user, text))
    return await bot.api.wait_for("sendMessage", count, chat_id=user)


async def test_edit_shows_preview_saves_and_goes_live(telegram: RunningBot) -> None:
    calls = await _say(telegram, STAFF_ID, "/edit hours de", 1)
    assert "Öffnungszeiten der Stadt Kempten" in calls[0].text
    calls = await _say(telegram, STAFF_ID, "Neu: Wir haben so geöffnet:\n{schedule:office}", 3)
    preview = calls[2]
    assert (
        "Montag: 08:00 – 12:00 und 14:30 – 17:30" in preview.text
    )  # placeholders filled, as users see it
    telegram.api.push(button(STAFF_ID, _buttons(preview, "Save")))
    calls = await telegram.api.wait_for("sendMessage", 4, chat_id=STAFF_ID)
    assert "live" in calls[3].text
    (user_reply,) = await _say(telegram, 61, "Wann habt ihr offen?", 1)
    assert user_reply.text.startswith("Neu: Wir haben so geöffnet:")
    on_disk = (telegram.services.settings.knowledge_dir / "office.yaml").read_text(
        encoding="utf-8"
    )
    assert "Neu: Wir haben so geöffnet:" in on_disk
    assert "# The integration office" in on_disk  # staff comments kept
    record = telegram.services.store.audit_log(1)[0]
    assert (record.staff_id, record.entry, record.field) == (STAFF_ID, "hours", "answers.de")
    assert (
        record.before is not None
        and record.before.startswith("Das sind die allgemeinen Öffnungszeiten")
        and record.after.startswith("Neu")
    )
    calls = await _say(telegram, STAFF_ID, "/outdated", 5)
    assert "hours" in calls[4].text and "tr" in calls[4].text


async def test_addq_makes_a_new_way_of_asking_work_and_undo_reverts_it(
    telegram: RunningBot,
) -> None:
    (before,) = await _say(telegram, 62, NONSENSE, 1)
    assert "integration@kempten.de" in before.text and "Montag" not in before.text
    calls = await _say(telegram, STAFF_ID, f"/addq hours de {NONSENSE}", 1)
    assert "Added" in calls[0].text
    replies = await _say(telegram, 62, NONSENSE, 2)
    assert "Montag" in replies[1].text
    calls = await _say(telegram, STAFF_ID, "/undo", 2)
    assert "Undone" in calls[1].text
    replies = await _say(telegram, 62, NONSENSE, 3)
    assert "Montag" not in replies[2].text


async def test_people_are_answered_while_a_staff_edit_is_put_live(
    telegram: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilding, finish = threading.Event(), threading.Event()
    warm = Matcher.warm

    def slow_warm(self: Matcher, *args: Any, **kwargs: Any) -> None:
        rebuilding.set()
        finish.wait(10)  # a large knowledge's rebuild
        warm(self, *args, **kwargs)

    monkeypatch.setattr(Matcher, "warm", slow_warm)
    telegram.api.push(message(STAFF_ID, f"/addq hours de {NONSENSE}"))
    assert await asyncio.to_thread(rebuilding.wait, 10)
    (reply,) = await _say(telegram, 66, "Wann habt ihr offen?", 1)
    assert "Montag" in reply.text
    assert not telegram.api.sent("sendMessage", chat_id=STAFF_ID)  # still rebuilding
    finish.set()
    (done,) = await telegram.api.wait_for("sendMessage", 1, chat_id=STAFF_ID)
    assert "Added" in done.text
    replies = await _say(telegram, 66, NONSENSE, 2)
    assert "Montag" in replies[1].text


async def test_new_entry_dialogue(telegram: RunningBot) -> None:
    await _say(telegram, STAFF_ID, "/new", 1)
    await _say(telegram, STAFF_ID, "stadtbibliothek", 2)
    await _say(
        telegram,
        STAFF_ID,
        "Die Stadtbibliothek hilft beim Lesenlernen. Kontakt: {email:integration}",
        3,
    )
    calls = await _say(
        telegram, STAFF_ID, "Wo ist die Stadtbibliothek?\nBücher ausleihen Bibliothek", 4
    )
    fields = calls[3]
    waiting = (await _say(telegram, STAFF_ID, "Sprache und Bildung", 5))[4]
    assert "choose the field with one of the buttons" in waiting.text  # not silently ignored
    telegram.api.push(button(STAFF_ID, _buttons(fields, "Sprache und Bildung")))
    calls = await telegram.api.wait_for("sendMessage", 6, chat_id=STAFF_ID)
    assert "Created" in calls[5].text
    (reply,) = await _say(telegram, 63, "Wo kann ich Bücher in der Bibliothek ausleihen?", 1)
    assert "Stadtbibliothek hilft" in reply.text and "integration@kempten.de" in reply.text
    entry = telegram.services.answerer.knowledge.entries["stadtbibliothek"]
    assert entry.field == "field-language-education" and "tr" in entry.outdated


async def test_cancel_ends_the_dialogue_and_outdates_its_buttons(telegram: RunningBot) -> None:
    await _say(telegram, STAFF_ID, "/edit hours de", 1)
    preview = (await _say(telegram, STAFF_ID, "Entwurf {tel:hecht}", 3))[2]
    assert "Cancelled" in (await _say(telegram, STAFF_ID, "/cancel", 4))[3].text
    question = (await _say(telegram, STAFF_ID, "Wann habt ihr offen?", 5))[4]
    assert "Montag" in question.text  # an ordinary question again, not a new draft
    telegram.api.push(button(STAFF_ID, _buttons(preview, "Save")))
    refused = (await telegram.api.wait_for("sendMessage", 6, chat_id=STAFF_ID))[5]
    assert "outdated" in refused.text
    answer = telegram.services.answerer.knowledge.entries["hours"].answers["de"]
    assert not answer.startswith("Entwurf")
    assert telegram.services.store.audit_log() == []


async def test_two_staff_editing_the_same_answer(telegram: RunningBot) -> None:
    await _say(telegram, STAFF_ID, "/edit contact de", 1)
    await _say(telegram, STAFF_ID_2, "/edit contact de", 1)
    first = await _say(telegram, STAFF_ID, "Erste Fassung {tel:hecht}", 3)
    second = await _say(telegram, STAFF_ID_2, "Zweite Fassung {tel:blenk}", 3)
    telegram.api.push(button(STAFF_ID, _buttons(first[2], "Save")))
    await telegram.api.wait_for("sendMessage", 4, chat_id=STAFF_ID)
    telegram.api.push(button(STAFF_ID_2, _buttons(second[2], "Save")))
    refused = (await telegram.api.wait_for("sendMessage", 4, chat_id=STAFF_ID_2))[3]
    assert "Not saved" in refused.text and "Erste Fassung" in refused.text
    assert (
        telegram.services.answerer.knowledge.entries["contact"]
        .answers["de"]
        .startswith("Erste Fassung")
    )


async def test_crash_between_write_and_rename_leaves_the_file_intact(
    telegram: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = telegram.services.settings.knowledge_dir / "office.yaml"
    original = path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    calls = await _say(telegram, STAFF_ID, f"/addq hours de {NONSENSE}", 1)
    assert "Not saved" in calls[0].text and "No space left" in calls[0].text
    assert path.read_bytes() == original
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    (reply,) = await _say(telegram, 64, "Wann habt ihr offen?", 1)
    assert "Montag" in reply.text


async def test_corrupted_yaml_on_reload_keeps_serving_and_reports(telegram: RunningBot) -> None:
    (telegram.services.settings.knowledge_dir / "office.yaml").write_text(
        "version: 1\nentries: [\n", encoding="utf-8"
    )
    calls = await _say(telegram, STAFF_ID, "/reload", 1)
    assert "Not reloaded" in calls[0].text and "office.yaml" in calls[0].text
    (reply,) = await _say(telegram, 65, "Wann habt ihr offen?", 1)
    assert "Montag" in reply.text


STAFF_COMMANDS = [
    "/edit hours de",
    "/addq hours de hallo",
    "/undo",
    "/new",
    "/reload",
    "/outdated",
    "/unanswered",
    "/stats",
    "/cancel",
]


async def test_nobody_else_reaches_staff_actions(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    before = {p.name: p.read_bytes() for p in telegram.services.settings.knowledge_dir.iterdir()}
    for command in STAFF_COMMANDS:
        telegram.api.push(message(66, command))
    telegram.api.push(button(66, "k1|st|save"))
    telegram.api.push(button(66, "k1|ua|dis|1"))
    replies = await telegram.api.wait_for("sendMessage", len(STAFF_COMMANDS), chat_id=66)
    await telegram.settled()
    assert all("/start" in r.text for r in replies)  # the ordinary help, every time
    assert len(telegram.api.sent("sendMessage", chat_id=66)) == len(STAFF_COMMANDS)
    assert {
        p.name: p.read_bytes() for p in telegram.services.settings.knowledge_dir.iterdir()
    } == before
    assert telegram.services.store.audit_log() == []
    assert caplog.text.count("non-staff user 66") == len(STAFF_COMMANDS) + 2


async def test_unanswered_questions_grouped_and_assigned(telegram: RunningBot) -> None:
    for user, text in (
        (67, "Gibt es einen Schachclub für Migranten?"),
        (68, "gibt es einen schachclub fur migranten"),
        (69, "Schachclub für Migranten?"),
    ):
        await _say(telegram, user, text, 1)
    calls = await _say(telegram, STAFF_ID, "/unanswered", 1)
    assert calls[0].text.startswith("3×") and "de 3" in calls[0].text
    telegram.api.push(button(STAFF_ID, _buttons(calls[0], "Other entry")))
    picker = (await telegram.api.wait_for("sendMessage", 2, chat_id=STAFF_ID))[1]
    telegram.api.push(button(STAFF_ID, _buttons(picker, "Bürgerengagement")))
    done = (await telegram.api.wait_for("sendMessage", 3, chat_id=STAFF_ID))[2]
    assert "Added" in done.text
    (reply,) = await _say(telegram, 70, "Schachclub für Migranten", 1)
    assert "Engagement" in reply.text
    assert telegram.services.store.open_unanswered(30) == []


async def test_stats_count_questions_and_feedback(telegram: RunningBot) -> None:
    (answer,) = await _say(telegram, 71, "Wann habt ihr offen?", 1)
    telegram.api.push(button(71, _buttons(answer, "👍")))
    await telegram.api.wait_for("answerCallbackQuery")
    await _say(telegram, 72, "Wer gewinnt die Bundesliga?", 1)
    calls = await _say(telegram, STAFF_ID, "/stats", 1)
    assert "2 questions, 50% answered" in calls[0].text
    assert "hours 1" in calls[0].text and "hours 1/0" in calls[0].text


async def test_a_number_that_is_not_one_gets_a_clear_message_not_an_error(
    telegram: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    typed = ["/stats abc", "/stats ²", "/unanswered -1", "/unanswered 3x"]  # "²".isdigit()
    for index, command in enumerate(typed, start=1):
        reply = (await _say(telegram, STAFF_ID, command, index))[-1]
        name = command.split()[0]
        assert "Not a number of days" in reply.text and f"Usage: {name} [days]" in reply.text
    telegram.api.push(button(STAFF_ID, "k1|tn|abc"))  # a thread number that is not one
    (alert,) = await telegram.api.wait_for("answerCallbackQuery")
    assert alert.params.get("show_alert") is True and "/start" in alert.params["text"]
    stats = (await _say(telegram, STAFF_ID, "/stats 30", len(typed) + 1))[-1]
    assert "questions" in stats.text
    assert "error while handling" not in caplog.text


async def test_hand_over_to_a_person_and_back(telegram: RunningBot) -> None:
    (fallback,) = await _say(
        telegram, 73, "Wo kann ich in Kempten ein gebrauchtes Fahrrad kaufen?", 1
    )
    telegram.api.push(button(73, _buttons(fallback, "💬")))
    consent = (await telegram.api.wait_for("sendMessage", 2, chat_id=73))[1]
    assert "first name" in consent.text or "Vornamen" in consent.text
    telegram.api.push(button(73, consent.buttons[0]["callback_data"]))
    (posted,) = await telegram.api.wait_for("sendMessage", chat_id=STAFF_CHAT)
    assert "Fahrrad" in posted.text and "User73" in posted.text
    thread = telegram.services.store.thread(1)
    assert thread is not None and thread.staff_message_id is not None
    reply = message(
        STAFF_ID,
        "Gern! Kommen Sie am Montag um 9 Uhr vorbei.",
        chat_id=STAFF_CHAT,
        chat_type="supergroup",
        reply_to_message={
            "message_id": thread.staff_message_id,
            "date": 0,
            "text": posted.text,
            "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "Staff"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "KIK", "username": BOT_USERNAME},
        },
    )
    telegram.api.push(reply)
    answers = await telegram.api.wait_for("sendMessage", 3, chat_id=73)
    assert "Montag um 9 Uhr" in answers[2].text
    assert telegram.services.store.thread(thread.id).status == "answered"
    confirmation = (await telegram.api.wait_for("sendMessage", 2, chat_id=STAFF_CHAT))[1]
    telegram.api.push(button(STAFF_ID, _buttons(confirmation, "New entry"), chat_id=STAFF_CHAT))
    await telegram.api.wait_for("sendMessage", 3, chat_id=STAFF_CHAT)
    assert f"staff-answer-{thread.id}" in telegram.services.answerer.knowledge.entries


async def test_forget_leaves_nothing_about_the_user(telegram: RunningBot) -> None:
    store = telegram.services.store
    store.set_language(74, "tr", explicit=True)
    store.open_thread(74, 74, "tr", "soru", None)
    await _say(telegram, 74, "Nerede Almanca öğrenebilirim?", 1)
    assert store.rows_about_user(74) >= 2
    await _say(telegram, 74, "/forget", 2)
    assert store.rows_about_user(74) == 0


def test_purge_removes_old_rows_and_times_out_threads(tmp_path: Path) -> None:
    store = Store.in_folder(tmp_path)
    store.add_unanswered("alt", "de", None, 0.1)
    store.log_question("de", "fallback", None)
    old_thread = store.open_thread(1, 1, "de", "alt", None)
    fresh_thread = store.open_thread(2, 2, "de", "neu", None)
    store._db.execute("UPDATE unanswered SET at = '2020-01-01T00:00:00+00:00'")
    store._db.execute("UPDATE asked SET at = '2020-01-01T00:00:00+00:00'")
    store._db.execute(
        "UPDATE threads SET opened = '2026-01-01T00:00:00+00:00' WHERE id = ?", (old_thread,)
    )
    removed = store.purge(retention_days=90, thread_timeout_days=7)
    assert removed["unanswered"] == 1 and removed["asked"] == 1 and removed["threads"] == 1
    assert store.thread(fresh_thread) is not None and store.thread(fresh_thread).status == "open"
    assert store.integrity_ok()


async def test_read_only_knowledge_folder_gives_staff_a_clear_error(
    telegram: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.staff.editing as editing

    def read_only(path: Path, text: str) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(editing, "atomic_write", read_only)
    calls = await _say(telegram, STAFF_ID, f"/addq hours de {NONSENSE}", 1)
    assert "Not saved" in calls[0].text and "Permission denied" in calls[0].text
    (reply,) = await _say(telegram, 75, NONSENSE, 1)
    assert "Montag" not in reply.text  # the old knowledge is still served


def test_an_old_database_is_migrated_in_place(tmp_path: Path) -> None:
    import sqlite3

    from bot.store import MIGRATIONS

    path = tmp_path / "kik-bot.sqlite3"
    with sqlite3.connect(path) as db:  # a database as version 1 of the bot left it
        db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        db.execute("INSERT INTO preferences VALUES (7, 'uk', 1, '2026-01-01T00:00:00+00:00')")
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.language(7) == ("uk", True)
    store.log_question("uk", "answer", "hours")  # the new tables work
    assert store.integrity_ok()
