"""The web UI (``app.py`` runs ``ui.web.views.page.main``).

``views/`` draws the page with Streamlit widgets; the modules beside it hold what the page shows
and does, with no widgets: ``session`` (form values to a checked run, the shared model),
``models`` (the sidebar's model choices, *Auto*'s download offer), ``job`` (a run in a background
thread), ``live`` (the runs going on in this server process), ``history`` (past runs), ``render``,
``scores`` and ``redline`` (display data), ``progress`` (the agent chain), ``advice`` (errors in
the page's words).
"""
