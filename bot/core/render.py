"""An entry's answer in one language, with placeholders filled from the directory.

Phone numbers, e-mails, addresses and hours are stored once (directory.yaml) and formatted here
per language with Babel (day names, time format, lists), as plain text or Telegram HTML.
"""

from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache
from itertools import groupby

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list

from bot.core import bidi
from bot.core.knowledge import PLACEHOLDER, Entry, Knowledge, Schedule
from bot.core.schedule import OfficeClock
from bot.i18n import Gettext, _


@lru_cache(maxsize=64)
def babel_locale(language: str) -> Locale:
    """The language as used in Germany where CLDR knows it."""
    for code in (f"{language}_DE", language):
        try:
            return Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


class Renderer:
    """Renders entries and office facts for one knowledge base."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.clock = OfficeClock(knowledge.directory)

    def answer_text(
        self,
        entry: Entry,
        language: str,
        gettext: Gettext,
        now: dt.datetime,
        *,
        as_html: bool = False,
    ) -> str:
        template = entry.answers.get(language) or entry.answers.get(
            self.knowledge.authoritative, ""
        )
        return self.render_template(template, language, gettext, now, as_html=as_html)

    def render_template(
        self,
        template: str,
        language: str,
        gettext: Gettext,
        now: dt.datetime | None = None,
        *,
        as_html: bool = False,
    ) -> str:
        """Fill placeholders in a text (an answer, or a staff draft shown as a preview)."""
        now = now or dt.datetime.now(dt.UTC)
        parts: list[str] = []
        position = 0
        for match in PLACEHOLDER.finditer(template):
            parts.append(template[position : match.start()])
            try:
                value = self.placeholder(match.group(1), match.group(2), language, gettext, now)
            except KeyError:  # an unknown placeholder in a draft is shown as typed
                value = match.group(0)
            parts.append(value)
            position = match.end()
        parts.append(template[position:])
        text = bidi.for_language("".join(parts).strip(), language)
        return html.escape(text, quote=False) if as_html else text

    def placeholder(
        self, kind: str, key: str, language: str, gettext: Gettext, now: dt.datetime
    ) -> str:
        directory = self.knowledge.directory
        if kind == "tel":
            return directory.phones[key].number
        if kind == "email":
            return directory.emails[key]
        if kind == "address":
            return "\n".join(directory.addresses[key])
        if kind == "schedule":
            return self.schedule_text(directory.schedules[key], language)
        if kind == "status":
            return self.status_text(directory.schedules[key], language, gettext, now)
        raise KeyError(f"{kind}:{key}")

    def schedule_text(self, schedule: Schedule, language: str) -> str:
        """Opening hours, consecutive days with equal hours grouped: 'Thursday – Friday: 8:00 – 12:00'."""
        locale = babel_locale(language)
        days = get_day_names("wide", locale=locale)
        lines = []
        weekly = sorted(schedule.weekly.items())
        for _hours, run in groupby(
            enumerate(weekly), key=lambda item: (item[1][1], item[1][0] - item[0])
        ):
            group = [day for _index, (day, _h) in run]
            hours = schedule.weekly[group[0]]
            label = days[group[0]] if len(group) == 1 else f"{days[group[0]]} – {days[group[-1]]}"
            spans = [f"{self._time(a, locale)} – {self._time(b, locale)}" for a, b in hours]
            lines.append(f"{label}: {format_list(spans, locale=locale)}")
        return "\n".join(lines)

    def status_text(
        self, schedule: Schedule, language: str, gettext: Gettext, now: dt.datetime
    ) -> str:
        locale = babel_locale(language)
        status = self.clock.status(schedule, now)
        if status.open_until is not None:
            return gettext(_("Open now, until {time}.")).format(
                time=self._time(status.open_until.time(), locale)
            )
        closed = gettext(_("Closed now."))
        if status.holiday_today:
            closed = gettext(_("Closed today: public holiday."))
        if status.next_opening is None:
            return closed
        when = format_date(status.next_opening.date(), "full", locale=locale)
        nxt = gettext(_("Next opening: {day}, {time}.")).format(
            day=when, time=self._time(status.next_opening.time(), locale)
        )
        return f"{closed} {nxt}"

    @staticmethod
    def _time(value: dt.time, locale: Locale) -> str:
        """24-hour clock in every language, as used in Germany ("14:30", never "2:30 PM")."""
        return format_time(value, "HH:mm", locale=locale)
