"""The critic's typed issues as the other agents take them: which ones each sees, and the one
way a prompt shows them (their ``text``; nothing parses or strips the critic's wording)."""

from __future__ import annotations

from collections.abc import Iterable

from core.state import CritiqueIssue, IssueKind

# Per-sentence citation findings quote the draft: small models copy them into the text, and the
# editor's attribution pass fixes citations anyway, so the writer does not see them.
CITATION_DETAILS: frozenset[IssueKind] = frozenset({"weak_citation", "unknown_source"})


def for_writer(issues: Iterable[CritiqueIssue]) -> list[CritiqueIssue]:
    """The issues a revision works on: all but the per-sentence citation details."""
    return [issue for issue in issues if issue.kind not in CITATION_DETAILS]


def issue_lines(issues: Iterable[CritiqueIssue]) -> list[str]:
    """Issues as the lines a prompt lists."""
    return [issue.text for issue in issues]
