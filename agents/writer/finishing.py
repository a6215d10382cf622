"""The last resort after a section's fix calls (a model that can write): what is still wrong is
removed and reported, and uncited sentences one source alone backs get its marker.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from agents.text.attribution import with_markers
from agents.text.checks import dangling_opening
from agents.text.section_report import Checker, check_section
from agents.writer.sections import drop_sentences
from core.markers import cited_ids, split_sentences
from core.state import Passage, Section
from tools.specifics import find_specifics, key_specifics, states


def finish(
    body: str,
    checker: Checker,
    evidence: Sequence[Passage],
    earlier: Sequence[str],
    length: int,
    heading: str,
    removed: int = 0,
    concluding: bool = False,
) -> tuple[Section, list[str]]:
    """The last resort after the fixes: sentences that still state invented specifics or talk
    about the evidence are removed; those and the ``removed`` ones whose fix failed are reported."""
    report = check_section(body, checker, evidence, earlier, length, heading, concluding)
    doomed = [*(s for s, _ in report.invented), *report.meta, *report.voice, *report.titles]
    pasted = [
        s for s in pasted_wording([*report.copied, *report.opening], evidence) if not referred_to(body, s)
    ]
    orphans = [s for s in (following(body, d) for d in doomed) if s and orphaned(s, evidence)]
    body = drop_sentences(body, [*doomed, *pasted, *orphans])
    body, dangling = without_dangling_opening(body, evidence)
    pasted += [*orphans, *dangling]
    if checker.grounded:
        body = cite_uncited(body, evidence)
    removed += len(set(doomed))
    notes: list[str] = []
    where = f'"{heading}"' if heading else "the introduction"
    if removed:
        notes.append(
            f"{where}: removed {removed} sentence(s) the model did not fix "
            "(invented specifics, talk about the sources, a source author's 'I')"
        )
    if pasted:
        notes.append(
            f"{where}: removed {len(pasted)} sentence(s) with none of the sources' facts that the model "
            "did not fix (pasted wording, an opening pronoun)"
        )
    return Section(heading=heading, body=body), notes


def without(body: str, sentence: str, evidence: Sequence[Passage]) -> str:
    """``body`` without ``sentence``, and without the sentence after it when that one would be left
    pointing at nothing ("This temperature range ensures…"; see :func:`orphaned`)."""
    after = following(body, sentence)
    return drop_sentences(body, [sentence, *([after] if after and orphaned(after, evidence) else [])])


def orphaned(sentence: str, evidence: Sequence[Passage]) -> bool:
    """True when ``sentence`` opens on a pronoun and states none of the evidence's names or
    numbers: once the sentence it referred to is gone it means nothing, and loses no fact."""
    return dangling_opening(sentence) is not None and bool(pasted_wording([sentence], evidence))


def following(body: str, sentence: str) -> str | None:
    """The sentence after ``sentence`` in its paragraph, if any."""
    for paragraph in body.split("\n\n"):
        for current, after in itertools.pairwise(split_sentences(paragraph)):
            if current == sentence:
                return after
    return None


def without_dangling_opening(body: str, evidence: Sequence[Passage]) -> tuple[str, list[str]]:
    """``body`` without the sentences that open it on a pronoun once those before them are gone
    ("This includes both headlamps…" after "The guide covers lights" was removed), as long as
    they state none of the evidence's names or numbers; and the sentences dropped."""
    dropped: list[str] = []
    while (opening := dangling_opening(body)) and pasted_wording([opening], evidence):
        body = drop_sentences(body, [opening])
        dropped.append(opening)
    return body, dropped


def cite_uncited(body: str, evidence: Sequence[Passage]) -> str:
    """``body`` with a marker on each uncited sentence whose names and numbers the evidence of
    one source alone states (the model often drops ``[n]`` while keeping the facts)."""
    paragraphs = []
    for paragraph in body.split("\n\n"):
        sentences = []
        for sentence in split_sentences(paragraph):
            owner = sole_source(sentence, evidence) if not cited_ids(sentence) else None
            sentences.append(with_markers(sentence, [owner]) if owner is not None else sentence)
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def sole_source(sentence: str, evidence: Sequence[Passage]) -> int | None:
    """The one source whose passages state every name and number of ``sentence`` (None when
    the sentence states none, or no single source states them all)."""
    specifics = [s for s in find_specifics(sentence) if s.kind in ("name", "number")]
    if not specifics:
        return None
    owners = {p.source_id for p in evidence}
    for specific in specifics:
        owners &= {p.source_id for p in evidence if states(p.text, specific)}
    return owners.pop() if len(owners) == 1 else None


def referred_to(body: str, sentence: str) -> bool:
    """True when the sentence after ``sentence`` in its paragraph opens on a pronoun ("It simply
    means…"): leaving ``sentence`` out would leave that one pointing at nothing."""
    for paragraph in body.split("\n\n"):
        sentences = split_sentences(paragraph)
        for current, following in itertools.pairwise(sentences):
            if current == sentence and dangling_opening(following):
                return True
    return False


def pasted_wording(copied: Sequence[str], evidence: Sequence[Passage]) -> list[str]:
    """The copied sentences (or an opening on a dangling pronoun) that carry none of the
    evidence's names or numbers: a source's own rhetoric ("That is a shame, because…"), which the
    post loses nothing by leaving out."""
    wanted = key_specifics(p.text for p in evidence)
    return [s for s in copied if not any(states(s, specific) for specific in wanted)]
