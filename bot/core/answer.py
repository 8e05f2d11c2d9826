"""answer(question, hints) -> Answer: the one entry point that Telegram, the console and the
evaluation all use, so what is measured is what users get.

Order of decisions: empty input; emergency (always first); language of the question (detector,
writing system, the user's hints and which language's variants matched); the best entries; and
calibration into a confident answer, "did you mean", or a fallback with the office's contact.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from bot.core import bidi
from bot.core.clauses import split_clauses
from bot.core.knowledge import CRISIS_KINDS, Entry, Knowledge
from bot.core.language import Detection, LanguageDetector, dominant_script, script_counts
from bot.core.matcher import OUT_OF_SCOPE, Candidate, Matcher, Ranking
from bot.core.normalize import normalize
from bot.core.render import Renderer
from bot.core.safety import CrisisDetector, TriggerHit
from bot.i18n import Translations, _, native_name

MAX_QUESTION_CHARS = 600  # longer messages are matched on their beginning only
# Chosen on tests/data/eval, eval-holdout and eval-fresh together (README, the ablation table):
# right 94.1%, wrong 1.3%, out of scope answered 4.9%; the blind set was only measured.
ANSWER_THRESHOLD = 0.27
SUGGEST_THRESHOLD = 0.20
# Below ANSWER_THRESHOLD an entry is still answered when it stands clearly above the next entry
# and above the examples of questions no entry answers (knowledge/out-of-scope.yaml).
MARGIN_FLOOR = 0.20
MARGIN = 0.12
OUT_OF_SCOPE_MARGIN = 0.14
# ...or when the entry's document and its best single variant agree on it (Candidate.agreed)
# and it leads the out-of-scope examples by this much.
AGREED_OUT_OF_SCOPE_MARGIN = 0.18
# ...or when the classifier trained on the variants (bot.core.classifier) ranks it first too,
# with a score from CLASSIFIER_FLOOR and CLASSIFIER_MARGIN ahead of its next entry and of the
# out-of-scope class, and the match leads the out-of-scope examples by
# CLASSIFIER_OUT_OF_SCOPE_MARGIN. Chosen on the three tuning sets (README, the ablation table).
CLASSIFIER_FLOOR = 0.0
CLASSIFIER_MARGIN = 0.05
# ...or from a lower score when it leads its next entry by far: unlike every class (the question
# shares few words with any variant) but like this one most ("Яку роль відіграє Інтеграційна
# рада ...?": -0.0, 0.6 ahead). Swept on tune (floor -0.1 to -0.5, lead 0.2 to 0.7; README).
CLASSIFIER_CLEAR_FLOOR = -0.2
CLASSIFIER_CLEAR_MARGIN = 0.4
CLASSIFIER_OUT_OF_SCOPE_MARGIN = 0.12
# A confident match gives way to the entry the classifier scores this much above it: the
# classifier's entry is answered instead ("Kto opracował tę koncepcję?": authors, not about).
# Swept on the tuning sets and eval-mixed (0 / 0.05 / 0.1 / 0.15 / 0.2 / 0.3; README).
CLASSIFIER_DOUBT = 0.05
# ...asked only below this score: no doubted match on any set scored above 0.41, and a clear
# match ("Wann habt ihr offen?") is answered without building or asking the classifier.
CLASSIFIER_DOUBT_BELOW = 0.45
# A crisis entry that the matcher ranks first counts from here, even without a trigger: a
# missed crisis costs far more than emergency numbers shown once too often.
CRISIS_MATCH = 0.16
# ...if it also leads the examples of questions no entry answers (out-of-scope.yaml) by this
# much: "donner son sang" (giving blood) is nearer the youth crisis than anything else of ours.
# Swept 0-0.08 over every set: false emergencies 4 -> 1 of 1,769, no crisis message missed.
CRISIS_OOS_LEAD = 0.03
# Once a trigger has shown a crisis, a kind the matcher ranks this high adds its lines too.
CRISIS_KIND_MATCH = 0.10
SMALLTALK_MARGIN = 0.15  # "Hallo, wann habt ihr offen?" is a question, not a greeting
# "ok", "Hallo", "Termin", "Adresse": too little text to tell a language by; such a message keeps
# the person's language (their choice, else their last real question, else their app's). Words
# of German that every language's questions use (Knowledge.local_terms) are not counted.
SHORT_MESSAGE_WORDS = 2
MAX_SUGGESTIONS = 3
# A message of up to this many parts is also matched part by part ("where is the office and
# when is it open?"); a longer one is a story, read as a whole.
MAX_CLAUSES = 4
MATCH_EVIDENCE = 0.3  # how much a language's best match counts towards detecting it
HINT_EVIDENCE = 0.15
# ...and how much what our own texts' words say (language.WordModel) counts: 0.3-1.5 swept on
# eval-mixed and the tuning sets, 0.6 and 1.5 alike, the smaller taken.
VOCABULARY_EVIDENCE = 0.6
DETECTION_FLOOR = 0.05  # languages below this detector probability are not searched...
SURE_DETECTION = 0.8  # ...unless the detector is unsure: then every language of the script is


class Outcome(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    FALLBACK = "fallback"
    EMERGENCY = "emergency"
    SMALLTALK = "smalltalk"
    EMPTY = "empty"

    @property
    def understood(self) -> bool:
        """A confident answer: what counts as answered in statistics and evaluation."""
        return self in (Outcome.ANSWER, Outcome.EMERGENCY, Outcome.SMALLTALK)


@dataclass(frozen=True)
class _Asked:
    """A question on its way to an answer: what the answer of every outcome repeats."""

    question: str
    detected: str | None
    language: str
    candidates: tuple[Candidate, ...] = ()

    def answer(self, outcome: Outcome, text: str, html: str, **details: Any) -> Answer:
        return Answer(
            question=self.question,
            detected=self.detected,
            language=self.language,
            outcome=outcome,
            text=text,
            html=html,
            candidates=self.candidates,
            **details,
        )


@dataclass(frozen=True)
class Hints:
    """What we know about the asker besides the text."""

    preferred: str | None = None  # an explicit choice (/language): wins over detection
    client: str | None = None  # the app's language (Telegram language_code)
    recent: str | None = None  # the language of the person's last real question


@dataclass(frozen=True, kw_only=True)
class Answer:
    question: str
    detected: str | None
    language: str
    outcome: Outcome
    text: str
    html: str
    entry: Entry | None = None
    confidence: float = 0.0
    suggestions: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)
    crisis: tuple[str, ...] = ()  # the crisis entries whose help the answer gives, in order
    also: tuple[str, ...] = ()  # entries of the message's other questions, offered as buttons
    short: bool = False  # one or two words (besides local terms): it says nothing of the language

    @property
    def question_language(self) -> str | None:
        """The language this message shows the person writes in (None for a short one)."""
        return None if self.short else self.detected

    @property
    def best_guess(self) -> str | None:
        """The entry we would pick if forced: the answer, or the first suggestion."""
        if self.entry is not None:
            return self.entry.id
        if self.suggestions:
            return self.suggestions[0]
        return self.candidates[0].entry_id if self.candidates else None

    @property
    def understood(self) -> bool:
        """False when staff should see this question among the unanswered ones."""
        return self.outcome.understood

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "detected": self.detected,
            "language": self.language,
            "entry": self.entry.id if self.entry else None,
            "field": self.entry.field if self.entry else None,
            "confidence": round(self.confidence, 3),
            "suggestions": list(self.suggestions),
            "outcome": str(self.outcome),
            "crisis": list(self.crisis),
            "also": list(self.also),
            "text": self.text,
        }


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Answerer:
    """Holds the indexes for one knowledge base; cheap to call, built once per load."""

    def __init__(
        self,
        knowledge: Knowledge,
        translations: Translations,
        detector: LanguageDetector | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        matcher: Matcher | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.translations = translations
        self.clock = clock
        scripts = knowledge.scripts
        self.scripts = scripts
        self.detector = detector or LanguageDetector.for_knowledge(knowledge)
        self.matcher = matcher or Matcher(knowledge)
        self.crisis = CrisisDetector(knowledge, scripts)
        self.renderer = Renderer(knowledge)

    def supported(self, language: str | None) -> str | None:
        """A supported language code for a hint like 'pt-br', 'uk' or 'bs', else None."""
        if not language:
            return None
        code = language.replace("_", "-").split("-")[0].lower()
        code = self.knowledge.aliases.get(code, code)
        return code if code in self.knowledge.languages else None

    def answer(
        self, question: str, hints: Hints = Hints(), now: dt.datetime | None = None
    ) -> Answer:
        now = now or self.clock()
        question = question if isinstance(question, str) else str(question)
        # Lone UTF-16 surrogates (possible in JSON) cannot be stored or sent: replace them.
        question = question.encode("utf-8", "replace").decode("utf-8")
        text = question[:MAX_QUESTION_CHARS]
        normalized = normalize(text)
        preferred = self.supported(hints.preferred)
        client = self.supported(hints.client)
        recent = self.supported(hints.recent)
        if not normalized or not any(c.isalpha() or c.isdigit() for c in normalized):
            language = preferred or recent or client or self.knowledge.fallback
            message = self._t(
                language,
                _(
                    "Please type your question in a few words, for example: When is the office open?"
                ),
            )
            return _Asked(question, None, language).answer(
                Outcome.EMPTY, message, _escape(message)
            )

        # Local terms ("Ausländerbehörde", "Termin") are written in every language: they do not
        # count ("Ausländerbehörde Termin Rathaus" is as short as "Termin").
        telling = [w for w in normalized.split() if w not in self.knowledge.local_terms]
        short = len(telling) <= SHORT_MESSAGE_WORDS
        if short and preferred is None:
            preferred = recent or client
        detection = self.detector.detect(text)
        head = question[: MAX_QUESTION_CHARS * 4]  # crises are looked for further
        normalized_head = normalized if head == text else normalize(head)
        hits = self.crisis.find(normalized_head, script_counts(head).keys())
        searched = self._languages_to_search(detection, preferred, client)
        rankings, candidates, out_of_scope = self._ranked(normalized, searched)
        detected = self._question_language(detection, rankings, client, preferred)
        language = self._answer_language(detection, detected, preferred, client)
        typed_as = self._language_of_romanized_triggers(hits, detection, preferred)
        if typed_as:
            detected = language = typed_as
        asked = _Asked(question, detected, language, tuple(candidates))

        matched = self._crisis_match(candidates, bool(hits), out_of_scope)
        kinds = self.crisis.kinds([hit.entry_id for hit in hits] + ([matched] if matched else []))
        if kinds:
            confidence = 1.0 if hits else candidates[0].score
            result = self._crisis_answer(asked, kinds, confidence, now)
        else:
            result = self._calibrate(asked, rankings, out_of_scope, now)
            if not short:
                result = self._several_questions(result, asked, text, searched, now)
            if detection.foreign and preferred is None:
                result = self._with_languages_understood(result)
        return replace(result, short=True) if short else result

    # -- language -------------------------------------------------------------------------

    def _languages_to_search(
        self, detection: Detection, preferred: str | None, client: str | None
    ) -> list[str]:
        ranked = sorted(detection.probabilities.items(), key=lambda kv: kv[1], reverse=True)
        same_script = [
            lang for lang in self.knowledge.languages if self.scripts.get(lang) == detection.script
        ]
        sure = bool(ranked) and ranked[0][1] >= SURE_DETECTION
        if sure:
            languages = [lang for lang, p in ranked if p >= DETECTION_FLOOR]
        else:
            languages = [lang for lang, _p in ranked]
        # German and English are searched too when the detector is unsure (mixed messages);
        # after a sure detection they changed no answer on any evaluation set, and skipping them
        # halves the work (and the start-up) for most questions.
        defaults = () if sure else (self.knowledge.authoritative, self.knowledge.fallback)
        for hint in (preferred, client, *defaults):
            if hint and (hint in same_script or detection.script is None):
                languages.append(hint)
        if not languages:
            languages = same_script or [self.knowledge.authoritative, self.knowledge.fallback]
        return list(dict.fromkeys(languages))

    def _question_language(
        self,
        detection: Detection,
        rankings: dict[str, Ranking],
        client: str | None,
        preferred: str | None,
    ) -> str | None:
        if detection.foreign:
            return detection.foreign
        scores: dict[str, float] = {}
        for lang in set(detection.probabilities) | set(rankings):
            ranking = rankings.get(lang, Ranking([]))
            evidence = ranking.candidates[0].score if ranking.candidates else 0.0
            hinted = HINT_EVIDENCE if lang in (client, preferred) else 0.0
            scores[lang] = (
                detection.probabilities.get(lang, 0.0)
                + MATCH_EVIDENCE * evidence
                + VOCABULARY_EVIDENCE * detection.vocabulary.get(lang, 0.0)
                + hinted
            )
        if not scores:
            return None
        return max(scores, key=scores.__getitem__)

    def _answer_language(
        self, detection: Detection, detected: str | None, preferred: str | None, client: str | None
    ) -> str:
        if preferred:
            return preferred
        if detection.foreign:
            closer = detection.foreign in self.knowledge.closer_to_authoritative
            if closer or client == self.knowledge.authoritative:
                return self.knowledge.authoritative
            return self.knowledge.fallback
        if detected in self.knowledge.languages:
            return detected
        return client or self.knowledge.fallback

    def _language_of_romanized_triggers(
        self, hits: list[TriggerHit], detection: Detection, preferred: str | None
    ) -> str | None:
        """ "mikham khodkoshi konam": when every trigger found is one language's typed in
        another writing system (Finglish, Arabizi, translit), the person writes that language,
        whatever two or three such words read as to the detector."""
        if preferred or not hits:
            return None
        languages = {hit.language for hit in hits}
        romanized = all(
            dominant_script(hit.trigger)[0] not in (None, self.scripts.get(hit.language))
            for hit in hits
        )
        return languages.pop() if romanized and len(languages) == 1 else None

    # -- matching and calibration ---------------------------------------------------------

    def _ranked(
        self, normalized: str, languages: list[str]
    ) -> tuple[dict[str, Ranking], list[Candidate], float]:
        """Each language's ranking of a normalised text, the entries over all of them (each at
        its best score) and the highest score of the out-of-scope examples."""
        rankings = {lang: self.matcher.search(normalized, lang) for lang in languages}
        out_of_scope = max((r.out_of_scope for r in rankings.values()), default=0.0)
        merged = self._merge({lang: r.candidates for lang, r in rankings.items()})
        return rankings, merged, out_of_scope

    def _topical(self, candidates: Iterable[Candidate]) -> list[Candidate]:
        """The candidates that are not small talk."""
        return [c for c in candidates if self.knowledge.entries[c.entry_id].kind != "smalltalk"]

    @staticmethod
    def _merge(by_language: dict[str, list[Candidate]]) -> list[Candidate]:
        best: dict[str, Candidate] = {}
        for candidates in by_language.values():
            for candidate in candidates:
                if (
                    candidate.entry_id not in best
                    or candidate.score > best[candidate.entry_id].score
                ):
                    best[candidate.entry_id] = candidate
        return sorted(best.values(), key=lambda c: c.score, reverse=True)

    def _calibrate(
        self, asked: _Asked, rankings: dict[str, Ranking], out_of_scope: float, now: dt.datetime
    ) -> Answer:
        """A confident answer when the best entry scores high enough, or clearly more than the
        next entry and the examples of questions no entry answers (with the entry the classifier
        prefers, if it prefers another); or when the match is unsure but the classifier agrees.
        Else "did you mean" or the fallback."""
        entries = self.knowledge.entries
        candidates = asked.candidates
        topical = self._topical(candidates)
        if candidates and entries[candidates[0].entry_id].kind == "smalltalk":
            top = candidates[0]
            if top.score >= ANSWER_THRESHOLD and not (
                topical and topical[0].score > top.score - SMALLTALK_MARGIN
            ):
                return self._entry_answer(
                    asked, Outcome.SMALLTALK, entries[top.entry_id], top.score, now
                )
        if not topical or topical[0].score < max(SUGGEST_THRESHOLD, out_of_scope):
            return self._fallback(asked, now)
        best = topical[0]
        confident = _confident(topical, out_of_scope)
        opinion = self._opinion(rankings[best.language], best, out_of_scope, confident)
        if confident or _agrees(opinion, best):
            chosen = (_preferred_instead(opinion, best) if confident else None) or best.entry_id
            return self._entry_answer(asked, Outcome.ANSWER, entries[chosen], best.score, now)
        suggested = [best.entry_id] + [
            c.entry_id for c in topical[1:] if c.score >= SUGGEST_THRESHOLD * 0.8
        ]
        suggestions = tuple(dict.fromkeys(suggested))[:MAX_SUGGESTIONS]
        language = asked.language
        lines = [self._t(language, _("I am not sure what you mean. Did you mean:"))]
        lines += [f"• {entries[s].title(language, self.knowledge.fallback)}" for s in suggestions]
        message = bidi.for_language("\n".join(lines), language)
        return asked.answer(
            Outcome.SUGGEST,
            message,
            _escape(message),
            confidence=best.score,
            suggestions=suggestions,
        )

    def _opinion(
        self, ranking: Ranking, best: Candidate, out_of_scope: float, confident: bool
    ) -> list[tuple[float, str]]:
        """The classifier's scores of the answers and of the out-of-scope class in the best
        match's language, best first; not asked for a clear match, nor for an unsure one near
        the out-of-scope examples, which it could not make an answer."""
        if confident and best.score >= CLASSIFIER_DOUBT_BELOW:
            return []
        if not confident and best.score - out_of_scope < CLASSIFIER_OUT_OF_SCOPE_MARGIN:
            return []
        entries = self.knowledge.entries
        return sorted(
            (
                (score, entry_id)
                for entry_id, score in self.matcher.opinion(best.language, ranking).items()
                if entry_id not in entries or entries[entry_id].kind == "answer"
            ),
            reverse=True,
        )

    def _several_questions(
        self, result: Answer, asked: _Asked, text: str, languages: list[str], now: dt.datetime
    ) -> Answer:
        """Two or more parts of the message with answers of their own, which the whole message
        ranks first too: the one the whole message matches best is answered, the others are
        offered as buttons. Answering the parts in the order asked instead made 12 more answers
        wrong on the four evaluation sets. The whole message's answer stands alone when it is
        none of the parts' ("Sprache und Bildung" is one field of action, not two questions)."""
        if result.outcome not in (Outcome.ANSWER, Outcome.SUGGEST):
            return result  # the parts could change nothing: no need to match them
        found = self._parts_answered(text, languages)
        ranked = [c.entry_id for c in asked.candidates[:MAX_SUGGESTIONS]]
        parts = [entry_id for entry_id in found if entry_id in ranked]
        if len(parts) < 2:
            return result
        entries = self.knowledge.entries
        if result.outcome is Outcome.ANSWER and result.entry is not None:
            if result.entry.id not in parts:
                return result
            answered = result.entry.id
        elif result.outcome is Outcome.SUGGEST and ranked[0] in parts:
            answered = ranked[0]
            result = self._entry_answer(
                asked, Outcome.ANSWER, entries[answered], found[answered], now
            )
        else:
            return result
        others = [entry_id for entry_id in parts if entry_id != answered]
        language = asked.language
        lines = [self._t(language, _("You also asked about:"))]
        lines += [f"• {entries[o].title(language, self.knowledge.fallback)}" for o in others]
        more = bidi.for_language("\n".join(lines), language)
        return replace(
            result,
            text=f"{result.text}\n\n{more}",
            html=f"{result.html}\n\n{_escape(more)}",
            also=tuple(others),
        )

    def _parts_answered(self, text: str, languages: list[str]) -> dict[str, float]:
        """The entry (and its score) of each part of the message that would be answered on its
        own, in the order asked; nothing for a message of one part or of too many."""
        conjunctions = {w for lang in languages for w in self.knowledge.conjunctions.get(lang, ())}
        clauses = split_clauses(text, conjunctions)
        if not 2 <= len(clauses) <= MAX_CLAUSES:
            return {}
        found: dict[str, float] = {}
        for clause in clauses:
            _rankings, candidates, out_of_scope = self._ranked(clause, languages)
            topical = self._topical(candidates)
            if _confident(topical, out_of_scope):
                found.setdefault(topical[0].entry_id, topical[0].score)
        return found

    def _crisis_match(
        self, candidates: list[Candidate], triggered: bool, out_of_scope: float
    ) -> str | None:
        """The crisis entry the matcher ranks first, if it counts: after a trigger from
        CRISIS_KIND_MATCH; without one from CRISIS_MATCH and CRISIS_OOS_LEAD ahead of the
        out-of-scope examples."""
        if (
            not candidates
            or self.knowledge.entries[candidates[0].entry_id].kind not in CRISIS_KINDS
        ):
            return None
        score = candidates[0].score
        if triggered:
            counts = score >= CRISIS_KIND_MATCH
        else:
            counts = score >= CRISIS_MATCH and score - out_of_scope >= CRISIS_OOS_LEAD
        return candidates[0].entry_id if counts else None

    def _crisis_answer(
        self, asked: _Asked, kinds: tuple[str, ...], confidence: float, now: dt.datetime
    ) -> Answer:
        """The general emergency numbers first, then the lines for each kind of crisis found."""
        entries = self.knowledge.entries
        general = self.knowledge.emergency
        specific = [entries[k] for k in kinds if general is None or k != general.id]
        parts = ([general] if general else []) + specific
        gettext = self.translations.gettext(asked.language)

        def render(as_html: bool) -> str:
            return "\n\n".join(
                self.renderer.answer_text(e, asked.language, gettext, now, as_html=as_html)
                for e in parts
            )

        return asked.answer(
            Outcome.EMERGENCY,
            render(False),
            render(True),
            entry=specific[0] if specific else parts[0],
            confidence=confidence,
            crisis=tuple(e.id for e in parts),
        )

    def _with_languages_understood(self, result: Answer) -> Answer:
        """A "did you mean" or fallback for a message in a language we do not support, headed
        by the languages the bot understands, each in its own name (a Spanish or Somali message
        otherwise only gets "no answer" in English, though the answer may well be there)."""
        if result.outcome not in (Outcome.FALLBACK, Outcome.SUGGEST):
            return result
        # Each name isolated, so that Arabic and Persian names keep their place in the line.
        names = " · ".join(f"\u2068{native_name(lang)}\u2069" for lang in self.knowledge.languages)
        note = self._t(
            result.language,
            _("I cannot read this language yet. Please write in one of these languages:"),
        )
        return replace(
            result,
            text=f"{note}\n{names}\n\n{result.text}",
            html=f"{_escape(note)}\n{_escape(names)}\n\n{result.html}",
        )

    def _fallback(self, asked: _Asked, now: dt.datetime) -> Answer:
        return asked.answer(
            Outcome.FALLBACK,
            self.fallback_text(asked.language, now),
            self.fallback_text(asked.language, now, as_html=True),
            confidence=asked.candidates[0].score if asked.candidates else 0.0,
        )

    def fallback_text(
        self, language: str, now: dt.datetime | None = None, *, as_html: bool = False
    ) -> str:
        """'No answer' with the integration office's contact, in a language."""
        intro = self._t(
            language,
            _("Sorry, I have no answer to that. The integration office will gladly help you:"),
        )
        contact = self.knowledge.entries.get(self.knowledge.roles.fallback_contact)
        text = _escape(intro) if as_html else intro
        if contact is not None:
            gettext = self.translations.gettext(language)
            text += "\n\n" + self.renderer.answer_text(
                contact, language, gettext, now or self.clock(), as_html=as_html
            )
        return text

    def _entry_answer(
        self, asked: _Asked, outcome: Outcome, entry: Entry, confidence: float, now: dt.datetime
    ) -> Answer:
        gettext = self.translations.gettext(asked.language)
        return asked.answer(
            outcome,
            self.renderer.answer_text(entry, asked.language, gettext, now),
            self.renderer.answer_text(entry, asked.language, gettext, now, as_html=True),
            entry=entry,
            confidence=confidence,
        )

    def _t(self, language: str, message: str) -> str:
        return self.translations.gettext(language)(message)

    def render_entry(
        self,
        entry_id: str,
        language: str,
        *,
        as_html: bool = False,
        now: dt.datetime | None = None,
    ) -> str:
        """An entry's answer by id (deep links, menus), in a language."""
        entry = self.knowledge.entries[entry_id]
        gettext = self.translations.gettext(language)
        return self.renderer.answer_text(
            entry, language, gettext, now or self.clock(), as_html=as_html
        )


def _confident(topical: list[Candidate], out_of_scope: float) -> bool:
    """Whether the best entry is answered: it scores high enough, or clearly more than the next
    entry and the examples of questions no entry answers, or both views of it agree."""
    if not topical or topical[0].score < max(SUGGEST_THRESHOLD, out_of_scope):
        return False
    best = topical[0]
    runner_up = max(topical[1].score if len(topical) > 1 else 0.0, out_of_scope)
    high = best.score >= ANSWER_THRESHOLD and best.score - out_of_scope >= OUT_OF_SCOPE_MARGIN
    clear = best.score >= MARGIN_FLOOR and best.score - runner_up >= MARGIN
    agreed = best.agreed and best.score - out_of_scope >= AGREED_OUT_OF_SCOPE_MARGIN
    return high or clear or agreed


def _agrees(opinion: list[tuple[float, str]], best: Candidate) -> bool:
    """Whether the classifier ranks the best match first too, clearly: with a score from the
    floor, or far ahead of the next class."""
    if len(opinion) < 2:
        return False
    (first, entry_id), (second, _next) = opinion[:2]
    lead = first - second
    return entry_id == best.entry_id and (
        (first >= CLASSIFIER_FLOOR and lead >= CLASSIFIER_MARGIN)
        or (first >= CLASSIFIER_CLEAR_FLOOR and lead >= CLASSIFIER_CLEAR_MARGIN)
    )


def _preferred_instead(opinion: list[tuple[float, str]], best: Candidate) -> str | None:
    """Another entry the classifier scores clearly above the best match, if any."""
    if not opinion or opinion[0][1] in (best.entry_id, OUT_OF_SCOPE):
        return None
    first, entry_id = opinion[0]
    own = next((score for score, e in opinion if e == best.entry_id), -1.0)
    return entry_id if first - own >= CLASSIFIER_DOUBT else None


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
