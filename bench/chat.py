"""The chat assistant's accuracy and speed on the evaluation set (bench/data/chat_questions.yaml).

`measure_assistant()` asks the assistant every evaluation question in its language, on the real knowledge base in
an app context (nobody is logged in; an empty in-memory database gives the organiser's default settings to the
answers that tell them), and gives per language:

- `chat_answer_accuracy_<lang>`: the share answered right: the expected entry answered confidently, or, where a
  handover is expected, a reply that is unsure or hands over;
- `chat_confident_wrong_<lang>`: the share answered confidently and wrongly: another entry, or an answer where a
  handover was expected;

and as headlines the worst language's: `chat_answer_accuracy` (the lowest accuracy) and `chat_confident_wrong` (the
highest share), and `chat_answer_p50_ms` / `chat_answer_p95_ms`, the time of one `answer()` over all the questions
asked `repeat` times. `python -m bench.chat` prints the figures and each miss; `--dev` does the same for the
development questions (bench/data/chat_dev.yaml), which the matcher's settings were chosen on, and `--loo` shows
how the knowledge base's own questions fare against the rest of it (leave one out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_PATH = REPO_ROOT / "bench" / "data" / "chat_questions.yaml"
DEV_PATH = REPO_ROOT / "bench" / "data" / "chat_dev.yaml"  # what the settings were chosen on, apart from the above
LANGUAGES = ("fi", "sv", "selko", "en")
HANDOVER = "handover"
TARGETS = {"chat_answer_accuracy": (">=", 0.85), "chat_confident_wrong": ("<=", 0.05), "chat_answer_p95_ms": ("<=", 50)}


@dataclass
class Outcome:
    language: str
    question: str
    expected: str
    got: str | None  # entry id, HANDOVER when the reply hands over without an entry, None when unsure
    confidence: float
    confident: bool
    handover: bool

    @property
    def right(self) -> bool:
        if self.expected == HANDOVER:
            return self.handover or not self.confident
        return self.confident and self.got == self.expected

    @property
    def confident_wrong(self) -> bool:
        if self.expected == HANDOVER:
            return self.confident and not self.handover
        return self.confident and not self.handover and self.got != self.expected


@dataclass
class Evaluation:
    outcomes: list[Outcome] = field(default_factory=list)
    timings_ms: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        result: dict[str, float] = {}
        for language in LANGUAGES:
            mine = [outcome for outcome in self.outcomes if outcome.language == language]
            if not mine:
                continue
            result[f"chat_answer_accuracy_{language}"] = round(sum(o.right for o in mine) / len(mine), 3)
            result[f"chat_confident_wrong_{language}"] = round(sum(o.confident_wrong for o in mine) / len(mine), 3)
            result[f"chat_questions_{language}"] = len(mine)
        accuracies = [v for k, v in result.items() if k.startswith("chat_answer_accuracy_")]
        wrongs = [v for k, v in result.items() if k.startswith("chat_confident_wrong_")]
        result["chat_answer_accuracy"] = min(accuracies)
        result["chat_confident_wrong"] = max(wrongs)
        if self.timings_ms:
            ordered = sorted(self.timings_ms)
            result["chat_answer_p50_ms"] = round(statistics.median(ordered), 2)
            result["chat_answer_p95_ms"] = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
        return result

    def misses(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.right]


def load_questions(path: Path = QUESTIONS_PATH) -> dict[str, list[tuple[str, str]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {language: [(item["q"], item["expect"]) for item in data[language]] for language in LANGUAGES}


@contextmanager
def assistant_app() -> Iterator[None]:
    """An app context on the real configuration's knowledge base, with an empty in-memory database: answers that
    tell the organiser's settings (the help line's number) read them as a worker would, and get the defaults."""
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""})
    with app.app_context():
        db.create_all()
        yield


def evaluate(questions: dict[str, list[tuple[str, str]]] | None = None, *, repeat: int = 5) -> Evaluation:
    """Ask every question once for the outcomes, then `repeat` more times for the timings (a warm process, as a
    worker answering chats is)."""
    from portal.assistant import answer

    questions = questions or load_questions()
    evaluation = Evaluation()
    for language, items in questions.items():
        for question, expected in items:
            reply = answer(question, language)
            got = reply.entry_id or (HANDOVER if reply.handover else None)
            evaluation.outcomes.append(
                Outcome(language, question, expected, got, reply.confidence, reply.confident, reply.handover)
            )
    for _ in range(repeat):
        for language, items in questions.items():
            for question, _ in items:
                started = time.perf_counter()
                answer(question, language)
                evaluation.timings_ms.append((time.perf_counter() - started) * 1000)
    return evaluation


def measure_assistant(repeat: int = 5) -> dict[str, float]:
    with assistant_app():
        return evaluate(repeat=repeat).figures()


def leave_one_out(language: str) -> list[tuple[str, str, str | None, float, bool]]:
    """Each question of the knowledge base (not the titles) matched against an index of everything else: (question,
    its entry, the entry chosen, confidence, confident). The settings in portal/assistant were chosen on these."""
    from portal.assistant import DEFAULT_CONFIDENCE, DEFAULT_MARGIN
    from portal.assistant.knowledge import knowledge_base
    from portal.assistant.match import build_index, match_question

    base = knowledge_base()
    phrases = list(base.handover_phrases[language])
    results = []
    for entry in base.entries:
        for number, question in enumerate(entry.texts[language].questions):
            targets = []
            for other in base.entries:
                texts = [other.texts[language].title, *other.texts[language].questions]
                if other.id == entry.id:
                    texts = [other.texts[language].title, *(q for i, q in enumerate(texts[1:]) if i != number)]
                targets.append((other.id, texts))
            found = match_question(build_index(targets, phrases, language), question)
            if found.best is None:
                results.append((question, entry.id, None, 0.0, False))
                continue
            key, score = found.best
            margin = score - found.runner_up[1] if found.runner_up else 1.0
            results.append((question, entry.id, key, score, score >= DEFAULT_CONFIDENCE and margin >= DEFAULT_MARGIN))
    return results


def doc_section() -> str:
    return """\
8. **Chat assistant.** `bench/chat.py` asks the assistant (`portal.assistant.answer`, on the real knowledge base
   `portal/data/assistant/knowledge.yaml`, nobody logged in) every question of `bench/data/chat_questions.yaml`:
   questions written apart from the knowledge base, the way people type them (typing errors, inflected and spoken
   forms, no diacritics), each with the entry it should get or `handover` (off-topic, ambiguous or medical: the
   assistant must not answer them confidently). `chat_answer_accuracy_<language>` is the share answered right and
   `chat_confident_wrong_<language>` the share answered confidently and wrongly; the headline figures without a
   language are the worst language's (the lowest accuracy, the highest confident-wrong share).
   `chat_answer_p50_ms`/`chat_answer_p95_ms` time one answer over all the questions, asked five times in a warm
   process, with an empty in-memory database for the answers that tell the organiser's settings. The matcher's
   settings were chosen on other questions (`bench/data/chat_dev.yaml`); `docs/assistant.md` says how, and
   `tests/unit/test_assistant.py` guards the accuracy reached (the targets are an expected failure until met).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__.splitlines()[0])
    parser.add_argument("--loo", action="store_true", help="the knowledge base's own questions, leave one out")
    parser.add_argument("--dev", action="store_true", help="the development questions instead of the evaluation set")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with assistant_app():
        if args.loo:
            for language in LANGUAGES:
                rows = leave_one_out(language)
                right = sum(1 for _, want, got, _, sure in rows if sure and got == want)
                wrong = sum(1 for _, want, got, _, sure in rows if sure and got != want)
                print(f"{language}: {right}/{len(rows)} right and confident, {wrong} confidently wrong")
                for question, want, got, score, sure in rows:
                    if not (sure and got == want):
                        print(f"  {'WRONG' if sure else 'unsure'} {score:.2f} {question!r}: {want} -> {got}")
            return 0
        evaluation = evaluate(load_questions(DEV_PATH if args.dev else QUESTIONS_PATH), repeat=args.repeat)
    for outcome in evaluation.misses():
        flag = "WRONG" if outcome.confident_wrong else "miss"
        print(
            f"{flag} [{outcome.language}] {outcome.confidence:.2f} {outcome.question!r}: "
            f"{outcome.expected} -> {outcome.got}",
            file=sys.stderr,
        )
    print(json.dumps(evaluation.figures(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
