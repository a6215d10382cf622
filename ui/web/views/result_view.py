"""A run's outcome: the result (banners, downloads, one tab per round, scores, sources), or the
failure in the page's words with Resume when the run can go on."""

from __future__ import annotations

import streamlit as st

from core.errors import DraftsmithError
from core.progress import ProgressView
from core.result import DraftResult
from ui.exports import to_html, to_json, to_markdown
from ui.web import history, models, render, scores, session
from ui.web.advice import Explained, explain
from ui.web.job import DraftJob
from ui.web.views.live_progress import run_log
from ui.web.views.navigation import JOB, NOTICE, OPENED, PAGE, SIDEBAR
from ui.web.views.round_view import round_panel, scores_panel


def show_outcome(job: DraftJob) -> None:
    """The result of a finished run, or why there is none (with Resume when it can go on)."""
    if job.result is not None:
        show_result(job.result, job.view())
        return
    failure = job.failure or DraftsmithError(job.error or "the run ended without a result")
    show_failure(explain(failure), stopped=job.stop_requested)


def show_failure(explained: Explained, stopped: bool = False) -> None:
    """An error in the page's words, with a Resume button when the run is checkpointed."""
    message = explained.message
    text = render.escape_markdown(message[:1].upper() + message[1:])
    if explained.advice:
        text += f"\n\n{explained.advice}"
    if stopped:
        st.warning(text, icon=":material/stop_circle:")
    else:
        st.error(text, icon=":material/error:")
    if explained.run_id:
        form = resume_option(explained.run_id, key="resume_failed")
        resume_button(explained.run_id, key="resume_failed", form=form)


def show_notice() -> None:
    """An error left by a button's action (resume, delete) for this rerun."""
    notice = st.session_state.pop(NOTICE, None)
    if isinstance(notice, BaseException):
        show_failure(explain(notice))


def resume_option(run_id: str, key: str) -> models.ModelForm | None:
    """Say which model a Resume uses (the sidebar's now) and offer to keep the run's own; returns
    the sidebar's model settings, or None to keep the run's."""
    form: models.ModelForm = st.session_state.get(SIDEBAR) or models.ModelForm()
    try:
        choice = history.resume_choice(run_id, form)
    except DraftsmithError:
        return form
    if choice.same:
        st.caption(f"Resume uses {render.escape_markdown(choice.sidebar)}, the model it started with.")
        return form
    keep = st.checkbox(
        f"Keep the run's own model: {render.escape_markdown(choice.original)}", key=f"keep_{key}"
    )
    if keep:
        st.caption(f"Resume uses {render.escape_markdown(choice.original)}, the model it started with.")
        return None
    st.caption(f"Resume uses {render.escape_markdown(choice.sidebar)}, the model now chosen in the sidebar.")
    return form


def resume_button(run_id: str, key: str, form: models.ModelForm | None) -> None:
    """Resume a stored run with ``form``'s model (None: its own); disabled while this page
    follows a run."""
    job: DraftJob | None = st.session_state.get(JOB)
    busy = job is not None and not job.finished
    st.button(
        "Resume",
        key=key,
        type="primary",
        icon=":material/play_arrow:",
        on_click=resume_run,
        args=(run_id, form),
        disabled=busy,
        help="Finish or stop the current draft first" if busy else "Continue from the last finished step",
    )


def resume_run(run_id: str, form: models.ModelForm | None = None) -> None:
    """Button action: continue a stored run in the background and show its progress."""
    api_key = str(st.session_state.get("api_key") or "")
    try:
        with st.spinner("Loading the run and its model…"):
            prepared = history.prepare_resume(run_id, form, api_key)
    except DraftsmithError as exc:
        st.session_state[NOTICE] = exc
        return
    st.session_state[JOB] = DraftJob(prepared, session.run_gate()).start()
    st.session_state[PAGE] = "draft"
    st.session_state.pop(OPENED, None)


def show_result(result: DraftResult, view: ProgressView | None = None) -> None:
    """Banners, downloads and one tab each for the draft, every round, scores, sources, markdown."""
    st.subheader("Your draft", anchor=False)
    st.markdown(f"**Topic:** {render.escape_markdown(result.topic)}")
    result_banners(result)
    st.caption(render.run_summary(result, view.first_token_after if view else None))
    downloads(result)
    rounds = sorted(result.rounds, key=lambda r: r.round)
    tie = scores.tie_note(rounds, result.best_round)
    if tie:
        st.caption(tie)
    labels = ["Draft", *[scores.round_tab_label(r, rounds) for r in rounds]]
    tabs = st.tabs([*labels, "Scores", "Sources", "Markdown"])
    with tabs[0], st.container(key="draft"):
        st.markdown(result.markdown)
    grounded = bool(result.sources)
    for tab, record, previous in zip(tabs[1:], rounds, [None, *rounds], strict=False):
        with tab:
            round_panel(record, previous, grounded)
    with tabs[-3]:
        scores_panel(rounds, result.request.threshold, grounded)
    with tabs[-2]:
        sources_panel(result)
    with tabs[-1]:
        st.code(result.markdown, language="markdown", wrap_lines=True)
    if view is not None and view.rounds:
        with st.expander("Run log"):
            run_log(view)


def result_banners(result: DraftResult) -> None:
    """Degraded research and quality fallbacks under their own headings; why the run ended."""
    groups = render.group_warnings(result.warnings)
    if result.degraded:
        st.warning(
            "**Research was degraded**: the draft relies more on the model's own knowledge.\n\n"
            + render.bullet_list(groups.research, empty="no details"),
            icon=":material/travel_explore:",
        )
    elif groups.research:
        st.caption("Research notes:\n\n" + render.bullet_list(groups.research))
    if groups.fallbacks:
        st.info(
            "**Quality fallbacks**: an agent's reply was unusable, so a safe default took its place.\n\n"
            + render.bullet_list(groups.fallbacks),
            icon=":material/rule:",
        )
    if groups.writing:
        st.caption("Writing notes:\n\n" + render.bullet_list(groups.writing))
    if result.status != "completed":
        st.info(f"Stopped early: showing the best finished round ({result.best_round}).")
    reason = getattr(result, "stop_reason", None)
    if reason:
        st.caption(f"Rounds ended: {render.escape_markdown(str(reason))}.")


def sources_panel(result: DraftResult) -> None:
    """The sources as published, then where the local ones are on this computer."""
    lines = [render.source_line(source) for source in result.sources]
    st.markdown("\n".join(lines) if lines else "_No sources: the draft uses the model's knowledge._")
    origins = render.local_origins(result.sources, session.uploads_root())
    if origins:
        st.caption(
            "Local files are published by title and file name only. Where they came from:\n\n"
            + "\n".join(origins)
        )


def downloads(result: DraftResult) -> None:
    """Download buttons for Markdown, HTML and the JSON result."""
    stem = render.file_stem(result.title)
    columns = st.columns(3)
    formats = [
        ("Markdown", to_markdown, "md", "text/markdown"),
        ("HTML", to_html, "html", "text/html"),
        ("JSON", to_json, "json", "application/json"),
    ]
    for column, (label, export, suffix, mime) in zip(columns, formats, strict=True):
        column.download_button(
            label,
            export(result),
            file_name=f"{stem}.{suffix}",
            mime=mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"download_{suffix}",
        )
