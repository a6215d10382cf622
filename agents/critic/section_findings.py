"""Each section's measured problems as typed critique issues, for a model that can write; and
whether a later round's fixes can act on them.

The critic adds them to its issues (``agents.critic.critic``); the writer's next round revises
the sections they name (``agents.writer.free_rounds``).
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.text.outline import evidence_of, identified, is_recap
from agents.text.section_report import check_section, make_checker, within_copy_budget
from core.state import CritiqueIssue, DraftState, IssueKind


def fixable(issues: Sequence[CritiqueIssue]) -> bool:
    """True when an issue names a section and a problem a later round's fixes can act on."""
    return any(issue.section_index is not None and issue.kind in FIXABLE for issue in issues)


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
    request, outline = state["request"], state["outline"]
    sections = identified(state["sections"], request, outline)
    passages = {p.id: p for p in state.get("passages", [])}
    checker = make_checker(request, state.get("sources", []), list(passages.values()), outline.title)
    copying_ok = within_copy_budget([s.body for s in sections], checker)
    issues: list[CritiqueIssue] = []
    earlier: list[str] = []
    for section in sorted((s for s in sections if s.index is not None), key=lambda s: s.index or 0):
        concluding = section.role == "conclusion"
        evidence = evidence_of(section, passages)
        report = check_section(
            section.body, checker, evidence, earlier, section.words, section.heading, concluding=concluding
        )
        earlier.append(section.body)
        if is_recap(section.body, outline):
            continue
        for kind, lines in report.problems_by_kind().items():
            if kind == "copied" and copying_ok:
                continue
            issues += [
                CritiqueIssue(
                    kind=ISSUE_KINDS[kind], text=line, section=section.heading, section_index=section.index
                )
                for line in lines
            ]
    return issues
