"""Citation support judged by meaning: a model reads one source passage and one cited claim.

``bench/independent.py`` passes a claim only when its words appear, in order, in one passage, so
a faithful paraphrase fails there by construction. This check asks a model whether the passage
states what the claim says, names and numbers included: the passage is the window of one to
three consecutive source sentences sharing most character 5-grams with the claim (every number
of the claim in it, when one does). The verdict is the first word of a two-token reply.

Limits, stated beside every number it prints: a small judge errs both ways, and a judge that is
the model which wrote the post may be lenient to its own wording. Read it beside the lexical
check, never instead of it. No network: the judge is any local GGUF.

    python -m bench.judge --model FILE.gguf DRAFT.md SOURCES_DIR [DRAFT.md SOURCES_DIR ...]
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bench.independent import body_text, char_grams, marker_ids, sentences_of

WINDOW = 3  # consecutive source sentences a passage may span
_MARKERS = re.compile(r"\s*\[[\d,;\s–-]+\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_REFERENCE = re.compile(r"^(\d+)\. .*? — (\S+)$", re.MULTILINE)
JUDGE_PROMPT = (
    "Source passage:\n<<<\n{passage}\n>>>\n"
    'Claim: "{claim}"\n'
    "Does the source passage state what the claim says, with the same names and numbers? "
    "Answer yes or no."
)


class Judged(BaseModel):
    """One cited claim, the passage it was judged against, and the verdict."""

    claim: str
    source_id: int
    passage: str
    supported: bool


class JudgedReport(BaseModel):
    """Meaning-judged citation support of one draft."""

    claims: list[Judged] = Field(default_factory=list)
    rate: float | None = Field(default=None, description="supported / claims; None without claims")


def windows(source: str) -> list[str]:
    """Every run of one to ``WINDOW`` consecutive sentences of the source's running text."""
    parts = sentences_of(body_text(source))
    return [" ".join(parts[i : i + n]) for n in range(1, WINDOW + 1) for i in range(len(parts) - n + 1)]


def best_passage(claim: str, source: str) -> str:
    """The window sharing most character 5-grams with ``claim``, preferring one that holds every
    number the claim states ("" for an empty source)."""
    grams = char_grams(claim, 5)
    numbers = set(_NUMBER.findall(claim))
    total = max(1, sum(grams.values()))

    def fit(window: str) -> tuple[bool, float, int]:
        shared = sum((grams & char_grams(window, 5)).values()) / total
        return numbers <= set(_NUMBER.findall(window)), shared, -len(window)

    return max(windows(source), key=fit, default="")


def judged_support(markdown: str, sources: Mapping[int, str], ask: Callable[[str], str]) -> JudgedReport:
    """Judge every cited sentence of ``markdown`` against its best passage of each source it
    cites; ``ask`` sends one prompt to the judge and returns its reply."""
    claims: list[Judged] = []
    for sentence in sentences_of(body_text(markdown)):
        claim = " ".join(_MARKERS.sub("", sentence).split())
        for source_id in marker_ids(sentence):
            passage = best_passage(claim, sources.get(source_id, ""))
            reply = ask(JUDGE_PROMPT.format(passage=passage, claim=claim)) if passage else ""
            supported = reply.strip().lower().startswith("yes")
            claims.append(Judged(claim=claim, source_id=source_id, passage=passage, supported=supported))
    rate = round(sum(c.supported for c in claims) / len(claims), 4) if claims else None
    return JudgedReport(claims=claims, rate=rate)


def cited_sources(markdown: str, folder: Path) -> dict[int, str]:
    """The source texts by citation number, from the draft's References list ("n. Title — file")."""
    files = {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir() if path.is_file()}
    return {int(n): files[name] for n, name in _REFERENCE.findall(markdown) if name in files}


def llama_judge(model_path: Path, threads: int) -> Callable[[str], str]:
    """A judge on a local GGUF: greedy, two tokens."""
    from llama_cpp import Llama

    llama = Llama(model_path=str(model_path), n_ctx=4096, n_threads=threads, verbose=False)

    def ask(prompt: str) -> str:
        reply: Any = llama.create_chat_completion(
            [{"role": "user", "content": prompt}], max_tokens=2, temperature=0.0
        )
        return str(reply["choices"][0]["message"]["content"] or "")

    return ask


def main(argv: Sequence[str] | None = None) -> int:
    """Print each draft's judged support beside the lexical independent check."""
    from bench.independent import citation_support

    parser = argparse.ArgumentParser(prog="python -m bench.judge", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the judge: any local GGUF")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("pairs", nargs="+", help="DRAFT.md SOURCES_DIR, repeated")
    args = parser.parse_args(argv)
    if len(args.pairs) % 2:
        parser.error("give each draft with its sources folder: DRAFT.md SOURCES_DIR ...")
    ask = llama_judge(args.model, args.threads)
    print("| draft | claims | judged supported | lexical (independent.py) |\n|---|---|---|---|")
    for draft, folder in zip(args.pairs[::2], args.pairs[1::2], strict=True):
        markdown = Path(draft).read_text(encoding="utf-8")
        sources = cited_sources(markdown, Path(folder))
        judged = judged_support(markdown, sources, ask)
        lexical = citation_support(markdown, sources).rate
        print(f"| {draft} | {len(judged.claims)} | {_pct(judged.rate)} | {_pct(lexical)} |")
    print("\nThe judge is a small local model: it errs both ways, and may be lenient to its own wording.")
    return 0


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


if __name__ == "__main__":
    raise SystemExit(main())
