"""The callback data of inline buttons: typed, within Telegram's 64 bytes, routed by action."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram.ext import BaseHandler, CallbackQueryHandler, ConversationHandler

from bot.core.answer import Answerer
from bot.settings import Secret, Settings
from bot.store import Store
from bot.telegram import buttons
from bot.telegram.app import build_application
from bot.telegram.buttons import Action
from bot.telegram.context import Services

from .fake_telegram import TOKEN

ONE_OF_EACH: list[buttons.Button] = [
    buttons.Entry("hours", "de"),
    buttons.OtherQuestion("address", "tr"),
    buttons.Menu("ar"),
    buttons.Language("uk"),
    buttons.Translation("immigration-office", "de"),
    buttons.Translation(None, "fa"),
    buttons.Feedback("hours", True, "tr"),
    buttons.Feedback("hours", False, "tr"),
    buttons.HandoverAsk("ru"),
    buttons.HandoverYes("ru"),
    buttons.HandoverNo("ru"),
    buttons.EditSave(),
    buttons.DialogueCancel(),
    buttons.NewEntryField("field-health-care"),
    buttons.NewEntryField(None),
    buttons.UnansweredAdd(12, "hours"),
    buttons.UnansweredPick(12),
    buttons.UnansweredDismiss(12),
    buttons.ThreadQuestion(7, "contact"),
    buttons.ThreadEntry(7),
]


def test_one_of_each_covers_every_action() -> None:
    assert {b.action for b in ONE_OF_EACH} == set(Action)


@pytest.mark.parametrize("button", ONE_OF_EACH, ids=repr)
def test_every_button_round_trips_and_matches_only_its_own_pattern(
    button: buttons.Button,
) -> None:
    data = buttons.encode(button)
    assert data.startswith(buttons.CALLBACK_VERSION + "|")
    assert buttons.decode(data) == button
    matching = {action for action in Action if re.match(buttons.pattern(action), data)}
    assert matching == {button.action}


def test_data_is_as_before_so_buttons_already_sent_keep_working() -> None:
    assert buttons.encode(buttons.Entry("hours", "de")) == "k1|e|hours|de"
    assert buttons.encode(buttons.Feedback("hours", True, "de")) == "k1|fb|hours|1|de"
    assert buttons.encode(buttons.Translation(None, "de")) == "k1|t|-|de"
    assert buttons.encode(buttons.NewEntryField(None)) == "k1|st|field|-"
    assert buttons.encode(buttons.UnansweredAdd(3, "hours")) == "k1|ua|add|3|hours"


def test_a_button_over_64_bytes_is_refused_not_cut() -> None:
    fits = buttons.Entry("a" * 56, "de")  # k1|e|<56>|de: 64 bytes
    assert len(buttons.encode(fits)) == 64
    with pytest.raises(ValueError, match="65 bytes"):
        buttons.encode(buttons.Entry("a" * 57, "de"))
    with pytest.raises(ValueError, match="bytes"):  # bytes, not characters
        buttons.encode(buttons.Entry("ä" * 30, "de"))


def test_an_argument_with_the_separator_is_refused() -> None:
    with pytest.raises(ValueError):
        buttons.encode(buttons.Entry("a|b", "de"))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "k0|e|hours|de",  # another version
        "k1|e|hours",  # an argument missing
        "k1|e|hours|de|x",  # one too many
        "k1|tn|abc",  # not a number
        "k1|tv|-1|hours",
        "k1|fb|hours|yes|de",  # not a 1 or 0
        "k1|st|saveme",
        "k1|zz|x",
        "||||",
    ],
)
def test_anything_else_does_not_decode(data: str | None) -> None:
    assert buttons.decode(data) is None


def _callback_handlers(handlers: list[BaseHandler]) -> list[CallbackQueryHandler]:  # type: ignore[type-arg]
    found: list[CallbackQueryHandler] = []  # type: ignore[type-arg]
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks]
            inner += [h for state in handler.states.values() for h in state]
            found += _callback_handlers(inner)
        elif isinstance(handler, CallbackQueryHandler):
            found.append(handler)
    return found


def test_every_action_has_a_handler(tmp_path: Path, answerer: Answerer) -> None:
    services = Services.create(
        Settings(token=Secret(TOKEN), data_dir=tmp_path), answerer, Store.in_folder(tmp_path)
    )
    application = build_application(services)
    handlers = _callback_handlers([h for group in application.handlers.values() for h in group])
    routed = {p.pattern for h in handlers if isinstance(p := h.pattern, re.Pattern)}
    assert routed == {buttons.pattern(action) for action in Action}
    services.store.close()
