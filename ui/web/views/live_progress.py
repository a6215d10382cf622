"""A run's live progress: the agent chain, what the current agent writes, one box per round."""

from __future__ import annotations

import streamlit as st

from core.progress import ProgressView
from ui.web import render
from ui.web.progress import chain, round_label, step_line


def progress_panel(view: ProgressView, queued: bool, stopping: bool, hidden: tuple[str, ...] = ()) -> None:
    """Live progress: the agent chain, what the current agent writes, one box per round."""
    if queued:
        st.info(
            f"Queued: another session is drafting. Your run starts when it finishes "
            f"(waiting {view.queued_for:.0f} s).",
            icon=":material/hourglass_top:",
        )
        return
    if stopping:
        st.warning(
            "Stopping: the step in flight is cut short, the best finished round is kept…",
            icon=":material/stop_circle:",
        )
    if view.topic:
        st.markdown(
            f"Drafting **{render.escape_markdown(view.topic)}** with {render.escape_markdown(view.model)}"
        )
    columns = st.columns(4)
    columns[0].metric("Round", f"{view.round}/{view.max_rounds or '–'}")
    columns[1].metric("Agent", view.agent or "–")
    columns[2].metric("Tokens/s", f"{view.rate:.0f}")
    columns[3].metric("Elapsed", f"{view.elapsed:.0f} s")
    st.markdown(chain_line(view, hidden))
    if view.cpu_busy:
        st.warning(render.escape_markdown(view.cpu_busy), icon=":material/speed:")
    live_box(view)
    if not (view.streamed or view.activity or view.rounds):
        st.caption("Starting the agents…")
    run_log(view, hidden, newest_first=True)
    for message in view.warnings:
        st.warning(render.escape_markdown(message), icon=":material/warning:")


def live_box(view: ProgressView) -> None:
    """What the current agent writes, as prose (the section as it forms), or one progress line
    while it prepares a structured reply; never JSON or the prompts' markers."""
    if view.activity:
        st.caption(render.escape_markdown(view.activity), help="a structured reply, shown when it is used")
    elif view.streamed:
        with st.container(height=150, autoscroll=True, key="live_text"):
            st.text(view.streamed)


def chain_line(view: ProgressView, hidden: tuple[str, ...] = ()) -> str:
    """researcher → outliner → writer → editor → critic, the current agent highlighted."""
    marks = {
        "done": ":green[:material/check: {}]",
        "current": ":blue-background[**:material/progress_activity: {}**]",
        "waiting": ":gray[{}]",
    }
    return " → ".join(marks[state].format(agent) for agent, state in chain(view, hidden))


def run_log(view: ProgressView, hidden: tuple[str, ...] = (), newest_first: bool = False) -> None:
    """One status box per round listing the steps that asked the model something. A round keeps
    its spinner until the critic scores it (a "step" box keeps its icon under the mouse, where a
    plain expander shows its arrow instead)."""
    rounds = sorted(view.rounds, key=lambda r: r.round, reverse=newest_first)
    for record in rounds:
        running = not record.finished
        box = st.status(
            round_label(record, view.max_rounds, view.agent),
            expanded=running,
            state="running" if running else "complete",
            type="step",
        )
        lines = [step_line(step) for step in record.steps if not step.skipped and step.agent not in hidden]
        box.markdown("\n\n".join(lines) if lines else "_starting…_")
