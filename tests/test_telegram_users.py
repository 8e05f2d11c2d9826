"""End to end: what a newcomer does in a private chat, and what Telegram receives."""

from __future__ import annotations

from bot.telegram.buttons import CALLBACK_VERSION

from .conftest import RunningBot
from .fake_telegram import BOT_USERNAME, Fault, button, message


async def test_start_greets_and_shows_the_topic_menu(telegram: RunningBot) -> None:
    telegram.api.push(message(11, "/start", language_code="de"))
    welcome, menu = await telegram.api.wait_for("sendMessage", 2, chat_id=11)
    assert welcome.params["parse_mode"] == "HTML"
    titles = [b["text"] for b in menu.buttons]
    assert "Öffnungszeiten" in titles and "Sprache und Bildung" in titles
    assert len(titles) == 10
    assert all(b["callback_data"].startswith(CALLBACK_VERSION + "|e|") for b in menu.buttons)


async def test_deep_link_opens_the_entry(telegram: RunningBot) -> None:
    telegram.api.push(message(12, "/start hours", language_code="tr"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=12)
    assert "Pazartesi" in reply.text
    assert any(b["callback_data"].startswith(CALLBACK_VERSION + "|m|") for b in reply.buttons)


async def test_menu_button_opens_entry_in_place_and_back_returns(telegram: RunningBot) -> None:
    telegram.api.push(button(13, f"{CALLBACK_VERSION}|e|hours|de"))
    (edit,) = await telegram.api.wait_for("editMessageText", chat_id=13)
    assert "Montag" in edit.text
    back = next(b for b in edit.buttons if b["callback_data"].startswith(CALLBACK_VERSION + "|m|"))
    telegram.api.push(button(13, back["callback_data"]))
    edits = await telegram.api.wait_for("editMessageText", 2, chat_id=13)
    assert len(edits[1].buttons) == 10
    assert len(telegram.api.sent("answerCallbackQuery")) == 2


async def test_language_choice_is_remembered_and_wins(telegram: RunningBot) -> None:
    telegram.api.push(message(14, "/language", language_code="de"))
    (menu,) = await telegram.api.wait_for("sendMessage", chat_id=14)
    names = {b["text"] for b in menu.buttons}
    assert {"Deutsch", "Türkçe", "العربية", "Українська", "Français"} <= names
    arabic = next(b for b in menu.buttons if b["text"] == "العربية")
    telegram.api.push(button(14, arabic["callback_data"]))
    await telegram.api.wait_for("editMessageText", chat_id=14)
    assert telegram.services.store.language(14) == ("ar", True)
    telegram.api.push(message(14, "Wann habt ihr offen?", language_code="de"))
    replies = await telegram.api.wait_for("sendMessage", 2, chat_id=14)
    assert "الاثنين" in replies[-1].text
    assert replies[-1].text.startswith("\u200f")  # right-to-left mark


async def test_question_is_answered_in_its_language_with_related_buttons(
    telegram: RunningBot,
) -> None:
    telegram.api.push(message(15, "Ofis cuma günü açık mı?", language_code="de"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=15)
    assert "Cuma" in reply.text
    related = [b for b in reply.buttons if "|e|" in b["callback_data"]]
    assert related and all(b["callback_data"].endswith("|tr") for b in related)
    assert [b["text"] for b in reply.buttons[-2:]] == ["👍", "👎"]


async def test_a_message_in_a_language_we_do_not_read_lists_those_we_do(
    telegram: RunningBot,
) -> None:
    telegram.api.push(
        message(25, "Waxaan ahay qaxooti cusub, yaa i caawin kara?", language_code="so")
    )
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=25)
    note, names = reply.text.splitlines()[:2]
    assert note.startswith("I cannot read this language yet")
    assert "\u2068العربية\u2069 · \u2068Українська\u2069" in names  # each name in its own isolate
    assert "integration@kempten.de" in reply.text


async def test_two_questions_get_one_answer_and_a_button_for_the_other(
    telegram: RunningBot,
) -> None:
    telegram.api.push(
        message(24, "Ofisiniz nerede ve telefon numaranız nedir?", language_code="de")
    )
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=24)
    assert "0831" in reply.text or "2525" in reply.text  # the contact, in Turkish
    other = next(b for b in reply.buttons if "|q|" in b["callback_data"])
    assert other["text"] == "Adres" and other["callback_data"].endswith("|tr")
    assert reply.text.splitlines()[-1].endswith("Adres")
    telegram.api.push(button(24, other["callback_data"]))
    replies = await telegram.api.wait_for("sendMessage", 2, chat_id=24)
    assert "Rathausplatz" in replies[1].text  # a new message: the first answer stays
    assert not telegram.api.sent("editMessageText")


async def test_unclear_question_offers_did_you_mean(telegram: RunningBot) -> None:
    telegram.api.push(message(16, "Hilfe", language_code="de"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=16)
    assert "Meinten Sie" in reply.text or "Did you mean" in reply.text
    suggestions = [b for b in reply.buttons if "|e|" in b["callback_data"]]
    assert 1 <= len(suggestions) <= 3
    assert "|ho|ask|" in reply.buttons[-1]["callback_data"]  # and a way to reach a person


async def test_out_of_scope_falls_back_to_the_office_contact(telegram: RunningBot) -> None:
    telegram.api.push(message(17, "Wer hat die Fußball-WM gewonnen?", language_code="de"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=17)
    assert "integration@kempten.de" in reply.text


async def test_hours_command_says_whether_open(telegram: RunningBot) -> None:
    telegram.api.push(message(18, "/hours", language_code="de"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=18)
    assert "Montag: 08:00 – 12:00 und 14:30 – 17:30" in reply.text
    assert "12:00" in reply.text.split("Donnerstag – Freitag")[1]


async def test_contact_sends_contact_cards_and_email(telegram: RunningBot) -> None:
    telegram.api.push(message(19, "/contact", language_code="de"))
    cards = await telegram.api.wait_for("sendContact", 2, chat_id=19)
    assert {c.params["phone_number"] for c in cards} == {"+4983125255330", "+4983125255331"}
    assert {c.params["first_name"] for c in cards} == {"Priska", "Susanne"}
    (text,) = await telegram.api.wait_for("sendMessage", chat_id=19)
    assert "integration@kempten.de" in text.text


async def test_one_users_messages_are_answered_in_the_order_sent(telegram: RunningBot) -> None:
    # The first contact card is slow to arrive; the question sent right after /contact must
    # still be answered after everything /contact sends.
    telegram.api.inject("sendContact", Fault(delay=0.5, then_succeed=True))
    telegram.api.push(message(22, "/contact", language_code="de"))
    telegram.api.push(message(22, "Wann habt ihr offen?", language_code="de"))
    *_, hours = await telegram.api.wait_for("sendMessage", 2, chat_id=22)
    assert [c.method for c in telegram.api.sent(chat_id=22)] == [
        "sendContact",
        "sendContact",
        "sendMessage",
        "sendMessage",
    ]
    assert "Montag" in hours.text


async def test_help_and_privacy_explain_in_the_users_language(telegram: RunningBot) -> None:
    telegram.api.push(message(20, "/help", language_code="de"))
    telegram.api.push(message(20, "/privacy", language_code="de"))
    help_text, privacy = await telegram.api.wait_for("sendMessage", 2, chat_id=20)
    assert f"@{BOT_USERNAME}" in help_text.text
    assert "90" in privacy.text


async def test_forget_deletes_the_stored_language(telegram: RunningBot) -> None:
    telegram.services.store.set_language(21, "fr", explicit=True)
    telegram.api.push(message(21, "/forget", language_code="de"))
    await telegram.api.wait_for("sendMessage", chat_id=21)
    assert telegram.services.store.language(21) is None


async def test_photo_gets_a_polite_text_only_note(telegram: RunningBot) -> None:
    photo = message(
        22,
        None,
        language_code="tr",
        photo=[{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}],
    )
    telegram.api.push(photo)
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=22)
    assert "integration@kempten.de" in reply.text


async def test_outdated_button_is_explained(telegram: RunningBot) -> None:
    telegram.api.push(button(23, "old-version:e:hours"))
    (answer,) = await telegram.api.wait_for("answerCallbackQuery")
    assert answer.params.get("show_alert") is True
    assert not telegram.api.sent("editMessageText")


async def test_html_in_answers_is_escaped(telegram: RunningBot) -> None:
    telegram.api.push(message(24, "<b>Wann</b> habt ihr offen? & so", language_code="de"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=24)
    assert "<b>" not in reply.text


async def test_commands_are_registered_in_every_language(telegram: RunningBot) -> None:
    calls = telegram.api.sent("setMyCommands")
    languages = {c.params.get("language_code") for c in calls}
    assert languages == {None, *telegram.services.languages}
    german = next(c for c in calls if c.params.get("language_code") == "de")
    assert [c["command"] for c in german.params["commands"]][:2] == ["start", "hours"]


async def test_one_or_two_words_or_local_terms_never_change_the_persons_language(
    telegram: RunningBot,
) -> None:
    from bot.core.answer import Hints

    answerer = telegram.services.answerer
    for user_id, (lang, question) in enumerate(
        [
            ("uk", "Коли працює управління з питань інтеграції?"),
            ("tr", "Entegrasyon ofisi hangi günler açık?"),
            ("ar", "متى يفتح مكتب الاندماج في كمبتن؟"),
        ],
        start=8100,
    ):
        telegram.api.push(message(user_id, question, language_code="de"))
        await telegram.api.wait_for("sendMessage", chat_id=user_id)
        words = [
            "ok",
            "Hallo",
            "Termin",
            "Adresse",
            "danke",
            "KIK",
            "Ausländerbehörde Termin Rathaus",
        ]
        for count, word in enumerate(words, start=2):
            telegram.api.push(message(user_id, word, language_code="de"))
            replies = await telegram.api.wait_for("sendMessage", count, chat_id=user_id)
            expected = answerer.answer(word, Hints(preferred=lang)).text.split("\n")[0]
            german = answerer.answer(word, Hints(preferred="de")).text.split("\n")[0]
            assert expected != german
            assert expected in replies[-1].text, (lang, word, replies[-1].text)


async def test_a_first_short_message_follows_the_app_language(telegram: RunningBot) -> None:
    from bot.core.answer import Hints

    telegram.api.push(message(8200, "Adresse", language_code="ru"))
    (reply,) = await telegram.api.wait_for("sendMessage", chat_id=8200)
    expected = telegram.services.answerer.answer("Adresse", Hints(preferred="ru"))
    assert expected.text.split("\n")[0] in reply.text


async def test_id_tells_the_user_id_and_chat_id_in_private_and_in_groups(
    telegram: RunningBot,
) -> None:
    telegram.api.push(message(71, "/id", language_code="tr"))
    (private,) = await telegram.api.wait_for("sendMessage", chat_id=71)
    assert private.text == "Kullanıcı kimliğiniz: 71\nBu sohbetin kimliği: 71"
    group = -1007700
    telegram.api.push(message(72, f"/id@{BOT_USERNAME}", chat_id=group, chat_type="supergroup"))
    (in_group,) = await telegram.api.wait_for("sendMessage", chat_id=group)
    assert in_group.text == f"Ihre Nutzer-ID: 72\nID dieses Chats: {group}"
