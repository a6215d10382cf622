"""The command line (``python cli.py``, which runs :func:`ui.cli.main.main`).

``parser`` (the arguments), ``main`` (dispatch, exit codes, crash log), ``options`` (flags to
settings and request), ``drafting`` (draft and resume), ``commands`` (runs, show, models),
``batch`` (many topics, each post written to a file), ``interrupts`` (Ctrl-C); terminal output:
``progress`` (live progress), ``tables``, ``pauses`` (outline review and notes).
"""
