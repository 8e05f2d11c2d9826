"""Speed, memory and quality of the answering core, beside a naive rapidfuzz baseline.

Prints figures; asserts nothing (timing belongs in benchmarks, not in tests).

    python bench/bench_answers.py            # shipped knowledge + 5,000 generated entries
    python bench/bench_answers.py --entries 1000
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.answer import Answerer  # noqa: E402
from bot.core.knowledge import Entry, Knowledge, load_knowledge  # noqa: E402
from bot.evaluate import Case, evaluate, evaluation_files, load_cases  # noqa: E402
from bot.i18n import Translations  # noqa: E402

EVAL_DIR = ROOT / "tests" / "data"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timings(answerer: Answerer, questions: list[str], rounds: int) -> tuple[float, float, float]:
    samples = []
    started = time.perf_counter()
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter()
            answerer.answer(question)
            samples.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1000, p99 * 1000, len(samples) / elapsed


def startup_seconds(*, background: bool) -> float:
    """A fresh interpreter: import, load knowledge and catalogs, build indexes, answer once;
    `background` as the bot and the console chat start (the classifier is built in a thread,
    not waited for), else as `kik-bot ask` (the first unsure match waits for it)."""
    code = (
        "import time; t=time.perf_counter();"
        "from bot.commands import build_answerer; from bot.settings import Settings;"
        f"a=build_answerer(Settings.from_env(), background={background});"
        "a.answer('Wann habt ihr offen?'); print(time.perf_counter()-t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return min(runs)


def generated_knowledge(base: Knowledge, count: int, seed: int = 7) -> Knowledge:
    """`count` extra entries per language, made of the shipped vocabulary, 6 variants each."""
    rng = random.Random(seed)
    vocabulary = {
        lang: sorted({w for e in base for q in e.questions.get(lang, ()) for w in q.split()})
        for lang in base.languages
    }
    entries = dict(base.entries)
    for number in range(count):
        questions = {
            lang: tuple(" ".join(rng.choices(words, k=rng.randint(3, 9))) for _ in range(6))
            for lang, words in vocabulary.items()
        }
        answers = {lang: " ".join(rng.choices(words, k=30)) for lang, words in vocabulary.items()}
        entry_id = f"generated-{number}"
        entries[entry_id] = Entry(
            entry_id,
            "answer",
            None,
            ("generated",),
            base.entries["about"].updated,
            {},
            answers,
            questions,
            {},
            (),
            (),
            "generated.yaml",
            number,
        )
    return replace(base, entries=entries)


def naive_baseline(knowledge: Knowledge, cases: list[Case]) -> tuple[float, float, float, float]:
    """rapidfuzz extractOne with WRatio over all variants: no normalisation, no language logic."""
    choices, owners = [], []
    for entry in knowledge:
        for lang, questions in entry.questions.items():
            for question in questions:
                choices.append(question)
                owners.append((entry.id, lang))
    in_scope = [c for c in cases if not c.out_of_scope]
    correct = right_language = 0
    samples = []
    for case in in_scope:
        t0 = time.perf_counter()
        _text, _score, index = process.extractOne(case.question, choices, scorer=fuzz.WRatio)
        samples.append(time.perf_counter() - t0)
        entry_id, lang = owners[index]
        correct += entry_id in case.expect
        right_language += lang in case.languages
    samples.sort()
    return (
        100 * correct / len(in_scope),
        100 * right_language / len(in_scope),
        statistics.median(samples) * 1000,
        samples[int(len(samples) * 0.99)] * 1000,
    )


def language_accuracy(answerer: Answerer, cases: list[Case]) -> tuple[float, float, float]:
    """How often each signal alone, and our combination, names the language of the question."""
    single = [c for c in cases if len(c.languages) == 1]
    detector = matching = combined = 0
    for case in single:
        expected = case.languages[0]
        detection = answerer.detector.detect(case.question)
        detector += (detection.best or detection.foreign) == expected
        result = answerer.answer(case.question)
        best = result.candidates[0].language if result.candidates else None
        matching += best == expected
        combined += result.detected == expected
    return tuple(100 * n / len(single) for n in (detector, matching, combined))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entries", type=int, default=5000, help="generated entries for the scale test"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    knowledge = load_knowledge(ROOT / "knowledge")
    translations = Translations(ROOT / "locales", knowledge.languages)
    cases = [case for path in evaluation_files(EVAL_DIR) for case in load_cases(path)]
    questions = [case.question for case in cases]

    print(
        "start-up to first answer (fresh process, best of 3): "
        f"{startup_seconds(background=True):.2f} s as the bot starts, "
        f"{startup_seconds(background=False):.2f} s as `kik-bot ask`"
    )
    answerer = Answerer(knowledge, translations)
    answerer.matcher.warm()
    p50, p99, rate = timings(answerer, questions, args.rounds)
    print(
        f"shipped knowledge ({len(knowledge.entries)} entries x {len(knowledge.languages)} languages), "
        f"{len(questions)} questions x {args.rounds}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rate:,.0f} questions/s"
    )

    report = evaluate(answerer, cases).total()
    ours = 100 * report.right / report.in_scope
    fell_back = 100 * (1 - report.answered_out_of_scope / report.out_of_scope)
    base_top1, base_lang, base_p50, base_p99 = naive_baseline(knowledge, cases)
    print(f"quality on {len(cases)} evaluation cases (in scope {report.in_scope}):")
    print(
        f"  ours:  right {ours:5.1f}%  wrong {100 * report.wrong / report.in_scope:4.1f}%  "
        f"answer language {100 * report.right_language / report.cases:5.1f}%  "
        f"out-of-scope fallback {fell_back:5.1f}%  p50 {p50:.2f} ms  p99 {p99:.2f} ms"
    )
    print(
        f"  naive: top-1 {base_top1:5.1f}%  answer language {base_lang:5.1f}%  "
        f"out-of-scope fallback   0.0%  p50 {base_p50:.2f} ms  p99 {base_p99:.2f} ms  (extractOne, WRatio, all variants)"
    )

    detector_alone, matching_alone, combined = language_accuracy(answerer, cases)
    print(
        f"question language on {len([c for c in cases if len(c.languages) == 1])} single-language cases: "
        f"py3langid restricted alone {detector_alone:.1f}%, best-matching variants alone {matching_alone:.1f}%, "
        f"combined (ours) {combined:.1f}%"
    )

    t0 = time.perf_counter()
    big = generated_knowledge(knowledge, args.entries)
    big_answerer = Answerer(big, translations, detector=answerer.detector)
    big_answerer.matcher.warm()
    built = time.perf_counter() - t0
    p50, p99, rate = timings(big_answerer, questions, 1)
    print(
        f"generated knowledge ({len(big.entries):,} entries x {len(big.languages)} languages, "
        f"{sum(len(q) for e in big for q in e.questions.values()):,} variants; built in {built:.1f} s): "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rate:,.0f} questions/s"
    )
    print(f"peak resident memory: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
