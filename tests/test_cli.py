"""The `kik-bot` command line as a user or a script runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .fake_telegram import TOKEN


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


def _one_line_error(result: subprocess.CompletedProcess[str], status: int = 2) -> str:
    assert result.returncode == status, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_ask_in_an_unsupported_language_names_the_supported_ones() -> None:
    line = _one_line_error(run_cli("ask", "--lang", "xx", "Öffnungszeiten"))
    assert "'xx' is not supported" in line and "de en tr it" in line


def test_report_needs_a_positive_number_of_days(tmp_path: Path) -> None:
    for days in ("0", "-3"):
        line = _one_line_error(
            run_cli("report", "--days", days, env={"KIK_DATA_DIR": str(tmp_path)})
        )
        assert "--days" in line


def test_eval_of_a_missing_or_malformed_file_is_one_line(tmp_path: Path) -> None:
    assert "no such evaluation file" in _one_line_error(run_cli("eval", str(tmp_path / "no")))
    broken = tmp_path / "broken.yaml"
    broken.write_text("cases: [\n", encoding="utf-8")
    assert _one_line_error(run_cli("eval", str(broken))).startswith("kik-bot: broken.yaml:2:")
    broken.write_text("cases:\n- {q: Wann habt ihr offen?, lang: de}\n", encoding="utf-8")
    line = _one_line_error(run_cli("eval", str(broken)))
    assert "broken.yaml:2: case 1 needs" in line and "'expect'" in line


def test_a_closed_pipe_ends_ask_quietly() -> None:
    result = subprocess.run(
        [
            "bash",
            "-c",
            f"yes 'Wann habt ihr offen?' | head -3000 | {sys.executable} -m bot ask | head -1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.stdout.startswith("Das sind die allgemeinen Öffnungszeiten")
    assert result.stderr == ""


def test_webhook_without_url_https_or_secret_does_not_start() -> None:
    token = {"TELEGRAM_BOT_TOKEN": TOKEN}
    cases = {
        ("--webhook",): "--url is required",
        ("--webhook", "--url", "http://bot.example.org"): "must be an https:// address",
        (
            "--webhook",
            "--url",
            "https://bot.example.org",
        ): "needs a secret: set KIK_WEBHOOK_SECRET",
        ("--webhook", "--url", "https://bot.example.org", "--secret", "no spaces"): "--secret",
    }
    for args, expected in cases.items():
        assert expected in _one_line_error(run_cli("run", *args, env=token))


def test_run_on_broken_knowledge_lists_the_errors_like_check(knowledge_copy: Path) -> None:
    office = knowledge_copy / "office.yaml"
    office.write_text(
        office.read_text(encoding="utf-8").replace("{tel:hecht}", "{tel:nobody}", 1),
        encoding="utf-8",
    )
    env = {"KIK_KNOWLEDGE_DIR": str(knowledge_copy), "TELEGRAM_BOT_TOKEN": TOKEN}
    result = run_cli("run", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    check = run_cli("check", env={"KIK_KNOWLEDGE_DIR": str(knowledge_copy)})
    (problem,) = [line for line in check.stdout.splitlines() if "{tel:nobody}" in line]
    assert result.stderr.splitlines()[1].strip() == problem


def test_console_chat_understands_language_help_and_quit() -> None:
    result = run_cli(
        "chat", stdin="/language uk\nWann habt ihr offen?\n/help\n/quit\nWo ist das Rathaus?\n"
    )
    assert result.returncode == 0, result.stderr
    assert "Українська" in result.stdout  # the choice is confirmed by its native name
    assert "понеділок" in result.stdout  # the answer came in Ukrainian
    assert "/language xx" in result.stdout  # the help
    assert "Rathausplatz" not in result.stdout  # /quit ended the chat before the last question
    unsupported = run_cli("chat", stdin="/language xx\n")
    assert "'xx' is not supported" in unsupported.stdout and "hr (Hrvatski)" in unsupported.stdout


def test_backup_copies_the_database_while_it_is_open(tmp_path: Path) -> None:
    import sqlite3

    from bot.store import Store

    store = Store.in_folder(tmp_path / "data")  # the running bot's connection stays open
    for _ in range(50):
        store.log_question("de", "answer", "hours")
    target = tmp_path / "backup.sqlite3"
    result = run_cli("backup", str(target), env={"KIK_DATA_DIR": str(tmp_path / "data")})
    store.log_question("tr", "answer", "hours")  # the bot goes on writing
    store.close()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM asked").fetchone() == (50,)
    assert not (tmp_path / "backup.sqlite3-wal").exists()
    missing = run_cli("backup", str(target), env={"KIK_DATA_DIR": str(tmp_path / "none")})
    assert "no database at" in _one_line_error(missing, status=1)


def test_the_webhook_secret_comes_from_the_environment_and_never_shows() -> None:
    from bot.settings import Settings, SettingsError, Webhook

    settings = Settings.from_env({"KIK_WEBHOOK_SECRET": "from-env_123"})
    webhook = Webhook.configure(settings, url="https://bot.example.org/", secret=None)
    assert (webhook.url, webhook.secret.value) == ("https://bot.example.org", "from-env_123")
    assert "from-env_123" not in repr(webhook) + str(webhook)
    given = Webhook.configure(settings, url="https://bot.example.org", secret="given")
    assert given.secret.value == "given"  # --secret wins
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"KIK_WEBHOOK_SECRET": "with space"})
    assert "KIK_WEBHOOK_SECRET" in str(refused.value) and "with space" not in str(refused.value)


def test_webhook_options_are_settings_checked_at_once() -> None:
    from bot.settings import Settings, SettingsError

    settings = Settings.from_env({"KIK_WEBHOOK_SECRET": "from-env_123"})
    assert settings.webhook is None  # long polling
    hooked = settings.with_webhook(url="https://bot.example.org/", secret=None, port=8443)
    assert hooked.webhook is not None and hooked.webhook.port == 8443
    assert hooked.webhook.secret.value == "from-env_123"
    with pytest.raises(SettingsError, match="--port"):
        settings.with_webhook(url="https://bot.example.org", secret=None, port=0)


def test_the_readme_lists_every_variable_the_settings_read() -> None:
    source = (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env(?:\.get\(|\[)"([A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("Environment variables") :].split("\n\n")[1]
    names = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `")]
    listed = {name for cell in names for name in re.findall(r"`([A-Z_]+)`", cell)}
    assert len(read) >= 11 and read <= listed
    assert {v for v in listed if v.startswith(("KIK_", "TELEGRAM_"))} == read


def test_a_malformed_log_level_is_one_line_naming_the_variable() -> None:
    line = _one_line_error(run_cli("check", env={"KIK_LOG_LEVEL": "loud"}))
    assert "KIK_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR" in line
