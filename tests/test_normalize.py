"""The normaliser folds what people type differently into one form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.normalize import normalize


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Öffnungszeiten?!", "offnungszeiten"),
        ("Straße", "strasse"),
        ("IŞIK ışık", "isik isik"),
        ("İstanbul", "istanbul"),
        ("Łódź", "lodz"),
        ("Vreau să vorbesc", "vreau sa vorbesc"),
        ("Ku mund të gjej", "ku mund te gjej"),
        ("ёлка й", "елка и"),
        ("كيف", "کیف"),  # Arabic kaf and yeh become the Persian forms
        ("مـــكتب", "مکتب"),  # tatweel
        ("مَكْتَبٌ", "مکتب"),  # harakat
        ("أحمد إلى آخر", "احمد الی اخر"),
        ("می‌خواهم", "می خواهم"),  # zero-width non-joiner
        ("۱۲ ٣٤", "12 34"),
        ("a\u202eb\u200bc\x00d", "a b c d"),
        ("😀 🙏", ""),
        ("  many   spaces\t\n", "many spaces"),
    ],
)
def test_folds_what_people_type(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@given(st.text())
def test_is_idempotent_and_clean(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert all(c.isalnum() or c == " " for c in once)
