"""Session-state keys and the button actions that move between views (the page reruns after each)."""

from __future__ import annotations

import streamlit as st

from core.errors import DraftsmithError
from core.settings import load_settings
from ui.web import history
from ui.web.live import LIVE

JOB = "draftsmith_job"
PAGE = "page"
OPENED = "opened_run"
CONFIRM = "confirm_delete"
NOTICE = "notice"
SIDEBAR = "sidebar_model"  # the sidebar's model settings as last drawn, for Resume buttons


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


def watch(run_id: str) -> None:
    """Button action: follow a live run on the New draft page (progress, streamed text, Stop)."""
    job = LIVE.get(run_id)
    if job is not None:
        st.session_state[JOB] = job
    st.session_state[PAGE] = "draft"
    st.session_state.pop(OPENED, None)


def attach_live_run() -> None:
    """A page that loads while a run goes on in this server (a reload, a second tab, a laptop
    back from sleep) follows it: its progress from the current step, the text so far, Stop."""
    if st.session_state.get(JOB) is None:
        job = LIVE.current()
        if job is not None:
            st.session_state[JOB] = job
