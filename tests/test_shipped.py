"""A container's knowledge: seeded into the data volume from the image's, and an upgrade that
never overwrites staff edits silently (`kik-bot knowledge` reports, diffs and takes over)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import KNOWLEDGE_DIR
from .test_cli import run_cli

NEW_ENTRY = """- id: release-note
  source: [seed/kik-kempten-webpage.txt]
  updated: 2026-12-01
  answers:
    de: Neu in dieser Version.
  questions:
    de: [Was ist neu?]
"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_knowledge_is_seeded_and_an_upgrade_never_overwrites_staff_edits(tmp_path: Path) -> None:
    image = tmp_path / "image-knowledge"
    shutil.copytree(KNOWLEDGE_DIR, image)
    live = tmp_path / "data" / "knowledge"
    env = {"KIK_SHIPPED_KNOWLEDGE_DIR": str(image), "KIK_KNOWLEDGE_DIR": str(live)}

    # First start: the volume gets the image's knowledge.
    first = run_cli("ask", "--json", "Wann habt ihr offen?", env=env)
    assert first.returncode == 0, first.stderr
    assert (live / "office.yaml").read_bytes() == (image / "office.yaml").read_bytes()

    # Staff edit an answer here; then a new release changes two files, one of them that one.
    _edit(live / "office.yaml", "Bitte vereinbaren Sie", "Bitte vereinbaren Sie (Staff)")
    staff_version = (live / "office.yaml").read_text(encoding="utf-8")
    _edit(image / "office.yaml", "Priska Hecht: {tel:hecht}", "Frau Hecht: {tel:hecht}")
    _edit(image / "kik.yaml", "entries:\n", "entries:\n" + NEW_ENTRY)

    check = run_cli("check", env=env)
    assert check.returncode == 0, check.stdout
    assert "release: kik.yaml: changed in this release; not edited here" in check.stdout
    assert "release: office.yaml: changed in this release and edited here" in check.stdout
    assert (live / "office.yaml").read_text(encoding="utf-8") == staff_version

    # Take over what staff did not edit; the edited file stays as staff left it.
    taken = run_cli("knowledge", "take", env=env)
    assert taken.returncode == 0, taken.stderr
    assert "kik.yaml: took over the release's version" in taken.stdout
    assert (live / "kik.yaml").read_bytes() == (image / "kik.yaml").read_bytes()
    assert (live / "office.yaml").read_text(encoding="utf-8") == staff_version
    status = run_cli("knowledge", env=env).stdout.splitlines()
    assert status == [
        "office.yaml: changed in this release and edited here "
        "(see `kik-bot knowledge diff office.yaml`)"
    ]

    # What the release changed in the edited file, then taking it over with the staff's kept.
    diff = run_cli("knowledge", "diff", "office.yaml", env=env).stdout
    assert "-      • Priska Hecht: {tel:hecht}" in diff
    assert "+      • Frau Hecht: {tel:hecht}" in diff
    assert "(Staff)" not in diff
    assert run_cli("knowledge", "take", "office.yaml", env=env).returncode == 0
    (kept,) = live.glob("office.yaml.before-*")
    assert kept.read_text(encoding="utf-8") == staff_version
    done = run_cli("knowledge", env=env).stdout
    assert "has everything the release ships" in done

    # A later start does not copy anything again.
    _edit(live / "kik.yaml", "Neu in dieser Version.", "Neu (Staff).")
    assert run_cli("ask", "Was ist neu?", env=env).stdout.startswith("Neu (Staff).")
    assert "Neu (Staff)." in (live / "kik.yaml").read_text(encoding="utf-8")


def test_taking_over_a_file_that_would_break_the_knowledge_changes_nothing(
    tmp_path: Path,
) -> None:
    image = tmp_path / "image-knowledge"
    shutil.copytree(KNOWLEDGE_DIR, image)
    live = tmp_path / "knowledge"
    env = {"KIK_SHIPPED_KNOWLEDGE_DIR": str(image), "KIK_KNOWLEDGE_DIR": str(live)}
    assert run_cli("check", env=env).returncode == 0
    # The release adds an entry to a file staff edited and relates to it from another file.
    _edit(live / "kik.yaml", "entries:\n", "entries:\n# staff were here\n")
    _edit(image / "kik.yaml", "entries:\n", "entries:\n" + NEW_ENTRY)
    _edit(image / "smalltalk.yaml", "  related:\n", "  related:\n  - release-note\n")
    before = (live / "smalltalk.yaml").read_bytes()
    result = run_cli("knowledge", "take", env=env)
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    assert "related id 'release-note' does not exist" in result.stderr
    assert (live / "smalltalk.yaml").read_bytes() == before
    assert "smalltalk.yaml: changed in this release; not edited here" in (
        run_cli("knowledge", env=env).stdout
    )


def test_an_empty_folder_such_as_a_mount_point_is_seeded_in_place(tmp_path: Path) -> None:
    from bot import shipped

    live = tmp_path / "knowledge"
    live.mkdir()
    assert shipped.seed(KNOWLEDGE_DIR, live)
    assert sorted(p.name for p in live.glob("*.yaml")) == sorted(
        p.name for p in KNOWLEDGE_DIR.glob("*.yaml")
    )
    assert [p.name for p in live.iterdir() if p.name.startswith(".")] == [shipped.BASELINE]
    assert not shipped.seed(KNOWLEDGE_DIR, live)  # seeded once only
    assert shipped.pending(KNOWLEDGE_DIR, live) == []


def test_a_file_new_in_a_release_is_copied_in_and_the_bot_starts(tmp_path: Path) -> None:
    image = tmp_path / "image-knowledge"
    shutil.copytree(KNOWLEDGE_DIR, image)
    live = tmp_path / "knowledge"
    env = {"KIK_SHIPPED_KNOWLEDGE_DIR": str(image), "KIK_KNOWLEDGE_DIR": str(live)}
    assert run_cli("check", env=env).returncode == 0
    # Seeded by a release before interface.yaml existed; staff edited another file since.
    (live / "interface.yaml").unlink()
    (live / ".shipped" / "interface.yaml").unlink()
    _edit(live / "office.yaml", "Bitte vereinbaren Sie", "Bitte vereinbaren Sie (Staff)")
    result = run_cli("ask", "Wann habt ihr offen?", env=env)
    assert result.returncode == 0, result.stderr
    assert "Montag" in result.stdout
    assert "(Staff)" in (live / "office.yaml").read_text(encoding="utf-8")
    assert (live / "interface.yaml").read_bytes() == (image / "interface.yaml").read_bytes()
    assert "has everything the release ships" in run_cli("knowledge", env=env).stdout
