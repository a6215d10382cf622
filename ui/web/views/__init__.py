"""The page, drawn with Streamlit widgets: ``page`` (title, sidebar, the two pages), ``sidebar``,
``draft_page`` (the form and a run's progress), ``live_progress``, ``result_view`` and
``round_view`` (a result), ``history_page``, and ``navigation`` (session-state keys, button
actions)."""
