"""The front ends: ``web/`` (the Streamlit page; ``app.py`` starts it), ``cli/`` (the command line;
``cli.py`` starts it) and ``exports`` (a result as Markdown, HTML or JSON, and safe file writes),
which both use. The two front ends never import each other (``pyproject.toml``'s contracts)."""
