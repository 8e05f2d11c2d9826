"""The `kik-bot` command line: argument parsing only; the work happens in the core and adapters.

Bad input is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_EVAL = Path(__file__).resolve().parent.parent / "tests" / "data"
KNOWLEDGE_ACTIONS = ("status", "diff", "take")


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line (argparse prints the whole usage first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"kik-bot: {message} (see kik-bot {self._command()}--help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def _command(self) -> str:
        name = self.prog.removeprefix("kik-bot").strip()
        return f"{name} " if name else ""


def _moment(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date and time like 2028-08-15T09:00"
        ) from None


AT_HELP = "answer as if it were this moment, e.g. 2028-08-15T09:00 (local time of the office)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kik-bot",
        description="KIK-Bot: questions about Kempten's integration concept, answered in the asker's language.",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    ask = commands.add_parser(
        "ask", help="answer questions (argument, or one per line from stdin)"
    )
    ask.add_argument(
        "question", nargs="*", help="the question; omit to read one per line from stdin"
    )
    ask.add_argument("--lang", help="answer in this language (like a /language choice)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--at", type=_moment, help=AT_HELP)
    chat = commands.add_parser("chat", help="an interactive console conversation")
    chat.add_argument("--at", type=_moment, help=AT_HELP)
    commands.add_parser("check", help="validate the knowledge and the interface translations")
    evaluate = commands.add_parser("eval", help="score an evaluation file or folder")
    evaluate.add_argument("file", nargs="?", type=Path, default=DEFAULT_EVAL)
    evaluate.add_argument("--failures", action="store_true", help="list every case that failed")
    report = commands.add_parser("report", help="statistics of what people asked (as /stats)")
    report.add_argument("--days", type=int, default=30)
    report.add_argument("--csv", action="store_true", help="one row per day and language")
    commands.add_parser("health", help="exit 0 if a running bot wrote its heartbeat recently")
    backup = commands.add_parser(
        "backup", help="a consistent copy of the database, also while the bot runs"
    )
    backup.add_argument("file", type=Path, help="where to write the copy")
    knowledge = commands.add_parser(
        "knowledge",
        help="what a new release changed in the shipped knowledge, and taking it over",
    )
    knowledge.add_argument("action", nargs="?", default="status", choices=KNOWLEDGE_ACTIONS)
    knowledge.add_argument("files", nargs="*", help="knowledge file names, like office.yaml")
    run = commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.add_argument(
        "--webhook", action="store_true", help="receive updates by webhook instead of polling"
    )
    run.add_argument("--listen", default="0.0.0.0", help="webhook listen address")
    run.add_argument("--port", type=int, default=8080, help="webhook port")
    run.add_argument("--url", help="public webhook URL (https://...)")
    run.add_argument("--secret", help="webhook secret token (default: KIK_WEBHOOK_SECRET)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(require_token=args.command == "run")
        if args.command == "run" and args.webhook:
            settings = settings.with_webhook(
                url=args.url, secret=args.secret, listen=args.listen, port=args.port
            )
    except SettingsError as error:
        print(f"kik-bot: {error}", file=sys.stderr)
        return EXIT_USAGE
    runs_bot = args.command == "run" or (args.command is None and settings.token is not None)
    logging.basicConfig(
        level=settings.log_level or (logging.INFO if runs_bot else logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the token
    try:
        return _closing_stdout_quietly(lambda: _dispatch(args, settings))
    except OSError as error:  # e.g. a data folder that cannot be written, a port in use
        where = f": {error.filename}" if error.filename else ""
        print(f"kik-bot: {error.strerror or error}{where}", file=sys.stderr)
        return EXIT_FAILED


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import commands

    if args.command not in ("health", "backup"):
        commands.prepare_knowledge(settings)
    if args.command is None:
        if settings.token is not None:
            return commands.run(settings)
        print(
            "TELEGRAM_BOT_TOKEN is not set: opening the console chat instead of the Telegram bot."
        )
        return commands.chat(settings)
    if args.command == "ask":
        return commands.ask(
            settings, args.question, language=args.lang, as_json=args.json, at=args.at
        )
    if args.command == "chat":
        return commands.chat(settings, at=args.at)
    if args.command == "check":
        return commands.check(settings)
    if args.command == "eval":
        return commands.evaluate_file(settings, args.file, show_failures=args.failures)
    if args.command == "report":
        return commands.report(settings, days=args.days, as_csv=args.csv)
    if args.command == "health":
        return commands.health(settings)
    if args.command == "backup":
        return commands.backup(settings, args.file)
    if args.command == "knowledge":
        return commands.knowledge(settings, args.action, args.files)
    if args.command == "run":
        return commands.run(settings)
    return EXIT_USAGE


def _closing_stdout_quietly(command: Callable[[], int]) -> int:
    """`kik-bot ask ... | head`: when the reader closes the pipe, stop without a traceback
    (and without Python's own complaint when it flushes stdout at exit)."""
    try:
        status = command()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
