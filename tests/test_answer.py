"""What a person gets back for a question: the one entry point every channel uses."""

from __future__ import annotations

from pathlib import Path

import py3langid.langid as langid
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.answer import ANSWER_THRESHOLD, Answerer, Hints, Outcome
from bot.core.knowledge import KnowledgeError, load_knowledge
from bot.core.language import read_model
from bot.core.matcher import Matcher
from bot.i18n import Translations
from bot.live import LiveAnswerer


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Notfall, mein Kind ist bewusstlos!", "de"),
        ("help, my father is not breathing", "en"),
        ("Acil! Babam bayıldı", "tr"),
        ("Мой сосед хочет покончить с собой", "ru"),
        ("پدرم نفس نمی کشد", "fa"),
        ("Aiuto, c'è un incendio in casa", "it"),
    ],
)
def test_emergency_wins_over_everything(answerer: Answerer, question: str, language: str) -> None:
    result = answerer.answer(question)
    assert result.outcome is Outcome.EMERGENCY
    assert result.language == language
    assert "112" in result.text and "110" in result.text


def test_emergency_wins_even_when_the_topic_matches_too(answerer: Answerer) -> None:
    result = answerer.answer("Öffnungszeiten? Mein Kollege ist bewusstlos")
    assert result.outcome is Outcome.EMERGENCY


@pytest.mark.parametrize(
    "question", ["Hallo", "Merhaba", "Danke schön!", "Wer bist du?", "hello there"]
)
def test_smalltalk_gets_a_friendly_reply_and_is_not_unanswered(
    answerer: Answerer, question: str
) -> None:
    result = answerer.answer(question)
    assert result.outcome is Outcome.SMALLTALK
    assert result.understood


def test_greeting_before_a_question_answers_the_question(answerer: Answerer) -> None:
    result = answerer.answer("Hallo, wann habt ihr offen?")
    assert result.entry is not None and result.entry.id == "hours"


@pytest.mark.parametrize(
    ("greeting", "question", "entry"),
    [
        ("مرحبا، ", "بكرا الصبح المكتب فاتح؟", "hours"),
        ("Selam, ", "Almanca kursu için nereye gitmeliyim?", "german-courses"),
        ("Hallo zusammen, ", "wo ist das Rathaus?", "address"),
        ("Dzień dobry! ", "jaki jest numer telefonu do biura?", "contact"),
    ],
)
def test_a_polite_greeting_does_not_make_a_question_less_understood(
    answerer: Answerer, greeting: str, question: str, entry: str
) -> None:
    def confidence(text: str) -> float:
        return next(c.score for c in answerer.answer(text).candidates if c.entry_id == entry)

    assert confidence(greeting + question) >= confidence(question) - 0.01


@pytest.mark.parametrize(
    "question",
    [
        "Wie wird das Wetter morgen?",
        "Who won the world cup?",
        "Tell me a joke",
        "Was kostet ein iPhone?",
    ],
)
def test_out_of_scope_falls_back_with_the_office_contact(
    answerer: Answerer, question: str
) -> None:
    result = answerer.answer(question)
    assert result.outcome in (Outcome.FALLBACK, Outcome.SUGGEST)
    assert result.entry is None
    assert not result.understood
    if result.outcome is Outcome.FALLBACK:
        assert "integration@kempten.de" in result.text


@pytest.mark.parametrize(
    "question",
    [
        "Mein Sohn braucht ab September einen Kindergartenplatz, wo melde ich ihn an?",
        "Bei welcher Krankenkasse bin ich als Student am besten versichert?",
        "Wird mein Meisterbrief aus Polen in Deutschland anerkannt?",
        "recognition of my engineering degree from Iran",
    ],
)
def test_a_question_a_field_names_but_does_not_answer_falls_back(
    answerer: Answerer, question: str
) -> None:
    """The fields of action name KiTa, health and work, but their answers tell nobody how to get
    a place, which insurance to take or how a diploma is recognised: such a question gets the
    fallback (and is counted unanswered for staff), not the field's overview."""
    result = answerer.answer(question)
    assert result.entry is None
    assert not result.understood


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # What the city plans in a field is the field's, though its how-to questions are not.
        ("Welche Ziele hat das Konzept für Kinder in Kita und Schule?", "field-language-education"),
        ("Was plant die Stadt im Bereich Gesundheit und Pflege?", "field-health-care"),
        ("Was will die Stadt bei Arbeit und Ausbildung für Zugewanderte erreichen?", "field-work-training"),
        # Russian and Ukrainian typed in Latin letters.
        ("ya iz ukrainy, gde tut poluchit pomosch bezhencam?", "integration-guides"),
        ("shcho oznachaye mizhkulturna vidkrytist u misti?", "field-intercultural-opening"),
    ],
)  # fmt: skip
def test_a_plain_question_is_answered_with_its_entry(
    answerer: Answerer, question: str, entry: str
) -> None:
    result = answerer.answer(question)
    assert result.outcome is Outcome.ANSWER
    assert result.entry is not None and result.entry.id == entry


def test_answers_in_the_language_of_the_question(answerer: Answerer) -> None:
    result = answerer.answer("Ofis cuma günü açık mı?")
    assert (result.detected, result.language, result.entry and result.entry.id) == (
        "tr",
        "tr",
        "hours",
    )
    assert "Cuma" in result.text


def test_explicit_language_choice_wins_over_detection(answerer: Answerer) -> None:
    result = answerer.answer("Wann habt ihr offen?", Hints(preferred="ar"))
    assert result.detected == "de"
    assert result.language == "ar"
    assert result.entry is not None and result.entry.id == "hours"
    assert "الاثنين" in result.text


def test_unsupported_language_is_answered_in_english(answerer: Answerer) -> None:
    result = answerer.answer("¿Cuándo está abierta la oficina de integración?")
    assert result.language == "en"


def test_language_close_to_german_is_answered_in_german(answerer: Answerer) -> None:
    result = answerer.answer("Wanneer is het kantoor voor integratie open?")
    assert result.language == "de"


@pytest.mark.parametrize(
    ("question", "language", "note"),
    [
        ("Waxaan ahay qaxooti cusub, yaa i caawin kara Kempten?", "en", "I cannot read"),
        ("¿Dónde puedo aprender alemán en Kempten?", "en", "I cannot read"),
        ("Ik zoek hulp met mijn verblijfsvergunning, wie kan mij helpen?", "de", "Diese Sprache"),
    ],
)
def test_a_language_we_do_not_read_is_told_which_we_do(
    answerer: Answerer, question: str, language: str, note: str
) -> None:
    result = answerer.answer(question)
    assert result.outcome is Outcome.FALLBACK and result.language == language
    first, names = result.text.splitlines()[:2]
    assert first.startswith(note)
    assert all(name in names for name in ("Deutsch", "العربية", "Українська", "Türkçe", "فارسی"))
    assert "2525" in result.text  # the office's contact still follows


@pytest.mark.parametrize(
    ("question", "hints"),
    [
        ("Where can I learn German in Kempten?", Hints()),
        ("blablabla xyz qwerty", Hints()),  # no answer, but no foreign language either
        ("Waxaan ahay qaxooti cusub, yaa i caawin kara Kempten?", Hints(preferred="ar")),
    ],
)
def test_no_language_list_when_the_language_is_ours_or_chosen(
    answerer: Answerer, question: str, hints: Hints
) -> None:
    assert "Deutsch · " not in answerer.answer(question, hints).text.replace("\u2068", "").replace(
        "\u2069", ""
    )


@pytest.mark.parametrize(
    ("question", "language"),
    [
        # Persian typed on an Arabic keyboard (ي and ك for ی and ک) still has گ, چ or پ.
        ("ساعت كاري دفتر چند است؟ ميخواهم فردا بيايم", "fa"),
        ("كجا ميتوانم زبان آلماني ياد بگيرم؟", "fa"),
        ("من در كمپ زندگي ميكنم و كار پيدا نميكنم", "fa"),
        # Arabic with the same two letters stays Arabic.
        ("كيف يمكنني التسجيل في دورة اللغة الألمانية؟", "ar"),
        ("هل يوجد مكتب يساعد المهاجرين في كمبتن؟", "ar"),
    ],
)
def test_persian_typed_on_an_arabic_keyboard_is_answered_in_persian(
    answerer: Answerer, question: str, language: str
) -> None:
    assert answerer.answer(question).language == language


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("treba mi Termin kod Ausländerbehörde za Aufenthaltstitel", "hr"),
        ("am nevoie de Termin la Ausländerbehörde pentru Aufenthaltstitel", "ro"),
        ("szükségem van Termin Ausländerbehörde Aufenthaltstitel miatt", "hu"),
        # Turkish without its letters: the words are the Turkish questions' words.
        ("Auslanderbehorde randevu nasil alinir", "tr"),
        # Read past the words of German every language's questions use (local terms).
        ("kizim icin Hausaufgabenhilfe lazim", "tr"),
        ("numer tel Auslanderbehorde Kempten prosze", "pl"),
        # Three words py3langid reads as Romanian; our Turkish texts know "numara" and "lazim".
        ("Auslanderbehorde numara lazim", "tr"),
        # Two Cyrillic words of four: Russian, however long the German names.
        ("Ищу Caritas Migrationsberatung", "ru"),
        # German stays German, however many local terms it has.
        ("Termin bei der Ausländerbehörde für den Aufenthaltstitel", "de"),
        ("Öffnungszeiten vom Hallenbad?", "de"),
    ],
)
def test_german_terms_in_a_question_do_not_make_it_german(
    answerer: Answerer, question: str, language: str
) -> None:
    assert answerer.answer(question).language == language


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("shu lazem a3mel la a3ref el awkat", "ar"),  # Arabizi
        ("baraye bachem madrese koja hast", "fa"),  # Finglish
        ("gde mozhno najti kurs nemeckogo", "ru"),  # translit
        ("koly pratsyuye ofis, dyakuyu", "uk"),
        ("ya iz ukrainy, gde tut poluchit pomosch bezhencam?", "ru"),
        # Words no question of the knowledge types so: spelt from its Cyrillic questions.
        ("skazhite nomer telefona ofisa", "ru"),
        ("podskazhite pozhaluista adres ofisa", "ru"),
        ("de znakhodytsia ofis integratsii", "uk"),
        ("skolko stoit proezdnoi na avtobus v Kemptene", "ru"),  # words known to none not counted
        ("skilky koshtuie kvytok na avtobus u Kempteni", "uk"),
        ("ana laji2 jdid, min wen bjib ma3lumat?", "ar"),
        ("2addesh btekhod el mo3amala", "ar"),  # words the knowledge lacks, digits for letters
        ("bedde as2al 3an mawdoo3 mohem", "ar"),
        ("Gibt es einen Kurs A2 oder B1 in Kempten?", "de"),  # levels are no Arabizi
        ("Gdje je ured za integraciju?", "hr"),  # a Latin-script language stays itself
    ],
)
def test_a_language_typed_in_latin_letters_is_answered_in_its_own_script(
    answerer: Answerer, question: str, language: str
) -> None:
    assert answerer.answer(question).language == language


@pytest.mark.parametrize(
    ("question", "entry", "language"),
    [
        ("gde mozhno vyuchit nemetskiy yazyk", "field-language-education", "ru"),
        ("kogda rabotaet ofis integratsii", "hours", "ru"),
        ("podskazhite pozhaluista adres ofisa", "address", "ru"),
        ("kto napisal etu kontseptsiyu", "authors", "ru"),
        ("de znakhodytsia ofis integratsii", "address", "uk"),
        ("yakyi nomer telefonu ofisu integratsii", "contact", "uk"),
        ("koly pratsiuie ofis v ponedilok", "hours", "uk"),
    ],
)
def test_russian_and_ukrainian_typed_in_latin_letters_are_answered_with_their_entry(
    answerer: Answerer, question: str, entry: str, language: str
) -> None:
    """Matched against every question of the language spelt in Latin letters, not only the few
    the knowledge types so; answered in the language's own letters."""
    answer = answerer.answer(question)
    assert (answer.language, answer.entry and answer.entry.id) == (language, entry)
    assert sum("а" <= c <= "я" for c in answer.text.casefold()) > len(answer.text) / 3


def test_the_language_model_is_read_as_py3langid_reads_it() -> None:
    """Our faster reader of py3langid's model file (bot.core.language.read_model) must give
    the model py3langid's own reader gives."""
    own = read_model(Path(langid.MODEL_DIR) / langid.MODEL_FILE)
    theirs = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    for text in ("Wann habt ihr offen?", "Где находится офис?", "ما هي مواعيد العمل", "kik"):
        assert own.classify(text) == theirs.classify(text)
        assert own.rank(text)[:5] == theirs.rank(text)[:5]


def test_a_message_of_local_terms_only_keeps_the_persons_language(answerer: Answerer) -> None:
    """Three words, all of them German that every language's questions use: as short as
    "Termin" (the person's last question was Ukrainian)."""
    result = answerer.answer("Ausländerbehörde Termin Rathaus", Hints(recent="uk", client="de"))
    assert result.language == "uk"
    assert result.question_language is None  # and it does not change what we remember


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("کلاس جاب سنتر کمپتن", "fa"),
        ("کلاس کار جاب سنتر", "fa"),
        ("دفتر کے اوقات کار کیا ہیں؟", "en"),
    ],
)
def test_a_question_in_our_words_is_ours_whatever_the_unrestricted_model_says(
    answerer: Answerer, question: str, language: str
) -> None:
    """The unrestricted model calls all three Urdu; the first two are Persian words only (read
    from the Persian answers and questions), the third is Urdu and answered in English."""
    assert answerer.answer(question).language == language


def test_bosnian_is_answered_in_croatian(answerer: Answerer) -> None:
    result = answerer.answer("Gdje mogu naći posao u Kemptenu, treba mi hitno neki poso")
    assert result.language == "hr"


@pytest.mark.parametrize(
    "question",
    ["", "   \n\t ", "😀😀😀", "?!?!", "\x00\x01\x02", "\u202e\u200b"],
)
def test_empty_or_meaningless_input_asks_for_a_question(answerer: Answerer, question: str) -> None:
    result = answerer.answer(question)
    assert result.outcome is Outcome.EMPTY
    assert result.text


def test_empty_input_uses_the_client_language(answerer: Answerer, translations) -> None:  # type: ignore[no-untyped-def]
    german = answerer.answer("", Hints(client="de-DE"))
    assert german.language == "de"


@pytest.mark.parametrize(
    "question",
    [
        "Öffnungszeiten " * 2000,  # 30,000 characters
        "wann\x00offen\x07?",
        "مرحبا Öffnungszeiten привет 你好",
        "\u202eWann habt ihr offen?\u202c",
        "{day} {time} %s %(x)s <b>",
        "\ud800 lone surrogate",
        "AAAA\u0370\r\U00017000",  # Greek and Tangut letters py3langid's scripts do not know
    ],
)
def test_hostile_input_gets_an_answer_not_an_exception(answerer: Answerer, question: str) -> None:
    result = answerer.answer(question)
    assert result.text
    assert result.language in answerer.knowledge.languages


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_text_gets_a_valid_answer(answerer: Answerer, question: str) -> None:
    result = answerer.answer(question)
    assert result.text
    assert 0.0 <= result.confidence <= 1.0
    assert result.language in answerer.knowledge.languages
    assert (result.entry is None) == (
        result.outcome in (Outcome.SUGGEST, Outcome.FALLBACK, Outcome.EMPTY)
    )


def test_json_has_the_documented_keys(answerer: Answerer) -> None:
    data = answerer.answer("Wo ist das Rathaus?").to_json()
    assert {
        "question",
        "detected",
        "language",
        "entry",
        "field",
        "confidence",
        "suggestions",
        "text",
    } <= set(data)
    assert data["entry"] == "address"


def test_questions_like_the_out_of_scope_examples_fall_back(knowledge_copy: Path) -> None:
    """knowledge/out-of-scope.yaml: what no entry answers is learnt as 'not ours'."""
    from bot.core.lint import lint_knowledge
    from bot.i18n import Translations

    from .conftest import LOCALES_DIR

    question = "Wann hat das Hallenbad im Sommer offen?"
    path = knowledge_copy / "out-of-scope.yaml"
    path.write_text("version: 1\nquestions:\n  de: []\n", encoding="utf-8")
    bare = load_knowledge(knowledge_copy)
    translations = Translations(LOCALES_DIR, bare.languages)
    before = Answerer(bare, translations).answer(question)
    # Without the examples, the office hours look like the answer.
    assert before.outcome is not Outcome.FALLBACK and before.best_guess == "hours"
    path.write_text(
        "version: 1\nquestions:\n  de:\n  - Öffnungszeiten Hallenbad\n  - Wann hat das Freibad offen?\n"
        "  - Hallenbad Eintritt und Zeiten\n  - Wann hat die Stadtbibliothek offen?\n",
        encoding="utf-8",
    )
    learnt = load_knowledge(knowledge_copy)
    after = Answerer(learnt, translations).answer(question)
    assert after.outcome is Outcome.FALLBACK
    in_scope = Answerer(learnt, translations).answer("Wann hat das Amt geöffnet?")
    assert in_scope.outcome is Outcome.ANSWER and in_scope.best_guess == "hours"
    path.write_text(
        "version: 1\nquestions:\n  de: [Wann hat das Amt geöffnet?]\n  xx: [nope]\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="'xx'"):
        load_knowledge(knowledge_copy)
    path.write_text(
        "version: 1\nquestions:\n  de: [Wann hat das Amt geöffnet?]\n", encoding="utf-8"
    )
    problems = [str(p) for p in lint_knowledge(load_knowledge(knowledge_copy))]
    assert any("also filed under 'hours'" in p for p in problems), problems


def test_a_reload_rebuilds_only_the_languages_an_edit_touched(
    knowledge_copy: Path, translations: Translations
) -> None:
    live = LiveAnswerer(Answerer(load_knowledge(knowledge_copy), translations))
    live.answerer.matcher.warm()
    before = {lang: live.answerer.matcher.index(lang) for lang in ("de", "tr")}
    office = knowledge_copy / "office.yaml"
    text = office.read_text(encoding="utf-8")
    edited = "    - Wann hat das Amt geöffnet?\n    - Wann ist Parteiverkehr?\n"
    office.write_text(text.replace("    - Wann hat das Amt geöffnet?\n", edited, 1), "utf-8")
    assert live.reload(knowledge_copy) == []
    matcher = live.answerer.matcher
    assert matcher.index("tr") is before["tr"]  # untouched: taken over
    assert matcher.index("de") is not before["de"]  # edited: built again
    answer = live.answerer.answer("Wann ist Parteiverkehr?")
    assert answer.entry is not None and answer.entry.id == "hours"
    fresh = Matcher(live.answerer.knowledge)
    for question, lang in (("wann ist parteiverkehr", "de"), ("ofis ne zaman acik", "tr")):
        assert matcher.search(question, lang) == fresh.search(question, lang)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [("мова курси де", "german-courses"), ("робота пошук допомога", "field-work-training")],
)
def test_a_middling_match_both_views_agree_on_is_answered(
    answerer: Answerer, question: str, entry_id: str
) -> None:
    """Below the answer threshold, but the entry's document and its best way of asking both
    rank it first and it is well clear of the out-of-scope examples: an answer, not "did you
    mean"."""
    result = answerer.answer(question)
    assert result.confidence < ANSWER_THRESHOLD
    assert result.outcome is Outcome.ANSWER
    assert result.entry is not None and result.entry.id == entry_id


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Where can I find your office, and what are the opening hours?", {"address", "hours"}),
        ("Ofisiniz nerede ve telefon numaranız nedir?", {"address", "contact"}),
        ("Qual è il vostro indirizzo e quando siete aperti?", {"address", "hours"}),
        ("Яка ваша адреса і коли ви працюєте?", {"address", "hours"}),
        ("Quelle est votre adresse et quand êtes-vous ouverts ?", {"address", "hours"}),
    ],
)
def test_two_questions_in_one_message_answer_one_and_offer_the_other(
    answerer: Answerer, question: str, asked: set[str]
) -> None:
    result = answerer.answer(question)
    assert result.outcome is Outcome.ANSWER and result.entry is not None
    assert {result.entry.id, *result.also} == asked and len(result.also) == 1
    other = answerer.knowledge.entries[result.also[0]]
    assert other.title(result.language, "en") in result.text.splitlines()[-1]


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [("Sprache und Bildung", "field-language-education"), ("Wann und wo?", None)],
)
def test_a_phrase_with_and_is_not_taken_for_two_questions(
    answerer: Answerer, question: str, entry_id: str | None
) -> None:
    """ "Sprache und Bildung" is one field of action; "Wann und wo?" asks nothing answerable."""
    result = answerer.answer(question)
    assert result.also == ()
    assert (result.entry.id if result.entry else None) == entry_id
