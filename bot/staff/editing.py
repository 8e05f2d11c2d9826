"""Changing the knowledge from Telegram without a developer, and without breaking anything.

Every change: is validated with the rules of `kik-bot check` on a candidate copy of the folder;
is written atomically (temporary file, fsync, rename: a crash never leaves half a file); keeps
the comments and layout staff wrote (ruamel.yaml round trip); is recorded in the audit log with
who, when, before and after; and returns the new knowledge for reloading. A German answer changed
while its translations were not marks them outdated. Two staff editing one answer: the second
save is refused with the current text.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.core.knowledge import Knowledge, KnowledgeError, Problem, load_knowledge
from bot.core.lint import lint_knowledge
from bot.store import AuditRecord, Store

STAFF_FILE = "staff.yaml"
STAFF_SOURCE = "Amt für Integration (entered by staff via Telegram)"


class EditError(Exception):
    """A change was refused; `problems` says why (nothing was written)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class EditConflict(EditError):
    """Someone else changed the same text meanwhile; `current` is what is there now."""

    def __init__(self, current: str | None) -> None:
        super().__init__("changed by someone else meanwhile")
        self.current = current


@dataclass(frozen=True)
class Saved:
    knowledge: Knowledge
    audit_id: int


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100_000
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def atomic_write(path: Path, text: str) -> None:
    """Write a whole file or nothing: temporary file beside it, fsync, rename over it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _block(text: str) -> LiteralScalarString:
    block: LiteralScalarString = LiteralScalarString(text.strip() + "\n")
    return block


class KnowledgeEditor:
    """Applies staff changes to the knowledge folder; one change at a time."""

    def __init__(
        self, root: Path, store: Store, today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self.root = Path(root)
        self.store = store
        self.today = today
        self._lock = threading.Lock()

    # -- changes ------------------------------------------------------------------------------

    def edit_answer(
        self, staff_id: int, entry_id: str, language: str, text: str, expected: str | None
    ) -> Saved:
        """Replace one answer; refuse if it is no longer `expected` (someone else saved first)."""
        text = text.strip()
        if not text:
            raise EditError("the new answer is empty")
        with self._lock:
            knowledge = self._current()
            entry = self._entry(knowledge, entry_id)
            if language not in knowledge.languages:
                raise EditError(f"unknown language '{language}'")
            current = entry.answers.get(language)
            if expected is not None and current != expected:
                raise EditConflict(current)

            def change(item: CommentedMap) -> None:
                item.setdefault("answers", CommentedMap())[language] = _block(text)
                outdated = [x for x in item.get("outdated", []) if x != language]
                if language == knowledge.authoritative and text != current:
                    outdated = [
                        x for x in knowledge.languages if x != language and x in entry.answers
                    ]
                self._set_outdated(item, outdated)
                item["updated"] = self.today()

            new = self._apply(entry.file, entry_id, change)
            audit_id = self.store.audit(
                staff_id,
                "edit",
                entry_id,
                f"answers.{language}",
                current,
                text,
                outdated_before=entry.outdated,
            )
            return Saved(new, audit_id)

    def add_question(self, staff_id: int, entry_id: str, language: str, question: str) -> Saved:
        """Add a way of asking to an entry."""
        return self.add_questions(staff_id, entry_id, [(language, question)])

    def add_questions(
        self, staff_id: int, entry_id: str, questions: list[tuple[str, str]]
    ) -> Saved:
        """Add ways of asking (language, text) to an entry, validated and saved as one change;
        each is recorded in the audit log (so /undo takes back the last one)."""
        cleaned = [(lang, " ".join(q.split())) for lang, q in questions if q.strip()]
        if not cleaned:
            raise EditError("the question is empty")
        with self._lock:
            knowledge = self._current()
            entry = self._entry(knowledge, entry_id)
            unknown = sorted({lang for lang, _q in cleaned} - set(knowledge.languages))
            if unknown:
                raise EditError(f"unknown language '{unknown[0]}'")

            def change(item: CommentedMap) -> None:
                listed = item.setdefault("questions", CommentedMap())
                for lang, question in cleaned:
                    listed.setdefault(lang, CommentedSeq()).append(question)
                item["updated"] = self.today()

            new = self._apply(entry.file, entry_id, change)
            audit_id = 0
            for lang, question in cleaned:
                audit_id = self.store.audit(
                    staff_id, "addq", entry_id, f"questions.{lang}", None, question
                )
            return Saved(new, audit_id)

    def new_entry(
        self,
        staff_id: int,
        entry_id: str,
        answer: str,
        questions: dict[str, list[str]],
        field: str | None = None,
    ) -> Saved:
        """Create an entry in the authoritative language; other languages are marked pending."""
        with self._lock:
            knowledge = self._current()
            if entry_id in knowledge.entries:
                raise EditError(f"the id '{entry_id}' is already used")
            language = knowledge.authoritative
            item = CommentedMap()
            item["id"] = entry_id
            if field:
                item["field"] = field
            item["source"] = [STAFF_SOURCE]
            item["updated"] = self.today()
            item["answers"] = CommentedMap({language: _block(answer)})
            item["questions"] = CommentedMap(
                {
                    lang: CommentedSeq([" ".join(q.split()) for q in asked if q.strip()])
                    for lang, asked in questions.items()
                }
            )
            self._set_outdated(item, [x for x in knowledge.languages if x != language])
            new = self._apply(STAFF_FILE, None, lambda entries: entries.append(item))
            audit_id = self.store.audit(staff_id, "new", entry_id, "entry", None, answer.strip())
            return Saved(new, audit_id)

    def undo(self, staff_id: int) -> tuple[AuditRecord, Saved]:
        """Revert this staff member's last change that is not undone yet."""
        with self._lock:
            record = self.store.last_change(staff_id)
            if record is None:
                raise EditError("nothing to undo")
            knowledge = self._current()
            if record.action == "new":
                entry = self._entry(knowledge, record.entry)
                new = self._apply(
                    entry.file, None, lambda entries: entries.remove(_find(entries, record.entry))
                )
            else:
                entry = self._entry(knowledge, record.entry)
                kind, language = record.field.split(".", 1)

                def change(item: CommentedMap) -> None:
                    if kind == "answers":
                        if entry.answers.get(language) != record.after:
                            raise EditConflict(entry.answers.get(language))
                        if record.before is None:
                            del item["answers"][language]
                        else:
                            item["answers"][language] = _block(record.before)
                        if record.outdated_before is not None:
                            self._set_outdated(item, list(record.outdated_before))
                        elif language == knowledge.authoritative:  # recorded before schema 4
                            self._set_outdated(item, [])
                    else:
                        questions = item["questions"][language]
                        if record.after in questions:
                            questions.remove(record.after)

                new = self._apply(entry.file, record.entry, change)
            self.store.mark_undone(record.id)
            audit_id = self.store.audit(
                staff_id,
                "undo",
                record.entry,
                record.field,
                record.after,
                record.before,
                outdated_before=None if record.action == "new" else entry.outdated,
            )
            return record, Saved(new, audit_id)

    # -- machinery ----------------------------------------------------------------------------

    def _current(self) -> Knowledge:
        try:
            return load_knowledge(self.root)
        except KnowledgeError as error:
            raise EditError(
                "the knowledge folder is invalid; fix it first (kik-bot check)", error.problems
            ) from None

    @staticmethod
    def _entry(knowledge: Knowledge, entry_id: str) -> Any:
        entry = knowledge.entries.get(entry_id)
        if entry is None:
            raise EditError(f"no entry with the id '{entry_id}'")
        return entry

    @staticmethod
    def _set_outdated(item: CommentedMap, languages: list[str]) -> None:
        if languages:
            seq = CommentedSeq(languages)
            seq.fa.set_flow_style()
            item["outdated"] = seq
        elif "outdated" in item:
            del item["outdated"]

    def _apply(
        self, filename: str, entry_id: str | None, change: Callable[[Any], None]
    ) -> Knowledge:
        """Change one file in memory, validate a candidate copy of the folder, then write it."""
        path = self.root / filename
        yaml = _yaml()
        if path.exists():
            document = yaml.load(path.read_text(encoding="utf-8"))
        else:
            document = yaml.load(
                "# Entries created by staff in Telegram (/new).\nversion: 1\nentries: []\n"
            )
        entries = document["entries"]
        change(entries if entry_id is None else _find(entries, entry_id))
        buffer = io.StringIO()
        yaml.dump(document, buffer)
        text = buffer.getvalue()
        self._validate(filename, text)
        try:
            atomic_write(path, text)
        except OSError as error:
            raise EditError(f"could not write {filename}: {error.strerror or error}") from None
        return load_knowledge(self.root)

    def _validate(self, filename: str, text: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            candidate = Path(folder) / "knowledge"
            shutil.copytree(self.root, candidate, ignore=shutil.ignore_patterns(".*"))
            (candidate / filename).write_text(text, encoding="utf-8")
            try:
                knowledge = load_knowledge(candidate)
            except KnowledgeError as error:
                raise EditError("the change does not pass the checks", error.problems) from None
            errors = [p for p in lint_knowledge(knowledge) if p.severity == "error"]
            if errors:
                raise EditError("the change does not pass the checks", errors)


def _find(entries: Any, entry_id: str) -> Any:
    for item in entries:
        if item.get("id") == entry_id:
            return item
    raise EditError(f"no entry with the id '{entry_id}'")
