"""Draftsmith in the browser: ``make ui`` (``streamlit run app.py``, bound to 127.0.0.1).

This page only lays out widgets and renders; ``ui/`` checks input, runs drafts in the background
and turns events and results into display data. Runs belong to the server process, not to a
browser tab (``ui/live.py``): a page that loads while one goes on shows it. Model text is
rendered as markdown with raw HTML disabled (Streamlit's default), and untrusted single lines
are escaped first.
"""

from __future__ import annotations

import streamlit as st

from backends.presets import format_size
from core.errors import DraftsmithError, NoDraftYetError, RunNotFoundError
from core.progress import ProgressView
from core.request_limits import limits
from core.result import DraftResult
from core.settings import load_settings
from core.state import RoundRecord
from exports import to_html, to_json, to_markdown
from ui import history, render, session
from ui.advice import Explained, explain
from ui.live import LIVE
from ui.progress import chain, round_label, step_line

JOB = "draftsmith_job"
PAGE = "page"
OPENED = "opened_run"
CONFIRM = "confirm_delete"
NOTICE = "notice"
SIDEBAR = "sidebar_model"  # the sidebar's model settings as last drawn, for Resume buttons
# The upload hint reads "MD, TXT, HTML"; Streamlit adds .htm (a notes folder may also hold .markdown, .text).
UPLOAD_TYPES = (".md", ".txt", ".html")
STOP_HELP = "End now: the step in flight is cut short and the best finished round is kept"
PAGES = {"draft": "New draft", "history": "History"}
POLL_SECONDS = 0.4
MODEL_SOURCES: dict[session.ModelSource, str] = {
    "auto": "Auto: Llama 3 when downloaded, else the embedded model",
    "embedded": "Embedded SmolLM2-135M (no setup)",
    "preset": "A model by name (Llama 3.2 1B/3B, 3.1 8B, …)",
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
        sources = list(MODEL_SOURCES)
        source = st.radio(
            "Model source",
            sources,
            index=sources.index(session.default_source()),
            format_func=MODEL_SOURCES.__getitem__,
            key="model_source",
        )
        values: dict[str, str] = {}
        if source == "auto":
            st.caption(f"Drafts with {render.escape_markdown(session.auto_offer().model)}.")
        elif source == "preset":
            values["preset"] = model_picker()
        elif source == "path":
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
        source=source or session.default_source(),
        threads=int(threads) if threads is not None else None,
        temperature=temperature,
        **values,
    )


def model_picker() -> str:
    """The models by name (as ``cli.py models`` lists them, the recommended one first chosen),
    with a download button and progress."""
    choices = session.model_choices()
    values = list(choices)
    recommended = next((i for i, label in enumerate(choices.values()) if session.RECOMMENDED in label), 0)
    name = st.selectbox(
        "Model", values, index=recommended, format_func=choices.__getitem__, key="model_preset"
    )
    missing = bool(name) and choices[name].endswith("downloads on first use")
    if missing and st.button("Download now", key="download_model"):
        try:
            download(name)
        except DraftsmithError as exc:
            st.error(str(exc))
    return name or ""


def download(name: str) -> None:
    """Download the model ``name`` now, with a progress bar (resumed where an earlier one stopped,
    checked against the hub's sha256).

    Raises:
        DraftsmithError: one line naming the model and why it could not be downloaded.
    """
    bar = st.progress(0.0, text="Downloading…")

    def show(done: int, total: int) -> None:
        shown = f"{format_size(done)} of {format_size(total)}" if total else format_size(done)
        bar.progress(min(done / total, 1.0) if total else 0.0, text=f"Downloading… {shown}")

    session.download_model(name, show)
    bar.progress(1.0, text="Downloaded")


def auto_offer() -> None:
    """With ``auto`` and the recommended Llama 3 not downloaded: say that the embedded model drafts
    and offer the download (its size on the button); nothing is downloaded before the click."""
    offer = session.auto_offer()
    if offer.notice is None:
        return
    st.info(render.escape_markdown(offer.notice), icon=":material/download:")
    if offer.download is None:
        return
    label = f"Download {offer.title} ({offer.size})"
    if not st.button(label, key="download_auto", icon=":material/download:", type="primary"):
        return
    try:
        download(offer.download)
    except DraftsmithError as exc:
        explained = explain(exc)
        st.error(
            render.escape_markdown(explained.message[:1].upper() + explained.message[1:])
            + "\n\nThe next draft uses the embedded model; **Download** again resumes where this stopped.",
            icon=":material/error:",
        )
    else:
        st.success(f"{offer.title} is downloaded: the next draft uses it.", icon=":material/check:")


def draft_form(busy: bool) -> tuple[session.RunForm, list[tuple[str, bytes]]] | None:
    """The request form; returns its values and the uploaded files when submitted."""
    length, count, good = limits("words"), limits("rounds"), limits("threshold")
    with st.form("draft_form", border=True):
        topic = st.text_input(
            "Topic",
            key="topic",
            max_chars=limits("topic").max_length,
            placeholder="Why local language models matter",
        )
        left, right = st.columns(2)
        audience = left.text_input("Audience", limits("audience").default, key="audience")
        tone = right.text_input("Tone", limits("tone").default, key="tone")
        left, middle, right = st.columns(3)
        words = left.number_input(
            "Target words", length.least, length.most, length.default, step=50, key="words"
        )
        rounds = middle.slider(
            "Rounds", count.least, count.most, count.default, key="rounds", help="maximum writing rounds"
        )
        threshold = right.slider(
            "Good enough at",
            good.least,
            good.most,
            good.default,
            0.5,
            format="%.1f",
            key="threshold",
            help="overall score that ends the loop",
        )
        search = st.radio(
            "Research",
            list(SEARCH_MODES),
            index=list(SEARCH_MODES).index(limits("search").default),
            format_func=SEARCH_MODES.__getitem__,
            horizontal=True,
            key="search",
        )
        files = st.file_uploader(
            "Your notes (optional)",
            type=list(UPLOAD_TYPES),
            accept_multiple_files=True,
            key="sources",
            help="Markdown, plain text or HTML files the agents research first",
        )
        feedback = st.text_area(
            "Notes for the writer (optional)", max_chars=limits("feedback").max_length, key="feedback"
        )
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


def new_draft(model_form: session.ModelForm, busy: bool) -> None:
    """The request form; a valid submission starts a run in the background."""
    if not busy and session.run_gate().busy:
        st.caption("Another run is drafting now: a new run waits in the queue until it ends.")
    submitted = draft_form(busy)
    if submitted is None or busy:
        return
    form, uploads = submitted
    try:
        with st.spinner("Checking the settings and loading the model…"):
            prepared = session.prepare_run(form, model_form, uploads)
    except DraftsmithError as exc:
        show_failure(explain(exc))
    else:
        st.session_state[JOB] = session.DraftJob(prepared, session.run_gate()).start()
        st.rerun()  # the progress takes the top of the page, the form moves below it


def draft_page(model_form: session.ModelForm) -> None:
    """The form, or a run's live progress (form folded below it), or its outcome (form below)."""
    show_notice()
    job: session.DraftJob | None = st.session_state.get(JOB)
    if model_form.source == "auto" and (job is None or job.finished):
        auto_offer()
    if job is None:
        new_draft(model_form, busy=False)
        return
    if not job.finished:
        follow()
        with st.expander("New draft (when this run ends)", expanded=False):
            new_draft(model_form, busy=True)
        return
    show_outcome(job)
    with st.expander("Start another draft", expanded=False, icon=":material/add:"):
        new_draft(model_form, busy=False)


@st.fragment(run_every=POLL_SECONDS)
def follow() -> None:
    """The run's live progress at the top of the page, redrawn on its own every poll; once the run
    ends the whole page reruns to show the outcome."""
    job: session.DraftJob | None = st.session_state.get(JOB)
    if job is None or not on_page("draft"):
        return
    if job.finished:
        st.rerun()
    # One block holds it all: the History page draws its banner at this place, which replaces the
    # block whole (separate elements here could outlive the switch of pages).
    with st.container(key="live_progress"):
        st.button(
            "Stop",
            key="stop",
            icon=":material/stop_circle:",
            on_click=job.request_stop,
            disabled=job.stop_requested,
            help=STOP_HELP,
        )
        hidden = ("researcher",) if job.prepared.request.search == "off" else ()
        progress_panel(job.view(), job.state == "queued", job.stop_requested, hidden)


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


def show_outcome(job: session.DraftJob) -> None:
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


def resume_option(run_id: str, key: str) -> session.ModelForm | None:
    """Say which model a Resume uses (the sidebar's now) and offer to keep the run's own; returns
    the sidebar's model settings, or None to keep the run's."""
    form: session.ModelForm = st.session_state.get(SIDEBAR) or session.ModelForm()
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


def resume_button(run_id: str, key: str, form: session.ModelForm | None) -> None:
    """Resume a stored run with ``form``'s model (None: its own); disabled while this page
    follows a run."""
    job: session.DraftJob | None = st.session_state.get(JOB)
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


def resume_run(run_id: str, form: session.ModelForm | None = None) -> None:
    """Button action: continue a stored run in the background and show its progress."""
    api_key = str(st.session_state.get("api_key") or "")
    try:
        with st.spinner("Loading the run and its model…"):
            prepared = history.prepare_resume(run_id, form, api_key)
    except DraftsmithError as exc:
        st.session_state[NOTICE] = exc
        return
    st.session_state[JOB] = session.DraftJob(prepared, session.run_gate()).start()
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
    tie = render.tie_note(rounds, result.best_round)
    if tie:
        st.caption(tie)
    labels = ["Draft", *[render.round_tab_label(r, rounds) for r in rounds]]
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


def scores_panel(rounds: list[RoundRecord], threshold: float, grounded: bool = False) -> None:
    """The score chart with the labelled threshold, the scores and the measured signals per round."""
    st.altair_chart(render.score_chart(rounds, threshold), width="stretch")
    st.dataframe(render.score_table(rounds), hide_index=True)
    st.markdown("**Measured signals per round**")
    st.dataframe(render.signal_table(rounds, grounded), hide_index=True)
    if grounded:
        st.caption(render.escape_markdown(render.COVERAGE_HELP))


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


def round_panel(record: RoundRecord, previous: RoundRecord | None, grounded: bool = False) -> None:
    """A round's critique, what the writer worked on, and a redline against the last round."""
    critique = record.critique
    before = previous.critique.overall if previous else None
    st.metric("Overall", f"{critique.overall:.1f}/10", delta=render.score_delta(critique.overall, before))
    with st.container(key=f"breakdown_{record.round}"):
        st.markdown("**How the overall is made**\n\n" + "\n\n".join(render.score_breakdown_lines(record)))
    if previous is not None:
        acted = [issue.text for issue in previous.critique.issues]
        worked_on = (
            render.bullet_list(acted)
            if acted
            else f"_no issues named; the lowest scores were {render.weakest_items(previous)}_"
        )
        st.markdown(f"**The writer worked on** (round {previous.round}'s critique)\n\n{worked_on}")
    left, right = st.columns(2)
    left.dataframe(render.rubric_rows(record), hide_index=True)
    right.dataframe(render.metric_rows(record, grounded), hide_index=True)
    if grounded:
        right.caption(render.escape_markdown(render.COVERAGE_HELP))
    if critique.fallback:
        st.caption("The critic's reply was unusable, so a safe default score ended the loop.")
    if critique.issues:
        issues = [issue.text for issue in critique.issues]
        st.markdown("**The critic's issues**\n\n" + render.bullet_list(issues))
    else:
        st.markdown(f"**The critic named no issues**; the lowest scores are {render.weakest_items(record)}.")
    unsupported = render.unsupported_specifics(record)
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
    summary = render.diff_summary(previous.markdown, record.markdown)
    st.markdown(f"**Changes since round {previous.round}** · {summary}")
    marked = render.redline(previous.markdown, record.markdown)
    if marked:
        with st.container(height=420, border=True, key=f"redline_{record.round}"):
            st.markdown(marked)


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
    job: session.DraftJob | None = st.session_state.get(JOB)
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
            buttons.button(
                "Watch",
                key=f"watch_{row.run_id}",
                icon=":material/visibility:",
                on_click=watch,
                args=(row.run_id,),
            )
        else:
            buttons.button("Open", key=f"open_{row.run_id}", on_click=open_run, args=(row.run_id,))
        if row.resumable:
            with text:
                form = resume_option(row.run_id, key=f"resume_{row.run_id}")
            with buttons:
                resume_button(row.run_id, key=f"resume_{row.run_id}", form=form)
        if row.status != "running":
            buttons.button(
                "Delete",
                key=f"delete_{row.run_id}",
                icon=":material/delete:",
                on_click=ask_delete,
                args=(row.run_id,),
            )
        if st.session_state.get(CONFIRM) == row.run_id:
            confirm_delete(row)


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
        "–" if best is None else render.score(best),
        resumable=False,
        where=history.live_where(job),
        live=True,
    )
    st.caption(row_caption(row))


def watch(run_id: str) -> None:
    """Button action: follow a live run on the New draft page (progress, streamed text, Stop)."""
    job = LIVE.get(run_id)
    if job is not None:
        st.session_state[JOB] = job
    st.session_state[PAGE] = "draft"
    st.session_state.pop(OPENED, None)


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


def on_page(page: str) -> bool:
    """Whether ``page`` is shown. A fragment that polls on its own (``run_every``) checks it: its
    timer may fire once more after the user switched pages, and must then draw nothing."""
    return st.session_state.get(PAGE, "draft") == page


def go_to(page: str) -> None:
    """Button action: switch pages."""
    st.session_state[PAGE] = page


def open_run(run_id: str | None) -> None:
    """Button action: show one run (or, with None, the list again)."""
    st.session_state.pop(CONFIRM, None)
    if run_id is None:
        st.session_state.pop(OPENED, None)
    else:
        st.session_state[OPENED] = run_id


def ask_delete(run_id: str) -> None:
    """Button action: ask for confirmation before deleting."""
    st.session_state[CONFIRM] = run_id


def delete(run_id: str) -> None:
    """Button action: delete a run after confirmation."""
    st.session_state.pop(CONFIRM, None)
    try:
        history.remove_run(run_id, load_settings().data_dir)
    except DraftsmithError as exc:
        st.session_state[NOTICE] = exc
    else:
        st.toast("Run deleted.", icon=":material/delete:")


def attach_live_run() -> None:
    """A page that loads while a run goes on in this server (a reload, a second tab, a laptop
    back from sleep) follows it: its progress from the current step, the text so far, Stop."""
    if st.session_state.get(JOB) is None:
        job = LIVE.current()
        if job is not None:
            st.session_state[JOB] = job


def main() -> None:
    st.set_page_config(page_title="Draftsmith", page_icon=":material/edit_note:", layout="centered")
    st.title("Draftsmith")
    st.caption("Local agents research, outline, write, edit and critique a blog post for you.")
    model_form = model_sidebar()
    st.session_state[SIDEBAR] = model_form
    attach_live_run()
    st.session_state.setdefault(PAGE, "draft")
    page = st.segmented_control(
        "Page",
        list(PAGES),
        format_func=PAGES.__getitem__,
        required=True,
        key=PAGE,
        label_visibility="collapsed",
    )
    if page == "history":
        history_page()
    else:
        draft_page(model_form)


main()
