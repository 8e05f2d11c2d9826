"""The console chat (`kik-bot chat`): the same core as Telegram, with /language, /help, /quit."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.answer import Answerer, Hints
from bot.i18n import native_name

HELP = """Type a question in any language; the answer comes in the language of the question.
/language          list the languages
/language xx       answer in that language from now on (like /language in Telegram)
/language auto     back to the language of each question
/help              this help
/quit              end (so do an empty line and Ctrl-D)"""


class Console:
    """One conversation: reads lines with `read` (EOFError ends), writes with `write`."""

    def __init__(
        self, answerer: Answerer, read: Callable[[str], str], write: Callable[[str], None]
    ) -> None:
        self.answerer, self.read, self.write = answerer, read, write
        self.chosen: str | None = None  # an explicit /language choice
        self.last: str | None = None  # the language of the last real question

    def run(self) -> None:
        self.write(
            "KIK-Bot – ask about Kempten's integration concept in your language. "
            "/help for commands; an empty line, /quit or Ctrl-D ends."
        )
        while True:
            try:
                line = self.read("> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.write("")
                return
            if not line or not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        """Answer one line; False when the conversation ends."""
        if not line.startswith("/"):
            result = self.answerer.answer(line, Hints(preferred=self.chosen, recent=self.last))
            self.last = self.answerer.supported(result.question_language) or self.last
            self.write(result.text + "\n")
            return True
        command, _space, argument = line.partition(" ")
        command = command.lower().split("@")[0]
        if command in ("/quit", "/exit"):
            return False
        if command == "/language":
            self.write(self.choose_language(argument.strip()))
        elif command in ("/help", "/start"):
            self.write(HELP)
        else:
            self.write(f"Unknown command {command}.\n{HELP}")
        return True

    def choose_language(self, wanted: str) -> str:
        languages = self.answerer.knowledge.languages
        listed = ", ".join(f"{code} ({native_name(code)})" for code in languages)
        if not wanted:
            current = self.chosen or "the language of each question"
            return f"Answering in: {current}. Languages: {listed}."
        if wanted.lower() == "auto":
            self.chosen = None
            return "Answering in the language of each question."
        code = self.answerer.supported(wanted)
        if code is None:
            return f"'{wanted}' is not supported. Languages: {listed}."
        self.chosen = code
        return f"Answering in {native_name(code)} ({code})."
