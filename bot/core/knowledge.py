"""The knowledge base: schema, loading and validation of the `knowledge/` folder.

Knowledge is data that city staff edit. Loading turns it into frozen objects or fails with every
problem at once, each naming file, line, entry and field, so a broken edit never reaches users.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from bot.core.yamlio import LineDict, YamlError, load_yaml_file

SCHEMA_VERSION = 1
LANGUAGES_FILE = "languages.yaml"
DIRECTORY_FILE = "directory.yaml"
OUT_OF_SCOPE_FILE = "out-of-scope.yaml"
INTERFACE_FILE = "interface.yaml"
# answer: a topic; smalltalk: greetings and thanks (never logged as unanswered);
# emergency: the one general emergency answer (112, 110) that starts every crisis answer;
# crisis: a kind of crisis (violence, suicidal thoughts, ...) whose lines follow it.
ENTRY_KINDS = ("answer", "smalltalk", "emergency", "crisis")
CRISIS_KINDS = ("emergency", "crisis")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
PLACEHOLDER = re.compile(r"\{([a-z]+):([a-z0-9-]+)\}")
PLACEHOLDER_KINDS = ("tel", "email", "address", "schedule", "status")
MAX_TITLE = 40


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge, located as precisely as we can."""

    file: str
    line: int
    message: str
    entry: str | None = None
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        what = "".join(
            [
                f" entry '{self.entry}'" if self.entry else "",
                f" field '{self.field}'" if self.field else "",
            ]
        )
        return f"{where}:{what + ':' if what else ''} {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder is invalid; `problems` lists every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Phone:
    number: str
    person: str | None = None

    @property
    def dial(self) -> str:
        """The number as digits with a leading + where international, for tel: links."""
        return ("+" if self.number.startswith("+") else "") + re.sub(r"\D", "", self.number)


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours; weekday index 0 = Monday; intervals sorted and merged."""

    weekly: Mapping[int, tuple[tuple[dt.time, dt.time], ...]]


@dataclass(frozen=True)
class Directory:
    """Structured facts that answers refer to through placeholders."""

    timezone: str
    holiday_country: str
    holiday_subdivision: str | None
    phones: Mapping[str, Phone]
    emails: Mapping[str, str]
    addresses: Mapping[str, tuple[str, ...]]
    schedules: Mapping[str, Schedule]
    # The `holidays` library's categories that close the office ("catholic" adds 15 August).
    holiday_categories: tuple[str, ...] = ("public",)

    def has(self, kind: str, key: str) -> bool:
        table: Mapping[str, object] = {
            "tel": self.phones,
            "email": self.emails,
            "address": self.addresses,
            "schedule": self.schedules,
            "status": self.schedules,
        }.get(kind, {})
        return key in table


@dataclass(frozen=True)
class Entry:
    """One question topic with its answers and the ways people ask for it, per language."""

    id: str
    kind: str
    field: str | None
    source: tuple[str, ...]
    updated: dt.date
    titles: Mapping[str, str]
    answers: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]
    triggers: Mapping[str, tuple[str, ...]]
    related: tuple[str, ...]
    outdated: tuple[str, ...]
    file: str
    line: int
    lines: Mapping[str, int] = dataclass_field(default_factory=dict)

    def title(self, language: str, fallback: str) -> str:
        """A short label for buttons: the title, else the first question, in the language."""
        for lang in (language, fallback):
            if self.titles.get(lang):
                return self.titles[lang]
            if self.questions.get(lang):
                return self.questions[lang][0]
        return self.id


@dataclass(frozen=True)
class Roles:
    """The entries the interface names (interface.yaml), so that renaming an entry is refused at
    load instead of silently dropping it from a command."""

    hours: str  # /hours
    contact: str  # /contact
    fallback_contact: str  # after "no answer", and for a voice message
    quick_answers: tuple[str, ...]  # inline mode before a question is typed


@dataclass(frozen=True)
class Knowledge:
    """A validated knowledge folder."""

    root: Path
    languages: tuple[str, ...]
    authoritative: str
    fallback: str
    fillers: Mapping[str, frozenset[str]]
    aliases: Mapping[str, str]
    closer_to_authoritative: frozenset[str]
    entries: Mapping[str, Entry]
    directory: Directory
    menu: tuple[str, ...]  # the topic buttons, in order
    roles: Roles
    # Questions no entry answers (other offices, other services): language -> examples. The
    # matcher learns them as "not ours", so such a question falls back instead of being answered.
    out_of_scope: Mapping[str, tuple[str, ...]] = dataclass_field(default_factory=dict)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    @property
    def field_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self if e.field == e.id)

    @property
    def emergency(self) -> Entry | None:
        """The general emergency entry (kind 'emergency'), whose answer opens every crisis answer."""
        return next((e for e in self if e.kind == "emergency"), None)

    @property
    def crisis_entries(self) -> tuple[Entry, ...]:
        """The emergency entry and the kinds of crisis: entries recognised by their triggers."""
        return tuple(e for e in self if e.kind in CRISIS_KINDS)


class _Collector:
    """Gathers problems while reading so all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str, **where: Any) -> None:
        self.problems.append(Problem(file, line, message, **where))


def _line(mapping: Any, key: str | None = None) -> int:
    if isinstance(mapping, LineDict):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return getattr(mapping, "line", 0)


def _check_keys(
    data: Mapping[str, Any],
    allowed: set[str],
    required: set[str],
    file: str,
    out: _Collector,
    **where: Any,
) -> None:
    for key in data:
        if key not in allowed:
            out.add(
                file,
                _line(data, key),
                f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
                **where,
            )
    for key in sorted(required - set(data)):
        out.add(file, _line(data), f"missing required key '{key}'", **where)


def _text_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return list(value)
    return None


@dataclass(frozen=True)
class _Languages:
    codes: tuple[str, ...]
    authoritative: str
    fallback: str
    fillers: dict[str, frozenset[str]]
    aliases: dict[str, str]
    closer_to_authoritative: frozenset[str]


def _read_languages(root: Path, out: _Collector) -> _Languages:
    path = root / LANGUAGES_FILE
    empty = _Languages((), "de", "en", {}, {}, frozenset())
    if not path.is_file():
        out.add(LANGUAGES_FILE, 0, "file is missing")
        return empty
    data = load_yaml_file(path)
    if not isinstance(data, LineDict):
        out.add(LANGUAGES_FILE, 1, "must be a mapping")
        return empty
    _check_keys(
        data,
        {
            "version",
            "authoritative",
            "fallback",
            "languages",
            "fillers",
            "aliases",
            "closer_to_authoritative",
        },
        {"version", "authoritative", "fallback", "languages"},
        LANGUAGES_FILE,
        out,
    )
    languages = data.get("languages")
    if not isinstance(languages, list) or not all(
        isinstance(x, str) and _LANG.match(x) for x in languages
    ):
        out.add(
            LANGUAGES_FILE,
            _line(data, "languages"),
            "'languages' must be a list of language codes like 'de'",
        )
        languages = []
    if len(set(languages)) != len(languages):
        out.add(LANGUAGES_FILE, _line(data, "languages"), "a language is listed twice")
    authoritative = str(data.get("authoritative", "de"))
    fallback = str(data.get("fallback", "en"))
    for key, code in (("authoritative", authoritative), ("fallback", fallback)):
        if code not in languages:
            out.add(
                LANGUAGES_FILE,
                _line(data, key),
                f"'{key}' language '{code}' is not in 'languages'",
            )
    fillers: dict[str, frozenset[str]] = {}
    raw_fillers = data.get("fillers", {})
    if not isinstance(raw_fillers, dict):
        out.add(
            LANGUAGES_FILE,
            _line(data, "fillers"),
            "'fillers' must map language to a list of words",
        )
    else:
        from bot.core.normalize import normalize

        for lang, words in raw_fillers.items():
            if lang not in languages or _text_list(words) is None:
                out.add(
                    LANGUAGES_FILE,
                    _line(raw_fillers, lang),
                    f"fillers for '{lang}': unknown language or not a list of words",
                )
                continue
            fillers[lang] = frozenset(normalize(w) for w in words)
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(
        isinstance(v, str) and v in languages for v in aliases.values()
    ):
        out.add(
            LANGUAGES_FILE,
            _line(data, "aliases"),
            "'aliases' must map other language codes to listed ones",
        )
        aliases = {}
    closer = _text_list(data.get("closer_to_authoritative") or [])
    if closer is None:
        out.add(
            LANGUAGES_FILE,
            _line(data, "closer_to_authoritative"),
            "must be a list of language codes",
        )
    return _Languages(
        tuple(languages), authoritative, fallback, fillers, dict(aliases), frozenset(closer or ())
    )


def _parse_interval(text: Any) -> tuple[dt.time, dt.time] | None:
    match = _INTERVAL.match(text) if isinstance(text, str) else None
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        return None
    return (start, end) if start < end else None


def _merge(intervals: list[tuple[dt.time, dt.time]]) -> tuple[tuple[dt.time, dt.time], ...]:
    merged: list[tuple[dt.time, dt.time]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _read_directory(root: Path, out: _Collector) -> Directory:
    name = DIRECTORY_FILE
    empty = Directory("Europe/Berlin", "DE", None, {}, {}, {}, {})
    path = root / name
    if not path.is_file():
        out.add(name, 0, "file is missing")
        return empty
    data = load_yaml_file(path)
    if not isinstance(data, LineDict):
        out.add(name, 1, "must be a mapping")
        return empty
    _check_keys(
        data,
        {"version", "timezone", "holidays", "phones", "emails", "addresses", "schedules"},
        {"version", "timezone"},
        name,
        out,
    )
    timezone = str(data.get("timezone", "Europe/Berlin"))
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception:
        out.add(name, _line(data, "timezone"), f"unknown time zone '{timezone}'")
        timezone = "Europe/Berlin"
    holidays = data.get("holidays") or {}
    country = str(holidays.get("country", "DE")) if isinstance(holidays, dict) else "DE"
    subdivision = holidays.get("subdivision") if isinstance(holidays, dict) else None
    categories: tuple[str, ...] = ("public",)
    if isinstance(holidays, dict):
        _check_keys(
            holidays, {"country", "subdivision", "categories"}, set(), name, out, field="holidays"
        )
        listed = _text_list(holidays.get("categories")) if "categories" in holidays else ["public"]
        if not listed:
            out.add(name, _line(data, "holidays"), "holidays: 'categories' must list names")
        else:
            categories = tuple(listed)
    try:
        import holidays as holiday_calendars

        holiday_calendars.country_holidays(country, subdiv=subdivision, categories=categories)
    except (NotImplementedError, KeyError, ValueError) as error:
        out.add(name, _line(data, "holidays"), f"holidays: {error}")
        country, subdivision, categories = "DE", None, ("public",)

    def table(key: str) -> dict[str, Any]:
        value = data.get(key) or {}
        if not isinstance(value, dict):
            out.add(name, _line(data, key), f"'{key}' must be a mapping of names to values")
            return {}
        for item_key in value:
            if not _ID.match(item_key):
                out.add(
                    name,
                    _line(value, item_key),
                    f"'{key}': name '{item_key}' must be lower-case words joined by '-'",
                )
        return value

    phones: dict[str, Phone] = {}
    for key, item in table("phones").items():
        if not isinstance(item, dict) or not isinstance(item.get("number"), (str, int)):
            out.add(name, _line(data.get("phones"), key), f"phone '{key}' needs a 'number'")
            continue
        _check_keys(
            item,
            {"number", "person", "source"},
            {"number", "source"},
            name,
            out,
            field=f"phones.{key}",
        )
        phones[key] = Phone(str(item["number"]), item.get("person"))
    emails: dict[str, str] = {}
    for key, item in table("emails").items():
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("address"), str)
            or "@" not in item["address"]
        ):
            out.add(
                name, _line(data.get("emails"), key), f"e-mail '{key}' needs an 'address' with '@'"
            )
            continue
        _check_keys(
            item, {"address", "source"}, {"address", "source"}, name, out, field=f"emails.{key}"
        )
        emails[key] = item["address"]
    addresses: dict[str, tuple[str, ...]] = {}
    for key, item in table("addresses").items():
        lines = _text_list(item.get("lines")) if isinstance(item, dict) else None
        if not lines:
            out.add(name, _line(data.get("addresses"), key), f"address '{key}' needs 'lines'")
            continue
        _check_keys(
            item, {"lines", "source"}, {"lines", "source"}, name, out, field=f"addresses.{key}"
        )
        addresses[key] = tuple(lines)
    schedules: dict[str, Schedule] = {}
    for key, item in table("schedules").items():
        weekly = item.get("weekly") if isinstance(item, dict) else None
        if not isinstance(weekly, dict):
            out.add(name, _line(data.get("schedules"), key), f"schedule '{key}' needs 'weekly'")
            continue
        _check_keys(
            item, {"weekly", "source"}, {"weekly", "source"}, name, out, field=f"schedules.{key}"
        )
        days: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
        for day, intervals in weekly.items():
            if day not in WEEKDAYS:
                out.add(
                    name,
                    _line(weekly, day),
                    f"schedule '{key}': '{day}' is not one of {', '.join(WEEKDAYS)}",
                )
                continue
            parsed = [
                _parse_interval(i)
                for i in (intervals if isinstance(intervals, list) else [intervals])
            ]
            if not parsed or any(p is None for p in parsed):
                out.add(
                    name,
                    _line(weekly, day),
                    f"schedule '{key}', {day}: write times as \"08:00-12:00\"",
                )
                continue
            days[WEEKDAYS.index(day)] = _merge([p for p in parsed if p])
        schedules[key] = Schedule(days)
    return Directory(
        timezone, country, subdivision, phones, emails, addresses, schedules, categories
    )


_ENTRY_KEYS = {
    "id",
    "kind",
    "field",
    "source",
    "updated",
    "titles",
    "answers",
    "questions",
    "triggers",
    "related",
    "outdated",
}
_ENTRY_REQUIRED = {"id", "source", "updated", "answers", "questions"}


def _read_entry(
    raw: Any, file: str, languages: tuple[str, ...], directory: Directory, out: _Collector
) -> Entry | None:
    if not isinstance(raw, LineDict):
        out.add(
            file, _line(raw), "each entry must be a mapping with 'id', 'answers', 'questions', ..."
        )
        return None
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        out.add(
            file,
            _line(raw, "id"),
            f"id {entry_id!r} must be lower-case words joined by '-' (like 'field-work-training')",
        )
        return None
    where = {"entry": entry_id}
    before = len(out.problems)
    _check_keys(raw, _ENTRY_KEYS, _ENTRY_REQUIRED, file, out, **where)
    kind = raw.get("kind", "answer")
    if kind not in ENTRY_KINDS:
        out.add(
            file,
            _line(raw, "kind"),
            f"kind must be one of {', '.join(ENTRY_KINDS)}",
            field="kind",
            **where,
        )
    field_id = raw.get("field")
    if field_id is not None and not (isinstance(field_id, str) and _ID.match(field_id)):
        out.add(
            file,
            _line(raw, "field"),
            "field must be the id of a field entry",
            field="field",
            **where,
        )
    source = _text_list(raw.get("source"))
    if not source:
        out.add(
            file,
            _line(raw, "source"),
            "source must name where the facts come from",
            field="source",
            **where,
        )
    updated = raw.get("updated")
    if isinstance(updated, str):
        try:
            updated = dt.date.fromisoformat(updated)
        except ValueError:
            updated = None
    if not isinstance(updated, dt.date):
        out.add(
            file,
            _line(raw, "updated"),
            "updated must be a date like 2026-11-26",
            field="updated",
            **where,
        )
        updated = dt.date.min

    def per_language(key: str, expect_list: bool) -> dict[str, Any]:
        value = raw.get(key) or {}
        if not isinstance(value, dict):
            out.add(
                file,
                _line(raw, key),
                f"{key} must map language codes to {'lists' if expect_list else 'texts'}",
                field=key,
                **where,
            )
            return {}
        result: dict[str, Any] = {}
        for lang, item in value.items():
            line = _line(value, lang)
            if lang not in languages:
                out.add(
                    file,
                    line,
                    f"language '{lang}' is not listed in {LANGUAGES_FILE}",
                    field=f"{key}.{lang}",
                    **where,
                )
                continue
            if expect_list:
                items = _text_list(item)
                if items is None or isinstance(item, str):
                    out.add(
                        file,
                        line,
                        "must be a list of non-empty texts",
                        field=f"{key}.{lang}",
                        **where,
                    )
                    continue
                result[lang] = tuple(s.strip() for s in items)
            else:
                if not isinstance(item, str) or not item.strip():
                    out.add(file, line, "must be a non-empty text", field=f"{key}.{lang}", **where)
                    continue
                result[lang] = item.strip()
        return result

    titles = per_language("titles", expect_list=False)
    for lang, title in titles.items():
        if len(title) > MAX_TITLE:
            out.add(
                file,
                _line(raw.get("titles"), lang),
                f"title is {len(title)} characters; buttons fit {MAX_TITLE}",
                field=f"titles.{lang}",
                **where,
            )
    answers = per_language("answers", expect_list=False)
    questions = per_language("questions", expect_list=True)
    triggers = per_language("triggers", expect_list=True)
    if triggers and kind not in CRISIS_KINDS:
        out.add(
            file,
            _line(raw, "triggers"),
            f"only entries of kind {' or '.join(CRISIS_KINDS)} have triggers",
            field="triggers",
            **where,
        )
    for lang, text in answers.items():
        for kind_name, key in PLACEHOLDER.findall(text):
            if kind_name not in PLACEHOLDER_KINDS or not directory.has(kind_name, key):
                out.add(
                    file,
                    _line(raw.get("answers"), lang),
                    f"unknown placeholder {{{kind_name}:{key}}}",
                    field=f"answers.{lang}",
                    **where,
                )
        stray = PLACEHOLDER.sub("", text)
        if "{" in stray or "}" in stray:
            out.add(
                file,
                _line(raw.get("answers"), lang),
                "a '{' or '}' that is not a placeholder like {tel:hecht}",
                field=f"answers.{lang}",
                **where,
            )
    related = raw.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        out.add(
            file,
            _line(raw, "related"),
            "related must be a list of entry ids",
            field="related",
            **where,
        )
        related = []
    outdated = raw.get("outdated") or []
    if not isinstance(outdated, list) or not all(
        isinstance(x, str) and x in languages for x in outdated
    ):
        out.add(
            file,
            _line(raw, "outdated"),
            "outdated must be a list of language codes",
            field="outdated",
            **where,
        )
        outdated = []
    if len(out.problems) > before:
        return None
    return Entry(
        id=entry_id,
        kind=str(kind),
        field=field_id,
        source=tuple(source or ()),
        updated=updated,
        titles=titles,
        answers=answers,
        questions=questions,
        triggers=triggers,
        related=tuple(related),
        outdated=tuple(outdated),
        file=file,
        line=raw.line,
        lines=dict(raw.key_lines),
    )


@dataclass(frozen=True)
class _Interface:
    menu: tuple[str, ...]
    roles: Roles
    references: tuple[tuple[str, int, str], ...]  # (entry id, line, key path) to check


def _read_interface(root: Path, out: _Collector) -> _Interface:
    """interface.yaml: `menu:` (entry ids) and `roles:` (the entries commands show)."""
    name = INTERFACE_FILE
    empty = _Interface((), Roles("", "", "", ()), ())
    path = root / name
    if not path.is_file():
        out.add(
            name,
            0,
            "file is missing (it names the menu's entries and those of /hours, /contact; "
            "a release ships it: `kik-bot knowledge take interface.yaml`)",
        )
        return empty
    data = load_yaml_file(path)
    if not isinstance(data, LineDict):
        out.add(name, 1, "must be a mapping with 'version', 'menu' and 'roles'")
        return empty
    _check_keys(data, {"version", "menu", "roles"}, {"version", "menu", "roles"}, name, out)
    if data.get("version") != SCHEMA_VERSION:
        out.add(name, _line(data, "version"), f"version must be {SCHEMA_VERSION}")
    references: list[tuple[str, int, str]] = []

    def id_list(container: Any, key: str, path: str) -> tuple[str, ...]:
        value = container.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            out.add(name, _line(container, key), f"'{path}' must be a list of entry ids")
            return ()
        lines = getattr(value, "item_lines", [])
        for index, item in enumerate(value):
            line = lines[index] if index < len(lines) else _line(container, key)
            if item in value[:index]:
                out.add(name, line, f"'{path}': '{item}' is listed twice")
            references.append((item, line, path))
        return tuple(value)

    menu = id_list(data, "menu", "menu") if "menu" in data else ()
    raw_roles = data.get("roles")
    if raw_roles is None:
        return _Interface(menu, empty.roles, tuple(references))
    if not isinstance(raw_roles, LineDict):
        out.add(name, _line(data, "roles"), "'roles' must map roles to entry ids")
        return _Interface(menu, empty.roles, tuple(references))
    singles = ("hours", "contact", "fallback_contact")
    _check_keys(raw_roles, {*singles, "quick_answers"}, {*singles, "quick_answers"}, name, out)
    chosen: dict[str, str] = {}
    for key in singles:
        value = raw_roles.get(key)
        if key in raw_roles and not isinstance(value, str):
            out.add(name, _line(raw_roles, key), f"'roles.{key}' must be one entry id")
        elif isinstance(value, str):
            chosen[key] = value
            references.append((value, _line(raw_roles, key), f"roles.{key}"))
    quick = (
        id_list(raw_roles, "quick_answers", "roles.quick_answers")
        if "quick_answers" in raw_roles
        else ()
    )
    roles = Roles(
        chosen.get("hours", ""),
        chosen.get("contact", ""),
        chosen.get("fallback_contact", ""),
        quick,
    )
    return _Interface(menu, roles, tuple(references))


def topic_files(root: Path) -> list[Path]:
    """The YAML files holding entries, in a stable order."""
    special = (LANGUAGES_FILE, DIRECTORY_FILE, OUT_OF_SCOPE_FILE, INTERFACE_FILE)
    return sorted(p for p in root.glob("*.yaml") if p.name not in special)


def _read_out_of_scope(
    root: Path, languages: tuple[str, ...], out: _Collector
) -> dict[str, tuple[str, ...]]:
    """out-of-scope.yaml (optional): `version: 1` and `questions:` language -> list of texts."""
    path = root / OUT_OF_SCOPE_FILE
    if not path.is_file():
        return {}
    name = OUT_OF_SCOPE_FILE
    data = load_yaml_file(path)
    if not isinstance(data, LineDict):
        out.add(name, 1, "must be a mapping with 'version' and 'questions'")
        return {}
    _check_keys(data, {"version", "questions"}, {"version", "questions"}, name, out)
    questions = data.get("questions") or {}
    if not isinstance(questions, dict):
        out.add(name, _line(data, "questions"), "'questions' must map language codes to lists")
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for lang, listed in questions.items():
        texts = _text_list(listed)
        if lang not in languages or texts is None:
            out.add(
                name,
                _line(questions, lang),
                f"'{lang}': a supported language with a list of questions",
                field=f"questions.{lang}",
            )
            continue
        result[lang] = tuple(texts)
    return result


def load_knowledge(root: Path) -> Knowledge:
    """Load and validate a knowledge folder; raise KnowledgeError listing every problem."""
    out = _Collector()
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 0, "knowledge folder not found")])
    try:
        langs = _read_languages(root, out)
        directory = _read_directory(root, out)
        out_of_scope = _read_out_of_scope(root, langs.codes, out)
        interface = _read_interface(root, out)
    except YamlError as error:
        raise KnowledgeError([Problem(*_split_yaml_error(error))]) from None
    entries: dict[str, Entry] = {}
    rejected: set[str] = set()  # ids of entries with errors: already reported, not again
    for path in topic_files(root):
        try:
            data = load_yaml_file(path)
        except YamlError as error:
            out.problems.append(Problem(*_split_yaml_error(error)))
            continue
        if not isinstance(data, LineDict):
            out.add(path.name, 1, "must be a mapping with 'version' and 'entries'")
            continue
        _check_keys(data, {"version", "entries"}, {"version", "entries"}, path.name, out)
        if data.get("version") != SCHEMA_VERSION:
            out.add(path.name, _line(data, "version"), f"version must be {SCHEMA_VERSION}")
        raw_entries = data.get("entries") or []
        if not isinstance(raw_entries, list):
            out.add(path.name, _line(data, "entries"), "'entries' must be a list")
            continue
        for raw in raw_entries:
            entry = _read_entry(raw, path.name, langs.codes, directory, out)
            if entry is None:
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    rejected.add(raw["id"])
                continue
            if entry.id in entries:
                first = entries[entry.id]
                out.add(
                    path.name,
                    entry.line,
                    f"id already used at {first.file}:{first.line}",
                    entry=entry.id,
                )
                continue
            entries[entry.id] = entry
    field_ids = {e.id for e in entries.values() if e.field == e.id}
    for entry in entries.values():
        if entry.field is not None and entry.field not in field_ids | rejected:
            out.add(
                entry.file,
                entry.lines.get("field", entry.line),
                f"unknown field '{entry.field}' (fields: {', '.join(sorted(field_ids))})",
                entry=entry.id,
                field="field",
            )
        for rel in entry.related:
            if rel not in entries and rel not in rejected:
                out.add(
                    entry.file,
                    entry.lines.get("related", entry.line),
                    f"related id '{rel}' does not exist",
                    entry=entry.id,
                    field="related",
                )
    for ref, line, key in interface.references:
        if ref not in entries and ref not in rejected:
            out.add(INTERFACE_FILE, line, f"'{key}': no entry has the id '{ref}'")
    general = [e for e in entries.values() if e.kind == "emergency"]
    for extra in general[1:]:
        out.add(
            extra.file,
            extra.lines.get("kind", extra.line),
            f"only one entry may be of kind 'emergency' (also '{general[0].id}')",
            entry=extra.id,
            field="kind",
        )
    if not entries and not out.problems:
        out.add(str(root), 0, "no entries found")
    if out.problems:
        raise KnowledgeError(out.problems)
    return Knowledge(
        root=root,
        languages=langs.codes,
        authoritative=langs.authoritative,
        fallback=langs.fallback,
        fillers=langs.fillers,
        aliases=langs.aliases,
        closer_to_authoritative=langs.closer_to_authoritative,
        entries=entries,
        directory=directory,
        menu=interface.menu,
        roles=interface.roles,
        out_of_scope=out_of_scope,
    )


def _split_yaml_error(error: YamlError) -> tuple[str, int, str]:
    text = str(error)
    match = re.match(r"^(.*?):(\d+): (.*)$", text, re.S)
    if match:
        return match.group(1), int(match.group(2)), match.group(3)
    return text.split(":", 1)[0], 0, text
