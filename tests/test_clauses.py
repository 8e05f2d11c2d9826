"""Where a message is cut into the parts that may each be a question of their own."""

from __future__ import annotations

import pytest

from bot.core.clauses import split_clauses


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Wo ist das Büro und wann ist es offen?", ["wo ist das buro", "wann ist es offen"]),
        ("Wo ist das Büro? Wann offen!", ["wo ist das buro", "wann offen"]),
        ("ساعت کاری چیست؟ و آدرس", ["ساعت کاری چیست", "ادرس"]),
        ("Version 2.5 bitte", ["version 2 5 bitte"]),  # a full stop inside a number cuts nothing
        ("und und ?", []),
        ("Öffnungszeiten", ["offnungszeiten"]),
    ],
)
def test_a_message_is_cut_at_sentence_ends_and_joining_words(text: str, parts: list[str]) -> None:
    assert split_clauses(text, {"und", "و"}) == parts
