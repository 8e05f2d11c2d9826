"""End to end: a crisis message of each kind, in each language, as Telegram delivers it, gets
one message with 112 and 110 first and the lines for its kind, in the language of the message."""

from __future__ import annotations

import re

from bot.core.bidi import LRI, PDI
from bot.evaluate import load_cases

from .conftest import ROOT, RunningBot
from .fake_telegram import message

# Numbers the person must see for each kind (kik-facts.md, Emergencies).
KIND_NUMBERS = {
    "violence": ["116 016"],
    "suicide": ["0800 655 3000", "0800 111 0 111"],
    "poisoning": ["089 19240"],
    "youth": ["116 111"],
    "general": [],
}
# A word of each language's emergency answer, so a reply in another language is caught.
LANGUAGE_WORDS = {
    "de": "Notfall", "en": "emergency", "tr": "Acil", "it": "emergenza", "ro": "urgență",
    "ar": "الطوارئ", "uk": "екстрен", "ru": "экстренн", "pl": "nagł", "hu": "Vészhelyzet",
    "fa": "اضطراری", "hr": "hitn", "sq": "urgjenc", "fr": "urgence",
}  # fmt: skip


def one_case_per_kind_and_language() -> list[tuple[str, str, str]]:
    chosen: dict[tuple[str, str], str] = {}
    for path in sorted((ROOT / "tests" / "data" / "crisis").glob("*.yaml")):
        for case in load_cases(path):
            assert case.kind is not None
            chosen.setdefault((case.languages[0], case.kind), case.question)
    return [(lang, kind, question) for (lang, kind), question in sorted(chosen.items())]


async def test_every_kind_of_crisis_in_every_language_gets_its_help(telegram: RunningBot) -> None:
    cases = one_case_per_kind_and_language()
    assert len(cases) == len(LANGUAGE_WORDS) * len(KIND_NUMBERS)
    for user_id, (_lang, _kind, question) in enumerate(cases, start=7000):
        # The app's language is German on purpose: the answer follows the message.
        telegram.api.push(message(user_id, question, language_code="de"))
    problems, kind_missing = [], []
    for user_id, (lang, kind, question) in enumerate(cases, start=7000):
        replies = await telegram.api.wait_for("sendMessage", chat_id=user_id, timeout=30)
        assert len(replies) == 1, question
        text = replies[0].text.replace(LRI, "").replace(PDI, "")
        first_lines = text[:200]
        if not ("112" in first_lines and "110" in first_lines):
            problems.append(f"{lang} {kind}: 112/110 not first: {question}")
        if re.search(LANGUAGE_WORDS[lang], text, re.IGNORECASE) is None:
            problems.append(f"{lang} {kind}: not in {lang}: {question}")
        missing = [n for n in KIND_NUMBERS[kind] if n not in text]
        if missing:
            kind_missing.append(f"{lang} {kind}: {missing} missing: {question}")
    assert problems == []
    assert len(kind_missing) <= 0.05 * len(cases), kind_missing  # the target: >= 95%
