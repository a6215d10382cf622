"""The page: title, the model sidebar, and the New draft or History page (``app.py`` runs
:func:`main` on every rerun)."""

from __future__ import annotations

import streamlit as st

from ui.web.views.draft_page import draft_page
from ui.web.views.history_page import history_page
from ui.web.views.navigation import PAGE, SIDEBAR, attach_live_run
from ui.web.views.sidebar import model_sidebar

PAGES = {"draft": "New draft", "history": "History"}


def main() -> None:
    """Draw the page: Streamlit runs this again on every click (``app.py``)."""
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
