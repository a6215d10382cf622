"""A writer step for a model that can write: the first draft, and revision rounds.

Round 1 writes the intro, every body section and the conclusion in order, each checked and
revised once if needed (``agents.writer.free_writing``). A later round goes back to the sections that
still have problems, or that the critic named, worst first and at most half of them, asks the
model to fix exactly those problems, and keeps a revision only when it measures better. The
step returns what it changed, in words, for the round's record.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.text.after_generation import settle
from agents.text.checks import meta_sentences
from agents.text.outline import is_recap, recap
from agents.text.prompts import bullet_list
from agents.text.section_report import Checker, check_section, within_copy_budget
from agents.writer.fixer import Written
from agents.writer.free_writing import improve, section_messages, write_section
from agents.writer.sections import WritingContext
from core.markers import remove_markers, split_sentences
from core.policy import run_policy
from core.state import Critique, Passage, Section


def kind_of(part: Section) -> str:
    """ "intro", "section" or "conclusion": the templates' name for the section's role."""
    return "section" if part.role == "body" else part.role


def section_task(
    context: WritingContext,
    part: Section,
    evidence: list[Passage],
    bodies: Sequence[str] = (),
) -> tuple[str, str, dict[str, object]]:
    """The heading, template and values of the planned section ``part`` (intro and conclusion
    included); the conclusion is shown what the body sections (``bodies``) said. The opening is
    shown none of it: shown the sections' sentences, the model pasted them, and shown the
    sources, it retold a source author's story; asked only for a hook, it wrote one."""
    kind = kind_of(part)
    body_headings = [s.heading for s in context.outline.sections]
    values: dict[str, object] = {}
    if kind == "section":
        position = part.index or 0
        planned = context.outline.sections[position - 1]
        covered = ", ".join(f'"{h}"' for h in body_headings[: position - 1]) or "nothing yet"
        values = {"covered": covered, "points": bullet_list(planned.key_points)}
    elif kind == "conclusion":
        values = {"covered": ", ".join(f'"{h}"' for h in body_headings), "said": gist(bodies)}
    template = f"free_{kind}_plain" if kind == "section" and not evidence else f"free_{kind}"
    return part.heading, template, values


def gist(bodies: Sequence[str]) -> str:
    """The opening sentences of each body section, without citation markers, one line each: what
    a conclusion can draw its takeaway from (given only the headings, the model wrote one that
    fits any post, "a game-changer for homeowners")."""
    lines = []
    for body in bodies:
        stating = [s for s in split_sentences(body) if not s.rstrip().endswith((":", "?"))]
        stating = [s for s in stating if not meta_sentences(s)]
        opening = " ".join(remove_markers(s) for s in stating[: run_policy().writer.gist_sentences])
        if opening:
            lines.append(f"- {opening}")
    return "\n".join(lines) or "- (nothing yet)"


def writing_order(plan: Sequence[Section]) -> list[int]:
    """The positions of ``plan`` in the order they are written: the body sections, then the
    conclusion, then the opening, so the facts belong to the sections: an opening restating one
    of theirs loses that sentence, not the section."""
    rank = {"body": 0, "conclusion": 1, "intro": 2}
    return sorted(range(len(plan)), key=lambda position: (rank[plan[position].role], position))


def body_evidence(plan: Sequence[Section], evidence: list[list[Passage]]) -> list[list[Passage]]:
    """The sections' evidence, kept for the body sections only: the opening and the conclusion
    are written from what the body sections said, so no fact of theirs is left out."""
    return [ev if part.role == "body" else [] for part, ev in zip(plan, evidence, strict=True)]


def bodies_of(sections: Sequence[Section]) -> list[str]:
    """The texts of the body sections among ``sections``, in order."""
    return [s.body for s in sections if s.role == "body"]


def free_first_draft(
    context: WritingContext, checker: Checker, plan: list[Section], evidence: list[list[Passage]]
) -> tuple[list[Section], list[str]]:
    """Every planned section written by the model (a body section from its evidence, the
    conclusion from what the body sections said, the opening as a hook), checked and fixed."""
    done: dict[int, Section] = {}
    notes: list[str] = []
    for position in writing_order(plan):
        part = plan[position]
        ev = evidence[position]
        earlier = [done[p].body for p in sorted(done)]
        bodies = bodies_of([done[p] for p in sorted(done)])
        heading, template, values = section_task(context, part, ev, bodies)
        concluding = part.role == "conclusion"
        section, found = write_section(
            context, checker, heading, template, part.words, ev, earlier, values, concluding
        )
        fallback = FALLBACKS.get(part.role)
        if fallback and thin(section.body, part.words):
            # A conclusion pasted the sentences it was shown, and the checks dropped them as
            # repeats; an opening restated the sections' facts or named the post, and its fixes
            # failed. Either is written once more from the headings alone (with another seed when
            # it had only those, so the model does not replay the same text); the longer is kept.
            seed = run_policy().writer.retry_seed if template == fallback else None
            again, more = write_section(
                context, checker, heading, fallback, part.words, [], earlier, values, concluding, seed
            )
            if len(again.body.split()) > len(section.body.split()):
                section, found = again, more
        done[position] = settled(context, part, section.body)
        notes += found
    return [done[position] for position in range(len(plan))], notes


FALLBACKS = {"intro": "free_intro", "conclusion": "free_conclusion_headings"}  # no evidence shown


def thin(body: str, length: int) -> bool:
    """True when a section is left with under ``thin_end`` (policy) of its planned words."""
    return len(body.split()) < run_policy().writer.thin_end * length


def settled(context: WritingContext, part: Section, body: str) -> Section:
    """The planned section ``part`` holding ``body`` without sentences repeating earlier ones
    (the draft's memory of its sentences updated); an intro or conclusion left empty gets a
    plain recap."""
    joined = settle(body, context.known_ids, context.seen)  # agents.text.after_generation
    context.seen, body = joined.seen, joined.body
    if not body and part.role != "body":
        body = recap(context.outline, part.role == "intro")
    return part.model_copy(update={"body": body})


def free_revision_round(
    context: WritingContext,
    checker: Checker,
    current: list[Section],
    evidence: list[list[Passage]],
    critique: Critique,
) -> tuple[list[Section], list[str], list[str]]:
    """Revise the sections that still have problems or that the critic named; returns the
    sections, what changed (in words), and notes for the run's warnings. ``current`` holds every
    planned section, in order, with the previous round's text (empty where it has none)."""
    named = critic_problems(critique)
    fix_copies = not within_copy_budget([s.body for s in current], checker)
    badness = []
    order = writing_order(current)
    for position, section in enumerate(current):
        earlier = [current[p].body for p in sorted(order[: order.index(position)])]
        report = check_section(
            section.body,
            checker,
            evidence[position],
            earlier,
            section.words,
            section.heading,
            concluding=section.role == "conclusion",
        )
        if not fix_copies:
            report.copied = []
        fixable = report.fixable() and not is_recap(section.body, context.outline)
        badness.append(report.badness() if fixable else 0.0)
    targets = revision_targets(badness, named)
    done: dict[int, Section] = {}
    changes: list[str] = []
    notes: list[str] = []
    for position in order:
        old = current[position]
        name = f'"{old.heading}"' if old.role != "intro" else "the introduction"
        if position not in targets:
            done[position] = settled(context, old, old.body)
            continue
        ev = evidence[position]
        earlier = [done[p].body for p in sorted(done)]
        bodies = bodies_of([done.get(p, s) for p, s in enumerate(current)])
        heading, template, values = section_task(context, old, ev, bodies)
        written = Written(
            messages=section_messages(context, heading, template, old.words, ev, values),
            reply=old.body,
            body=old.body,
            cached=False,  # rebuilt: llama.cpp holds another chat by now
        )
        new, found = improve(
            context,
            checker,
            heading,
            written,
            old.words,
            ev,
            earlier,
            extra=named.get(position, []),
            fix_copies=fix_copies,
            concluding=old.role == "conclusion",
        )
        notes += found
        if new.body != old.body and new.body:
            done[position] = settled(context, old, new.body)
            changes.append(f"revised {name}")
        else:
            done[position] = settled(context, old, old.body)
            changes.append(f"kept {name}: its revision did not measure better")
    sections = [done[position] for position in range(len(current))]
    return sections, changes or ["no section needed a revision"], notes


def critic_problems(critique: Critique) -> dict[int, list[str]]:
    """The critic's notes that name a section, by the section's index (the checks measure the
    other issues again)."""
    named: dict[int, list[str]] = {}
    for issue in critique.issues:
        if issue.section_index is not None and issue.kind == "note":
            named.setdefault(issue.section_index, []).append(issue.text)
    return named


def revision_targets(badness: list[float], named: dict[int, list[str]]) -> set[int]:
    """The sections to revise: those with problems or named by the critic, worst first, at most
    half of them."""
    open_positions = [i for i, b in enumerate(badness) if b > 0 or i in named]
    limit = max(1, round(run_policy().writer.max_revised_share * len(badness)))
    return set(sorted(open_positions, key=lambda i: -badness[i])[:limit])
