"""Message formatting that Telegram imposes (length limits, right-to-left text) and the menu."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.core.answer import Answerer
from bot.core.knowledge import load_knowledge
from bot.core.language import LanguageDetector
from bot.i18n import Translations
from bot.telegram import buttons
from bot.telegram.views import MAX_MESSAGE, direction, menu, split_message


def test_long_answers_split_at_paragraphs() -> None:
    paragraphs = [f"Absatz {i}: " + "Wort " * 150 for i in range(12)]  # ~9,000 characters
    parts = split_message("\n\n".join(paragraphs))
    assert len(parts) >= 2
    assert all(len(p) <= MAX_MESSAGE for p in parts)
    assert all(p.startswith("Absatz") for p in parts)  # every part begins with a paragraph
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)


@given(
    st.text(alphabet=st.sampled_from("ab \n"), max_size=12_000),
    st.integers(min_value=20, max_value=500),
)
def test_no_part_is_too_long_and_nothing_is_lost(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_right_to_left_lines_start_with_a_mark() -> None:
    text = "• +49 831 2525-5330\nمرحبا"
    assert direction(text, "fa").split("\n") == ["\u200f• +49 831 2525-5330", "\u200fمرحبا"]
    assert direction(text, "de") == text


def test_the_menu_follows_the_knowledge(
    knowledge_copy: Path, translations: Translations, detector: LanguageDetector
) -> None:
    interface = knowledge_copy / "interface.yaml"
    text = interface.read_text(encoding="utf-8")
    start, end = text.index("menu:\n"), text.index("\nroles:")
    interface.write_text(
        text[:start] + "menu: [address, german-courses, hours]\n" + text[end:], encoding="utf-8"
    )
    answerer = Answerer(load_knowledge(knowledge_copy), translations, detector)
    reply = menu(answerer, "de", translations.gettext("de"))
    assert reply.keyboard is not None
    shown = [button.callback_data for row in reply.keyboard.inline_keyboard for button in row]
    assert [buttons.decode(data) for data in shown] == [
        buttons.Entry(i, "de") for i in ("address", "german-courses", "hours")
    ]
