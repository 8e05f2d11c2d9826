"""Opening status respects the weekly hours, the time zone and Bavarian public holidays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.knowledge import Knowledge
from bot.core.schedule import OfficeClock

KEMPTEN = ZoneInfo("Europe/Berlin")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=KEMPTEN)


@pytest.fixture(scope="module")
def clock(knowledge: Knowledge) -> OfficeClock:
    return OfficeClock(knowledge.directory)


def test_open_on_a_monday_afternoon_until_half_past_five(
    clock: OfficeClock, knowledge: Knowledge
) -> None:
    status = clock.status(knowledge.directory.schedules["office"], at(2026, 11, 30, 15, 0))
    assert status.open_until == at(2026, 11, 30, 17, 30)


def test_wednesday_runs_through_noon(clock: OfficeClock, knowledge: Knowledge) -> None:
    status = clock.status(knowledge.directory.schedules["office"], at(2026, 12, 2, 12, 30))
    assert status.open_until == at(2026, 12, 2, 13, 0)


def test_closed_on_friday_afternoon_reopens_monday_morning(
    clock: OfficeClock, knowledge: Knowledge
) -> None:
    status = clock.status(knowledge.directory.schedules["office"], at(2026, 11, 27, 14, 0))
    assert status.open_until is None
    assert status.next_opening == at(2026, 11, 30, 8, 0)


def test_christmas_holidays_are_skipped(clock: OfficeClock, knowledge: Knowledge) -> None:
    # 24 Dec 2026 is a Thursday; 25 and 26 Dec are public holidays, then the weekend.
    status = clock.status(knowledge.directory.schedules["office"], at(2026, 12, 24, 13, 0))
    assert status.next_opening == at(2026, 12, 28, 8, 0)


def test_bavarian_holiday_closes_a_weekday(clock: OfficeClock, knowledge: Knowledge) -> None:
    # Epiphany (6 January) is a public holiday in Bavaria, not in all of Germany.
    status = clock.status(knowledge.directory.schedules["office"], at(2027, 1, 6, 9, 0))
    assert status.open_until is None
    assert status.holiday_today is not None
    assert status.next_opening == at(2027, 1, 7, 8, 0)


def test_utc_moment_is_read_in_kempten_time(clock: OfficeClock, knowledge: Knowledge) -> None:
    # 07:30 UTC in summer is 09:30 in Kempten.
    status = clock.status(
        knowledge.directory.schedules["office"], dt.datetime(2026, 7, 1, 7, 30, tzinfo=dt.UTC)
    )
    assert status.open_until == at(2026, 7, 1, 13, 0)
