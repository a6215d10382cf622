"""Draftsmith in the browser: ``make ui`` (``streamlit run app.py``, bound to 127.0.0.1).

This page only lays out widgets and renders; ``ui/`` checks input, runs drafts in the background
and turns events and results into display data. Model text is rendered as markdown with raw
HTML disabled (Streamlit's default), and untrusted single lines are escaped first.
"""

from __future__ import annotations

import streamlit as st

from errors import DraftsmithError
from exports import to_html, to_json, to_markdown
from graph.result import DraftResult
from graph.state import MAX_ROUNDS, MAX_TOPIC_CHARS, RoundRecord
from ui import render, session
from ui.progress import ProgressView, round_label, step_line

JOB = "draftsmith_job"
POLL_SECONDS = 0.4
MODEL_SOURCES: dict[session.ModelSource, str] = {
    "embedded": "Embedded SmolLM2-135M (no setup)",
    "path": "GGUF file on this computer",
    "hub": "GGUF file from the model hub",
    "openai": "OpenAI-compatible server",
}
SEARCH_MODES: dict[str, str] = {
    "auto": "Auto (web, plus your notes)",
    "web": "Web only",
    "local": "Your notes only",
    "off": "Off (model knowledge only)",
}


def model_sidebar() -> session.ModelForm:
    """The model settings in the sidebar."""
    with st.sidebar:
        st.header("Model")
        source = st.radio(
            "Model source", list(MODEL_SOURCES), format_func=MODEL_SOURCES.__getitem__, key="model_source"
        )
        values: dict[str, str] = {}
        if source == "path":
            values["model_path"] = st.text_input(
                "GGUF file", key="model_path", placeholder="/models/model-q4_k_m.gguf"
            )
        elif source == "hub":
            values["hf_repo"] = st.text_input("Hub repository", key="hf_repo", placeholder="org/name-GGUF")
            values["hf_file"] = st.text_input("File in the repository", key="hf_file", placeholder="*.gguf")
        elif source == "openai":
            values["base_url"] = st.text_input(
                "Server URL", key="base_url", placeholder="http://127.0.0.1:8080/v1"
            )
            values["openai_model"] = st.text_input("Model name", key="openai_model", placeholder="default")
            values["api_key"] = st.text_input(
                "API key (if the server needs one)", type="password", key="api_key"
            )
        with st.expander("Advanced"):
            threads = st.number_input(
                "CPU threads", 1, 256, value=None, placeholder="all cores", key="threads"
            )
            temperature = st.number_input(
                "Temperature", 0.0, 2.0, value=None, step=0.05, placeholder="0.3", key="temperature"
            )
        st.caption("Runs are saved in the folder named by `DRAFTSMITH_DATA_DIR` (default: your data folder).")
    return session.ModelForm(
        source=source or "embedded",
        threads=int(threads) if threads is not None else None,
        temperature=temperature,
        **values,
    )


def draft_form(busy: bool) -> tuple[session.RunForm, list[tuple[str, bytes]]] | None:
    """The request form; returns its values and the uploaded files when submitted."""
    with st.form("draft_form", border=True):
        topic = st.text_input(
            "Topic", key="topic", max_chars=MAX_TOPIC_CHARS, placeholder="Why local language models matter"
        )
        left, right = st.columns(2)
        audience = left.text_input("Audience", "curious general readers", key="audience")
        tone = right.text_input("Tone", "friendly and clear", key="tone")
        left, middle, right = st.columns(3)
        words = left.number_input("Target words", 150, 5000, 600, step=50, key="words")
        rounds = middle.slider("Rounds", 1, MAX_ROUNDS, 3, key="rounds", help="maximum writing rounds")
        threshold = right.slider(
            "Good enough at", 1.0, 10.0, 8.0, 0.5, key="threshold", help="overall score that ends the loop"
        )
        search = st.radio(
            "Research",
            list(SEARCH_MODES),
            format_func=SEARCH_MODES.__getitem__,
            horizontal=True,
            key="search",
        )
        files = st.file_uploader(
            "Your notes (optional)",
            type=[suffix.lstrip(".") for suffix in session.SOURCE_SUFFIXES],
            accept_multiple_files=True,
            key="sources",
        )
        feedback = st.text_area("Notes for the writer (optional)", max_chars=2000, key="feedback")
        submitted = st.form_submit_button("Draft it", type="primary", disabled=busy, key="submit")
    if not submitted:
        return None
    form = session.RunForm(
        topic=topic,
        audience=audience,
        tone=tone,
        words=int(words),
        rounds=int(rounds),
        threshold=float(threshold),
        search=str(search),
        feedback=feedback,
    )
    return form, [(upload.name, upload.getvalue()) for upload in files or []]


def follow(job: session.DraftJob) -> None:
    """Show the run's progress until it ends, then rerun to show the result."""
    st.button(
        "Stop",
        key="stop",
        icon=":material/stop_circle:",
        on_click=job.request_stop,
        disabled=job.stop_requested,
        help="End after the current step and keep the best finished round",
    )
    slot = st.empty()
    while not job.finished:
        job.touch()
        with slot.container():
            progress_panel(job.view(), job.state == "queued", job.stop_requested)
        job.wait(POLL_SECONDS)
    st.rerun()


def progress_panel(view: ProgressView, queued: bool, stopping: bool) -> None:
    """Live progress: one status box per round, the current agent's tokens, speed and time."""
    if queued:
        st.info(
            f"Queued: another session is drafting. Your run starts when it finishes "
            f"(waiting {view.queued_for:.0f} s).",
            icon=":material/hourglass_top:",
        )
        return
    if stopping:
        st.warning("Stopping after the current step…", icon=":material/stop_circle:")
    if view.topic:
        st.markdown(
            f"Drafting **{render.escape_markdown(view.topic)}** with {render.escape_markdown(view.model)}"
        )
    columns = st.columns(4)
    columns[0].metric("Round", f"{view.round}/{view.max_rounds or '–'}")
    columns[1].metric("Agent", view.agent or "–")
    columns[2].metric("Tokens/s", f"{view.rate:.0f}")
    columns[3].metric("Elapsed", f"{view.elapsed:.0f} s")
    if not view.rounds:
        st.caption("Starting the agents…")
    run_log(view)
    for message in view.warnings:
        st.warning(render.escape_markdown(message), icon=":material/warning:")


def run_log(view: ProgressView) -> None:
    """One status box per round listing its agents' steps."""
    for record in view.rounds:
        current = not record.finished
        with st.status(
            round_label(record, view.max_rounds, view.agent),
            state="running" if current else "complete",
            expanded=current,
        ):
            for step in record.steps:
                st.markdown(step_line(step))
            if current and view.streamed:
                st.code(view.streamed, language=None, wrap_lines=True)


def show_outcome(job: session.DraftJob) -> None:
    """The result of a finished run, or why there is none."""
    view = job.view()
    if job.result is None:
        message = job.error or "the run ended without a result"
        if job.stop_requested:
            st.warning(f"Stopped: {message}", icon=":material/stop_circle:")
        else:
            st.error(message, icon=":material/error:")
        return
    show_result(job.result, view)


def show_result(result: DraftResult, view: ProgressView) -> None:
    """Banners, downloads and one tab each for the draft, every round, scores, sources, markdown."""
    st.subheader("Your draft", anchor=False)
    st.markdown(f"**Topic:** {render.escape_markdown(result.topic)}")
    if result.degraded:
        st.warning(
            "**Research was degraded**: the draft relies more on the model's own knowledge.\n\n"
            + render.bullet_list(result.warnings, empty="no details"),
            icon=":material/warning:",
        )
    if result.status == "stopped":
        st.info(f"Stopped early: showing the best finished round ({result.best_round}).")
    st.caption(render.run_summary(result, view.first_token_after))
    downloads(result)
    rounds = sorted(result.rounds, key=lambda r: r.round)
    labels = ["Draft", *[render.round_tab_label(r, result.best_round) for r in rounds]]
    tabs = st.tabs([*labels, "Scores", "Sources", "Markdown"])
    with tabs[0], st.container(key="draft"):
        st.markdown(result.markdown)
    for tab, record, previous in zip(tabs[1:], rounds, [None, *rounds], strict=False):
        with tab:
            round_panel(record, previous)
    with tabs[-3]:
        st.altair_chart(render.score_chart(rounds, result.request.threshold), width="stretch")
        st.dataframe(render.score_rows(rounds), hide_index=True)
    with tabs[-2]:
        lines = [render.source_line(source) for source in result.sources]
        st.markdown("\n".join(lines) if lines else "_No sources: the draft uses the model's knowledge._")
    with tabs[-1]:
        st.code(result.markdown, language="markdown", wrap_lines=True)
    with st.expander("Run log"):
        run_log(view)


def round_panel(record: RoundRecord, previous: RoundRecord | None) -> None:
    """A round's critique (scores, measurements, issues) and its changes since the last round."""
    critique = record.critique
    delta = f"{critique.overall - previous.critique.overall:+.1f}" if previous else None
    st.metric("Overall", f"{critique.overall:.1f}/10", delta=delta)
    left, right = st.columns(2)
    left.dataframe(render.rubric_rows(record), hide_index=True)
    right.dataframe(render.metric_rows(record), hide_index=True)
    if critique.fallback:
        st.caption("The critic's reply was unusable, so a safe default score ended the loop.")
    st.markdown("**Issues**\n\n" + render.bullet_list(critique.issues))
    if critique.gaps:
        st.markdown("**Gaps to research**\n\n" + render.bullet_list(critique.gaps))
    if previous is None:
        st.caption("First round: nothing to compare against yet.")
    else:
        summary = render.diff_summary(previous.markdown, record.markdown)
        st.markdown(f"**Changes since round {previous.round}** · {summary}")
        diff = render.round_diff(
            previous.markdown, record.markdown, from_round=previous.round, to_round=record.round
        )
        st.code(diff or "no changes", language="diff", wrap_lines=True)
    with st.expander("This round's draft"):
        st.markdown(record.markdown)


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


def main() -> None:
    st.set_page_config(page_title="Draftsmith", page_icon=":material/edit_note:", layout="centered")
    st.title("Draftsmith")
    st.caption("Local agents research, outline, write, edit and critique a blog post for you.")
    model_form = model_sidebar()
    job: session.DraftJob | None = st.session_state.get(JOB)
    busy = job is not None and not job.finished
    if not busy and session.run_gate().busy:
        st.caption("Another session is drafting now: a new run will wait in the queue until it ends.")
    submitted = draft_form(busy)
    if submitted is not None and not busy:
        form, uploads = submitted
        try:
            with st.spinner("Checking the settings and loading the model…"):
                prepared = session.prepare_run(form, model_form, uploads)
        except DraftsmithError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            st.session_state[JOB] = session.DraftJob(prepared, session.run_gate()).start()
            st.rerun()  # draw the form again, its button disabled while the run goes
    if job is None:
        return
    if not job.finished:
        follow(job)
    show_outcome(job)


main()
