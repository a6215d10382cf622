"""The History page: past and live runs with their status and best score; watch, open, resume or
delete each."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.errors import DraftsmithError, NoDraftYetError, RunNotFoundError
from core.settings import load_settings
from ui.web import history, render, scores
from ui.web.advice import explain
from ui.web.job import DraftJob
from ui.web.live import LIVE
from ui.web.views.navigation import CONFIRM, JOB, OPENED, ask_delete, delete, go_to, on_page, open_run, watch
from ui.web.views.result_view import resume_button, resume_option, show_failure, show_notice, show_result


def history_page() -> None:
    """Past and live runs with their status and best score: watch, open, resume or delete each."""
    show_notice()
    running_banner()
    try:
        data_dir = load_settings().data_dir
        opened = st.session_state.get(OPENED)
        if opened:
            opened_run(opened)
            return
        rows = history.list_runs(data_dir)
    except DraftsmithError as exc:
        show_failure(explain(exc))
        return
    if not rows:
        st.info("No runs yet: draft one on the **New draft** page.", icon=":material/history:")
        return
    for row in rows:
        history_row(row)


@st.fragment(run_every=2.0)
def running_banner() -> None:
    """While this session's run goes on: where it is (and the page keeps watching it)."""
    job: DraftJob | None = st.session_state.get(JOB)
    if job is None or job.finished or not on_page("history"):
        return
    view = job.view()
    where = history.live_where(job)
    st.info(
        f"Drafting **{render.escape_markdown(view.topic or job.prepared.request.topic)}**: {where}.",
        icon=":material/progress_activity:",
    )
    st.button("Back to the run", key="back_to_run", on_click=go_to, args=("draft",))


def history_row(row: history.RunRow) -> None:
    """One run: topic, date, status (a live one's round and agent), rounds, best score, actions."""
    with st.container(border=True, key=f"run_{row.run_id}"):
        text, actions = st.columns([3, 2], vertical_alignment="center")
        text.markdown(f"**{render.escape_markdown(row.topic)}**")
        with text:
            if row.live:
                live_row_status(row.run_id, row.started)
            else:
                st.caption(row_caption(row))
        with actions:
            buttons = st.container(horizontal=True, horizontal_alignment="right")
        if row.live:
            row_button(buttons, "Watch", row.run_id, watch, icon=":material/visibility:")
        else:
            row_button(buttons, "Open", row.run_id, open_run)
        if row.resumable:
            with text:
                form = resume_option(row.run_id, key=f"resume_{row.run_id}")
            with buttons:
                resume_button(row.run_id, key=f"resume_{row.run_id}", form=form)
        if row.status != "running":
            row_button(buttons, "Delete", row.run_id, ask_delete, icon=":material/delete:")
        if st.session_state.get(CONFIRM) == row.run_id:
            confirm_delete(row)


def row_button(
    buttons: DeltaGenerator, label: str, run_id: str, action: Callable[[str], None], icon: str | None = None
) -> None:
    """One of a row's buttons, keyed by its label and the run (``open_r1``): a click calls
    ``action(run_id)``."""
    buttons.button(label, key=f"{label.lower()}_{run_id}", icon=icon, on_click=action, args=(run_id,))


def row_caption(row: history.RunRow) -> str:
    """A history line: started · status (where a live run is) · rounds · best score."""
    rounds = f"{row.rounds} round{'s' if row.rounds != 1 else ''}"
    status = f"{row.status}, {row.where}" if row.where else row.status
    return f"{row.started} · {status} · {rounds} · best {row.best_score}"


@st.fragment(run_every=1.0)
def live_row_status(run_id: str, started: str) -> None:
    """A live run's history line, kept current; the page redraws once the run ends."""
    job = LIVE.get(run_id)
    if not on_page("history"):
        return
    if job is None:
        st.rerun()
        return
    view = job.view()
    scored = sum(1 for record in view.rounds if record.finished)
    best = max((r.overall for r in view.rounds if r.overall is not None), default=None)
    row = history.RunRow(
        run_id,
        view.topic,
        started,
        "running",
        scored,
        "–" if best is None else scores.score(best),
        resumable=False,
        where=history.live_where(job),
        live=True,
    )
    st.caption(row_caption(row))


def confirm_delete(row: history.RunRow) -> None:
    """Ask before deleting: a run's drafts cannot be brought back."""
    st.warning(
        f"Delete **{render.escape_markdown(row.topic)}** ({row.started}) and all its drafts? "
        "This cannot be undone.",
        icon=":material/delete_forever:",
    )
    answers = st.container(horizontal=True)
    answers.button(
        "Delete it", key=f"confirm_delete_{row.run_id}", type="primary", on_click=delete, args=(row.run_id,)
    )
    answers.button("Keep it", key=f"cancel_delete_{row.run_id}", on_click=open_run, args=(None,))


def opened_run(run_id: str) -> None:
    """One stored run's result view (its best round so far), with Resume when it can go on."""
    st.button("All runs", key="back", icon=":material/arrow_back:", on_click=open_run, args=(None,))
    settings = load_settings()
    info = history.stored_info(settings.data_dir, run_id)
    if info is None:
        show_failure(explain(RunNotFoundError(f"no run {run_id} in {settings.data_dir}", run_id=run_id)))
        return
    row = history.row_for(info)
    st.caption(f"{row.started} · {row.status} · run {run_id}")
    if row.live:
        st.info(f"This run is going on now: {row.where}.", icon=":material/progress_activity:")
        st.button(
            "Watch",
            key=f"watch_opened_{run_id}",
            icon=":material/visibility:",
            on_click=watch,
            args=(run_id,),
        )
        return
    try:
        result = history.open_run(run_id, settings)
    except NoDraftYetError:
        if row.status == "running":  # going on in another program (e.g. the command line)
            st.info("This run has not scored its first draft yet.", icon=":material/hourglass_top:")
        else:
            st.info("This run stopped before its first draft was scored.", icon=":material/hourglass_empty:")
    else:
        show_result(result)
    if row.resumable:
        form = resume_option(run_id, key=f"resume_opened_{run_id}")
        resume_button(run_id, key=f"resume_opened_{run_id}", form=form)
