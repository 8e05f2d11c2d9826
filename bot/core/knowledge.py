"""The knowledge base: schema, loading and validation of the `knowledge/` folder.

Knowledge is data that city staff edit. Loading turns it into frozen objects or fails with every
problem at once, each naming file, line, entry and field, so a broken edit never reaches users.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from bot.core.language import digits_for_letters, dominant_script
from bot.core.normalize import normalize
from bot.core.romanization import Table, romanized_words
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
# A German word in the questions of this many other languages is a local term (local_terms);
# shorter words ("do", "in", "a") are too often words of other languages too.
LOCAL_TERM_LANGUAGES = 3
LOCAL_TERM_MIN_LETTERS = 3
ROMANIZED_DIGIT_MIN_WORDS = 2
# A question word typed by the romanization table counts from three letters: shorter ones
# ("na", "po", "ne") are words of the Latin-script languages too, known to them or not.
ROMANIZED_MIN_LETTERS = 3


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
    # The words that join two questions in one message ("und", "and", "ve"): language -> words.
    conjunctions: Mapping[str, frozenset[str]] = dataclass_field(default_factory=dict)
    # How a language written in other letters is typed in Latin ones: language -> letter ->
    # spellings (bot.core.romanization).
    romanization: Mapping[str, Table] = dataclass_field(default_factory=dict)
    _vocabularies: dict[str, tuple[Counter[str], Counter[str]]] = dataclass_field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _words: dict[str, frozenset[str]] = dataclass_field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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

    @cached_property
    def scripts(self) -> Mapping[str, str]:
        """The writing system of each language ('LATIN', 'ARABIC', 'CYRILLIC', ...), read from
        its answers (so a new language needs no code); computed once."""
        return {
            lang: dominant_script(" ".join(e.answers.get(lang, "") for e in self))[0] or "LATIN"
            for lang in self.languages
        }

    def _vocabulary(self, language: str) -> tuple[Counter[str], Counter[str]]:
        """How often each word (normalised) is in a language's questions, and in its answers;
        read once per language, when first asked for (all questions normalised at once)."""
        if language not in self._vocabularies:
            questions = (q for e in self for q in e.questions.get(language, ()))
            answers = (e.answers.get(language, "") for e in self)
            self._vocabularies[language] = (
                Counter(normalize("\n".join(questions)).split()),
                Counter(normalize("\n".join(answers)).split()),
            )
        return self._vocabularies[language]

    def question_words(self, language: str) -> Mapping[str, int]:
        """The words of a language's questions, normalised, with how often each is used."""
        return self._vocabulary(language)[0]

    def word_counts(self, language: str) -> Counter[str]:
        """The words of a language's answers and questions, normalised, with their counts."""
        questions, answers = self._vocabulary(language)
        return questions + answers

    def words(self, language: str) -> frozenset[str]:
        """The words of a language's answers and questions, normalised; computed once."""
        if language not in self._words:
            questions, answers = self._vocabulary(language)
            self._words[language] = frozenset(questions.keys() | answers.keys())
        return self._words[language]

    @cached_property
    def local_terms(self) -> frozenset[str]:
        """Words of the authoritative language that people write inside their own language
        ("Auslanderbehorde tel no lazım", "وين Rathaus"): words of its texts, of at least
        LOCAL_TERM_MIN_LETTERS letters, that the questions of LOCAL_TERM_LANGUAGES other
        languages use. They say nothing about the language a question is in."""
        elsewhere: Counter[str] = Counter()
        for language in self.languages:
            if language != self.authoritative:
                elsewhere.update(self.question_words(language).keys())
        return frozenset(
            word
            for word in self.words(self.authoritative)
            if elsewhere[word] >= LOCAL_TERM_LANGUAGES
            and len(word) >= LOCAL_TERM_MIN_LETTERS
            and word.isalpha()
        )

    @cached_property
    def romanized(self) -> Mapping[str, frozenset[str]]:
        """For each language not written in Latin letters, the words its questions use when
        typed in Latin letters ("shu", "a3ref", "mitoonam", "zapisatsya") that no Latin-script
        language's texts use and that are no local terms: a text of such words is that
        language, romanized (Arabizi, Finglish, translit). Those its questions type so, and
        with a romanization table, every question word spelt by it."""
        latin = {lang for lang in self.languages if self.scripts.get(lang) == "LATIN"}
        others: set[str] = set(self.local_terms)
        for language in latin:
            others |= self.words(language)
        found: dict[str, frozenset[str]] = {}
        for language in self.languages:
            if language in latin:
                continue
            typed = {w for w in self.question_words(language) if len(w) >= 2 and w.isascii()}
            table = self.romanization.get(language)
            if table:
                questions = (q for e in self for q in e.questions.get(language, ()))
                typed |= {
                    word
                    for word in romanized_words(questions, table)
                    if len(word) >= ROMANIZED_MIN_LETTERS and word.isascii() and word.isalpha()
                }
            found[language] = frozenset(typed - others)
        return found

    @cached_property
    def romanized_digits(self) -> Mapping[str, frozenset[str]]:
        """For each language not written in Latin letters, the digits its romanized words write
        for letters (Arabizi: 2 for ء, 3 for ع, 7 for ح), each seen in at least
        ROMANIZED_DIGIT_MIN_WORDS of them."""
        found: dict[str, frozenset[str]] = {}
        for language, words in self.romanized.items():
            seen = Counter(digit for word in words for digit in digits_for_letters(word))
            found[language] = frozenset(
                digit for digit, count in seen.items() if count >= ROMANIZED_DIGIT_MIN_WORDS
            )
        return found

    @cached_property
    def alphabets(self) -> Mapping[str, frozenset[str]]:
        """The letters each language's answers are written with (lower case); computed once."""
        return {
            lang: frozenset(
                char for e in self for char in e.answers.get(lang, "").casefold() if char.isalpha()
            )
            for lang in self.languages
        }


# -- reading: where a value is, and the shapes values must have ------------------------------


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


@dataclass(frozen=True)
class _At:
    """Where a value is read from - file, line, and the entry and key path within it, if any -
    so that a problem with the value is reported there."""

    out: _Collector
    file: str
    line: int = 0
    entry: str | None = None
    path: str | None = None  # reported as the field, like 'answers.de'

    def problem(self, message: str) -> None:
        self.out.add(self.file, self.line, message, entry=self.entry, field=self.path)

    def key(self, mapping: Any, key: str) -> _At:
        """At `key` of `mapping`: its line, and the key path one step deeper."""
        path = f"{self.path}.{key}" if self.path else key
        return replace(self, line=_line(mapping, key), path=path)

    def line_of(self, mapping: Any, key: str | None = None) -> _At:
        """At the line of `key` in `mapping` (of the mapping itself if None); same key path."""
        return replace(self, line=_line(mapping, key))

    def named(self, path: str | None) -> _At:
        return replace(self, path=path)

    def item(self, sequence: Any, index: int) -> _At:
        """At the line of item `index` of a sequence (of the sequence if unknown)."""
        lines = getattr(sequence, "item_lines", ())
        return replace(self, line=lines[index] if index < len(lines) else _line(sequence))


def _check_keys(data: Mapping[str, Any], allowed: set[str], required: set[str], at: _At) -> None:
    for key in data:
        if key not in allowed:
            at.line_of(data, key).problem(
                f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})"
            )
    for key in sorted(required - set(data)):
        at.line_of(data).problem(f"missing required key '{key}'")


def _mapping(value: Any, at: _At, message: str) -> Mapping[str, Any]:
    """A mapping; nothing is an empty one; anything else is reported and read as empty."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    at.problem(message)
    return {}


def _text(value: Any, at: _At, message: str = "must be a non-empty text") -> str | None:
    """A non-empty text, stripped; anything else is reported."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    at.problem(message)
    return None


def _string_list(
    value: Any, at: _At, message: str, *, one_text: bool = True, empty: bool = True
) -> tuple[str, ...] | None:
    """A list of non-empty texts (one text for a list of one where `one_text`; the empty list
    where `empty`); anything else is reported."""
    items = [value] if one_text and isinstance(value, str) else value
    if (
        isinstance(items, list)
        and (empty or items)
        and all(isinstance(item, str) and item.strip() for item in items)
    ):
        return tuple(items)
    at.problem(message)
    return None


def _date(value: Any, at: _At, message: str) -> dt.date | None:
    """A date, or a text like 2026-11-26; anything else is reported."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value)
    if isinstance(value, dt.date):
        return value
    at.problem(message)
    return None


def _document(path: Path, at: _At, message: str) -> LineDict | None:
    """A YAML file that must be a mapping (raises YamlError for what is no YAML at all)."""
    data = load_yaml_file(path)
    if isinstance(data, LineDict):
        return data
    replace(at, line=1).problem(message)
    return None


# -- languages.yaml --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Languages:
    codes: tuple[str, ...]
    authoritative: str
    fallback: str
    fillers: dict[str, frozenset[str]]
    aliases: dict[str, str]
    closer_to_authoritative: frozenset[str]
    conjunctions: dict[str, frozenset[str]]
    romanization: dict[str, Table]


_LANGUAGES_KEYS = {
    "version",
    "authoritative",
    "fallback",
    "languages",
    "fillers",
    "aliases",
    "closer_to_authoritative",
    "conjunctions",
    "romanization",
}


def _read_languages(root: Path, out: _Collector) -> _Languages:
    at = _At(out, LANGUAGES_FILE)
    empty = _Languages((), "de", "en", {}, {}, frozenset(), {}, {})
    if not (root / LANGUAGES_FILE).is_file():
        at.problem("file is missing")
        return empty
    data = _document(root / LANGUAGES_FILE, at, "must be a mapping")
    if data is None:
        return empty
    _check_keys(data, _LANGUAGES_KEYS, {"version", "authoritative", "fallback", "languages"}, at)
    codes = _language_codes(data, at.line_of(data, "languages"))
    authoritative = str(data.get("authoritative", "de"))
    fallback = str(data.get("fallback", "en"))
    for key, code in (("authoritative", authoritative), ("fallback", fallback)):
        if code not in codes:
            at.line_of(data, key).problem(f"'{key}' language '{code}' is not in 'languages'")
    message = "'aliases' must map other language codes to listed ones"
    aliases = _mapping(data.get("aliases"), at.line_of(data, "aliases"), message)
    if not all(isinstance(code, str) and code in codes for code in aliases.values()):
        at.line_of(data, "aliases").problem(message)
        aliases = {}
    closer = _string_list(
        data.get("closer_to_authoritative", []),
        at.line_of(data, "closer_to_authoritative"),
        "must be a list of language codes",
    )
    return _Languages(
        codes,
        authoritative,
        fallback,
        _word_lists(data, "fillers", codes, at),
        dict(aliases),
        frozenset(closer or ()),
        _word_lists(data, "conjunctions", codes, at),
        _romanization(data, codes, at),
    )


def _language_codes(data: LineDict, at: _At) -> tuple[str, ...]:
    codes = data.get("languages")
    if not isinstance(codes, list) or not all(
        isinstance(code, str) and _LANG.match(code) for code in codes
    ):
        at.problem("'languages' must be a list of language codes like 'de'")
        return ()
    if len(set(codes)) != len(codes):
        at.problem("a language is listed twice")
    return tuple(codes)


def _romanization(data: LineDict, codes: tuple[str, ...], at: _At) -> dict[str, Table]:
    """language -> letter -> its Latin spellings (one text or a list of them, ASCII)."""
    message = "'romanization' must map a language to its letters' Latin spellings"
    tables = _mapping(data.get("romanization"), at.line_of(data, "romanization"), message)
    found: dict[str, Table] = {}
    for language, letters in tables.items():
        where = at.line_of(tables, language)
        if language not in codes or not isinstance(letters, dict):
            where.problem(f"romanization for '{language}': unknown language or not a mapping")
            continue
        table: dict[str, tuple[str, ...]] = {}
        for letter, typed in letters.items():
            spellings = (typed,) if isinstance(typed, str) else typed
            if (
                not isinstance(letter, str)
                or len(letter) != 1
                or not isinstance(spellings, (list, tuple))
                or not spellings
                or not all(isinstance(x, str) and x.isascii() for x in spellings)
            ):
                where.problem(
                    f"romanization for '{language}': '{letter}' must be one letter typed as "
                    "Latin letters (a text or a list of texts)"
                )
                continue
            table[letter.casefold()] = tuple(spellings)
        found[language] = table
    return found


def _word_lists(
    data: LineDict, key: str, codes: tuple[str, ...], at: _At
) -> dict[str, frozenset[str]]:
    """A mapping of language to words (fillers, conjunctions), normalised as questions are."""
    lists = _mapping(
        data.get(key), at.line_of(data, key), f"'{key}' must map language to a list of words"
    )
    listed = _texts_by_language(
        lists,
        codes,
        lambda lang: at.line_of(lists, lang),
        lambda lang: f"{key} for '{lang}': unknown language or not a list of words",
    )
    return {lang: frozenset(normalize(word) for word in words) for lang, words in listed.items()}


def _texts_by_language(
    lists: Mapping[str, Any],
    codes: tuple[str, ...],
    at_language: Callable[[str], _At],
    message: Callable[[str], str],
) -> dict[str, tuple[str, ...]]:
    """The lists of texts of a language -> list mapping whose language is one of `codes`; every
    other language and every value that is not a list of texts is a problem."""
    result: dict[str, tuple[str, ...]] = {}
    for lang, listed in lists.items():
        here = at_language(lang)
        if lang not in codes:
            here.problem(message(lang))
            continue
        texts = _string_list(listed, here, message(lang))
        if texts is not None:
            result[lang] = texts
    return result


# -- directory.yaml --------------------------------------------------------------------------


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


_DIRECTORY_KEYS = {"version", "timezone", "holidays", "phones", "emails", "addresses", "schedules"}
_T = TypeVar("_T")


def _read_directory(root: Path, out: _Collector) -> Directory:
    at = _At(out, DIRECTORY_FILE)
    empty = Directory("Europe/Berlin", "DE", None, {}, {}, {}, {})
    if not (root / DIRECTORY_FILE).is_file():
        at.problem("file is missing")
        return empty
    data = _document(root / DIRECTORY_FILE, at, "must be a mapping")
    if data is None:
        return empty
    _check_keys(data, _DIRECTORY_KEYS, {"version", "timezone"}, at)
    country, subdivision, categories = _holidays(data, at)
    return Directory(
        _timezone(data, at.line_of(data, "timezone")),
        country,
        subdivision,
        _table(data, "phones", at, _phone),
        _table(data, "emails", at, _email),
        _table(data, "addresses", at, _address),
        _table(data, "schedules", at, _schedule),
        categories,
    )


def _timezone(data: LineDict, at: _At) -> str:
    from zoneinfo import ZoneInfo

    timezone = str(data.get("timezone", "Europe/Berlin"))
    try:
        ZoneInfo(timezone)
    except Exception:
        at.problem(f"unknown time zone '{timezone}'")
        return "Europe/Berlin"
    return timezone


def _holidays(data: LineDict, at: _At) -> tuple[str, str | None, tuple[str, ...]]:
    """The holiday calendar: country, subdivision and categories, checked with `holidays`."""
    import holidays as holiday_calendars

    here = at.line_of(data, "holidays")
    chosen = _mapping(data.get("holidays"), here, "'holidays' must be a mapping")
    _check_keys(chosen, {"country", "subdivision", "categories"}, set(), at.named("holidays"))
    country, subdivision = str(chosen.get("country", "DE")), chosen.get("subdivision")
    categories: tuple[str, ...] = ("public",)
    if "categories" in chosen:
        listed = _string_list(
            chosen["categories"], here, "holidays: 'categories' must list names", empty=False
        )
        categories = listed or categories
    try:
        holiday_calendars.country_holidays(country, subdiv=subdivision, categories=categories)
    except (NotImplementedError, KeyError, ValueError) as error:
        here.problem(f"holidays: {error}")
        return "DE", None, ("public",)
    return country, subdivision, categories


def _table(
    data: LineDict, key: str, at: _At, read: Callable[[str, Any, _At], _T | None]
) -> dict[str, _T]:
    """A table of named values (`phones`, `emails`, ...), each read by `read`."""
    table = _mapping(
        data.get(key), at.line_of(data, key), f"'{key}' must be a mapping of names to values"
    )
    result: dict[str, _T] = {}
    for name, item in table.items():
        here = at.line_of(table, name)
        if not _ID.match(name):
            here.problem(f"'{key}': name '{name}' must be lower-case words joined by '-'")
        value = read(name, item, here)
        if value is not None:
            result[name] = value
    return result


def _phone(name: str, item: Any, at: _At) -> Phone | None:
    if not isinstance(item, dict) or not isinstance(item.get("number"), (str, int)):
        at.problem(f"phone '{name}' needs a 'number'")
        return None
    _check_keys(
        item, {"number", "person", "source"}, {"number", "source"}, at.named(f"phones.{name}")
    )
    return Phone(str(item["number"]), item.get("person"))


def _email(name: str, item: Any, at: _At) -> str | None:
    address = item.get("address") if isinstance(item, dict) else None
    if not isinstance(address, str) or "@" not in address:
        at.problem(f"e-mail '{name}' needs an 'address' with '@'")
        return None
    _check_keys(item, {"address", "source"}, {"address", "source"}, at.named(f"emails.{name}"))
    return address


def _address(name: str, item: Any, at: _At) -> tuple[str, ...] | None:
    message = f"address '{name}' needs 'lines'"
    if not isinstance(item, dict):
        at.problem(message)
        return None
    lines = _string_list(item.get("lines"), at, message, empty=False)
    if lines is not None:
        _check_keys(item, {"lines", "source"}, {"lines", "source"}, at.named(f"addresses.{name}"))
    return lines


def _schedule(name: str, item: Any, at: _At) -> Schedule | None:
    weekly = item.get("weekly") if isinstance(item, dict) else None
    if not isinstance(weekly, dict):
        at.problem(f"schedule '{name}' needs 'weekly'")
        return None
    _check_keys(item, {"weekly", "source"}, {"weekly", "source"}, at.named(f"schedules.{name}"))
    days: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
    for day, intervals in weekly.items():
        here = at.line_of(weekly, day)
        if day not in WEEKDAYS:
            here.problem(f"schedule '{name}': '{day}' is not one of {', '.join(WEEKDAYS)}")
            continue
        parsed = [
            _parse_interval(i) for i in (intervals if isinstance(intervals, list) else [intervals])
        ]
        if not parsed or any(p is None for p in parsed):
            here.problem(f"schedule '{name}', {day}: write times as \"08:00-12:00\"")
            continue
        days[WEEKDAYS.index(day)] = _merge([p for p in parsed if p])
    return Schedule(days)


# -- entries ---------------------------------------------------------------------------------

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
    raw: Any, at: _At, languages: tuple[str, ...], directory: Directory
) -> Entry | None:
    """One entry of a topic file; None when it has a problem (all of them are reported)."""
    if not isinstance(raw, LineDict):
        at.problem("each entry must be a mapping with 'id', 'answers', 'questions', ...")
        return None
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        at.line_of(raw, "id").problem(
            f"id {entry_id!r} must be lower-case words joined by '-' (like 'field-work-training')"
        )
        return None
    at = replace(at, line=raw.line, entry=entry_id)
    before = len(at.out.problems)
    _check_keys(raw, _ENTRY_KEYS, _ENTRY_REQUIRED, at)
    kind = raw.get("kind", "answer")
    if kind not in ENTRY_KINDS:
        at.key(raw, "kind").problem(f"kind must be one of {', '.join(ENTRY_KINDS)}")
    field_id = raw.get("field")
    if field_id is not None and not (isinstance(field_id, str) and _ID.match(field_id)):
        at.key(raw, "field").problem("field must be the id of a field entry")
    source = _string_list(
        raw.get("source"),
        at.key(raw, "source"),
        "source must name where the facts come from",
        empty=False,
    )
    updated = _date(
        raw.get("updated"), at.key(raw, "updated"), "updated must be a date like 2026-11-26"
    )
    titles = _per_language(raw, "titles", at, languages, "texts", _title)
    answers = _per_language(
        raw, "answers", at, languages, "texts", lambda text, here: _answer(text, here, directory)
    )
    questions = _per_language(raw, "questions", at, languages, "lists", _questions)
    triggers = _per_language(raw, "triggers", at, languages, "lists", _questions)
    if triggers and kind not in CRISIS_KINDS:
        at.key(raw, "triggers").problem(
            f"only entries of kind {' or '.join(CRISIS_KINDS)} have triggers"
        )
    related = _string_list(
        raw.get("related", []),
        at.key(raw, "related"),
        "related must be a list of entry ids",
        one_text=False,
    )
    outdated = _outdated(raw.get("outdated", []), at.key(raw, "outdated"), languages)
    if len(at.out.problems) > before or source is None or updated is None:
        return None
    return Entry(
        id=entry_id,
        kind=str(kind),
        field=field_id,
        source=source,
        updated=updated,
        titles=titles,
        answers=answers,
        questions=questions,
        triggers=triggers,
        related=related or (),
        outdated=outdated,
        file=at.file,
        line=raw.line,
        lines=dict(raw.key_lines),
    )


def _per_language(
    raw: LineDict,
    key: str,
    at: _At,
    languages: tuple[str, ...],
    expected: str,
    read: Callable[[Any, _At], _T | None],
) -> dict[str, _T]:
    """An entry's `key` (answers, questions, ...): language -> a value read by `read`."""
    here = at.key(raw, key)
    value = _mapping(raw.get(key), here, f"{key} must map language codes to {expected}")
    result: dict[str, _T] = {}
    for lang, item in value.items():
        item_at = here.key(value, lang)
        if lang not in languages:
            item_at.problem(f"language '{lang}' is not listed in {LANGUAGES_FILE}")
            continue
        parsed = read(item, item_at)
        if parsed is not None:
            result[lang] = parsed
    return result


def _title(value: Any, at: _At) -> str | None:
    title = _text(value, at)
    if title is not None and len(title) > MAX_TITLE:
        at.problem(f"title is {len(title)} characters; buttons fit {MAX_TITLE}")
    return title


def _answer(value: Any, at: _At, directory: Directory) -> str | None:
    """An answer text whose placeholders all name something in the directory."""
    text = _text(value, at)
    if text is None:
        return None
    for kind, key in PLACEHOLDER.findall(text):
        if kind not in PLACEHOLDER_KINDS or not directory.has(kind, key):
            at.problem(f"unknown placeholder {{{kind}:{key}}}")
    stray = PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        at.problem("a '{' or '}' that is not a placeholder like {tel:hecht}")
    return text


def _questions(value: Any, at: _At) -> tuple[str, ...] | None:
    listed = _string_list(value, at, "must be a list of non-empty texts", one_text=False)
    return None if listed is None else tuple(text.strip() for text in listed)


def _outdated(value: Any, at: _At, languages: tuple[str, ...]) -> tuple[str, ...]:
    message = "outdated must be a list of language codes"
    listed = _string_list(value, at, message, one_text=False)
    if listed is None:
        return ()
    if not all(code in languages for code in listed):
        at.problem(message)
        return ()
    return listed


def topic_files(root: Path) -> list[Path]:
    """The YAML files holding entries, in a stable order."""
    special = (LANGUAGES_FILE, DIRECTORY_FILE, OUT_OF_SCOPE_FILE, INTERFACE_FILE)
    return sorted(p for p in root.glob("*.yaml") if p.name not in special)


def _read_topic_file(
    path: Path, languages: tuple[str, ...], directory: Directory, out: _Collector
) -> tuple[list[Entry], set[str]]:
    """The valid entries of one topic file, and the ids of those with problems."""
    at = _At(out, path.name)
    try:
        data = _document(path, at, "must be a mapping with 'version' and 'entries'")
    except YamlError as error:
        out.problems.append(Problem(error.file, error.line, error.message))
        return [], set()
    if data is None:
        return [], set()
    _check_keys(data, {"version", "entries"}, {"version", "entries"}, at)
    if data.get("version") != SCHEMA_VERSION:
        at.line_of(data, "version").problem(f"version must be {SCHEMA_VERSION}")
    raw_entries = data.get("entries", [])
    if not isinstance(raw_entries, list):
        at.line_of(data, "entries").problem("'entries' must be a list")
        return [], set()
    entries: list[Entry] = []
    rejected: set[str] = set()
    for index, raw in enumerate(raw_entries):
        entry = _read_entry(raw, at.item(raw_entries, index), languages, directory)
        if entry is not None:
            entries.append(entry)
        elif isinstance(raw, dict) and isinstance(raw.get("id"), str):
            rejected.add(raw["id"])
    return entries, rejected


# -- out-of-scope.yaml -----------------------------------------------------------------------


def _read_out_of_scope(
    root: Path, languages: tuple[str, ...], out: _Collector
) -> dict[str, tuple[str, ...]]:
    """out-of-scope.yaml (optional): `version: 1` and `questions:` language -> list of texts."""
    if not (root / OUT_OF_SCOPE_FILE).is_file():
        return {}
    at = _At(out, OUT_OF_SCOPE_FILE)
    data = _document(
        root / OUT_OF_SCOPE_FILE, at, "must be a mapping with 'version' and 'questions'"
    )
    if data is None:
        return {}
    _check_keys(data, {"version", "questions"}, {"version", "questions"}, at)
    questions = _mapping(
        data.get("questions"),
        at.line_of(data, "questions"),
        "'questions' must map language codes to lists",
    )
    return _texts_by_language(
        questions,
        languages,
        lambda lang: at.named("questions").key(questions, lang),
        lambda lang: f"'{lang}': a supported language with a list of questions",
    )


# -- interface.yaml --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Interface:
    menu: tuple[str, ...]
    roles: Roles
    references: tuple[tuple[str, int, str], ...]  # (entry id, line, key path) to check


_ROLES = ("hours", "contact", "fallback_contact", "quick_answers")


def _read_interface(root: Path, out: _Collector) -> _Interface:
    """interface.yaml: `menu:` (entry ids) and `roles:` (the entries commands show)."""
    at = _At(out, INTERFACE_FILE)
    empty = _Interface((), Roles("", "", "", ()), ())
    if not (root / INTERFACE_FILE).is_file():
        at.problem(
            "file is missing (it names the menu's entries and those of /hours, /contact; "
            "a release ships it: `kik-bot knowledge take interface.yaml`)"
        )
        return empty
    data = _document(
        root / INTERFACE_FILE, at, "must be a mapping with 'version', 'menu' and 'roles'"
    )
    if data is None:
        return empty
    _check_keys(data, {"version", "menu", "roles"}, {"version", "menu", "roles"}, at)
    if data.get("version") != SCHEMA_VERSION:
        at.line_of(data, "version").problem(f"version must be {SCHEMA_VERSION}")
    references: list[tuple[str, int, str]] = []
    menu = _id_list(data, "menu", "menu", at, references)
    roles = data.get("roles")
    if isinstance(roles, dict):
        _check_keys(roles, set(_ROLES), set(_ROLES), at.line_of(data, "roles"))
    else:
        if "roles" in data:
            at.line_of(data, "roles").problem("'roles' must map roles to entry ids")
        roles = {}
    chosen: dict[str, str] = {}
    for key in _ROLES[:3]:
        if key not in roles:
            continue
        if not isinstance(roles[key], str):
            at.line_of(roles, key).problem(f"'roles.{key}' must be one entry id")
            continue
        chosen[key] = roles[key]
        references.append((roles[key], _line(roles, key), f"roles.{key}"))
    quick = _id_list(roles, "quick_answers", "roles.quick_answers", at, references)
    return _Interface(
        menu,
        Roles(
            chosen.get("hours", ""),
            chosen.get("contact", ""),
            chosen.get("fallback_contact", ""),
            quick,
        ),
        tuple(references),
    )


def _id_list(
    container: Mapping[str, Any],
    key: str,
    path: str,
    at: _At,
    references: list[tuple[str, int, str]],
) -> tuple[str, ...]:
    """A list of entry ids at `key` (absent: none); each is added to `references`."""
    if key not in container:
        return ()
    listed = _string_list(
        container[key],
        at.line_of(container, key),
        f"'{path}' must be a list of entry ids",
        one_text=False,
        empty=False,
    )
    for index, item in enumerate(listed or ()):
        here = at.item(container[key], index)
        if item in container[key][:index]:
            here.problem(f"'{path}': '{item}' is listed twice")
        references.append((item, here.line, path))
    return listed or ()


# -- the whole folder ------------------------------------------------------------------------


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
        raise KnowledgeError([Problem(error.file, error.line, error.message)]) from None
    entries: dict[str, Entry] = {}
    rejected: set[str] = set()  # ids of entries with errors: already reported, not again
    for path in topic_files(root):
        read, failed = _read_topic_file(path, langs.codes, directory, out)
        rejected |= failed
        for entry in read:
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
    _check_references(entries, rejected, interface, out)
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
        conjunctions=langs.conjunctions,
        romanization=langs.romanization,
    )


def _check_references(
    entries: Mapping[str, Entry], rejected: set[str], interface: _Interface, out: _Collector
) -> None:
    """Fields, related ids and the interface's ids name entries; one emergency entry at most.
    An id of an entry with problems of its own is not reported again."""
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
    for ref, line, path in interface.references:
        if ref not in entries and ref not in rejected:
            out.add(INTERFACE_FILE, line, f"'{path}': no entry has the id '{ref}'")
    general = [e for e in entries.values() if e.kind == "emergency"]
    for extra in general[1:]:
        out.add(
            extra.file,
            extra.lines.get("kind", extra.line),
            f"only one entry may be of kind 'emergency' (also '{general[0].id}')",
            entry=extra.id,
            field="kind",
        )
