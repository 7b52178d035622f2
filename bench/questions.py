"""What the bench asks: the eval questions and claims, or built-in ones."""

from __future__ import annotations

import json
from pathlib import Path

# The question timed in cold starts and by the web app's first answer.
QUESTION = "Why did Trotsky lose the power struggle?"
# Asked through the web API once the page is up.
API_QUESTIONS = (
    "What was the Lenin Enrolment?",
    "When did Stalin become General Secretary?",
    "What happened at Lenin's funeral?",
    "How did being General Secretary help Stalin?",
    "Why did Zinoviev and Kamenev ally with Stalin?",
) * 2

# Used when eval/qa.jsonl is missing: questions and claims on the seed essays.
FALLBACK_QUESTIONS = (
    "Why did Trotsky lose the power struggle?",
    "When did Stalin become General Secretary?",
    "What was the Lenin Enrolment?",
    "What happened at Lenin's funeral?",
    "How did being General Secretary help Stalin?",
    "What did Lenin's testament say about Stalin?",
    "Who were the members of the triumvirate?",
    "Why did Zinoviev and Kamenev ally with Stalin?",
    "What was the New Economic Policy?",
    "How did Stalin defeat Bukharin?",
    "What was socialism in one country?",
    "What was permanent revolution?",
    "Why was Trotsky distrusted by the party?",
    "How did Stalin use the party bureaucracy?",
    "When did Lenin die?",
    "Who was the Liaison Officer between the Politburo and Orgburo?",
    "What role did the Right Opposition play?",
    "Why did Trotsky miss Lenin's funeral?",
    "How did Stalin present himself as Lenin's heir?",
    "What was the United Opposition?",
    "When was Trotsky expelled from the party?",
    "What did Stalin do with collectivisation?",
    "How did the ban on factions help Stalin?",
    "Who was Bukharin?",
    "What did historians say about Stalin's rise?",
    "Was Stalin underestimated by his rivals?",
    "What was the Cult of Personality?",
    "How did Stalin control party appointments?",
    "What was the Politburo?",
    "Did Stalin read Lenin's testament?",
)
FALLBACK_CLAIMS = (
    "Stalin became General Secretary in 1922",
    "Stalin became General Secretary in 1925",
    "Trotsky missed Lenin's funeral",
    "Lenin died in 1924",
    "Stalin launched the Lenin Enrolment",
    "Bukharin supported the New Economic Policy",
)


def load_questions(qa_path: str | None) -> tuple[list[tuple[str, list[str]]], list[str], str]:
    """(question, history) pairs, claims, and where they came from."""
    path = Path(qa_path) if qa_path else None
    if path is not None and path.is_file():
        questions, claims = [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("type") == "claim":
                claims.append(item["question"])
            else:
                questions.append((item["question"], list(item.get("history") or [])))
        if questions and claims:
            return questions, claims, str(path)
    return [(q, []) for q in FALLBACK_QUESTIONS], list(FALLBACK_CLAIMS), "built-in seed questions"
