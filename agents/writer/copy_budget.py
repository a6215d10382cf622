"""The draft's copy budget: facts that repeat a source's wording are rationed over the whole draft.

A condensed fact of eight words or more in its source's order repeats a verbatim 8-gram. Such
facts go where they are worth most, so that a post explains its sources instead of pasting them:
the share of the draft's word 8-grams found verbatim in a source stays within a budget.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.text.grounding import copied_grams, copied_ngram_ratio
from agents.writer.digest import MARKUP, already_stated, fact_candidates
from core.markers import MARKER_START_RE
from core.policy import run_policy
from core.state import Passage


def ration_copied_facts(
    bodies: Sequence[str],
    evidence: Sequence[Sequence[Passage]],
    subjects: Sequence[str],
    lengths: Sequence[int],
    known: set[tuple[str, ...]],
    budget: float | None = None,
    ceiling: float | None = None,
) -> list[str]:
    """Add the facts that copy a source's wording (eight words or more in the source's order)
    where they are worth most. First every body section with evidence that cites nothing yet gets
    its cheapest fact that names a specific (whatever it costs), then the intro likewise while the
    whole draft copies at most ``ceiling`` of its 8-grams; then the other facts, most specifics
    first, while it copies at most ``budget``. Sections stop at their planned length; a fact the
    draft states anywhere is not added again."""
    budget = run_policy().writer.copy_budget if budget is None else budget
    ceiling = run_policy().text.copy_limit if ceiling is None else ceiling
    texts = list(bodies)
    offered = [
        fact_candidates(passages, subjects[i]) if passages else [] for i, passages in enumerate(evidence)
    ]
    body = range(1, len(texts) - 1)  # between the intro and the conclusion
    for position in [*body, 0, len(texts) - 1]:
        if not offered[position] or MARKER_START_RE.search(texts[position]):
            continue
        # A body section states at least one fact of its sources even past the ceiling: a
        # heading with nothing under it tells the reader nothing.
        limit = 1.0 if position in body else ceiling
        for fact, source_id, _ in sorted(
            offered[position], key=lambda f: (f[2] == 0, copied_grams(f[0], known), -f[2])
        ):
            grown = with_fact(texts, position, fact, source_id, known, limit, lengths[position])
            if grown != texts:
                texts = grown
                break
    pending = sorted(
        (-count, rank, position, fact, source_id)
        for position, facts in enumerate(offered)
        for rank, (fact, source_id, count) in enumerate(facts)
    )
    while pending:  # a fact that did not fit may fit once the draft has grown: try again
        left = []
        for offer in pending:
            _, _, position, fact, source_id = offer
            grown = with_fact(texts, position, fact, source_id, known, budget, lengths[position])
            if grown == texts:
                left.append(offer)
            texts = grown
        if len(left) == len(pending):
            break
        pending = left
    return texts


def with_fact(
    texts: list[str],
    position: int,
    fact: str,
    source_id: int,
    known: set[tuple[str, ...]],
    limit: float,
    length: int,
) -> list[str]:
    """``texts`` with the cited fact added to section ``position``, or unchanged when the section
    is full, already states it, or the draft would copy more than ``limit`` of its 8-grams."""
    text = texts[position]
    if len(text.split()) >= length or already_stated(" ".join(texts), fact):
        return texts
    trial = [*texts[:position], f"{text} {fact[:-1]} [{source_id}].".strip(), *texts[position + 1 :]]
    copied = copied_ngram_ratio(MARKUP.sub(" ", " ".join(trial)), known=known) or 0.0
    return trial if copied <= limit else texts
