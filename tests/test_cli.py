"""The `kik-bot` command line as a user or a script runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIK_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=False,
    )


def test_ask_json_answers_one_question() -> None:
    result = run_cli("ask", "--json", "Bis wann ist das Amt am Montag offen?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["entry"] == "hours" and data["language"] == "de" and data["detected"] == "de"
    assert "17:30" in data["text"]


def test_ask_reads_one_question_per_line_from_stdin() -> None:
    questions = "Wo ist das Rathaus?\n\nWho won the world cup?\nمرحبا\n"
    result = run_cli("ask", "--json", stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "Wo ist das Rathaus?",
        "Who won the world cup?",
        "مرحبا",
    ]
    assert lines[0]["entry"] == "address"
    assert lines[1]["entry"] is None
    assert lines[2]["language"] == "ar"


def test_ask_with_lang_answers_in_that_language() -> None:
    result = run_cli("ask", "--json", "--lang", "uk", "Öffnungszeiten")
    data = json.loads(result.stdout)
    assert (data["entry"], data["language"]) == ("hours", "uk")


def test_check_passes_on_the_shipped_knowledge() -> None:
    result = run_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s)" in result.stdout


def test_check_fails_on_broken_knowledge_naming_the_place(knowledge_copy: Path) -> None:
    (knowledge_copy / "office.yaml").write_text(
        "version: 1\nentries:\n- id: Bad Id\n", encoding="utf-8"
    )
    result = run_cli("check", env={"KIK_KNOWLEDGE_DIR": str(knowledge_copy)})
    assert result.returncode == 1
    assert "office.yaml:3" in result.stdout


def test_ask_on_broken_knowledge_explains_instead_of_a_traceback(knowledge_copy: Path) -> None:
    (knowledge_copy / "office.yaml").write_text("version: 1\nentries: [\n", encoding="utf-8")
    result = run_cli("ask", "hallo", env={"KIK_KNOWLEDGE_DIR": str(knowledge_copy)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "office.yaml" in result.stderr


def test_without_token_the_plain_command_opens_the_console_chat() -> None:
    result = run_cli(stdin="Wann habt ihr offen?\n")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()[0]
        == "TELEGRAM_BOT_TOKEN is not set: opening the console chat instead of the Telegram bot."
    )
    assert "08:00" in result.stdout


def test_malformed_token_is_one_line_naming_the_variable() -> None:
    result = run_cli("run", env={"TELEGRAM_BOT_TOKEN": "not-a-token"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "not-a-token" not in result.stderr


def test_eval_prints_per_language_scores(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        'cases:\n- {q: "Wann habt ihr offen?", lang: de, expect: [hours], facts: ["08:00"]}\n'
        '- {q: "Who won the world cup?", lang: en, expect: [fallback]}\n',
        encoding="utf-8",
    )
    result = run_cli("eval", str(cases))
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    columns = header.split()
    rows = {line.split()[0]: dict(zip(columns, line.split(), strict=True)) for line in lines}
    assert rows["de"]["right"] == "100.0%" and rows["de"]["facts"] == "100.0%"
    assert rows["en"]["oos-ans"] == "0.0%"  # the out-of-scope question was not answered


def test_report_prints_statistics_and_csv(tmp_path: Path) -> None:
    from bot.store import Store

    store = Store.in_folder(tmp_path)
    store.log_question("de", "answer", "hours")
    store.log_question("tr", "fallback", None)
    store.add_unanswered("Wo ist das Schwimmbad?", "de", "address", 0.1)
    store.close()
    result = run_cli("report", "--days", "7", env={"KIK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "2 questions, 50% answered" in result.stdout
    assert "1x (de 1) Wo ist das Schwimmbad?" in result.stdout
    csv_result = run_cli("report", "--csv", env={"KIK_DATA_DIR": str(tmp_path)})
    rows = csv_result.stdout.splitlines()
    assert rows[0] == "day,language,questions" and len(rows) == 3


def test_run_without_token_is_one_line_naming_the_variable() -> None:
    result = run_cli("run")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "kik-bot: TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)"
    )
