"""Answers are filled from the directory and formatted per language."""

from __future__ import annotations

import datetime as dt

from bot.core.answer import Answerer
from bot.core.knowledge import Knowledge

from .conftest import THURSDAY_MORNING


def test_hours_in_german_list_days_and_times(answerer: Answerer) -> None:
    text = answerer.render_entry("hours", "de", now=THURSDAY_MORNING)
    assert "Montag: 08:00 – 12:00 und 14:30 – 17:30" in text
    assert "Mittwoch: 08:00 – 13:00" in text


def test_hours_in_turkish_use_turkish_day_names(answerer: Answerer) -> None:
    text = answerer.render_entry("hours", "tr", now=THURSDAY_MORNING)
    assert "Pazartesi" in text and "Montag" not in text


def test_hours_say_open_now_with_closing_time(answerer: Answerer) -> None:
    text = answerer.render_entry("hours", "de", now=THURSDAY_MORNING)
    assert "12:00" in text.splitlines()[5]
    assert text != answerer.render_entry(
        "hours", "de", now=THURSDAY_MORNING + dt.timedelta(hours=4)
    )


def test_contact_numbers_come_from_the_directory(answerer: Answerer, knowledge: Knowledge) -> None:
    for lang in knowledge.languages:
        text = answerer.render_entry("contact", lang)
        assert "+49 831 2525-5330" in text
        assert "integration@kempten.de" in text
        assert "{" not in text


def test_html_rendering_escapes_text(answerer: Answerer, knowledge: Knowledge) -> None:
    html = answerer.render_entry("about", "de", as_html=True)
    assert "<" not in html.replace("&lt;", "")
    assert "„Vielfalt. Gemeinsam. Gestalten.“" in html
