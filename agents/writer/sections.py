"""Writing one section: the shared context of a writer step, the model call, and its checks.

Every section call is one short generation (small models stay on track); what comes back goes
through ``agents.text.after_generation``: cleaned, invented specifics and talk about the task
removed (the check) and, with evidence, the evidence's facts woven in (the repair), then settled
into the draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.text.after_generation import Seen, Settled, Steps, after_generation, settle
from agents.text.checks import meta_sentences
from agents.text.evidence import evidence_word_budget, quoted_evidence
from agents.text.grounding import drop_invented
from agents.text.lengths import max_tokens_for
from agents.text.outline import recap
from agents.text.prompts import messages_for, render
from agents.writer.digest import weave
from agents.writer.unsourced_prose import publishable
from backends.copy_guard import AvoidsCopying
from core.markers import split_sentences
from core.policy import run_policy
from core.state import (
    DraftRequest,
    Outline,
    Passage,
    Section,
)
from tools.specifics import Corpus


@dataclass
class WritingContext:
    """What every section call of one writer step shares."""

    model: BaseChatModel
    request: DraftRequest
    outline: Outline
    system: str
    brief: str
    known_ids: set[int]
    corpus: Corpus
    grounded: bool
    round_number: int
    seen: Seen = ()  # the draft's sentences so far: replaced as each section settles, never changed


def evidence_budget(context: WritingContext, length: int) -> int:
    """Words of evidence a section call can carry: the model's context window less the prompt
    (shared context, brief, template, and the current text when revising) and the answer."""
    window = getattr(context.model, "context_tokens", None) or run_policy().writer.default_context_tokens
    prompt_words = (
        len(context.system.split())
        + len(context.brief.split())
        + run_policy().writer.prompt_overhead_words
        + length
    )
    prompt_tokens = round(prompt_words * run_policy().text.tokens_per_word)
    return evidence_word_budget(
        window, prompt_tokens, max_tokens_for(length), run_policy().text.evidence_cap_words
    )


def compose(
    context: WritingContext,
    part: Section,
    template: str,
    evidence: list[Passage],
    **values: object,
) -> Section:
    """Write the planned section ``part`` anew; a reply that comes back nearly empty is asked for
    once more."""
    length = part.words
    if evidence:
        template += "_evidence"
        values["evidence"] = quoted_evidence(evidence)
        values["example"] = evidence[0].source_id
    written = generate(context, part, template, evidence, values)
    if len(written.body.split()) < run_policy().writer.too_short * length and not (
        context.grounded and evidence
    ):
        # (A section with evidence gets its facts woven in whatever the model wrote: asking the
        # model again costs a whole generation for text the checks would mostly drop.)
        # A fixed seed replays the same failure (e.g. an intro that only lists the headings,
        # which the cleanup removes): ask once more with another seed.
        retried = generate(context, part, template, evidence, values, seed=run_policy().writer.retry_seed)
        if len(retried.body.split()) > len(written.body.split()):
            written = retried
    context.seen, body = written.seen, written.body
    if not body and template.startswith(("intro", "conclusion")):
        body = recap(context.outline, template.startswith("intro"), context.grounded)
    return part.model_copy(update={"body": body})


def generate(
    context: WritingContext,
    part: Section,
    template: str,
    evidence: list[Passage],
    values: dict[str, object],
    seed: int | None = None,
) -> Settled:
    """One model call for the planned section ``part``, through ``agents.text.after_generation``
    against the draft so far (``context.seen``, which it leaves as it is): cleaned, invented
    specifics removed, the evidence's facts woven in, settled. The caller decides whether the
    section joins the draft."""
    heading, length = part.heading, part.words
    fill = {"heading": heading or "introduction", "length": length, "audience": context.request.audience}
    # The brief comes first and is the same for every section of a round, so llama.cpp
    # reuses it from one section's call to the next.
    task = context.brief + "\n\n" + render("writer", template, **fill, **values)
    instructions = (
        context.brief + "\n\n" + render("writer", template, **fill, **{**values, "text": "", "evidence": ""})
    )
    options: dict[str, Any] = {"max_tokens": max_tokens_for(length)}
    if seed is not None:
        options["seed"] = seed
    if evidence and isinstance(context.model, AvoidsCopying):
        options["avoid_copying"] = [p.text for p in evidence]
    reply = context.model.invoke(messages_for(context.system, task), **options)

    def check(body: str) -> tuple[str, list[str]]:
        # Without sources nothing can back a name or number a model that cannot write states (it
        # invents inventors, dates and places): every one not in the request goes.
        body, invented = drop_invented(body, context.corpus, grounded=True)
        body = drop_sentences(body, meta_sentences(body))
        if not context.grounded and not evidence:
            # Without sources: no anecdotes, invented history or talk about the blog, and nothing
            # off the topic's subject (``agents.writer.unsourced_prose``).
            labels = [context.outline.title, *(s.heading for s in context.outline.sections)]
            wording = render("writer", template, **fill, **dict.fromkeys(values, ""))  # its own words only
            body = publishable(body, context.request, labels, prompt=wording)
        return body, invented

    def repair(body: str, _: list[str]) -> str:
        if context.grounded or evidence:
            return weave(body, evidence, part.subject, length)
        return body

    steps = Steps(check=check, repair=repair)
    body = after_generation(str(reply.content), context.known_ids, steps, context.seen, prompt=instructions)
    return settle(body, context.known_ids, context.seen)


def gained_section(context: WritingContext, part: Section, evidence: list[Passage]) -> Section:
    """A planned section with no earlier text to revise (a revised plan added it, or the editor
    left it out empty): written new."""
    kind = "section" if part.role == "body" else part.role
    return compose(context, part, kind, evidence, points="- " + part.heading, covered="the other sections")


def drop_sentences(body: str, doomed: Sequence[str]) -> str:
    """``body`` without the ``doomed`` sentences (paragraphs kept)."""
    if not doomed:
        return body
    gone = set(doomed)
    paragraphs = [" ".join(s for s in split_sentences(p) if s not in gone) for p in body.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)
