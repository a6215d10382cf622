"""Each section's measured problems as typed critique issues, for a model that can write; and
whether a later round's fixes can act on them.

The critic adds them to its issues (``agents.critic.critic``); the writer's next round revises
the sections they name (``agents.writer.free_rounds``).
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.text.lengths import section_lengths
from agents.text.outline import headings_of, is_recap, section_evidence
from agents.text.section_report import check_section, make_checker, within_copy_budget
from core.state import CritiqueIssue, DraftState, IssueKind


def fixable(issues: Sequence[CritiqueIssue]) -> bool:
    """True when an issue names a section and a problem a later round's fixes can act on."""
    return any(issue.section is not None and issue.kind in FIXABLE for issue in issues)


ISSUE_KINDS: dict[str, IssueKind] = {
    "invented": "unsupported_specifics",
    "copied": "copying",
    "meta": "damage",
    "voice": "damage",
    "title": "damage",
    "fused": "damage",
    "garbled": "damage",
    "restated": "repetition",
    "summary": "repetition",
    "opening": "damage",
    "missing": "missing_evidence",
    "length": "length",
}  # every kind of SectionReport.problems_by_kind


FIXABLE: frozenset[IssueKind] = frozenset(
    {"unsupported_specifics", "copying", "damage", "missing_evidence", "note"}
)  # what a later round's fix calls can act on (length follows from the facts)


def section_findings(state: DraftState) -> list[CritiqueIssue]:
    """Each section's measured problems as typed issues naming the section (copied wording only
    while the whole draft copies more than its budget)."""
    request, outline, sections = state["request"], state["outline"], state["sections"]
    passages = {p.id: p for p in state.get("passages", [])}
    checker = make_checker(request, state.get("sources", []), list(passages.values()), outline.title)
    evidence = section_evidence(outline, passages)
    lengths = section_lengths(request, outline)
    by_heading = {s.heading.lower(): s for s in sections}
    copying_ok = within_copy_budget([s.body for s in sections], checker)
    issues: list[CritiqueIssue] = []
    earlier: list[str] = []
    for position, heading in enumerate(headings_of(outline)):
        section = by_heading.get(heading.lower())
        if section is None:
            continue
        report = check_section(section.body, checker, evidence[position], earlier, lengths[position], heading)
        earlier.append(section.body)
        if is_recap(section.body, outline):
            continue
        for kind, lines in report.problems_by_kind().items():
            if kind == "copied" and copying_ok:
                continue
            issues += [CritiqueIssue(kind=ISSUE_KINDS[kind], text=line, section=heading) for line in lines]
    return issues
