"""The knowledge a release ships, beside the knowledge staff edit (a container's data volume).

The image carries its knowledge read-only (KIK_SHIPPED_KNOWLEDGE_DIR); staff edit a copy in the
volume (KIK_KNOWLEDGE_DIR), made on first start. The copy keeps the shipped files it was made
from in `.shipped/` (the baseline; loading and staff edits ignore dot-folders). A later image
whose files differ from the baseline is reported - in the log at start, by `kik-bot check` and
`kik-bot knowledge` - and never copied over the staff's files on its own: `kik-bot knowledge
take` takes over what staff did not edit; for a file they did edit, `kik-bot knowledge diff FILE`
shows what the release changed, and `take FILE` takes it over, keeping the staff's version beside.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.core.knowledge import KnowledgeError, Problem, load_knowledge
from bot.staff.editing import atomic_write

BASELINE = ".shipped"


@dataclass(frozen=True)
class Change:
    """A shipped file the release changed since the knowledge was seeded or taken over."""

    name: str
    kind: str  # "changed", "added" or "removed" in this release
    edited: bool  # the file here differs from what was shipped before: staff changed it

    def __str__(self) -> str:
        if not self.edited:
            return f"{self.name}: {self.kind} in this release; not edited here"
        return (
            f"{self.name}: {self.kind} in this release and edited here "
            f"(see `kik-bot knowledge diff {self.name}`)"
        )


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.yaml")} if folder.is_dir() else set()


def seed(shipped: Path, live: Path) -> bool:
    """Copy the shipped knowledge to where staff edit it, unless it is there; True if copied.
    Everything is copied beside first and renamed into place, so a crash never leaves half."""
    if _names(live):
        return False
    names = sorted(_names(shipped))
    if live.is_dir():  # an empty folder, perhaps a mount point: fill it in place
        stage = Path(tempfile.mkdtemp(prefix=".seeding.", dir=live))
    else:
        live.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{live.name}.", dir=live.parent))
    try:
        (stage / BASELINE).mkdir()
        for name in names:
            shutil.copyfile(shipped / name, stage / name)
            shutil.copyfile(shipped / name, stage / BASELINE / name)
        if stage.parent == live:
            shutil.rmtree(live / BASELINE, ignore_errors=True)
            os.replace(stage / BASELINE, live / BASELINE)
            for name in names:
                os.replace(stage / name, live / name)
            stage.rmdir()
        else:
            stage.chmod(0o755)
            os.replace(stage, live)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return True


def add_new(shipped: Path, live: Path) -> list[str]:
    """Copy in the files this release ships for the first time (e.g. interface.yaml): nothing
    here can be overwritten, and the knowledge may not load without them. Their names."""
    if not _names(live):
        return []
    baseline = live / BASELINE
    added = sorted(_names(shipped) - _names(live) - _names(baseline))
    for name in added:
        text = (shipped / name).read_text(encoding="utf-8")
        atomic_write(live / name, text)
        _remember(baseline, name, text)
    return added


def pending(shipped: Path, live: Path) -> list[Change]:
    """What the release changed that is not yet here. A file already equal to the shipped one
    only has its baseline brought up to date (so a later release compares with it)."""
    baseline = live / BASELINE
    changes = []
    for name in sorted(_names(shipped) | _names(baseline)):
        new, base, current = _read(shipped / name), _read(baseline / name), _read(live / name)
        if new in (base, current):
            if new is not None and base != new:
                _remember(baseline, name, new)
            continue
        if new is None:
            if current is not None:
                changes.append(Change(name, "removed", edited=current != base))
        elif base is None and current is None:
            changes.append(Change(name, "added", edited=False))
        else:
            changes.append(Change(name, "changed", edited=current != base))
    return changes


def _remember(baseline: Path, name: str, text: str | None) -> None:
    try:
        baseline.mkdir(exist_ok=True)
        if text is None:
            (baseline / name).unlink(missing_ok=True)
        else:
            atomic_write(baseline / name, text)
    except OSError:  # a read-only copy: compare again next time
        pass


def diff(shipped: Path, live: Path, name: str) -> str:
    """What the release changed in one file (shipped before -> now), as a unified diff; where
    the shipped file of before is unknown, the file here -> the shipped one."""
    before = _read(live / BASELINE / name)
    label = "shipped before"
    if before is None:
        before, label = _read(live / name), "here"
    after = _read(shipped / name)
    return "".join(
        difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            fromfile=f"{name} ({label})",
            tofile=f"{name} (this release)",
        )
    )


class TakeError(Exception):
    """Nothing was taken over; the message (and any knowledge problems) say why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def take(shipped: Path, live: Path, names: list[str]) -> list[str]:
    """Take over the release's version of the named files (all not edited here when none is
    named). A staff-edited file is kept beside as `<name>.before-<time>`. The result must load;
    otherwise everything is put back. Returns one line per file."""
    changes = {change.name: change for change in pending(shipped, live)}
    if names:
        unknown = [name for name in names if name not in changes]
        if unknown:
            raise TakeError(f"nothing to take over in {', '.join(unknown)}")
        chosen = [changes[name] for name in names]
    else:
        chosen = [change for change in changes.values() if not change.edited]
    baseline = live / BASELINE
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    undo: list[tuple[Path, str | None]] = []
    done = []
    try:
        for change in chosen:
            current, new = _read(live / change.name), _read(shipped / change.name)
            undo.append((live / change.name, current))
            undo.append((baseline / change.name, _read(baseline / change.name)))
            note = ""
            if change.edited and current is not None:
                kept = live / f"{change.name}.before-{stamp}"
                undo.append((kept, None))
                atomic_write(kept, current)
                note = f" (the version here is kept as {kept.name})"
            _put(live / change.name, new)
            _remember(baseline, change.name, new)
            done.append(f"{change.name}: took over the release's version{note}")
        load_knowledge(live)
    except KnowledgeError as error:
        for path, text in reversed(undo):
            _put(path, text)
        raise TakeError(
            "the knowledge would not load with the release's files; nothing was changed",
            error.problems,
        ) from None
    return done


def _put(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, text)
