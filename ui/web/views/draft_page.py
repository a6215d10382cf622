"""The New draft page: *Auto*'s download offer, the request form, a run's live progress (Stop)
with the form folded below it, then its outcome."""

from __future__ import annotations

import streamlit as st

from core.errors import DraftsmithError
from core.request_limits import limits
from ui.web import models, render, session
from ui.web.advice import explain
from ui.web.job import DraftJob
from ui.web.views.live_progress import progress_panel
from ui.web.views.navigation import JOB, on_page
from ui.web.views.result_view import show_failure, show_notice, show_outcome
from ui.web.views.sidebar import download

# The upload hint reads "MD, TXT, HTML"; Streamlit adds .htm (a notes folder may also hold .markdown, .text).
UPLOAD_TYPES = (".md", ".txt", ".html")
STOP_HELP = "End now: the step in flight is cut short and the best finished round is kept"
POLL_SECONDS = 0.4

SEARCH_MODES: dict[str, str] = {
    "auto": "Auto (web, plus your notes)",
    "web": "Web only",
    "local": "Your notes only",
    "off": "Off (model knowledge only)",
}


def auto_offer() -> None:
    """With ``auto`` and the recommended Llama 3 not downloaded: say that the embedded model drafts
    and offer the download (its size on the button); nothing is downloaded before the click."""
    offer = models.auto_offer()
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


def new_draft(model_form: models.ModelForm, busy: bool) -> None:
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
        st.session_state[JOB] = DraftJob(prepared, session.run_gate()).start()
        st.rerun()  # the progress takes the top of the page, the form moves below it


def draft_page(model_form: models.ModelForm) -> None:
    """The form, or a run's live progress (form folded below it), or its outcome (form below)."""
    show_notice()
    job: DraftJob | None = st.session_state.get(JOB)
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
    job: DraftJob | None = st.session_state.get(JOB)
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
