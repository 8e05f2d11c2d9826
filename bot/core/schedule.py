"""Office hours as data: is the office open now, and when does it open next.

Times are in the office's time zone; Bavarian public holidays come from the `holidays`
library (maintained, with the regional rules), not from a hand-written list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.core.knowledge import Directory, Schedule

_LOOKAHEAD_DAYS = 21


@dataclass(frozen=True)
class Status:
    """Opening status at a moment, in the office's time zone."""

    open_until: dt.datetime | None
    next_opening: dt.datetime | None
    holiday_today: str | None


@lru_cache(maxsize=8)
def _holiday_calendar(
    country: str, subdivision: str | None, categories: tuple[str, ...]
) -> holidays.HolidayBase:
    # Region and categories were validated when the knowledge was loaded.
    return holidays.country_holidays(country, subdiv=subdivision, categories=categories)


class OfficeClock:
    """Answers questions about a schedule at a given moment."""

    def __init__(self, directory: Directory) -> None:
        self.zone = ZoneInfo(directory.timezone)
        self._holidays = _holiday_calendar(
            directory.holiday_country,
            directory.holiday_subdivision,
            directory.holiday_categories,
        )

    def local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone)

    def holiday(self, day: dt.date) -> str | None:
        name = self._holidays.get(day)
        return str(name) if name else None

    def status(self, schedule: Schedule, moment: dt.datetime) -> Status:
        now = self.local(moment)
        holiday_today = self.holiday(now.date())
        open_until = None
        if holiday_today is None:
            for start, end in schedule.weekly.get(now.weekday(), ()):
                if start <= now.time() < end:
                    open_until = self._at(now.date(), end)
        return Status(open_until, self._next_opening(schedule, now), holiday_today)

    def _next_opening(self, schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
        for offset in range(_LOOKAHEAD_DAYS):
            day = now.date() + dt.timedelta(days=offset)
            if self.holiday(day):
                continue
            for start, _end in schedule.weekly.get(day.weekday(), ()):
                opening = self._at(day, start)
                if opening > now:
                    return opening
        return None

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)
