"""Draftsmith in the browser: ``make ui`` (``streamlit run app.py``, bound to 127.0.0.1).

The page is ``ui/web/``: ``ui/web/views/`` lays out widgets and renders; the modules beside it
check input, run drafts in the background and turn events and results into display data. Runs
belong to the server process, not to a browser tab (``ui/web/live.py``): a page that loads while
one goes on shows it. Model text is rendered as markdown with raw HTML disabled (Streamlit's
default), and untrusted single lines are escaped first.
"""

from ui.web.views.page import main

main()
