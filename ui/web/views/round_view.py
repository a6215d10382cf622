"""One round of a result: its score and how it is made, the critique, the signals, the redline;
and the Scores tab."""

from __future__ import annotations

import streamlit as st

from core.state import RoundRecord
from ui.web import redline, render, scores


def scores_panel(rounds: list[RoundRecord], threshold: float, grounded: bool = False) -> None:
    """The score chart with the labelled threshold, the scores and the measured signals per round."""
    st.altair_chart(scores.score_chart(rounds, threshold), width="stretch")
    st.dataframe(scores.score_table(rounds), hide_index=True)
    st.markdown("**Measured signals per round**")
    st.dataframe(scores.signal_table(rounds, grounded), hide_index=True)
    if grounded:
        st.caption(render.escape_markdown(scores.COVERAGE_HELP))


def round_panel(record: RoundRecord, previous: RoundRecord | None, grounded: bool = False) -> None:
    """A round's critique, what the writer worked on, and a redline against the last round."""
    critique = record.critique
    before = previous.critique.overall if previous else None
    st.metric("Overall", f"{critique.overall:.1f}/10", delta=scores.score_delta(critique.overall, before))
    with st.container(key=f"breakdown_{record.round}"):
        st.markdown("**How the overall is made**\n\n" + "\n\n".join(scores.score_breakdown_lines(record)))
    if previous is not None:
        acted = [issue.text for issue in previous.critique.issues]
        worked_on = (
            render.bullet_list(acted)
            if acted
            else f"_no issues named; the lowest scores were {scores.weakest_items(previous)}_"
        )
        st.markdown(f"**The writer worked on** (round {previous.round}'s critique)\n\n{worked_on}")
    left, right = st.columns(2)
    left.dataframe(scores.rubric_rows(record), hide_index=True)
    right.dataframe(scores.metric_rows(record, grounded), hide_index=True)
    if grounded:
        right.caption(render.escape_markdown(scores.COVERAGE_HELP))
    if critique.fallback:
        st.caption("The critic's reply was unusable, so a safe default score ended the loop.")
    if critique.issues:
        issues = [issue.text for issue in critique.issues]
        st.markdown("**The critic's issues**\n\n" + render.bullet_list(issues))
    else:
        st.markdown(f"**The critic named no issues**; the lowest scores are {scores.weakest_items(record)}.")
    unsupported = scores.unsupported_specifics(record)
    if unsupported:
        st.markdown("**Specifics found in no source**\n\n" + render.bullet_list(unsupported))
    if critique.gaps:
        st.markdown("**Gaps to research**\n\n" + render.bullet_list(critique.gaps))
    redline_panel(record, previous)
    with st.expander("This round's draft"):
        st.markdown(record.markdown)


def redline_panel(record: RoundRecord, previous: RoundRecord | None) -> None:
    """The round's edits word by word: struck-through removals, highlighted additions."""
    if previous is None:
        st.caption("First round: nothing to compare against yet.")
        return
    summary = redline.diff_summary(previous.markdown, record.markdown)
    st.markdown(f"**Changes since round {previous.round}** · {summary}")
    marked = redline.redline(previous.markdown, record.markdown)
    if marked:
        with st.container(height=420, border=True, key=f"redline_{record.round}"):
            st.markdown(marked)
