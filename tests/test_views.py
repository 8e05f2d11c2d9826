"""Message formatting that Telegram imposes: length limits and right-to-left text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.views import MAX_MESSAGE, direction, split_message


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
